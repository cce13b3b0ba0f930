/* test-cli-tokenize.c: `switchyard-cli tokenize` against the fixtures
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

#include "sy-test-util.h"

static void
check_one_line_error (const char *err)
{
  sy_test_assert_cli_error (err, NULL);
}

/* Every case of a fixture family through the CLI (one run with --jsonl
 * for all texts, one with --special too): ids, tokens, offsets, decoded,
 * and the ids with BOS/EOS. */
static void
test_cli_tokenize_family (gconstpointer data)
{
  const char *family = data;
  g_autofree char *dir = g_build_filename (g_getenv ("SY_FIXTURES"), "tokenizers", family, NULL);
  g_autofree char *cases_path = g_build_filename (dir, "cases.json", NULL);
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-cli-tok-XXXXXX");
  g_autofree char *list = g_build_filename (tmp, "texts.jsonl", NULL);
  g_autofree char *out = NULL, *err = NULL, *out_sp = NULL, *err_sp = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) lines_sp = NULL;
  g_autoptr (GString) texts = g_string_new (NULL);
  json_object *root = json_object_from_file (cases_path), *cases;
  const char *args[] = { "tokenize", "--model", dir, "--jsonl", list, NULL };
  const char *args_sp[] = { "tokenize", "--model", dir, "--jsonl", list, "--special", NULL };
  const char *keys[] = { "ids", "tokens", "offsets", "decoded" };
  size_t n;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  n = json_object_array_length (cases);
  for (size_t c = 0; c < n; c++)
    {
      json_object *text = json_object_object_get (json_object_array_get_idx (cases, c), "text");
      g_string_append_printf (texts, "%s\n", json_object_to_json_string (text));
    }
  g_assert_true (g_file_set_contents (list, texts->str, texts->len, NULL));
  g_assert_cmpint (sy_test_cliv (args, &out, &err), ==, 0);
  g_assert_cmpint (sy_test_cliv (args_sp, &out_sp, &err_sp), ==, 0);
  g_unlink (list);
  g_rmdir (tmp);
  lines = g_strsplit (out, "\n", -1);
  lines_sp = g_strsplit (out_sp, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n + 1);   /* + the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines_sp), ==, n + 1);
  for (size_t c = 0; c < n; c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c);
      json_object *got = json_tokener_parse (lines[c]);
      json_object *got_sp = json_tokener_parse (lines_sp[c]);

      g_assert_nonnull (got);
      g_assert_nonnull (got_sp);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          json_object *want = json_object_object_get (cs, keys[k]);
          json_object *have = json_object_object_get (got, keys[k]);
          if (!json_object_equal (want, have))
            g_test_message ("%s %s: want %s have %s", family, keys[k], json_object_to_json_string (want),
                            json_object_to_json_string (have));
          g_assert_true (json_object_equal (want, have));
        }
      g_assert_true (json_object_equal (json_object_object_get (cs, "ids_with_special"),
                                        json_object_object_get (got_sp, "ids")));
      json_object_put (got);
      json_object_put (got_sp);
    }
  json_object_put (root);
}

/* A model folder works too, and so does a folder holding only tokenizer.json. */
static void
test_cli_tokenize_model_folder (void)
{
  g_autofree char *model = sy_test_model_path ("mixtral", "");
  g_autofree char *src = g_build_filename (model, "tokenizer.json", NULL);
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-cli-tok-XXXXXX");
  g_autofree char *dst = g_build_filename (tmp, "tokenizer.json", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out1 = NULL, *err1 = NULL, *out2 = NULL, *err2 = NULL;
  gsize len;
  const char *args1[] = { "tokenize", "--model", model, "--text", "The service is pretty good.", "--special", NULL };
  const char *args2[] = { "tokenize", "--model", tmp, "--text", "The service is pretty good.", "--special", NULL };
  json_object *a, *b;

  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (dst, contents, len, NULL));
  g_assert_cmpint (sy_test_cliv (args1, &out1, &err1), ==, 0);
  g_assert_cmpint (sy_test_cliv (args2, &out2, &err2), ==, 0);
  g_unlink (dst);
  g_rmdir (tmp);
  a = json_tokener_parse (out1);
  b = json_tokener_parse (out2);
  g_assert_nonnull (a);
  g_assert_true (json_object_equal (a, b));
  /* BOS first, then the text */
  g_assert_cmpint (json_object_get_int (json_object_array_get_idx (json_object_object_get (a, "ids"), 0)), ==, 1);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (a, "decoded")), ==, "The service is pretty good.");
  json_object_put (a);
  json_object_put (b);
}

static void
test_cli_tokenize_errors (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("SY_FIXTURES"), "tokenizers", "bytelevel", NULL);
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL, *err3 = NULL;
  const char *no_model[] = { "tokenize", "--text", "hello", NULL };
  const char *missing[] = { "tokenize", "--model", "/nonexistent/model", "--text", "hello", NULL };
  const char *no_text[] = { "tokenize", "--model", dir, NULL };

  /* without --model: the demo model's tokenizer (lossless byte-level BPE) */
  g_assert_cmpint (sy_test_cliv (no_model, &out, &err), ==, 0);
  {
    json_object *got = json_tokener_parse (out);
    g_assert_nonnull (got);
    g_assert_cmpstr (json_object_get_string (json_object_object_get (got, "decoded")), ==, "hello");
    g_assert_cmpint (json_object_array_length (json_object_object_get (got, "ids")), >, 0);
    json_object_put (got);
  }
  g_assert_cmpint (sy_test_cliv (missing, &out2, &err2), !=, 0);
  check_one_line_error (err2);
  g_assert_nonnull (strstr (err2, "/nonexistent/model"));
  g_assert_cmpint (sy_test_cliv (no_text, &out3, &err3), !=, 0);
  check_one_line_error (err3);
}

static const char *const families[] = { "bytelevel", "llama3", "qwen2", "spm", "metaspace", NULL };

static const SyTestCase tests[] = {
  { "/cli/tokenize", NULL, test_cli_tokenize_family, families },
  { "/cli/tokenize/model-folder", test_cli_tokenize_model_folder },
  { "/cli/tokenize/errors", test_cli_tokenize_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

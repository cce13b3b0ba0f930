/* test-tokenizer.c: the tokenizer against the reference fixtures, and on
 * edge cases whose results follow from the tokenizer.json semantics
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-tokenizer.h"

static const char *families[] = { "bytelevel", "llama3", "qwen2", "spm", "metaspace" };
static const char *models[] = { "deepseek_v3", "gpt_oss", "granitemoe", "mixtral", "olmoe", "qwen2_moe", "qwen3_moe" };

static char *
fixture_path (const char *first,
              ...)
{
  va_list args;
  GString *path = g_string_new (g_getenv ("SY_FIXTURES"));
  const char *part;

  g_assert_nonnull (g_getenv ("SY_FIXTURES"));
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, part);
    }
  va_end (args);
  return g_string_free (path, FALSE);
}

static SyTokenizer *
load_family (const char *family)
{
  g_autofree char *dir = fixture_path ("tokenizers", family, NULL);
  g_autoptr (GError) error = NULL;
  SyTokenizer *tok = sy_tokenizer_load (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tok);
  return tok;
}

static SyEncoding *
encode (SyTokenizer *tok,
        const char  *text,
        gboolean     special)
{
  g_autoptr (GError) error = NULL;
  SyEncoding *enc = sy_tokenizer_encode (tok, text, -1, special, &error);

  g_assert_no_error (error);
  g_assert_nonnull (enc);
  return enc;
}

static void
check_ids (const char  *what,
           const char  *text,
           json_object *expected,
           const SyEncoding *enc)
{
  gboolean same = (int) json_object_array_length (expected) == enc->n;

  for (int i = 0; same && i < enc->n; i++)
    same = json_object_get_int (json_object_array_get_idx (expected, i)) == enc->ids[i];
  if (!same)
    {
      g_autoptr (GString) got = g_string_new (NULL);
      for (int i = 0; i < enc->n; i++)
        g_string_append_printf (got, "%d(%s) ", enc->ids[i], enc->tokens[i]);
      g_test_message ("%s: text %s\n  expected %s\n  got      %s", what, text,
                      json_object_to_json_string (expected), got->str);
    }
  g_assert_true (same);
}

static void
test_family (gconstpointer data)
{
  const char *family = data;
  g_autofree char *cases_path = fixture_path ("tokenizers", family, "cases.json", NULL);
  g_autoptr (SyTokenizer) tok = load_family (family);
  json_object *root = json_object_from_file (cases_path), *cases;
  size_t n;

  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  n = json_object_array_length (cases);
  g_assert_cmpuint (n, >, 0);
  for (size_t c = 0; c < n; c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c), *ids, *toks, *ids_sp, *offsets, *decoded_j;
      const char *text;
      g_autoptr (SyEncoding) enc = NULL;
      g_autoptr (SyEncoding) enc_sp = NULL;
      g_autofree char *decoded = NULL;

      g_assert_true (json_object_object_get_ex (cs, "ids", &ids));
      g_assert_true (json_object_object_get_ex (cs, "tokens", &toks));
      g_assert_true (json_object_object_get_ex (cs, "ids_with_special", &ids_sp));
      g_assert_true (json_object_object_get_ex (cs, "offsets", &offsets));
      g_assert_true (json_object_object_get_ex (cs, "decoded", &decoded_j));
      text = json_object_get_string (json_object_object_get (cs, "text"));

      enc = encode (tok, text, FALSE);
      check_ids ("ids", text, ids, enc);
      for (int i = 0; i < enc->n; i++)
        {
          json_object *o = json_object_array_get_idx (offsets, i);
          g_assert_cmpstr (enc->tokens[i], ==, json_object_get_string (json_object_array_get_idx (toks, i)));
          if (enc->offsets[2 * i] != json_object_get_int (json_object_array_get_idx (o, 0))
              || enc->offsets[2 * i + 1] != json_object_get_int (json_object_array_get_idx (o, 1)))
            g_test_message ("offsets of token %d of %s: got [%d, %d], expected %s", i, text,
                            enc->offsets[2 * i], enc->offsets[2 * i + 1], json_object_to_json_string (o));
          g_assert_cmpint (enc->offsets[2 * i], ==, json_object_get_int (json_object_array_get_idx (o, 0)));
          g_assert_cmpint (enc->offsets[2 * i + 1], ==, json_object_get_int (json_object_array_get_idx (o, 1)));
        }

      enc_sp = encode (tok, text, TRUE);
      check_ids ("ids_with_special", text, ids_sp, enc_sp);

      decoded = sy_tokenizer_decode (tok, enc->ids, enc->n, TRUE);
      g_assert_cmpstr (decoded, ==, json_object_get_string (decoded_j));
    }
  json_object_put (root);
}

static void
test_model (gconstpointer data)
{
  const char *model = data;
  g_autofree char *dir = fixture_path ("models", model, NULL);
  g_autofree char *ref_path = fixture_path ("models", model, "reference.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = sy_tokenizer_load (dir, &error);
  json_object *root = json_object_from_file (ref_path), *cases;

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  g_assert_cmpuint (json_object_array_length (cases), >, 0);
  for (size_t c = 0; c < json_object_array_length (cases); c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c), *ids;
      const char *text = json_object_get_string (json_object_object_get (cs, "text"));
      g_autoptr (SyEncoding) enc = encode (tok, text, TRUE);

      g_assert_true (json_object_object_get_ex (cs, "input_ids", &ids));
      check_ids ("input_ids", text, ids, enc);
    }
  json_object_put (root);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autofree char *name = g_strdup_printf ("/tokenizer/fixture/%s", families[i]);
      g_test_add_data_func (name, families[i], test_family);
    }
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *name = g_strdup_printf ("/tokenizer/model/%s", models[i]);
      g_test_add_data_func (name, models[i], test_model);
    }
  return g_test_run ();
}

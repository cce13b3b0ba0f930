/* sy-cli-tokenize.c: `switchyard-cli tokenize` and `bench-tokenizer`
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sy-cli.h"
#include "sy-default-model.h"
#include "sy-gguf.h"
#include "sy-tokenizer.h"

/* The JSON object of one text: {"ids", "tokens", "offsets", "decoded"}. */
static json_object *
tokenize_json (SyTokenizer  *tok,
               const char   *text,
               gsize         len,
               gboolean      special,
               GError      **error)
{
  g_autoptr (SyEncoding) enc = NULL;
  g_autoptr (SyEncoding) plain = NULL;
  g_autofree char *decoded = NULL;
  json_object *root, *ids, *tokens, *offsets;

  enc = sy_tokenizer_encode (tok, text, len, special, error);
  if (enc == NULL)
    return NULL;
  /* "decoded" turns the text's own ids (no added BOS/EOS) back into text */
  plain = special ? sy_tokenizer_encode (tok, text, len, FALSE, error) : NULL;
  if (special && plain == NULL)
    return NULL;
  decoded = sy_tokenizer_decode (tok, (plain ? plain : enc)->ids, (plain ? plain : enc)->n, TRUE);

  root = json_object_new_object ();
  ids = json_object_new_array_ext (enc->n);
  tokens = json_object_new_array_ext (enc->n);
  offsets = json_object_new_array_ext (enc->n);
  for (int i = 0; i < enc->n; i++)
    {
      json_object *pair = json_object_new_array_ext (2);

      json_object_array_add (ids, json_object_new_int (enc->ids[i]));
      json_object_array_add (tokens, json_object_new_string (enc->tokens[i]));
      json_object_array_add (pair, json_object_new_int (enc->offsets[2 * i]));
      json_object_array_add (pair, json_object_new_int (enc->offsets[2 * i + 1]));
      json_object_array_add (offsets, pair);
    }
  json_object_object_add (root, "ids", ids);
  json_object_object_add (root, "tokens", tokens);
  json_object_object_add (root, "offsets", offsets);
  json_object_object_add (root, "decoded", json_object_new_string (decoded));
  return root;
}

/* The tokenizer of --model: a GGUF file's own (from its metadata), or a
 * tokenizer.json / the folder holding one. */
static SyTokenizer *
load_tokenizer (const char  *model,
                GError     **error)
{
  g_autoptr (SyGguf) gguf = NULL;

  if (!g_file_test (model, G_FILE_TEST_IS_REGULAR) || !sy_gguf_is_gguf (model))
    return sy_tokenizer_load (model, error);
  gguf = sy_gguf_open (model, error);
  if (gguf == NULL)
    return NULL;
  return sy_gguf_tokenizer_new (gguf, error);
}

static void
print_json (json_object *obj)
{
  printf ("%s\n", json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* --jsonl FILE: one JSON string per line in, one object per line out
 * (with "error" for a text that fails). */
static int
tokenize_jsonl (SyTokenizer *tok,
                const char  *path,
                gboolean     special)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    return sy_cli_error_from (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      json_object *in, *out;

      if (lines[i][0] == '\0')
        continue;
      in = json_tokener_parse (lines[i]);
      if (in == NULL || !json_object_is_type (in, json_type_string))
        {
          json_object_put (in);
          return sy_cli_error ("%s:%d: not a JSON string", path, i + 1);
        }
      out = tokenize_json (tok, json_object_get_string (in), json_object_get_string_len (in), special, &error);
      if (out == NULL)
        {
          out = json_object_new_object ();
          json_object_object_add (out, "error", json_object_new_string (error->message));
          g_clear_error (&error);
        }
      print_json (out);
      json_object_put (out);
      json_object_put (in);
    }
  return 0;
}

int
sy_cli_tokenize (int    argc,
                 char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *text = NULL;
  g_autofree char *jsonl = NULL;
  gboolean special = FALSE;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder, a folder holding tokenizer.json, a tokenizer.json, or a GGUF file", "M" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &text, "Text to tokenize", "TEXT" },
    { "special", 0, 0, G_OPTION_ARG_NONE, &special, "Add BOS/EOS as the post-processor does", NULL },
    { "jsonl", 0, 0, G_OPTION_ARG_FILENAME, &jsonl,
      "Tokenize each line of FILE (a JSON string), one JSON object per line", "FILE" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = NULL;
  json_object *out;

  if (!sy_cli_parse_options ("tokenize", "- tokenize a text", NULL, entries, FALSE, &argc, &argv))
    return 1;
  if (text == NULL && jsonl == NULL)
    return sy_cli_error ("tokenize: --text TEXT is required");
  if (model == NULL)
    {
      /* the embedded demo model (docs/cli.md) */
      model = sy_default_model_path (&error);
      if (model == NULL)
        return sy_cli_error ("tokenize: no --model given and the demo model is not available: %s",
                             error->message);
    }

  tok = load_tokenizer (model, &error);
  if (tok == NULL)
    return sy_cli_error_from (error);
  if (jsonl != NULL)
    return tokenize_jsonl (tok, jsonl, special);
  out = tokenize_json (tok, text, strlen (text), special, &error);
  if (out == NULL)
    return sy_cli_error_from (error);
  print_json (out);
  json_object_put (out);
  return 0;
}

int
sy_cli_bench_tokenizer (int    argc,
                        char **argv)
{
  g_autofree char *model = NULL;
  int repeat = 1;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder, tokenizer.json or GGUF file", "M" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Passes over the files (default 1)", "N" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = NULL;
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize bytes = 0, n_tokens = 0;
  gint64 t0, t1, t_first = 0;
  struct timespec c0, c1;

  if (!sy_cli_parse_options ("bench-tokenizer", "FILE... - tokenize files, report MB/s", NULL, entries,
                             FALSE, &argc, &argv))
    return 1;
  if (model == NULL)
    return sy_cli_error ("bench-tokenizer: --model M is required");
  if (argc < 2)
    return sy_cli_error ("bench-tokenizer: give at least one text file");
  tok = load_tokenizer (model, &error);
  if (tok == NULL)
    return sy_cli_error_from (error);
  for (int i = 1; i < argc; i++)
    {
      char *contents;
      gsize len;

      if (!g_file_get_contents (argv[i], &contents, &len, &error))
        return sy_cli_error_from (error);
      g_ptr_array_add (texts, contents);
      g_array_append_val (lens, len);
    }
  t0 = g_get_monotonic_time ();
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (int r = 0; r < MAX (repeat, 1); r++)
    {
      for (guint i = 0; i < texts->len; i++)
        {
          g_autoptr (SyEncoding) enc = sy_tokenizer_encode (tok, g_ptr_array_index (texts, i),
                                                            g_array_index (lens, gsize, i), FALSE, &error);
          if (enc == NULL)
            return sy_cli_error ("%s: %s", argv[i + 1], error->message);
          bytes += g_array_index (lens, gsize, i);
          n_tokens += enc->n;
        }
      if (r == 0)
        t_first = g_get_monotonic_time () - t0;
    }
  t1 = g_get_monotonic_time ();
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c1);
  {
    double wall = (t1 - t0) / 1e6;
    double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;

    /* on a shared machine the CPU time of this (single-threaded) process is
     * the steadier measure of one core's speed */
    printf ("{\"files\": %u, \"bytes\": %" G_GSIZE_FORMAT ", \"tokens\": %" G_GSIZE_FORMAT
            ", \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"mb_per_s\": %.2f, \"mb_per_cpu_s\": %.2f"
            ", \"first_pass_mb_per_s\": %.2f}\n",
            texts->len, bytes, n_tokens, wall, cpu, bytes / 1e6 / wall, bytes / 1e6 / MAX (cpu, 1e-9),
            (bytes / (double) MAX (repeat, 1)) / 1e6 / (MAX (t_first, 1) / 1e6));
  }
  return 0;
}

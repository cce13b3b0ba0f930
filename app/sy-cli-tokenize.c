/* sy-cli-tokenize.c: `switchyard-cli tokenize` and `bench-tokenizer`
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli.h"
#include "sy-tokenizer.h"

int
sy_cli_tokenize (int    argc,
                 char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *text = NULL;
  gboolean special = FALSE;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder, or a folder holding tokenizer.json, or a tokenizer.json", "M" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &text, "Text to tokenize", "TEXT" },
    { "special", 0, 0, G_OPTION_ARG_NONE, &special, "Add BOS/EOS as the post-processor does", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- tokenize a text");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = NULL;
  g_autoptr (SyEncoding) enc = NULL;
  g_autofree char *decoded = NULL;
  json_object *root, *ids, *tokens, *offsets;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return sy_cli_error_from (error);
  if (text == NULL)
    return sy_cli_error ("tokenize: --text TEXT is required");
  if (model == NULL)
    return sy_cli_error ("tokenize: no --model given and there is no embedded demo model yet; "
                         "pass --model with a model folder or a tokenizer.json");

  tok = sy_tokenizer_load (model, &error);
  if (tok == NULL)
    return sy_cli_error_from (error);
  enc = sy_tokenizer_encode (tok, text, -1, special, &error);
  if (enc == NULL)
    return sy_cli_error_from (error);
  /* "decoded" turns the ids without added BOS/EOS back into text */
  {
    g_autoptr (SyEncoding) plain = special ? sy_tokenizer_encode (tok, text, -1, FALSE, NULL) : NULL;
    const SyEncoding *e = plain != NULL ? plain : enc;
    decoded = sy_tokenizer_decode (tok, e->ids, e->n, TRUE);
  }

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
  printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return 0;
}

int
sy_cli_bench_tokenizer (int    argc,
                        char **argv)
{
  g_autofree char *model = NULL;
  int repeat = 1;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder or tokenizer.json", "M" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Passes over the files (default 1)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE... - tokenize files, report MB/s");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTokenizer) tok = NULL;
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize bytes = 0, n_tokens = 0;
  gint64 t0, t1, t_first = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return sy_cli_error_from (error);
  if (model == NULL)
    return sy_cli_error ("bench-tokenizer: --model M is required");
  if (argc < 2)
    return sy_cli_error ("bench-tokenizer: give at least one text file");
  tok = sy_tokenizer_load (model, &error);
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
  printf ("{\"files\": %u, \"bytes\": %" G_GSIZE_FORMAT ", \"tokens\": %" G_GSIZE_FORMAT
          ", \"seconds\": %.3f, \"mb_per_s\": %.2f, \"first_pass_mb_per_s\": %.2f}\n",
          texts->len, bytes, n_tokens, (t1 - t0) / 1e6, bytes / 1e6 / ((t1 - t0) / 1e6),
          (bytes / (double) MAX (repeat, 1)) / 1e6 / (MAX (t_first, 1) / 1e6));
  return 0;
}

/* sy-cli-generate.c: `switchyard-cli generate`, greedy decoding
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   generate --model M (--text T | --ids 1,2,3) [--max-tokens N] [--router SPEC] [--json]
 *
 * Each step is a session run with one more id: the KV cache makes it a
 * decode step.  Under a non-causal policy the prompt is routed by it and
 * the new tokens natively (routing.md).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli-model.h"
#include "sy-cli.h"
#include "sy-session.h"

int
sy_cli_generate (int    argc,
                 char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ids_text = NULL;
  g_autofree char *router = NULL;
  int max_tokens = 32;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Model folder or .gguf file (a split one by any part)", "PATH" },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, "Prompt text", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &ids_text, "Prompt token ids", "1,2,3" },
    { "max-tokens", 0, 0, G_OPTION_ARG_INT, &max_tokens, "Tokens to generate (default 32)", "N" },
    { "router", 0, 0, G_OPTION_ARG_STRING, &router, "Routing policy", "SPEC" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"ids\": [...], \"text\": \"...\"}", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- greedy decoding");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autofree int32_t *prompt = NULL;
  g_autofree int32_t *ids = NULL;
  g_autofree char *out_text = NULL;
  const SyModelInfo *info;
  int n = 0, n_new = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return sy_cli_error_from (error);
  if (argc > 1)
    return sy_cli_error ("generate: unexpected argument '%s'", argv[1]);
  if (max_tokens < 0 || max_tokens > 1 << 20)
    return sy_cli_error ("generate: --max-tokens %d is out of range", max_tokens);

  model = sy_cli_load_model (model_path, &error);
  if (model == NULL)
    return sy_cli_error_from (error);
  info = sy_model_get_info (model);
  prompt = sy_cli_input_ids (model, text, ids_text, &n, &error);
  if (prompt == NULL)
    return sy_cli_error_from (error);
  spec = sy_cli_parse_router (router, &error);
  if (router && spec == NULL)
    return sy_cli_error_from (error);

  session = sy_session_new (model);
  sy_session_set_extend_native (session, TRUE);
  if (!sy_session_set_router (session, spec, &error))
    return sy_cli_error_from (error);

  ids = g_new (int32_t, n + max_tokens + 1);
  memcpy (ids, prompt, sizeof (int32_t) * n);
  for (int s = 0; s < max_tokens; s++)
    {
      g_autoptr (SyTrace) trace = sy_session_run (session, ids, n + n_new, NULL, NULL, &error);
      const float *logits, *last;
      int T, V, best = 0;

      if (trace == NULL)
        return sy_cli_error_from (error);
      logits = sy_session_get_logits (session, &T, &V);
      last = logits + (gsize) (T - 1) * V;
      for (int i = 1; i < V; i++)
        if (last[i] > last[best])
          best = i;
      ids[n + n_new++] = best;
      if (best == info->eos_token_id)
        break;
    }

  out_text = sy_cli_decode (model, ids + n, n_new);
  if (json)
    {
      json_object *root = json_object_new_object ();
      json_object *arr = json_object_new_array ();

      for (int i = 0; i < n_new; i++)
        json_object_array_add (arr, json_object_new_int (ids[n + i]));
      json_object_object_add (root, "ids", arr);
      json_object_object_add (root, "text", out_text ? json_object_new_string (out_text) : NULL);
      printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN
                                                           | JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (root);
    }
  else if (out_text)
    printf ("%s\n", out_text);
  else
    {
      for (int i = 0; i < n_new; i++)
        printf ("%s%d", i ? " " : "", ids[n + i]);
      printf ("\n");
    }
  return 0;
}

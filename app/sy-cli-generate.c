/* sy-cli-generate.c: `switchyard-cli generate`, greedy decoding
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   generate --model M (--text T | --ids 1,2,3) [--max-tokens N] [--router SPEC]
 *            [--temperature T] [--top-k K] [--seed S] [--json]
 *
 * sy_generate(): each step is a session run with one more id, which the
 * KV cache makes a decode step.  Under a non-causal policy the prompt is
 * routed by it and the new tokens natively (routing.md).  --json adds the
 * trace of prompt and continuation (route --json's) as "trace".
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli-model.h"
#include "sy-cli.h"
#include "sy-generate.h"
#include "sy-session.h"
#include "sy-trace-json.h"

int
sy_cli_generate (int    argc,
                 char **argv)
{
  g_auto (SyCliInput) in = { 0 };
  g_autofree char *seed_text = NULL;
  int max_tokens = 32, top_k = 0;
  double temperature = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_ACTIVATIONS (&in.activations),
    SY_CLI_OPTION_MODEL (&in.model_path),
    { "text", 0, 0, G_OPTION_ARG_STRING, &in.text, "Prompt text", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &in.ids_text, "Prompt token ids", "1,2,3" },
    { "max-tokens", 0, 0, G_OPTION_ARG_INT, &max_tokens, "Tokens to generate (default 32)", "N" },
    { "router", 0, 0, G_OPTION_ARG_STRING, &in.router, "Routing policy", "SPEC" },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &temperature,
      "Sample at this temperature (default 0: greedy)", "T" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &top_k, "Sample among the K most likely tokens (default 0: all)", "K" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Seed of the sampler (default 0)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print {\"ids\": [...], \"text\": \"...\", \"trace\": {...}}", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autofree char *out_text = NULL;
  SySession *session;
  const SyModelInfo *info;
  SySampling sampling;
  SyGenerateRequest request;
  const int32_t *new_ids;
  int n, n_new = 0;

  if (!sy_cli_parse_options ("generate", "- decoding, greedy or sampled", NULL, entries, TRUE, &argc, &argv))
    return 1;
  if (sy_cli_activations_error ("generate", in.activations) != NULL)
    return sy_cli_error ("%s", sy_cli_activations_error ("generate", in.activations));
  if (max_tokens < 0 || max_tokens > 1 << 20)
    return sy_cli_error ("generate: --max-tokens %d is out of range", max_tokens);
  if (!isfinite (temperature) || temperature < 0 || temperature > 100)
    return sy_cli_error ("generate: --temperature %g is out of range (0 to 100)", temperature);
  if (top_k < 0)
    return sy_cli_error ("generate: --top-k %d must not be negative", top_k);
  sy_sampling_init (&sampling);
  sampling.temperature = temperature;
  sampling.top_k = top_k;
  if (seed_text != NULL)
    {
      char *end = NULL;

      errno = 0;
      sampling.seed = g_ascii_strtoull (seed_text, &end, 10);
      if (*seed_text == '\0' || *seed_text == '-' || *end != '\0' || errno != 0)
        return sy_cli_error ("generate: --seed %s: not a non-negative integer", seed_text);
    }

  if (!sy_cli_input_open (&in, &error))
    return sy_cli_error_from (error);
  session = in.session;
  n = in.n_ids;
  info = sy_model_get_info (in.model);
  sy_session_set_extend_native (session, TRUE);
  /* only the text is printed: the prompt's LM head for its last position
   * (--json prints the trace, with every token's nll) */
  sy_session_set_last_logits (session, !json);

  request = (SyGenerateRequest) { .prompt = in.ids, .n_prompt = n, .max_new = max_tokens,
                                  .sampling = &sampling, .eos_ids = info->eos_token_ids,
                                  .n_eos = info->n_eos_token_ids };
  trace = sy_generate (session, &request, &n_new, &error);
  if (trace == NULL)
    return sy_cli_error_from (error);
  new_ids = trace->ids + n;

  out_text = sy_cli_decode (in.model, new_ids, n_new);
  if (json)
    {
      g_autofree char *trace_json = sy_trace_to_json (trace, FALSE);
      json_object *root = json_object_new_object ();
      json_object *arr = json_object_new_array ();
      json_object *samp = json_object_new_object ();

      for (int i = 0; i < n_new; i++)
        json_object_array_add (arr, json_object_new_int (new_ids[i]));
      json_object_object_add (root, "ids", arr);
      json_object_object_add (root, "text", out_text ? json_object_new_string (out_text) : NULL);
      json_object_object_add (root, "prompt_tokens", json_object_new_int (n));
      json_object_object_add (samp, "temperature", json_object_new_double (temperature));
      json_object_object_add (samp, "top_k", json_object_new_int (top_k));
      json_object_object_add (samp, "seed", json_object_new_uint64 (sampling.seed));
      json_object_object_add (root, "sampling", samp);
      json_object_object_add (root, "trace", json_tokener_parse (trace_json));
      printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN
                                                           | JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (root);
    }
  else if (out_text)
    printf ("%s\n", out_text);
  else
    {
      for (int i = 0; i < n_new; i++)
        printf ("%s%d", i ? " " : "", new_ids[i]);
      printf ("\n");
    }
  return 0;
}

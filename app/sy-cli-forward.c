/* sy-cli-forward.c: `switchyard-cli forward`, one pass, tensors dumped
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   forward --model M (--text T | --ids 1,2,3) [--router SPEC] --dump OUT.safetensors
 *
 * Writes F32 `logits` [T, V], `router_logits.I` [T, E] per MoE layer and
 * `hidden.I` [T, H] for I = 0..L (tests/fixtures/README.md).
 */
#include "config.h"

#include <stdio.h>

#include "sy-cli-model.h"
#include "sy-cli.h"
#include "sy-safetensors-writer.h"
#include "sy-session.h"

int
sy_cli_forward (int    argc,
                char **argv)
{
  g_auto (SyCliInput) in = { 0 };
  g_autofree char *dump = NULL;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_ACTIVATIONS (&in.activations),
    SY_CLI_OPTION_MODEL (&in.model_path),
    { "text", 0, 0, G_OPTION_ARG_STRING, &in.text, "Input text", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &in.ids_text, "Input token ids", "1,2,3" },
    { "router", 0, 0, G_OPTION_ARG_STRING, &in.router, "Routing policy", "SPEC" },
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &dump, "Output .safetensors", "FILE" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autoptr (SySafetensorsWriter) writer = NULL;
  SySession *session;
  const SyModelInfo *info;
  const float *logits;
  int T, V;

  if (!sy_cli_parse_options ("forward", "- run one forward pass and dump its tensors", NULL, entries,
                             TRUE, &argc, &argv))
    return 1;
  if (sy_cli_activations_error ("forward", in.activations) != NULL)
    return sy_cli_error ("%s", sy_cli_activations_error ("forward", in.activations));
  if (dump == NULL)
    return sy_cli_error ("forward: --dump OUT.safetensors is required");

  if (!sy_cli_input_open (&in, &error))
    return sy_cli_error_from (error);
  session = in.session;
  info = sy_model_get_info (in.model);
  sy_session_set_capture_hidden (session, TRUE);
  trace = sy_session_run (session, in.ids, in.n_ids, NULL, NULL, &error);
  if (trace == NULL)
    return sy_cli_error_from (error);

  writer = sy_safetensors_writer_new ();
  logits = sy_session_get_logits (session, &T, &V);
  {
    int64_t shape[2] = { T, V };

    if (!sy_safetensors_writer_add_f32 (writer, &(SyTensorDesc) { "logits", SY_DTYPE_F32, 2, shape }, logits, &error))
      return sy_cli_error_from (error);
  }
  for (int i = 0; i < trace->n_moe_layers; i++)
    {
      g_autofree char *name = g_strdup_printf ("router_logits.%d", i);
      int64_t shape[2] = { T, trace->n_experts };

      if (!sy_safetensors_writer_add_f32 (writer, &(SyTensorDesc) { name, SY_DTYPE_F32, 2, shape },
                                          trace->layers[i].logits, &error))
        return sy_cli_error_from (error);
    }
  for (int i = 0; i <= info->n_layers; i++)
    {
      g_autofree char *name = g_strdup_printf ("hidden.%d", i);
      int H;
      const float *h = sy_session_get_hidden (session, i, &T, &H);
      int64_t shape[2] = { T, H };

      if (!sy_safetensors_writer_add_f32 (writer, &(SyTensorDesc) { name, SY_DTYPE_F32, 2, shape }, h, &error))
        return sy_cli_error_from (error);
    }
  if (!sy_safetensors_writer_write (writer, dump, &error))
    return sy_cli_error_from (error);
  return 0;
}

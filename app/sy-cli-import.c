/* sy-cli-import.c: `switchyard-cli import` (docs/cli.md "import")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vLLM's, SGLang's and llama.cpp's routing dumps as id-only trace files.
 */
#include "config.h"

#include <stdio.h>

#include "sy-cli.h"
#include "sy-trace-import.h"

int
sy_cli_import (int    argc,
               char **argv)
{
  g_autofree char *from = NULL;
  g_autofree char *model = NULL;
  SyImportOptions opts = { 0, };
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "vllm, sglang or llamacpp", "SOURCE" },
    { "experts", 0, 0, G_OPTION_ARG_INT, &opts.n_experts,
      "Routed experts per layer (default: the largest id + 1)", "E" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &opts.n_layers,
      "Layers of a flat SGLang dump", "L" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &opts.top_k, "Experts per token of a flat SGLang dump", "K" },
    { "vocab", 0, 0, G_OPTION_ARG_INT, &opts.vocab_size, "Vocabulary size (checks the ids)", "V" },
    { "model-name", 0, 0, G_OPTION_ARG_STRING, &model, "Model name for the trace", "NAME" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  SyImportSource source;

  if (!sy_cli_parse_options ("import", "IN OUT.json - turn a serving engine's routing dump into a trace file",
                             NULL, entries, FALSE, &argc, &argv))
    return 1;
  if (from == NULL)
    return sy_cli_error ("import: --from vllm|sglang|llamacpp is required");
  if (argc != 3)
    return sy_cli_error ("import: give the input file and the output trace (IN OUT.json)");
  if (opts.n_experts < 0 || opts.n_layers < 0 || opts.top_k < 0 || opts.vocab_size < 0)
    return sy_cli_error ("import: --experts, --layers, --top-k and --vocab must be positive");
  if (!sy_import_source_parse (from, &source, &error))
    return sy_cli_error_from (error);
  opts.model = model;
  tf = sy_trace_import (source, argv[1], &opts, &error);
  if (tf == NULL)
    return sy_cli_error_from (error);
  if (!sy_trace_file_save (tf, argv[2], NULL, &error))
    return sy_cli_error_from (error);
  fprintf (stderr, "%s: %d tokens, %d MoE layers, %d experts, up to %d per token (ids only)\n",
           argv[2], tf->trace->n_tokens, tf->trace->n_moe_layers, tf->trace->n_experts,
           tf->trace->native_k);
  return 0;
}

/* sy-trace-import.h: serving engines' routing dumps as trace files
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Turns the expert ids that vLLM, SGLang and llama.cpp report into an
 * id-only SyTraceFile (values SY_TRACE_ROUTER_NONE): views of expert
 * picks, load and co-activation work on it; policies need probabilities
 * and say so.  docs/trace-format.md "Importing" lists the accepted forms.
 */
#pragma once

#include <glib.h>

#include "sy-trace-file.h"

G_BEGIN_DECLS

typedef enum
{
  SY_IMPORT_VLLM,       /* routed_experts [seq_len, n_layers, top_k]: .npy, or JSON
                         * (OpenAI response with base64 .npy, or nested lists) */
  SY_IMPORT_SGLANG,     /* /generate response: meta_info.routed_experts, base64 flat ints */
  SY_IMPORT_LLAMACPP,   /* moe-trace CSV: token,layer,expert[,weight][,id][,text] rows */
} SyImportSource;

typedef struct
{
  int         n_experts;   /* 0: the largest id + 1 */
  int         n_layers;    /* MoE layers of a flat dump (SGLang); 0: inferred */
  int         top_k;       /* experts per token of a flat dump (SGLang); 0: inferred */
  int         vocab_size;  /* 0: unknown */
  const char *model;       /* model name for the trace, or NULL */
} SyImportOptions;

gboolean     sy_import_source_parse (const char             *name,
                                     SyImportSource         *out,
                                     GError                **error);

SyTraceFile *sy_trace_import        (SyImportSource          source,
                                     const char             *path,
                                     const SyImportOptions  *options,
                                     GError                **error);

G_END_DECLS

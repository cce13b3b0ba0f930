/* sy-trace-file.h: recorded runs without the model (trace files)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trace file (docs/trace-format.md, `"format": "switchyard-trace"`,
 * `"version": 1`) holds one recorded run: the text and tokens, per MoE
 * layer and token the experts chosen (and their weights when recorded),
 * the router's output (logits or probabilities, float32 or float16, or the
 * top N probabilities with the rest summed; or nothing for id-only traces
 * imported from serving engines), and optionally the per-token NLL and the
 * attention each token received.  It also holds what policies need to know
 * about the model's router (SyRouterModelInfo), so that π-only policies can
 * be re-applied to the recorded router output per layer with no model.
 *
 * SyTraceFile.trace is the run as recorded, an ordinary SyTrace that every
 * renderer and view draws.  sy_trace_file_apply() re-applies a policy to
 * the recorded router output of every layer: layer l's output is what the
 * model produced under the recorded routing of layers < l (later layers are
 * not re-run), and output-dependent measures (NLL, perplexity, KL, greedy
 * agreement, FLOPs) are not available (NaN).
 */
#pragma once

#include <glib.h>

#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

#define SY_TRACE_FILE_FORMAT  "switchyard-trace"
#define SY_TRACE_FILE_VERSION 1

/* What the file holds of the router's output. */
typedef enum
{
  SY_TRACE_ROUTER_NONE,     /* expert ids (and maybe weights) only */
  SY_TRACE_ROUTER_LOGITS,   /* the raw router output z, all E */
  SY_TRACE_ROUTER_PROBS,    /* pi, all E */
  SY_TRACE_ROUTER_TOP,      /* the top N of pi, the rest summed */
} SyTraceRouterValues;

/* How floats are stored (base64 of little-endian values). */
typedef enum
{
  SY_TRACE_DTYPE_F32,
  SY_TRACE_DTYPE_F16,
} SyTraceDtype;

typedef struct
{
  SyTrace             *trace;         /* the recorded run (views draw it) */
  char                *text;          /* the text, or NULL */
  char                *source;        /* "switchyard", "transformers", "vllm", ... */
  char                *model_type;    /* config.json's model_type, or NULL */
  int                  vocab_size;    /* 0: unknown (ids not checked) */
  SyTraceRouterValues  values;        /* what the file held of the router's output */
  gboolean             has_weights;   /* mixing weights recorded (else 1/k) */
  gboolean             has_nll;       /* trace->nll recorded */
  float               *recv;          /* (n_moe_layers, n_tokens) attention received
                                       * (routing.md "da" recv_j), or NULL */

  /* the router as the model defines it; info.selection_bias and
   * info.native point into the storage below */
  SyRouterModelInfo    info;
  float               *bias;          /* (n_moe_layers, n_experts) or NULL */
  const float        **bias_rows;     /* (n_moe_layers) */
  SyRouterSpec        *native;        /* the model's own dynamic policy, or NULL */
} SyTraceFile;

/* Options of sy_trace_file_to_json(). */
typedef struct
{
  SyTraceDtype dtype;     /* default F32 */
  int          top_n;     /* > 0: store only the top N probabilities per token */
} SyTraceFileWriteOptions;

void         sy_trace_file_free      (SyTraceFile               *self);

/* A trace file of @trace (copied), recorded from a live run of a model
 * with router @info; @text may be NULL.  The trace's logits are stored. */
SyTraceFile *sy_trace_file_new       (const SyTrace             *trace,
                                      const SyRouterModelInfo   *info,
                                      const char                *model_type,
                                      int                        vocab_size,
                                      const char                *text);

/* Parses a trace file; @name names it in errors.  Strict: a wrong shape,
 * NaN, an id out of the vocabulary, a layer count unlike the header's or a
 * truncated file is an error naming the problem. */
SyTraceFile *sy_trace_file_parse     (const char                *data,
                                      gssize                     len,
                                      const char                *name,
                                      GError                   **error);
SyTraceFile *sy_trace_file_load      (const char                *path,
                                      GError                   **error);

/* @options NULL: float32. */
char        *sy_trace_file_to_json   (const SyTraceFile         *self,
                                      const SyTraceFileWriteOptions *options);
gboolean     sy_trace_file_save      (const SyTraceFile         *self,
                                      const char                *path,
                                      const SyTraceFileWriteOptions *options,
                                      GError                   **error);

/* TRUE when policies can be re-applied (router output recorded). */
gboolean     sy_trace_file_has_router (const SyTraceFile        *self);

/* A new trace: @spec re-applied to the recorded router output of every
 * MoE layer.  @spec NULL returns a copy of the recorded run.  Fails with
 * a message naming what is missing (id-only traces; da without recorded
 * attention). */
SyTrace     *sy_trace_file_apply     (const SyTraceFile         *self,
                                      const SyRouterSpec        *spec,
                                      GError                   **error);

/* One line naming what a view of this trace cannot show (layers not re-run,
 * measures not recorded), translated by the caller; never NULL. */
char        *sy_trace_file_describe_limits (const SyTraceFile   *self,
                                            const SyRouterSpec  *spec);

/* TRUE when @path looks like a trace file (a .json whose first bytes
 * name the format), for the window's Open and drop. */
gboolean     sy_trace_file_sniff     (const char                *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTraceFile, sy_trace_file_free)

G_END_DECLS

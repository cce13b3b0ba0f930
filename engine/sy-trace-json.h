/* sy-trace-json.h: the trace as JSON (docs/cli.md "Trace") and CSV
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON: exactly the fields of cli.md, plus these extra fields:
 *   top level: "causal", "n_experts", "native_k", "n_layers"
 *   per token: "offsets" [start, end] when the trace has offsets
 *   per layer: "avg_k", "time_s"
 *   per cell:  "sink": true, "nan_fallback": true (only when set),
 *              "group_mask" (only when non-zero)
 *   metrics:   "time": {"attention", "router", "experts", "lm_head", "other", "total"}
 * Quantities a policy does not compute (NaN in the trace) are null.
 *
 * CSV: one row per MoE layer and token (see sy_trace_to_csv()).
 */
#pragma once

#include <glib.h>

#include "sy-trace.h"

G_BEGIN_DECLS

/* The trace as one JSON object; @pretty adds newlines and indentation. */
char    *sy_trace_to_json   (const SyTrace  *trace,
                             gboolean        pretty);

/* Same, with @extra_members (NULL, or raw JSON members such as
 * "\"quality\": {...}", no leading comma) added at the end of the object. */
char    *sy_trace_to_json_full (const SyTrace *trace,
                                gboolean       pretty,
                                const char    *extra_members);

/* Reads what sy_trace_to_json() writes; errors name the offending field. */
SyTrace *sy_trace_from_json (const char     *json,
                             gssize          length,
                             GError        **error);

/* Per-token-per-layer table, with a header line:
 * layer,moe,token,id,text,k,budget,experts,weights,cum,entropy,importance,
 * complexity,depth,sink,nan_fallback,nll[,p0..p{E-1} with @with_probs]
 * experts and weights are '/'-separated lists in weight order; nll is the
 * NLL of the token after this one (empty for the last); NaN is empty. */
char    *sy_trace_to_csv    (const SyTrace  *trace,
                             gboolean        with_probs);

/* sy_trace_to_csv() into @path. */
gboolean sy_trace_write_csv  (const SyTrace *trace,
                              const char    *path,
                              gboolean       with_probs,
                              GError       **error);

G_END_DECLS

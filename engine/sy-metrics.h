/* sy-metrics.h: quality metrics of a run (docs/routing.md, cli.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All logits are row-major (T, V) float32; every sum is in double.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-trace.h"

G_BEGIN_DECLS

/* @nll (T - 1): nll[t] = -log softmax (logits[t])[ids[t + 1]] (natural
 * log).  Fails (naming the position) on an id outside 0..V-1. */
gboolean sy_metrics_nll               (const float    *logits,
                                       int             T,
                                       int             V,
                                       const int32_t  *ids,
                                       float          *nll,
                                       GError        **error);

/* exp (mean (nll)); NaN for n = 0. */
double   sy_metrics_perplexity        (const float    *nll,
                                       int             n);

/* Fills trace->nll and trace->perplexity from the run's logits (T = n_tokens). */
gboolean sy_metrics_fill_trace        (SyTrace        *trace,
                                       const float    *logits,
                                       int             V,
                                       GError        **error);

/* A measure of two rows of V next-token logits at one position. */
typedef double (*SyMetricsRowFunc) (const float *a,
                                    const float *b,
                                    int          V);

/* KL (A || B) of the next-token distributions softmax (a), softmax (b). */
double   sy_metrics_kl_row            (const float    *a,
                                       const float    *b,
                                       int             V);
/* 1 where the two rows' argmaxes (greedy next tokens) agree, else 0. */
double   sy_metrics_agree_row         (const float    *a,
                                       const float    *b,
                                       int             V);
/* The mean of @measure over the T positions of @a and @b (T, V), summed
 * in order (NaN for T = 0): with sy_metrics_kl_row() the mean KL, with
 * sy_metrics_agree_row() the greedy agreement. */
double   sy_metrics_mean_rows         (const float      *a,
                                       const float      *b,
                                       int               T,
                                       int               V,
                                       SyMetricsRowFunc  measure);

/* Index of the largest logit (the lowest index among equals):
 * sy_logits_argmax(), the sampler's greedy pick. */
int      sy_metrics_argmax            (const float    *row,
                                       int             V);

/* |A ∩ B| / |A ∪ B| of two expert sets (1 when both are empty). */
double   sy_metrics_jaccard           (const int      *a,
                                       int             ka,
                                       const int      *b,
                                       int             kb);

/* Jaccard of the chosen expert sets of trace cell (moe, t) in A and B. */
double   sy_metrics_cell_jaccard      (const SyTrace  *a,
                                       const SyTrace  *b,
                                       int             moe,
                                       int             t);

G_END_DECLS

/* sy-test-trace.h: deterministic synthetic traces for renderer tests, and
 * the routing comparison of the trace tests
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-trace.h"

G_BEGIN_DECLS

/* A trace of @n_tokens × @n_layers MoE layers × @n_experts experts, as a
 * top-p (p = 0.5) router with native k 2 would produce it: softmax
 * probabilities from pseudo-random logits (fixed by @seed), the fewest
 * experts whose probabilities sum past 0.5, renormalised weights,
 * entropy, importance, complexity and depth, NLL, costs and timings.
 * Token texts are English words with leading spaces (and one newline). */
SyTrace *sy_test_trace_new (int     n_tokens,
                            int     n_layers,
                            int     n_experts,
                            guint32 seed);

/* @a and @b route every token alike on every MoE layer: the same tokens,
 * and per cell the same k, experts and weights (exactly); average k to
 * 1e-12. */
void sy_test_assert_same_routing (const SyTrace *a,
                                  const SyTrace *b);

G_END_DECLS

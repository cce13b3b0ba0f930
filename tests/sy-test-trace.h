/* sy-test-trace.h: deterministic synthetic traces for renderer tests
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

G_END_DECLS

/* sy-test-router.h: what the router tests share (test-router*.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Router logits written into trace layers by hand or from a seeded
 * random generator, and references for docs/routing.md's rules that do
 * not use the engine's code.
 */
#pragma once

#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

/* A softmax router of @E experts, native top-@k, @L MoE layers. */
SyRouterModelInfo sy_test_softmax_info (int              E,
                                        int              k,
                                        int              L,
                                        SyNativeWeights  nw);
/* n_tokens rows of random logits with a given spread, into every layer */
SyTrace      *sy_test_random_trace (int      n,
                                    int      E,
                                    int      L,
                                    guint32  seed,
                                    double   spread);
/* @text parsed, asserted to parse. */
SyRouterSpec *sy_test_parse_spec   (const char              *text);
/* Routes every layer of @trace under @text, asserted to succeed. */
void          sy_test_route_all    (const char              *text,
                                    const SyRouterModelInfo *info,
                                    SyTrace                 *trace,
                                    const float             *recv);
/* Independent reference: softmax in double, ranking by (p desc, index asc). */
void          sy_test_ref_softmax  (const float *z,
                                    int          E,
                                    double      *p);
void          sy_test_ref_order    (const float *probs,
                                    int          E,
                                    int         *order);
/* Generic invariants of any routed cell. */
void          sy_test_check_cell   (const SyTraceLayer *l,
                                    int                 t,
                                    int                 E);
/* The average K over every layer and token of @trace. */
float         sy_test_avg_k        (const SyTrace *trace);

G_END_DECLS

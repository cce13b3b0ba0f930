/* sy-calibrate.h: match a target average K (docs/routing.md "Calibration")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-progress.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct
{
  SyRouterSpec *spec;        /* @base with the calibrated value */
  double        value;       /* the calibrated p (topp), t (minp) or q (quantile) */
  double        avg_k;       /* average K on the text with that value */
  double        target;
  int           n_runs;      /* forward passes it took */
  SyTrace      *trace;       /* the run with that value (its routing: the
                              * runs compute the LM head of the last
                              * position only, so nll and perplexity are NaN) */
} SyCalibration;

/* Finds by bisection, on the text @ids, the threshold of @base (a topp,
 * minp or quantile spec; its other options are kept) whose average K over
 * MoE layers and tokens equals @target (<= 0: the model's native k), or
 * the closest one when average K jumps over the target.  Runs @session
 * (whose router it leaves set to the result).  A target outside what the
 * policy can reach on this text is an error that says the reachable range. */
SyCalibration *sy_calibrate           (SySession          *session,
                                       const SyRouterSpec *base,
                                       const int32_t      *ids,
                                       int                 n,
                                       double              target,
                                       SyProgressFunc      progress,
                                       gpointer            user_data,
                                       GError            **error);
void           sy_calibration_free    (SyCalibration      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCalibration, sy_calibration_free)

G_END_DECLS

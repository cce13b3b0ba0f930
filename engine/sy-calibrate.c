/* sy-calibrate.c: bisection on a threshold to reach a target average K
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per token, K is monotone in the threshold (non-decreasing in p for topp,
 * non-increasing in t for minp and ser and q for quantile).  Over a whole model it
 * is only nearly so, since the choices of one layer move the router inputs
 * of the next; bisection still brackets a crossing of the target.  The
 * value is searched on a grid of 1e-6 so it prints short.
 */
#include <math.h>

#include "sy-calibrate.h"

#define GRID 1e6
#define MAX_RUNS 40

typedef struct
{
  SySession          *session;
  const int32_t      *ids;
  int                 n;
  SyProgressFunc      progress;
  gpointer            user_data;
  SyRouterSpec       *spec;      /* scratch copy of the base */
  gboolean            increasing;
  int                 n_runs;
} Ctx;

static double *
value_of (SyRouterSpec *spec)
{
  switch (spec->policy)
    {
    case SY_POLICY_TOPP:
      return &spec->p;
    case SY_POLICY_MINP:
    case SY_POLICY_SER:
      return &spec->t;
    case SY_POLICY_QUANTILE:
      return &spec->q;
    default:
      return NULL;
    }
}

/* Runs at position x in [0, 1] (value x for increasing policies, 1 - x
 * otherwise); returns the trace, @avg_k its average K. */
static SyTrace *
eval (Ctx      *ctx,
      double    x,
      double   *avg_k,
      GError  **error)
{
  SyTrace *trace;

  *value_of (ctx->spec) = ctx->increasing ? x : round ((1 - x) * GRID) / GRID;
  if (!sy_session_set_router (ctx->session, ctx->spec, error))
    return NULL;
  trace = sy_session_run (ctx->session, ctx->ids, ctx->n, NULL, NULL, error);
  if (trace == NULL)
    return NULL;
  ctx->n_runs++;
  *avg_k = trace->avg_k;
  return trace;
}

/* @ctx comes with its session, ids, n and progress set */
static SyCalibration *
calibrate (Ctx                *ctx,
           const SyRouterSpec *base,
           double              target,
           GError            **error)
{
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (SyTrace) t_lo = NULL;
  g_autoptr (SyTrace) t_hi = NULL;
  const SyRouterModelInfo *info;
  SyCalibration *cal;
  double lo = 0, hi = 1, k_lo, k_hi, x_best;
  SyTrace *best;

  info = sy_model_get_router_info (sy_session_get_model (ctx->session));
  if (target <= 0)
    target = info->native_k;
  spec = sy_router_spec_copy (base);
  if (value_of (spec) == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "calibration works on topp (p), minp or ser (t) or quantile (q), not on %s",
                   sy_router_policy_name (base->policy));
      return NULL;
    }
  if (!isfinite (target))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "calibration target K must be a number");
      return NULL;
    }

  ctx->spec = spec;
  ctx->increasing = spec->policy == SY_POLICY_TOPP;

  if (!(t_lo = eval (ctx, 0, &k_lo, error)) || !(t_hi = eval (ctx, 1, &k_hi, error)))
    return NULL;
  if (target < k_lo - 1e-9 || target > k_hi + 1e-9)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "calibration: average K %g is out of reach of %s on this text (%.3f .. %.3f)",
                   target, sy_router_policy_name (spec->policy), k_lo, k_hi);
      return NULL;
    }

  /* invariant: k_lo < target <= k_hi, unless an end hits it */
  if (fabs (k_lo - target) < 1e-9)
    {
      hi = lo;
      k_hi = k_lo;
      g_clear_pointer (&t_hi, sy_trace_free);
      t_hi = g_steal_pointer (&t_lo);
    }
  while (hi - lo > 1.5 / GRID && ctx->n_runs < MAX_RUNS && fabs (k_hi - target) >= 1e-9)
    {
      double mid = round ((lo + hi) / 2 * GRID) / GRID, k;
      SyTrace *t = eval (ctx, mid, &k, error);

      if (t == NULL)
        return NULL;
      if (k < target)
        {
          lo = mid;
          k_lo = k;
          g_clear_pointer (&t_lo, sy_trace_free);
          t_lo = t;
        }
      else
        {
          hi = mid;
          k_hi = k;
          g_clear_pointer (&t_hi, sy_trace_free);
          t_hi = t;
        }
      if (ctx->progress && !ctx->progress (MIN (ctx->n_runs / 24.0, 0.99), "calibrating", ctx->user_data))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "calibration cancelled");
          return NULL;
        }
    }

  if (t_lo != NULL && fabs (k_lo - target) < fabs (k_hi - target))
    {
      x_best = lo;
      best = g_steal_pointer (&t_lo);
    }
  else
    {
      x_best = hi;
      best = g_steal_pointer (&t_hi);
    }

  *value_of (spec) = ctx->increasing ? x_best : round ((1 - x_best) * GRID) / GRID;
  cal = g_new0 (SyCalibration, 1);
  cal->value = *value_of (spec);
  cal->avg_k = best->avg_k;
  cal->target = target;
  cal->n_runs = ctx->n_runs;
  cal->trace = best;
  /* leave the session on the result (its cache holds another run, reset) */
  if (!sy_session_set_router (ctx->session, spec, error))
    {
      sy_calibration_free (cal);
      return NULL;
    }
  sy_session_reset (ctx->session);
  cal->spec = g_steal_pointer (&spec);
  if (ctx->progress)
    ctx->progress (1.0, "calibrated", ctx->user_data);
  return cal;
}

/* The runs only count experts: the LM head for the last position only
 * (the trace's nll is NaN), the session's setting restored after. */
SyCalibration *
sy_calibrate (SySession          *session,
              const SyRouterSpec *base,
              const int32_t      *ids,
              int                 n,
              double              target,
              SyProgressFunc      progress,
              gpointer            user_data,
              GError            **error)
{
  Ctx ctx = { session, ids, n, progress, user_data, NULL, FALSE, 0 };
  SyCalibration *cal;
  gboolean last;

  g_return_val_if_fail (session != NULL && base != NULL, NULL);
  last = sy_session_get_last_logits (session);
  sy_session_set_last_logits (session, TRUE);
  cal = calibrate (&ctx, base, target, error);
  sy_session_set_last_logits (session, last);
  return cal;
}

void
sy_calibration_free (SyCalibration *self)
{
  if (self == NULL)
    return;
  sy_router_spec_free (self->spec);
  sy_trace_free (self->trace);
  g_free (self);
}

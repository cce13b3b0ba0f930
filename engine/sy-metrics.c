/* sy-metrics.c: NLL, perplexity, KL, greedy agreement, Jaccard
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "sy-engine-error.h"
#include "sy-generate.h"
#include "sy-metrics.h"

/* log sum exp of a row, in double, stable */
static double
log_sum_exp (const float *row,
             int          V)
{
  double m = -INFINITY, sum = 0;

  for (int v = 0; v < V; v++)
    if (row[v] > m)
      m = row[v];
  if (!isfinite (m))
    return m;
  for (int v = 0; v < V; v++)
    sum += exp ((double) row[v] - m);
  return m + log (sum);
}

gboolean
sy_metrics_nll (const float    *logits,
                int             T,
                int             V,
                const int32_t  *ids,
                float          *nll,
                GError        **error)
{
  g_return_val_if_fail (T >= 0 && V > 0, FALSE);

  for (int t = 0; t + 1 < T; t++)
    {
      const float *row = logits + (gsize) t * V;
      int32_t next = ids[t + 1];

      if (next < 0 || next >= V)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "NLL: token %d has id %d, outside the vocabulary 0..%d",
                       t + 1, (int) next, V - 1);
          return FALSE;
        }
      nll[t] = (float) (log_sum_exp (row, V) - (double) row[next]);
    }
  return TRUE;
}

double
sy_metrics_perplexity (const float *nll,
                       int          n)
{
  double sum = 0;

  if (n <= 0)
    return NAN;
  for (int i = 0; i < n; i++)
    sum += nll[i];
  return exp (sum / n);
}

gboolean
sy_metrics_fill_trace (SyTrace      *trace,
                       const float  *logits,
                       int           V,
                       GError      **error)
{
  if (!sy_metrics_nll (logits, trace->n_tokens, V, trace->ids, trace->nll, error))
    return FALSE;
  trace->perplexity = sy_metrics_perplexity (trace->nll, trace->n_tokens - 1);
  return TRUE;
}

double
sy_metrics_kl_row (const float *a,
                   const float *b,
                   int          V)
{
  double la = log_sum_exp (a, V), lb = log_sum_exp (b, V);
  double kl = 0;

  for (int v = 0; v < V; v++)
    {
      double lpa = (double) a[v] - la;
      double lpb = (double) b[v] - lb;
      double pa = exp (lpa);

      if (pa > 0)
        kl += pa * (lpa - lpb);
    }
  return MAX (kl, 0.0);
}

double
sy_metrics_mean_rows (const float      *a,
                      const float      *b,
                      int               T,
                      int               V,
                      SyMetricsRowFunc  measure)
{
  double sum = 0;

  if (T <= 0)
    return NAN;
  for (int t = 0; t < T; t++)
    sum += measure (a + (gsize) t * V, b + (gsize) t * V, V);
  return sum / T;
}

int
sy_metrics_argmax (const float *row,
                   int          V)
{
  return sy_logits_argmax (row, V);
}

double
sy_metrics_agree_row (const float *a,
                      const float *b,
                      int          V)
{
  return sy_metrics_argmax (a, V) == sy_metrics_argmax (b, V);
}

double
sy_metrics_jaccard (const int *a,
                    int        ka,
                    const int *b,
                    int        kb)
{
  int inter = 0, uni;

  /* sets of experts: small, so a quadratic count is cheapest */
  for (int i = 0; i < ka; i++)
    for (int j = 0; j < kb; j++)
      if (a[i] == b[j])
        {
          inter++;
          break;
        }
  uni = ka + kb - inter;
  return uni > 0 ? (double) inter / uni : 1.0;
}

double
sy_metrics_cell_jaccard (const SyTrace *a,
                         const SyTrace *b,
                         int            moe,
                         int            t)
{
  const SyTraceLayer *la = &a->layers[moe], *lb = &b->layers[moe];

  return sy_metrics_jaccard (la->experts + (gsize) t * a->n_experts, la->k[t],
                             lb->experts + (gsize) t * b->n_experts, lb->k[t]);
}

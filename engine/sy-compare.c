/* sy-compare.c: ΔK, Jaccard, only-A / only-B experts, ΔNLL, KL, agreement
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-compare.h"
#include "sy-metrics.h"
#include "sy-pool.h"

void
sy_compare_free (SyCompare *self)
{
  if (self == NULL)
    return;
  g_free (self->layers);
  g_free (self->layer_ints);
  g_free (self->layer_jaccard);
  g_free (self->dnll);
  g_free (self->kl_row);
  g_free (self->agree);
  sy_trace_free (self->a);
  sy_trace_free (self->b);
  g_free (self);
}

/* Experts of @x's cell not among @y's, ascending. */
static int
set_minus (const int *x,
           int        kx,
           const int *y,
           int        ky,
           int       *out)
{
  int n = 0;

  for (int i = 0; i < kx; i++)
    {
      gboolean found = FALSE;

      for (int j = 0; j < ky && !found; j++)
        found = x[i] == y[j];
      if (!found)
        out[n++] = x[i];
    }
  /* insertion sort: n <= E is small */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && out[j - 1] > out[j]; j--)
      {
        int tmp = out[j];

        out[j] = out[j - 1];
        out[j - 1] = tmp;
      }
  return n;
}

struct _SyKlCache
{
  int      n;           /* positions held */
  int      n_vocab;
  guint64 *stamps_a;    /* (n) */
  guint64 *stamps_b;    /* (n) */
  double  *kl;          /* (n) KL(A‖B) of the rows, as sy_metrics_kl_row() gives it */
  guint8  *agree;       /* (n) */
  int      n_reused;    /* of the last comparison */
};

SyKlCache *
sy_kl_cache_new (void)
{
  return g_new0 (SyKlCache, 1);
}

void
sy_kl_cache_free (SyKlCache *cache)
{
  if (cache == NULL)
    return;
  g_free (cache->stamps_a);
  g_free (cache->stamps_b);
  g_free (cache->kl);
  g_free (cache->agree);
  g_free (cache);
}

int
sy_kl_cache_get_n_reused (const SyKlCache *cache)
{
  return cache->n_reused;
}

typedef struct
{
  const float *logits_a;
  const float *logits_b;
  int          n_vocab;
  const int   *rows;     /* the positions to compute */
  double      *kl;       /* (T) */
  guint8      *agree;    /* (T) */
} KlJob;

static void
kl_task (int      i,
         gpointer data)
{
  KlJob *job = data;
  int t = job->rows[i], V = job->n_vocab;
  const float *ra = job->logits_a + (gsize) t * V, *rb = job->logits_b + (gsize) t * V;

  job->kl[t] = sy_metrics_kl_row (ra, rb, V);
  job->agree[t] = sy_metrics_agree_row (ra, rb, V);
}

/* KL and agreement of every position, from @cache where the stamps of
 * both rows match what it holds there, the others on every CPU when there
 * are several (each position on its own: the same values); the mean KL
 * sums the positions' KL in order, as sy_metrics_mean_rows() does. */
static void
compare_logits (SyCompare           *self,
                const SyCompareSide *a,
                const SyCompareSide *b,
                int                  n_vocab,
                SyKlCache           *cache)
{
  const guint64 *stamps_a = a->stamps, *stamps_b = b->stamps;
  int T = self->n_tokens, same = 0, n_rows = 0;
  gboolean use = cache != NULL && stamps_a != NULL && stamps_b != NULL && cache->n_vocab == n_vocab;
  g_autofree double *kl = g_new (double, MAX (T, 1));
  g_autofree int *rows = g_new (int, MAX (T, 1));
  double sum = 0;
  KlJob job;

  self->kl_row = g_new (float, MAX (T, 1));
  self->agree = g_new (guint8, MAX (T, 1));
  if (cache != NULL)
    cache->n_reused = 0;
  for (int t = 0; t < T; t++)
    {
      /* stamp 0 is no stamp */
      if (use && t < cache->n && stamps_a[t] != 0 && stamps_b[t] != 0
          && cache->stamps_a[t] == stamps_a[t] && cache->stamps_b[t] == stamps_b[t])
        {
          kl[t] = cache->kl[t];
          self->agree[t] = cache->agree[t];
          cache->n_reused++;
        }
      else
        rows[n_rows++] = t;
    }
  job = (KlJob) { a->logits, b->logits, n_vocab, rows, kl, self->agree };
  if (n_rows >= 8 && sy_n_cpus () > 1)
    {
      g_autoptr (SyPool) pool = sy_pool_new (0);

      sy_pool_run (pool, n_rows, kl_task, &job);
    }
  else
    for (int i = 0; i < n_rows; i++)
      kl_task (i, &job);
  for (int t = 0; t < T; t++)
    {
      self->kl_row[t] = (float) kl[t];
      sum += kl[t];
      same += self->agree[t];
    }
  self->kl = T > 0 ? sum / T : NAN;
  self->greedy_agreement = T > 0 ? (double) same / T : NAN;

  if (cache == NULL)
    return;
  cache->stamps_a = g_renew (guint64, cache->stamps_a, MAX (T, 1));
  cache->stamps_b = g_renew (guint64, cache->stamps_b, MAX (T, 1));
  cache->kl = g_renew (double, cache->kl, MAX (T, 1));
  cache->agree = g_renew (guint8, cache->agree, MAX (T, 1));
  for (int t = 0; t < T; t++)
    {
      cache->stamps_a[t] = stamps_a ? stamps_a[t] : 0;
      cache->stamps_b[t] = stamps_b ? stamps_b[t] : 0;
      cache->kl[t] = kl[t];
      cache->agree[t] = self->agree[t];
    }
  cache->n = T;
  cache->n_vocab = n_vocab;
}

/* The ints of a SyCompareLayer's arrays: dk, n_only_a and n_only_b
 * (T), only_a and only_b (T, E). */
static gsize
layer_n_ints (int T,
              int E)
{
  return (gsize) MAX (T, 1) * (3 + 2 * (gsize) E);
}

SyCompare *
sy_compare_new (const SyTrace  *a,
                const float    *logits_a,
                const SyTrace  *b,
                const float    *logits_b,
                int             n_vocab,
                GError        **error)
{
  SyCompareSide side_a = { a, logits_a, NULL }, side_b = { b, logits_b, NULL };

  return sy_compare_new_cached (&side_a, &side_b, n_vocab, NULL, error);
}

SyCompare *
sy_compare_new_cached (const SyCompareSide *side_a,
                       const SyCompareSide *side_b,
                       int                  n_vocab,
                       SyKlCache           *cache,
                       GError             **error)
{
  g_autoptr (SyCompare) self = NULL;
  const SyTrace *a, *b;
  const float *logits_a, *logits_b;
  int T, E;

  g_return_val_if_fail (side_a != NULL && side_b != NULL, NULL);
  a = side_a->trace;
  b = side_b->trace;
  logits_a = side_a->logits;
  logits_b = side_b->logits;
  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  if (a->n_tokens != b->n_tokens)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                   "cannot compare runs of different texts: A has %d tokens, B has %d",
                   a->n_tokens, b->n_tokens);
      return NULL;
    }
  for (int t = 0; t < a->n_tokens; t++)
    if (a->ids[t] != b->ids[t])
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                     "cannot compare runs of different texts: token %d is id %d in A and %d in B",
                     t, (int) a->ids[t], (int) b->ids[t]);
        return NULL;
      }
  if (a->n_moe_layers != b->n_moe_layers || a->n_experts != b->n_experts)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                   "cannot compare models of different MoE layouts: A has %d MoE layers of %d "
                   "experts, B %d of %d", a->n_moe_layers, a->n_experts,
                   b->n_moe_layers, b->n_experts);
      return NULL;
    }
  for (int i = 0; i < a->n_moe_layers; i++)
    if (a->layers[i].layer != b->layers[i].layer)
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                     "cannot compare models of different MoE layouts: MoE layer %d is decoder "
                     "layer %d in A and %d in B", i, a->layers[i].layer, b->layers[i].layer);
        return NULL;
      }
  if ((logits_a == NULL) != (logits_b == NULL) || (logits_a != NULL && n_vocab <= 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "compare needs the next-token logits of both runs or of neither");
      return NULL;
    }

  T = a->n_tokens;
  E = a->n_experts;
  self = g_new0 (SyCompare, 1);
  self->a = sy_trace_copy (a);
  self->b = sy_trace_copy (b);
  self->n_tokens = T;
  self->n_experts = E;
  self->n_moe_layers = a->n_moe_layers;
  self->layers = g_new0 (SyCompareLayer, self->n_moe_layers);
  self->layer_ints = g_new (int, (gsize) self->n_moe_layers * layer_n_ints (T, E));
  self->layer_jaccard = g_new (float, (gsize) self->n_moe_layers * MAX (T, 1));
  self->kl = NAN;
  self->greedy_agreement = NAN;

  for (int i = 0; i < self->n_moe_layers; i++)
    {
      SyCompareLayer *cl = &self->layers[i];
      const SyTraceLayer *la = &a->layers[i], *lb = &b->layers[i];
      double sum_dk = 0, sum_j = 0;

      cl->layer = la->layer;
      cl->moe = i;
      cl->jaccard = self->layer_jaccard + (gsize) i * MAX (T, 1);
      cl->dk = self->layer_ints + (gsize) i * layer_n_ints (T, E);
      cl->n_only_a = cl->dk + MAX (T, 1);
      cl->n_only_b = cl->n_only_a + MAX (T, 1);
      cl->only_a = cl->n_only_b + MAX (T, 1);
      cl->only_b = cl->only_a + (gsize) MAX (T, 1) * E;
      for (int t = 0; t < T; t++)
        {
          gsize row = (gsize) t * E;
          int ka = CLAMP (la->k[t], 0, E), kb = CLAMP (lb->k[t], 0, E);

          cl->dk[t] = lb->k[t] - la->k[t];
          cl->jaccard[t] = (float) sy_metrics_cell_jaccard (a, b, i, t);
          cl->n_only_a[t] = set_minus (la->experts + row, ka, lb->experts + row, kb,
                                       cl->only_a + row);
          cl->n_only_b[t] = set_minus (lb->experts + row, kb, la->experts + row, ka,
                                       cl->only_b + row);
          sum_dk += cl->dk[t];
          sum_j += cl->jaccard[t];
          self->max_abs_dk = MAX (self->max_abs_dk, ABS (cl->dk[t]));
        }
      cl->avg_dk = T > 0 ? sum_dk / T : NAN;
      cl->mean_jaccard = T > 0 ? sum_j / T : NAN;
    }

  self->dnll = g_new (float, MAX (T - 1, 1));
  for (int t = 0; t + 1 < T; t++)
    self->dnll[t] = b->nll[t] - a->nll[t];

  if (logits_a != NULL)
    compare_logits (self, side_a, side_b, n_vocab, cache);
  return g_steal_pointer (&self);
}

/* @a and then @b (sharing @a's layers while their routing agrees) over
 * @text, or @ids where @text is NULL, and the comparison of the two
 * runs, the logits each session holds after its run included. */
static SyCompare *
compare_runs (SySession      *a,
              SySession      *b,
              const int32_t  *ids,
              int             n,
              const char     *text,
              GError        **error)
{
  SySession *session[2] = { a, b };
  SyTrace *trace[2] = { NULL, NULL };
  SyCompare *cmp = NULL;
  const float *la, *lb;
  int V = 0;

  sy_session_set_share_source (b, a);
  for (int i = 0; i < 2; i++)
    {
      trace[i] = text ? sy_session_run_text (session[i], text, NULL, NULL, error)
                 : sy_session_run (session[i], ids, n, NULL, NULL, error);
      if (trace[i] == NULL)
        break;
    }
  if (trace[1] != NULL)
    {
      la = sy_session_get_logits (a, NULL, &V);
      lb = sy_session_get_logits (b, NULL, NULL);
      cmp = sy_compare_new (trace[0], la, trace[1], lb, V, error);
    }
  if (cmp != NULL)
    cmp->n_shared_layers = sy_session_get_n_shared_layers (b);
  sy_trace_free (trace[0]);
  sy_trace_free (trace[1]);
  return cmp;
}

SyCompare *
sy_compare_run (SySession      *a,
                SySession      *b,
                const int32_t  *ids,
                int             n,
                GError        **error)
{
  g_return_val_if_fail (a != NULL && b != NULL && a != b, NULL);

  return compare_runs (a, b, ids, n, NULL, error);
}

SyCompare *
sy_compare_run_text (SySession      *a,
                     SySession      *b,
                     const char     *text,
                     GError        **error)
{
  g_return_val_if_fail (a != NULL && b != NULL && a != b, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return compare_runs (a, b, NULL, 0, text, error);
}

/* ----------------------------------------------------------------- JSON */

static json_object *
num (double v)
{
  return isfinite (v) ? json_object_new_double (v) : NULL;
}

static json_object *
int_array (const int *v,
           int        n)
{
  json_object *arr = json_object_new_array_ext (n);

  for (int i = 0; i < n; i++)
    json_object_array_add (arr, json_object_new_int (v[i]));
  return arr;
}

static json_object *
side_json (const SyTrace *t)
{
  json_object *o = json_object_new_object ();
  json_object *m = json_object_new_object ();
  json_object *nll = json_object_new_array_ext (MAX (t->n_tokens - 1, 0));

  for (int i = 0; i + 1 < t->n_tokens; i++)
    json_object_array_add (nll, num (t->nll[i]));
  json_object_object_add (m, "nll", nll);
  json_object_object_add (m, "perplexity", num (t->perplexity));
  json_object_object_add (m, "avg_k", num (t->avg_k));
  json_object_object_add (m, "activated_params", num (t->activated_params));
  json_object_object_add (m, "flops", num (t->flops));

  json_object_object_add (o, "router", json_object_new_string (t->router ? t->router : ""));
  if (t->model)
    json_object_object_add (o, "model", json_object_new_string (t->model));
  json_object_object_add (o, "metrics", m);
  json_object_object_add (o, "avg_k", num (t->avg_k));
  json_object_object_add (o, "perplexity", num (t->perplexity));
  json_object_object_add (o, "activated_params", num (t->activated_params));
  json_object_object_add (o, "flops", num (t->flops));
  {
    json_object *lk = json_object_new_array_ext (t->n_moe_layers);

    for (int i = 0; i < t->n_moe_layers; i++)
      json_object_array_add (lk, num (t->layers[i].avg_k));
    json_object_object_add (o, "layer_avg_k", lk);
  }
  return o;
}

char *
sy_compare_to_json (const SyCompare *self,
                    gboolean         pretty)
{
  json_object *root = json_object_new_object ();
  json_object *layers = json_object_new_array_ext (self->n_moe_layers);
  json_object *tokens = json_object_new_array_ext (self->n_tokens);
  int E = self->n_experts, flags;
  char *out;

  json_object_object_add (root, "a", side_json (self->a));
  json_object_object_add (root, "b", side_json (self->b));
  for (int i = 0; i < self->n_moe_layers; i++)
    {
      const SyCompareLayer *cl = &self->layers[i];
      json_object *lo = json_object_new_object ();
      json_object *cells = json_object_new_array_ext (self->n_tokens);

      json_object_object_add (lo, "layer", json_object_new_int (cl->layer));
      json_object_object_add (lo, "moe", json_object_new_int (cl->moe));
      json_object_object_add (lo, "avg_dk", num (cl->avg_dk));
      json_object_object_add (lo, "mean_jaccard", num (cl->mean_jaccard));
      for (int t = 0; t < self->n_tokens; t++)
        {
          json_object *c = json_object_new_object ();
          gsize row = (gsize) t * E;

          json_object_object_add (c, "dk", json_object_new_int (cl->dk[t]));
          json_object_object_add (c, "jaccard", num (cl->jaccard[t]));
          json_object_object_add (c, "only_a", int_array (cl->only_a + row, cl->n_only_a[t]));
          json_object_object_add (c, "only_b", int_array (cl->only_b + row, cl->n_only_b[t]));
          json_object_array_add (cells, c);
        }
      json_object_object_add (lo, "tokens", cells);
      json_object_array_add (layers, lo);
    }
  json_object_object_add (root, "layers", layers);

  for (int t = 0; t < self->n_tokens; t++)
    {
      json_object *to = json_object_new_object ();
      const char *text = self->a->token_text ? self->a->token_text[t] : NULL;

      json_object_object_add (to, "id", json_object_new_int (self->a->ids[t]));
      json_object_object_add (to, "text", text ? json_object_new_string (text) : NULL);
      json_object_object_add (to, "dnll", t + 1 < self->n_tokens ? num (self->dnll[t]) : NULL);
      if (self->kl_row)
        {
          json_object_object_add (to, "kl", num (self->kl_row[t]));
          json_object_object_add (to, "agree", json_object_new_boolean (self->agree[t]));
        }
      json_object_array_add (tokens, to);
    }
  json_object_object_add (root, "tokens", tokens);
  json_object_object_add (root, "kl", num (self->kl));
  json_object_object_add (root, "greedy_agreement", num (self->greedy_agreement));
  json_object_object_add (root, "n_tokens", json_object_new_int (self->n_tokens));
  json_object_object_add (root, "n_moe_layers", json_object_new_int (self->n_moe_layers));
  json_object_object_add (root, "shared_layers", json_object_new_int (self->n_shared_layers));

  flags = JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
  out = g_strdup (json_object_to_json_string_ext (root, flags));
  json_object_put (root);
  return out;
}

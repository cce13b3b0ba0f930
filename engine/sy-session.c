/* sy-session.c: runs, the KV cache across runs, and the trace metrics
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-forward-private.h"
#include "sy-session-private.h"
#include "sy-weight-memory.h"

SySession *
sy_session_new (SyModel *model)
{
  SySession *self;

  g_return_val_if_fail (model != NULL, NULL);

  self = g_new0 (SySession, 1);
  self->model = model;
  self->pool = sy_pool_new (0);
  _sy_run_state_init (&self->rs, model);
  self->spec = sy_router_spec_new_native (&model->router_info);
  self->spec_string = sy_router_spec_to_string (self->spec);
  self->native = sy_router_spec_new_native (&model->router_info);
  return self;
}

void
sy_session_free (SySession *self)
{
  if (self == NULL)
    return;
  _sy_run_state_clear (&self->rs, self->model);
  sy_pool_free (self->pool);
  sy_router_spec_free (self->spec);
  sy_router_spec_free (self->native);
  g_free (self->spec_string);
  g_clear_pointer (&self->last, sy_trace_free);
  g_free (self->ids);
  g_free (self->recv);
  g_free (self->row_stamps);
  g_free (self);
}

SyModel *
sy_session_get_model (SySession *self)
{
  return self->model;
}

void
sy_session_reset (SySession *self)
{
  self->n_cached = 0;
  self->captured = FALSE;
  self->n_recv = 0;
  self->rs.recv_out = NULL;
  g_clear_pointer (&self->last, sy_trace_free);
}

void
sy_session_set_last_logits (SySession *self,
                            gboolean   last_only)
{
  g_return_if_fail (self != NULL);
  self->last_logits = last_only;
}

gboolean
sy_session_get_last_logits (SySession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->last_logits;
}

void
sy_session_set_record_attention (SySession *self,
                                 gboolean   record)
{
  g_return_if_fail (self != NULL);
  self->record_attention = record;
}

const float *
sy_session_get_attention_received (SySession *self,
                                   int       *n_tokens)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (n_tokens)
    *n_tokens = self->n_recv;
  return self->n_recv > 0 ? self->recv : NULL;
}

gboolean
sy_session_set_router (SySession           *self,
                       const SyRouterSpec  *spec,
                       GError             **error)
{
  g_autoptr (SyRouterSpec) copy = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (spec == NULL)
    copy = sy_router_spec_new_native (&self->model->router_info);
  else
    copy = sy_router_spec_copy (spec);
  if (!sy_router_spec_check (copy, &self->model->router_info, error))
    return FALSE;
  text = sy_router_spec_to_string (copy);
  if (g_strcmp0 (text, self->spec_string) != 0)
    sy_session_reset (self);
  sy_router_spec_free (self->spec);
  self->spec = g_steal_pointer (&copy);
  g_free (self->spec_string);
  self->spec_string = g_steal_pointer (&text);
  return TRUE;
}

const SyRouterSpec *
sy_session_get_router (SySession *self)
{
  return self->spec;
}

void
sy_session_set_activations (SySession     *self,
                            SyActivations  mode)
{
  g_return_if_fail (self != NULL);
  if (mode != self->activations)
    sy_session_reset (self);
  self->activations = mode;
}

SyActivations
sy_session_get_activations (SySession *self)
{
  return self->activations;
}

void
sy_session_set_extend_native (SySession *self,
                              gboolean   extend_native)
{
  self->extend_native = extend_native;
}

void
sy_session_set_capture_hidden (SySession *self,
                               gboolean   capture)
{
  self->capture = capture;
}

/* Activated parameters and FLOPs of token @t: attention, router, the
 * routed experts it chose, shared experts, dense MLPs, the LM head. */
static void
token_cost (SyModel       *m,
            const SyTrace *trace,
            int            t,
            double        *params,
            double        *flops)
{
  const SyConfig *c = &m->config;
  double H = c->hidden_size, D = c->head_dim;
  double q_dim = c->n_heads * D, kv_dim = c->n_kv_heads * D;
  double P = 0, F = 0;

  for (int l = 0; l < c->n_layers; l++)
    {
      const SyLayer *L = &m->layers[l];
      double attn = H * q_dim * 2 + H * kv_dim * 2 + (c->attention_bias ? q_dim + 2 * kv_dim : 0);
      int ctx = L->window > 0 ? MIN (t + 1, L->window) : t + 1;
      double mix = 0;

      if (L->group_gate.rows > 0)
        {
          /* gmha: each head group sees its own window, plus the group gate */
          int G = L->group_gate.rows;

          for (int g = 0; g < G; g++)
            {
              int w = c->group_windows[g];

              mix += 4.0 * (c->n_heads / G) * D * (w > 0 ? MIN (t + 1, w) : t + 1);
            }
          attn += H * G;
        }
      else
        mix = 4.0 * c->n_heads * D * ctx;
      P += attn;
      F += 2 * attn + mix;   /* projections, scores, mixing */
      if (L->is_moe)
        {
          const SyTraceLayer *tl = &trace->layers[L->moe];
          int k = tl->k[t];
          double experts = 0;

          /* each chosen expert at its own width (dual-scale experts differ) */
          for (int i = 0; i < k; i++)
            experts += 3 * H * L->experts[tl->experts[(gsize) t * c->n_experts + i]].gate.rows;
          P += H * c->n_experts + experts;
          F += 2 * (H * c->n_experts + experts);
          if (L->shared.gate.rows > 0)
            {
              double shared = 3 * H * L->shared.gate.rows + (L->shared_gate ? H : 0);

              P += shared;
              F += 2 * shared;
            }
        }
      else
        {
          P += 3 * H * L->mlp.gate.rows;
          F += 2 * 3 * H * L->mlp.gate.rows;
        }
    }
  P += H * c->vocab_size;
  F += 2 * H * c->vocab_size;
  *params = P;
  *flops = F;
}

/* A stamp no logits row of any session had before: one per run. */
static guint64
new_stamp (void)
{
  static guint64 last;
  G_LOCK_DEFINE_STATIC (last);
  guint64 stamp;

  G_LOCK (last);
  stamp = ++last;
  G_UNLOCK (last);
  return stamp;
}

/* What a run is asked: @n ids, and whom to tell of its progress. */
typedef struct
{
  const int32_t  *ids;
  int             n;
  SyProgressFunc  progress;
  gpointer        user_data;
} RunArgs;

static SyTrace *session_run (SySession      *self,
                              const RunArgs  *args,
                              GError        **error);

/* A mapped model's files may shrink while it is open (a re-download):
 * checked before the run, and a read of a lost page (SIGBUS) stops the
 * run with an error naming the file instead of killing the process.
 * What the interrupted run allocated on this thread is lost. */
SyTrace *
sy_session_run (SySession      *self,
                const int32_t  *ids,
                int             n,
                SyProgressFunc  progress,
                gpointer        user_data,
                GError        **error)
{
  RunArgs args = { ids, n, progress, user_data };
  SyModel *m;
  SyTrace *volatile trace = NULL;
  GError *volatile local = NULL;
  sigjmp_buf jb;
  sigjmp_buf *prev;
  const void *addr = NULL;
  guint faults;
  const char *file;

  g_return_val_if_fail (self != NULL, NULL);
  m = self->model;
  if (m->arena != NULL)
    return session_run (self, &args, error);
  if (!sy_tensor_store_check_files (m->store, error))
    return NULL;
  sy_fault_guard_install ();
  faults = sy_fault_guard_n_faults (NULL);
  prev = sy_fault_guard_push (&jb);
  if (sigsetjmp (jb, 0) == 0)
    trace = session_run (self, &args, (GError **) &local);
  sy_fault_guard_pop (prev);
  if (sy_fault_guard_n_faults (&addr) == faults)
    {
      if (local != NULL)
        g_propagate_error (error, local);
      return trace;
    }
  if (trace != NULL)
    sy_trace_free (trace);
  g_clear_error ((GError **) &local);
  sy_session_reset (self);
  file = sy_tensor_store_file_at (m->store, addr);
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
               "%s: the file changed on disk while the model was reading it "
               "(truncated or being rewritten); reload the model", file ? file : m->path);
  return NULL;
}

/* How many leading positions of @ids the run can take from the cache
 * (0..n-1); sets the policy the run routes with (@route: the session's,
 * or native for a pure extension under a non-causal policy) and whether
 * the session's policy is causal. */
static int
reusable_prefix (SySession           *self,
                 const int32_t       *ids,
                 int                  n,
                 const SyRouterSpec **route,
                 gboolean            *causal)
{
  int p = 0;

  *route = self->spec;
  *causal = sy_router_spec_is_causal (sy_router_spec_resolve (self->spec, &self->model->router_info));
  if (self->last && (self->captured || !self->capture))
    {
      int max = MIN (self->n_cached, n - 1);

      while (p < max && self->ids[p] == ids[p])
        p++;
      if (!*causal)
        {
          /* only a pure extension, routed natively, may keep the cache
           * (unless native itself is not causal: a da-trained model) */
          if (self->extend_native && p == self->n_cached && p > 0
              && sy_router_spec_is_causal (self->native))
            *route = self->native;
          else
            p = 0;
        }
    }
  /* every position's logits wanted: the cache is reused up to the first
   * position a last-logits run left without them */
  if (!self->last_logits)
    for (int t = 0; t < p; t++)
      if (!self->rs.has_logits[t])
        {
          p = t;
          break;
        }
  /* recording attention: every query must run (recv sums over all) */
  if (self->record_attention)
    p = 0;
  return p;
}

/* New stamps for the logits rows [p, n), which a run rewrites (also
 * when it stops half way). */
static void
stamp_rows (SySession *self,
            int        p,
            int        n)
{
  guint64 stamp = new_stamp ();

  if (n > self->n_stamps)
    {
      self->row_stamps = g_renew (guint64, self->row_stamps, n);
      memset (self->row_stamps + self->n_stamps, 0, sizeof (guint64) * (n - self->n_stamps));
      self->n_stamps = n;
    }
  for (int t = p; t < n; t++)
    self->row_stamps[t] = stamp;
}

/* @trace's per-token nll, perplexity, activated parameters and FLOPs
 * from the run of @ids[0..n) just made. */
static void
trace_metrics (SySession     *self,
               SyTrace       *trace,
               const int32_t *ids,
               int            n)
{
  SyModel *m = self->model;
  int V = m->config.vocab_size;
  double sum_nll = 0, sum_p = 0, sum_f = 0;

  for (int t = 0; t + 1 < n; t++)
    {
      /* NaN where a last-logits run computed no logits */
      double nll = self->rs.has_logits[t]
                   ? self->rs.lse[t] - self->rs.logits[(gsize) t * V + ids[t + 1]] : NAN;

      trace->nll[t] = (float) nll;
      sum_nll += nll;
    }
  trace->perplexity = n >= 2 ? exp (sum_nll / (n - 1)) : NAN;
  for (int t = 0; t < n; t++)
    {
      double pp, ff;

      token_cost (m, trace, t, &pp, &ff);
      sum_p += pp;
      sum_f += ff;
    }
  trace->activated_params = sum_p / n;
  trace->flops = sum_f / n;
}

static SyTrace *
session_run (SySession      *self,
             const RunArgs  *args,
             GError        **error)
{
  const int32_t *ids = args->ids;
  int n = args->n;
  SyModel *m;
  const SyConfig *c;
  g_autoptr (SyTrace) trace = NULL;
  gboolean causal;
  const SyRouterSpec *route;
  int p = 0, V, E;
  double t_start = g_get_monotonic_time () / 1e6;
  gboolean sharing, ran;
  SyActivations old_act;
  SyPassArgs pass;
  const float *x0 = NULL;
  int l0 = 0;

  g_return_val_if_fail (self != NULL, NULL);
  m = self->model;
  c = &m->config;
  V = c->vocab_size;
  E = c->n_experts;

  if (ids == NULL || n <= 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                   "no tokens to run (the input is empty)");
      return NULL;
    }
  for (int t = 0; t < n; t++)
    if (ids[t] < 0 || ids[t] >= V)
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_INPUT,
                     "token id %d at position %d is outside the vocabulary (0..%d)",
                     ids[t], t, V - 1);
        return NULL;
      }

  p = reusable_prefix (self, ids, n, &route, &causal);
  /* compare: the source session ran the same ids under another policy */
  sharing = !self->record_attention && self->share != NULL && route == self->spec
            && _sy_session_share_check (self, ids, n, &p);
  self->n_reused = p;
  self->n_shared_layers = 0;

  _sy_run_state_reserve (&self->rs, m, n, self->capture);
  trace = sy_trace_new (n, E, c->n_layers, m->info.n_moe_layers);
  trace->model = g_strdup (m->info.name);
  trace->router = g_strdup (self->spec_string);
  trace->causal = causal;
  trace->native_k = c->n_experts_per_tok;
  memcpy (trace->ids, ids, sizeof (int32_t) * n);
  if (m->tokenizer)
    for (int t = 0; t < n; t++)
      trace->token_text[t] = sy_tokenizer_id_to_piece (m->tokenizer, ids[t]);
  for (int i = 0; i < m->info.n_moe_layers; i++)
    {
      trace->layers[i].layer = m->moe_layer[i];
      trace->layers[i].moe = i;
      if (p > 0)
        sy_trace_layer_copy_tokens (&trace->layers[i], &self->last->layers[i], p, E);
    }

  /* From here on the cache beyond p is being rewritten. */
  self->n_cached = MIN (self->n_cached, p);
  if (sharing)
    {
      l0 = _sy_session_share_fill (self, route, p, n, trace, &x0, error);
      if (l0 < 0)
        {
          sy_session_reset (self);
          return NULL;
        }
      self->n_shared_layers = l0;
    }
  self->n_recv = 0;
  if (self->record_attention)
    {
      self->recv = g_renew (float, self->recv, (gsize) MAX (m->info.n_moe_layers, 1) * n);
      self->rs.recv_out = self->recv;
    }
  stamp_rows (self, p, n);
  self->rs.last_logits = self->last_logits;
  old_act = sy_matmul_set_activations (self->activations);
  pass = (SyPassArgs) { ids, p, n, l0, x0, route, self->capture, trace, args->progress, args->user_data };
  ran = _sy_forward_from (m, &self->rs, self->pool, &pass, error);
  sy_matmul_set_activations (old_act);
  if (!ran)
    {
      self->rs.recv_out = NULL;
      sy_session_reset (self);
      return NULL;
    }
  if (self->record_attention)
    {
      self->rs.recv_out = NULL;
      self->n_recv = n;
    }

  /* the cache now holds ids[0..n) */
  self->ids = g_renew (int32_t, self->ids, n);
  memcpy (self->ids, ids, sizeof (int32_t) * n);
  self->n_cached = n;
  self->n_last = n;
  self->captured = self->capture && (p == 0 || self->captured);

  trace_metrics (self, trace, ids, n);
  sy_trace_update_avg_k (trace);
  trace->total_time_s = g_get_monotonic_time () / 1e6 - t_start;

  g_clear_pointer (&self->last, sy_trace_free);
  self->last = sy_trace_copy (trace);
  if (args->progress)
    args->progress (1.0, "done", args->user_data);
  return g_steal_pointer (&trace);
}

const float *
sy_session_get_logits (SySession *self,
                       int       *n_tokens,
                       int       *n_vocab)
{
  if (n_tokens)
    *n_tokens = self->n_last;
  if (n_vocab)
    *n_vocab = self->model->config.vocab_size;
  return self->n_last > 0 ? self->rs.logits : NULL;
}

const guint64 *
sy_session_get_logits_stamps (SySession *self,
                              int       *n_tokens)
{
  if (n_tokens)
    *n_tokens = self->n_last;
  return self->n_last > 0 ? self->row_stamps : NULL;
}

const float *
sy_session_get_hidden (SySession *self,
                       int        index,
                       int       *n_tokens,
                       int       *hidden_size)
{
  if (n_tokens)
    *n_tokens = self->n_last;
  if (hidden_size)
    *hidden_size = self->model->config.hidden_size;
  if (!self->captured || self->rs.hidden == NULL || self->n_last == 0
      || index < 0 || index > self->model->config.n_layers)
    return NULL;
  return self->rs.hidden[index];
}

int
sy_session_get_n_reused (SySession *self)
{
  return self->n_reused;
}

void
sy_session_set_share_source (SySession *self,
                             SySession *source)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (source != self);

  self->share = source;
  if (source != NULL)
    sy_session_set_capture_hidden (source, TRUE);
}

int
sy_session_get_n_shared_layers (SySession *self)
{
  return self->n_shared_layers;
}

/* sy-session-share.c: compare runs share the layers whose routing agrees
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two policies on one model and one text compute the same thing up to the
 * first decoder layer where their routing differs: the embedding, dense
 * layers (DeepSeek's first_k_dense), and every MoE layer where both pick
 * the same experts with the same weights for every token.  The source
 * session (A) keeps its hidden states; the session run after it (B) routes
 * each leading MoE layer with A's router logits (the same input gives the
 * same logits), and while B's choice equals A's bit for bit it copies that
 * layer's KV cache rows from A; it resumes the forward pass at the first
 * layer that differs, from A's hidden state there.  Each copied quantity
 * is what B would have computed from the same inputs with the same
 * kernels over the same batch of positions, so B's outputs are bitwise
 * those of an independent run (tests/test-compare.c checks it).
 */
#include "config.h"

#include <string.h>

#include "sy-session-private.h"

gboolean
_sy_session_share_check (SySession     *self,
                         const int32_t *ids,
                         int            n,
                         int           *p)
{
  SySession *a = self->share;

  if (a == NULL || a->model != self->model || a->activations != self->activations || !a->captured || a->last == NULL
      || a->rs.hidden == NULL || a->n_last != n || a->n_cached != n
      || memcmp (a->ids, ids, sizeof (int32_t) * n) != 0)
    return FALSE;
  /* A computed rows [a->n_reused, n) in one batch: B must compute the same
   * batch (it can always recompute more than its own cache requires). */
  if (a->n_reused > *p)
    return FALSE;
  if (self->capture && !self->captured && a->n_reused > 0)
    return FALSE;
  *p = a->n_reused;
  return TRUE;
}

static gboolean
same_routing (const SyTraceLayer *x,
              const SyTraceLayer *y,
              int                 p,
              int                 n,
              int                 E)
{
  for (int t = p; t < n; t++)
    {
      gsize o = (gsize) t * E;

      if (x->k[t] != y->k[t])
        return FALSE;
      if (memcmp (x->experts + o, y->experts + o, sizeof (int) * x->k[t]) != 0
          || memcmp (x->weights + o, y->weights + o, sizeof (float) * x->k[t]) != 0)
        return FALSE;
    }
  return TRUE;
}

int
_sy_session_share_fill (SySession           *self,
                        const SyRouterSpec  *route,
                        int                  p,
                        int                  n,
                        SyTrace             *trace,
                        const float        **x0,
                        GError             **error)
{
  SySession *a = self->share;
  SyModel *m = self->model;
  const SyConfig *c = &m->config;
  int E = c->n_experts, H = c->hidden_size, T = n - p;
  gsize k_dim = m->k_cache_dim, v_dim = m->v_cache_dim;
  int l0 = 0;

  *x0 = NULL;
  /* the last layer's output is kept only after the final norm: at most
   * every layer but the last is shared */
  SY_OP_TIMED (trace, SY_OP_ROUTER)
    for (l0 = 0; l0 < c->n_layers - 1; l0++)
      {
        const SyLayer *L = &m->layers[l0];

        if (L->is_moe)
          {
            SyTraceLayer *tl = &trace->layers[L->moe];
            const SyTraceLayer *al = &a->last->layers[L->moe];

            /* da reads this layer's attention, which A does not keep */
            if (sy_router_spec_resolve (route, &m->router_info)->policy == SY_POLICY_DA)
              break;
            memcpy (tl->logits + (gsize) p * E, al->logits + (gsize) p * E,
                    sizeof (float) * T * E);
            if (!sy_router_route (route, &m->router_info, L->moe, n, p, NULL, tl, error))
              return -1;
            if (!same_routing (tl, al, p, n, E))
              break;
          }
      }
  if (l0 == 0)
    return 0;

  for (int l = 0; l < l0; l++)
    {
      memcpy (self->rs.k_cache[l] + p * k_dim, a->rs.k_cache[l] + p * k_dim,
              sizeof (float) * T * k_dim);
      memcpy (self->rs.v_cache[l] + p * v_dim, a->rs.v_cache[l] + p * v_dim,
              sizeof (float) * T * v_dim);
    }
  if (self->capture)
    for (int i = 0; i <= l0; i++)
      memcpy (self->rs.hidden[i] + (gsize) p * H, a->rs.hidden[i] + (gsize) p * H,
              sizeof (float) * T * H);
  *x0 = a->rs.hidden[l0] + (gsize) p * H;
  return l0;
}

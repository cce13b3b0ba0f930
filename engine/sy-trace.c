/* sy-trace.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sy-trace.h"

static void
layer_alloc (SyTraceLayer *l,
             int           n_tokens,
             int           n_experts)
{
  gsize te = (gsize) MAX (n_tokens, 1) * n_experts;
  gsize t = MAX (n_tokens, 1);

  l->k = g_new0 (int, t);
  l->experts = g_new0 (int, te);
  l->weights = g_new0 (float, te);
  l->probs = g_new0 (float, te);
  l->logits = g_new0 (float, te);
  l->cum = g_new0 (float, t);
  l->importance = g_new (float, t);
  l->complexity = g_new (float, t);
  l->entropy = g_new0 (float, t);
  l->depth = g_new0 (int8_t, t);
  l->flags = g_new0 (guint8, t);
  l->group_mask = g_new0 (int, t);
  for (gsize i = 0; i < t; i++)
    l->importance[i] = l->complexity[i] = NAN;
  l->budget = n_experts;
}

static void
layer_clear (SyTraceLayer *l)
{
  g_free (l->k);
  g_free (l->experts);
  g_free (l->weights);
  g_free (l->probs);
  g_free (l->logits);
  g_free (l->cum);
  g_free (l->importance);
  g_free (l->complexity);
  g_free (l->entropy);
  g_free (l->depth);
  g_free (l->flags);
  g_free (l->group_mask);
}

SyTrace *
sy_trace_new (int n_tokens,
              int n_experts,
              int n_layers,
              int n_moe_layers)
{
  SyTrace *self;

  g_return_val_if_fail (n_tokens >= 0, NULL);
  g_return_val_if_fail (n_experts > 0, NULL);
  g_return_val_if_fail (n_moe_layers >= 0, NULL);

  self = g_new0 (SyTrace, 1);
  self->causal = TRUE;
  self->n_tokens = n_tokens;
  self->n_experts = n_experts;
  self->n_layers = n_layers;
  self->n_moe_layers = n_moe_layers;
  self->ids = g_new0 (int32_t, MAX (n_tokens, 1));
  self->token_text = g_new0 (char *, n_tokens + 1);
  self->layers = g_new0 (SyTraceLayer, MAX (n_moe_layers, 1));
  for (int i = 0; i < n_moe_layers; i++)
    {
      layer_alloc (&self->layers[i], n_tokens, n_experts);
      self->layers[i].moe = i;
      self->layers[i].layer = i;
    }
  self->nll = g_new0 (float, MAX (n_tokens, 1));
  self->perplexity = NAN;
  return self;
}

const char *
sy_trace_op_name (SyOp op)
{
  static const char * const names[SY_N_OPS] = {
    [SY_OP_ATTENTION] = "attention",
    [SY_OP_ROUTER] = "router",
    [SY_OP_EXPERTS] = "experts",
    [SY_OP_LM_HEAD] = "lm_head",
    [SY_OP_OTHER] = "other",
  };

  g_return_val_if_fail ((int) op >= 0 && op < SY_N_OPS, NULL);
  return names[op];
}

void
sy_trace_free (SyTrace *self)
{
  if (self == NULL)
    return;
  for (int i = 0; i < self->n_moe_layers; i++)
    layer_clear (&self->layers[i]);
  g_free (self->layers);
  g_free (self->model);
  g_free (self->router);
  g_free (self->ids);
  for (int i = 0; self->token_text && i < self->n_tokens; i++)
    g_free (self->token_text[i]);
  g_free (self->token_text);
  g_free (self->offsets);
  g_free (self->nll);
  g_free (self);
}

#define DUP(p, n) ((p) ? g_memdup2 ((p), (gsize) (n) * sizeof *(p)) : NULL)

SyTrace *
sy_trace_copy (const SyTrace *self)
{
  SyTrace *copy;
  gsize t, te;

  if (self == NULL)
    return NULL;

  t = MAX (self->n_tokens, 1);
  te = t * self->n_experts;
  copy = g_memdup2 (self, sizeof *self);
  copy->model = g_strdup (self->model);
  copy->router = g_strdup (self->router);
  copy->ids = DUP (self->ids, t);
  copy->token_text = g_new0 (char *, self->n_tokens + 1);
  for (int i = 0; i < self->n_tokens; i++)
    copy->token_text[i] = g_strdup (self->token_text[i]);
  copy->offsets = DUP (self->offsets, 2 * t);
  copy->nll = DUP (self->nll, t);
  copy->layers = g_new0 (SyTraceLayer, MAX (self->n_moe_layers, 1));
  for (int i = 0; i < self->n_moe_layers; i++)
    {
      const SyTraceLayer *s = &self->layers[i];
      SyTraceLayer *d = &copy->layers[i];

      *d = *s;
      d->k = DUP (s->k, t);
      d->experts = DUP (s->experts, te);
      d->weights = DUP (s->weights, te);
      d->probs = DUP (s->probs, te);
      d->logits = DUP (s->logits, te);
      d->cum = DUP (s->cum, t);
      d->importance = DUP (s->importance, t);
      d->complexity = DUP (s->complexity, t);
      d->entropy = DUP (s->entropy, t);
      d->depth = DUP (s->depth, t);
      d->flags = DUP (s->flags, t);
      d->group_mask = DUP (s->group_mask, t);
    }
  return copy;
}

void
sy_trace_update_avg_k (SyTrace *self)
{
  double total = 0;

  for (int i = 0; i < self->n_moe_layers; i++)
    {
      SyTraceLayer *l = &self->layers[i];
      double sum = 0;

      for (int t = 0; t < self->n_tokens; t++)
        sum += l->k[t];
      l->avg_k = self->n_tokens > 0 ? sum / self->n_tokens : 0;
      total += l->avg_k;
    }
  self->avg_k = self->n_moe_layers > 0 ? total / self->n_moe_layers : 0;
}

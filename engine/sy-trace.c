/* sy-trace.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sy-trace.h"

/* The per-token arrays of a SyTraceLayer: (n_tokens) entries, or
 * (n_tokens, n_experts) where @per_expert; allocated zeroed, freed and
 * copied alike. */
typedef struct
{
  gsize    offset;
  gsize    elem_size;
  gboolean per_expert;
} LayerArray;

static const LayerArray layer_arrays[] = {
  { G_STRUCT_OFFSET (SyTraceLayer, k), sizeof (int), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, experts), sizeof (int), TRUE },
  { G_STRUCT_OFFSET (SyTraceLayer, weights), sizeof (float), TRUE },
  { G_STRUCT_OFFSET (SyTraceLayer, probs), sizeof (float), TRUE },
  { G_STRUCT_OFFSET (SyTraceLayer, logits), sizeof (float), TRUE },
  { G_STRUCT_OFFSET (SyTraceLayer, cum), sizeof (float), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, importance), sizeof (float), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, complexity), sizeof (float), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, entropy), sizeof (float), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, depth), sizeof (int8_t), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, flags), sizeof (guint8), FALSE },
  { G_STRUCT_OFFSET (SyTraceLayer, group_mask), sizeof (int), FALSE },
};

static gpointer *
layer_array (SyTraceLayer     *l,
             const LayerArray *a)
{
  return G_STRUCT_MEMBER_P (l, a->offset);
}

/* The bytes of array @a in a trace of @n_tokens (at least 1) tokens */
static gsize
layer_array_size (const LayerArray *a,
                  int               n_tokens,
                  int               n_experts)
{
  return a->elem_size * MAX (n_tokens, 1) * (a->per_expert ? n_experts : 1);
}

static void
layer_alloc (SyTraceLayer *l,
             int           n_tokens,
             int           n_experts)
{
  for (gsize i = 0; i < G_N_ELEMENTS (layer_arrays); i++)
    *layer_array (l, &layer_arrays[i]) = g_malloc0 (layer_array_size (&layer_arrays[i], n_tokens, n_experts));
  for (int t = 0; t < MAX (n_tokens, 1); t++)
    l->importance[t] = l->complexity[t] = NAN;
  l->budget = n_experts;
}

static void
layer_clear (SyTraceLayer *l)
{
  for (gsize i = 0; i < G_N_ELEMENTS (layer_arrays); i++)
    g_free (*layer_array (l, &layer_arrays[i]));
}

void
sy_trace_layer_copy_tokens (SyTraceLayer       *dst,
                            const SyTraceLayer *src,
                            int                 n_tokens,
                            int                 n_experts)
{
  g_return_if_fail (n_tokens >= 1);

  for (gsize i = 0; i < G_N_ELEMENTS (layer_arrays); i++)
    memcpy (*layer_array (dst, &layer_arrays[i]), *layer_array ((SyTraceLayer *) src, &layer_arrays[i]),
            layer_array_size (&layer_arrays[i], n_tokens, n_experts));
  dst->budget = src->budget;
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

const SyTraceMetric sy_trace_metrics[4] = {
  { "perplexity", G_STRUCT_OFFSET (SyTrace, perplexity) },
  { "avg_k", G_STRUCT_OFFSET (SyTrace, avg_k) },
  { "activated_params", G_STRUCT_OFFSET (SyTrace, activated_params) },
  { "flops", G_STRUCT_OFFSET (SyTrace, flops) },
};

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
  gsize t;

  if (self == NULL)
    return NULL;

  t = MAX (self->n_tokens, 1);
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
      SyTraceLayer *d = &copy->layers[i];

      *d = self->layers[i];
      for (gsize j = 0; j < G_N_ELEMENTS (layer_arrays); j++)
        {
          gpointer *array = layer_array (d, &layer_arrays[j]);

          if (*array != NULL)
            *array = g_memdup2 (*array, layer_array_size (&layer_arrays[j], self->n_tokens, self->n_experts));
        }
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

/* sy-trace-file-read.c: reading trace files (docs/trace-format.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything is checked before it is handed out: shapes against the
 * header, ids against the vocabulary and the experts, probabilities
 * against [0, 1]; errors name the file and the field.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-tensor-store.h"
#include "sy-trace-file.h"
#include "sy-trace-file-private.h"

typedef struct
{
  const char *name;
  int         T, E, L;
  SyTraceDtype dtype;
} Reader;

/* layers[@l] of the file: its JSON object and the trace layer it fills. */
typedef struct
{
  SyTraceFile  *tf;
  json_object  *lo;
  int           l;
  SyTraceLayer *tl;
} LayerIn;

/* A base64 array of exactly @n floats of @dtype (@what names it); NaN and
 * infinities are errors unless @allow_inf (logits may be -inf). */
static float *
read_floats (const Reader *r,
             json_object  *o,
             const char   *what,
             gsize         n,
             SyTraceDtype  dtype,
             gboolean      allow_inf,
             GError      **error)
{
  g_autofree guchar *raw = NULL;
  gsize len = 0, width = dtype == SY_TRACE_DTYPE_F16 ? 2 : 4;
  const char *b64;
  float *v;

  if (o == NULL || !json_object_is_type (o, json_type_string))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: %s: expected a base64 string of %zu values",
            r->name, what, n);
      return NULL;
    }
  b64 = json_object_get_string (o);
  for (const char *c = b64; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=')
      {
        sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT, "%s: %s: not base64 (byte %td)", r->name, what,
              c - b64);
        return NULL;
      }
  raw = g_base64_decode (b64, &len);
  if (len != n * width)
    {
      sy_engine_fail (error, len < n * width ? SY_ENGINE_ERROR_TRUNCATED : SY_ENGINE_ERROR_SHAPE_MISMATCH,
            "%s: %s holds %zu values, expected %zu", r->name, what, len / width, n);
      return NULL;
    }
  v = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      if (dtype == SY_TRACE_DTYPE_F16)
        {
          guint16 h;

          memcpy (&h, raw + 2 * i, 2);
          v[i] = sy_f16_to_f32 (GUINT16_FROM_LE (h));
        }
      else
        {
          guint32 u;

          memcpy (&u, raw + 4 * i, 4);
          u = GUINT32_FROM_LE (u);
          memcpy (&v[i], &u, 4);
        }
      if (isnan (v[i]) || (!allow_inf && isinf (v[i])) || (allow_inf && v[i] == INFINITY))
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_NAN, "%s: %s: value %zu is %s", r->name, what, i,
                isnan (v[i]) ? "NaN" : "infinite");
          g_free (v);
          return NULL;
        }
    }
  return v;
}

/* An array of exactly @n integers in [lo, hi] (n < 0: any length, returned
 * in *@n_out). */
static int *
read_ints (const Reader *r,
           json_object  *o,
           const char   *what,
           gssize        n,
           int64_t       lo,
           int64_t       hi,
           gsize        *n_out,
           GError      **error)
{
  gsize len;
  int *v;

  if (o == NULL || !json_object_is_type (o, json_type_array))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: %s: expected an array of integers", r->name, what);
      return NULL;
    }
  len = json_object_array_length (o);
  if (n >= 0 && len != (gsize) n)
    {
      sy_engine_fail (error, len < (gsize) n ? SY_ENGINE_ERROR_TRUNCATED : SY_ENGINE_ERROR_SHAPE_MISMATCH,
            "%s: %s has %zu entries, expected %zd", r->name, what, len, n);
      return NULL;
    }
  v = g_new (int, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    {
      json_object *e = json_object_array_get_idx (o, i);
      int64_t x;

      if (e == NULL || !json_object_is_type (e, json_type_int))
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: %s[%zu] is not an integer", r->name,
                what, i);
          g_free (v);
          return NULL;
        }
      x = json_object_get_int64 (e);
      if (x < lo || x > hi)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: %s[%zu] = %" G_GINT64_FORMAT
                " is outside %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, r->name, what, i, x, lo, hi);
          g_free (v);
          return NULL;
        }
      v[i] = (int) x;
    }
  if (n_out)
    *n_out = len;
  return v;
}

static gboolean
read_enum (const Reader       *r,
           json_object        *o,
           const char         *key,
           const char * const *names,
           int                 n_names,
           int                 def,
           int                *out,
           GError            **error)
{
  g_autofree char *v = NULL;

  if (!sy_json_get_string (o, r->name, key, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    {
      *out = def;
      return TRUE;
    }
  for (int i = 0; i < n_names; i++)
    if (names[i] && strcmp (names[i], v) == 0)
      {
        *out = i;
        return TRUE;
      }
  return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: '%s' is \"%s\", not one this version "
               "reads", r->name, key, v);
}

/* Row @t of the recorded probabilities from the file's router values. */
static void
probs_from_logits (const SyRouterModelInfo *info,
                   const float             *z,
                   float                   *p,
                   int                      E)
{
  double sum = 0;

  if (info->activation == SY_ROUTER_SIGMOID)
    {
      for (int e = 0; e < E; e++)
        {
          p[e] = 1.0f / (1.0f + expf (-z[e]));
          sum += p[e];
        }
    }
  else
    {
      float m = -INFINITY;

      for (int e = 0; e < E; e++)
        m = MAX (m, z[e]);
      for (int e = 0; e < E; e++)
        {
          p[e] = m == -INFINITY ? 1.0f : expf (z[e] - m);
          sum += p[e];
        }
    }
  for (int e = 0; e < E; e++)
    p[e] = sum > 0 ? (float) (p[e] / sum) : 1.0f / E;
}

/* layers[l].k, .experts and .weights: each token's selection into @tl */
static gboolean
read_selection (const Reader   *r,
               const LayerIn  *in,
               GError        **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = NULL;
  g_autofree int *k = NULL;
  g_autofree int *experts = NULL;
  g_autofree float *weights = NULL;
  gsize n_sel = 0, off = 0;

  what = g_strdup_printf ("layers[%d].k", in->l);
  k = read_ints (r, sy_json_lookup (in->lo, "k"), what, T, 0, E, NULL, error);
  if (k == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    n_sel += k[t];
  g_free (what);
  what = g_strdup_printf ("layers[%d].experts", in->l);
  experts = read_ints (r, sy_json_lookup (in->lo, "experts"), what, n_sel, 0, E - 1, NULL, error);
  if (experts == NULL)
    return FALSE;
  if (in->tf->has_weights)
    {
      g_free (what);
      what = g_strdup_printf ("layers[%d].weights", in->l);
      weights = read_floats (r, sy_json_lookup (in->lo, "weights"), what, n_sel, r->dtype, FALSE,
                             error);
      if (weights == NULL)
        return FALSE;
    }

  for (int t = 0; t < T; t++)
    {
      int *ex = in->tl->experts + (gsize) t * E;
      float *w = in->tl->weights + (gsize) t * E;

      in->tl->k[t] = k[t];
      for (int j = 0; j < E; j++)
        {
          ex[j] = -1;
          w[j] = 0;
        }
      for (int j = 0; j < k[t]; j++)
        {
          for (int i = 0; i < j; i++)
            if (ex[i] == experts[off + j])
              return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "%s: layers[%d]: token %d lists expert %d twice", r->name, in->l, t, ex[i]);
          ex[j] = experts[off + j];
          w[j] = weights ? weights[off + j] : 1.0f / k[t];
        }
      off += k[t];
    }
  return TRUE;
}

/* layers[l].router, logits or probabilities for every expert: π and
 * logits into @tl */
static gboolean
read_router_full (const Reader   *r,
                 const LayerIn  *in,
                 GError        **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = g_strdup_printf ("layers[%d].router", in->l);
  g_autofree float *v = NULL;
  gboolean logits = in->tf->values == SY_TRACE_ROUTER_LOGITS;

  v = read_floats (r, sy_json_lookup (in->lo, "router"), what, (gsize) T * E, r->dtype, logits, error);
  if (v == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    {
      float *z = v + (gsize) t * E;
      float *p = in->tl->probs + (gsize) t * E;
      double sum = 0;

      if (logits)
        {
          memcpy (in->tl->logits + (gsize) t * E, z, sizeof (float) * E);
          probs_from_logits (&in->tf->info, z, p, E);
          continue;
        }
      for (int e = 0; e < E; e++)
        {
          if (z[e] < 0 || z[e] > 1.001f)
            return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                         "%s: %s: token %d, expert %d: probability %g outside [0, 1]",
                         r->name, what, t, e, z[e]);
          sum += z[e];
        }
      if (fabs (sum - 1.0) > 0.02)
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                     "%s: %s: token %d: probabilities sum to %g, not 1", r->name, what, t,
                     sum);
      for (int e = 0; e < E; e++)
        {
          p[e] = (float) (z[e] / sum);
          in->tl->logits[(gsize) t * E + e] = p[e] > 0 ? logf (p[e]) : -INFINITY;
        }
    }
  return TRUE;
}

/* layers[l].top_experts and .top_probs, the @top most probable experts:
 * the rest of the probability spread evenly over the others */
static gboolean
read_router_top (const Reader   *r,
                const LayerIn  *in,
                int             top,
                GError        **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = NULL;
  g_autofree int *te = NULL;
  g_autofree float *tp = NULL;

  what = g_strdup_printf ("layers[%d].top_experts", in->l);
  te = read_ints (r, sy_json_lookup (in->lo, "top_experts"), what, (gssize) T * top, 0, E - 1, NULL,
                  error);
  if (te == NULL)
    return FALSE;
  g_free (what);
  what = g_strdup_printf ("layers[%d].top_probs", in->l);
  tp = read_floats (r, sy_json_lookup (in->lo, "top_probs"), what, (gsize) T * top, r->dtype, FALSE,
                    error);
  if (tp == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    {
      float *p = in->tl->probs + (gsize) t * E;
      double sum = 0, rest;

      for (int e = 0; e < E; e++)
        p[e] = -1;
      for (int j = 0; j < top; j++)
        {
          int e = te[(gsize) t * top + j];
          float v = tp[(gsize) t * top + j];

          if (p[e] >= 0)
            return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                         "%s: %s: token %d lists expert %d twice", r->name, what, t, e);
          if (v < 0 || v > 1.001f)
            return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                         "%s: %s: token %d: probability %g outside [0, 1]", r->name, what,
                         t, v);
          p[e] = v;
          sum += v;
        }
      if (sum > 1.02)
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                     "%s: %s: token %d: the top %d probabilities sum to %g, more than 1",
                     r->name, what, t, top, sum);
      rest = MAX (0.0, 1.0 - sum) / (E - top);
      for (int e = 0; e < E; e++)
        {
          if (p[e] < 0)
            p[e] = (float) rest;
          in->tl->logits[(gsize) t * E + e] = p[e] > 0 ? logf (p[e]) : -INFINITY;
        }
    }
  return TRUE;
}

/* layers[l].attention_received (all layers or none): into tf->recv, and
 * the importance the views draw */
static gboolean
read_attention (const Reader   *r,
               const LayerIn  *in,
               GError        **error)
{
  int T = r->T;
  g_autofree char *what = NULL;
  g_autofree float *v = NULL;
  double mx = 0;

  if (sy_json_lookup (in->lo, "attention_received") == NULL)
    {
      if (in->tf->recv != NULL)
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                     "%s: layers[%d] has no attention_received while layer 0 has", r->name, in->l);
      return TRUE;
    }
  what = g_strdup_printf ("layers[%d].attention_received", in->l);
  v = read_floats (r, sy_json_lookup (in->lo, "attention_received"), what, T, SY_TRACE_DTYPE_F32, FALSE,
                   error);
  if (v == NULL)
    return FALSE;
  if (in->tf->recv == NULL)
    {
      if (in->l > 0)
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                     "%s: attention_received is recorded from layers[%d] on, not for every layer",
                     r->name, in->l);
      in->tf->recv = g_new0 (float, (gsize) MAX (r->L, 1) * MAX (T, 1));
    }
  memcpy (in->tf->recv + (gsize) in->l * T, v, sizeof (float) * T);
  /* the importance the views draw (routing.md "da": imp_j / max) */
  for (int t = 0; t < T; t++)
    mx = MAX (mx, v[t] / (T - t));
  for (int t = 0; t < T; t++)
    in->tl->importance[t] = mx > 0 ? (float) (v[t] / (T - t) / mx) : 0.0f;
  return TRUE;
}

static gboolean
read_layer (const Reader *r,
            SyTraceFile  *tf,
            json_object  *lo,
            int           l,
            int           expect_layer,
            int           top,
            GError      **error)
{
  SyTrace *tr = tf->trace;
  SyTraceLayer *tl = &tr->layers[l];
  LayerIn in = { tf, lo, l, tl };
  int T = r->T, E = r->E;
  int64_t layer, moe = l, budget = E;

  if (!json_object_is_type (lo, json_type_object))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT, "%s: layers[%d] is not an object", r->name, l);
  if (!sy_json_require_int (lo, r->name, "layer", &layer, error) ||
      !sy_json_get_int (lo, r->name, "moe", l, &moe, error) ||
      !sy_json_get_int_range (lo, r->name, "budget", E, 0, E, &budget, error))
    return FALSE;
  if (layer != expect_layer || moe != l)
    return sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                 "%s: layers[%d] is decoder layer %" G_GINT64_FORMAT " (MoE layer %" G_GINT64_FORMAT
                 "), the header's moe_layers say %d (MoE layer %d)",
                 r->name, l, layer, moe, expect_layer, l);
  tl->layer = (int) layer;
  tl->moe = l;
  tl->budget = (int) budget;

  if (!read_selection (r, &in, error))
    return FALSE;
  /* the router's output */
  if ((tf->values == SY_TRACE_ROUTER_LOGITS || tf->values == SY_TRACE_ROUTER_PROBS)
      && !read_router_full (r, &in, error))
    return FALSE;
  if (tf->values == SY_TRACE_ROUTER_TOP && !read_router_top (r, &in, top, error))
    return FALSE;

  /* what the views show: entropy and cum from pi */
  for (int t = 0; t < T; t++)
    {
      const float *p = tl->probs + (gsize) t * E;
      double h = 0, cum = 0;

      if (tf->values == SY_TRACE_ROUTER_NONE)
        {
          tl->entropy[t] = NAN;
          tl->cum[t] = NAN;
          continue;
        }
      for (int e = 0; e < E; e++)
        if (p[e] > 0)
          h -= (double) p[e] * log ((double) p[e]);
      for (int j = 0; j < tl->k[t]; j++)
        cum += p[tl->experts[(gsize) t * E + j]];
      tl->entropy[t] = (float) h;
      tl->cum[t] = (float) cum;
    }
  return read_attention (r, &in, error);
}

/* "format" and "version" */
static gboolean
check_format (json_object  *root,
              const char   *name,
              GError      **error)
{
  g_autofree char *format = NULL;
  int64_t version;

  if (!sy_json_get_string (root, name, "format", NULL, &format, error))
    return FALSE;
  if (format == NULL || strcmp (format, SY_TRACE_FILE_FORMAT) != 0)
    return sy_engine_fail (error, SY_ENGINE_ERROR_BAD_MAGIC, "%s: not a Switchyard trace (\"format\" is %s%s%s)",
                           name, format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
  if (!sy_json_require_int (root, name, "version", &version, error))
    return FALSE;
  if (version != SY_TRACE_FILE_VERSION)
    return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
                           "%s: trace format version %" G_GINT64_FORMAT " (this Switchyard reads version %d)",
                           name, version, SY_TRACE_FILE_VERSION);
  return TRUE;
}

/* tokens.text and tokens.offsets, both optional */
static gboolean
read_token_extras (const Reader  *r,
                   json_object   *tokens,
                   SyTrace       *tr,
                   GError       **error)
{
  gsize T = r->T;
  json_object *o;

  if ((o = sy_json_lookup (tokens, "text")) != NULL)
    {
      if (!json_object_is_type (o, json_type_array) || json_object_array_length (o) != T)
        return sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                               "%s: tokens.text must be an array of %zu strings, one per id", r->name, T);
      for (gsize t = 0; t < T; t++)
        {
          json_object *e = json_object_array_get_idx (o, t);

          if (e != NULL && json_object_is_type (e, json_type_string))
            tr->token_text[t] = g_strdup (json_object_get_string (e));
          else if (e != NULL && !json_object_is_type (e, json_type_null))
            return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: tokens.text[%zu] is not a string",
                                   r->name, t);
        }
    }
  if ((o = sy_json_lookup (tokens, "offsets")) != NULL)
    {
      if (!json_object_is_type (o, json_type_array) || json_object_array_length (o) != T)
        return sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                               "%s: tokens.offsets must be an array of %zu [start, end] pairs", r->name, T);
      tr->offsets = g_new0 (int, 2 * MAX (T, 1));
      for (gsize t = 0; t < T; t++)
        {
          json_object *e = json_object_array_get_idx (o, t);
          g_autofree int *pair = NULL;
          g_autofree char *what = g_strdup_printf ("tokens.offsets[%zu]", t);

          pair = read_ints (r, e, what, 2, 0, G_MAXINT32, NULL, error);
          if (pair == NULL)
            return FALSE;
          tr->offsets[2 * t] = pair[0];
          tr->offsets[2 * t + 1] = pair[1];
        }
    }
  return TRUE;
}

/* the router's description (router_info, optional) */
static gboolean
read_router_info (const Reader  *r,
                  SyTraceFile   *tf,
                  json_object   *root,
                  GError       **error)
{
  int64_t E = r->E;
  gsize n_moe = r->L;
  g_autofree char *native = NULL;
  json_object *ri;
  double d;

  tf->info.n_experts = (int) E;
  tf->info.native_k = tf->trace->native_k;
  tf->info.n_moe_layers = (int) n_moe;
  tf->info.routed_scaling_factor = 1.0f;
  tf->info.native_weights = SY_NATIVE_WEIGHTS_RENORM;
  if (!sy_json_get_object (root, r->name, "router_info", &ri, error))
    return FALSE;
  if (ri != NULL)
    {
      int act = 0, nw = 0;
      int64_t ng = 0, tg = 0, sh = 0;

      if (!read_enum (r, ri, "activation", activation_names, G_N_ELEMENTS (activation_names),
                      SY_ROUTER_SOFTMAX, &act, error) ||
          !read_enum (r, ri, "native_weights", native_weights_names,
                      G_N_ELEMENTS (native_weights_names), SY_NATIVE_WEIGHTS_RENORM, &nw, error) ||
          !sy_json_get_bool (ri, r->name, "norm_topk_prob", FALSE, &tf->info.norm_topk_prob, error) ||
          !sy_json_get_double (ri, r->name, "routed_scaling_factor", 1.0, &d, error) ||
          !sy_json_get_int_range (ri, r->name, "n_group", 0, 0, 30, &ng, error) ||
          !sy_json_get_int_range (ri, r->name, "topk_group", 0, 0, 30, &tg, error) ||
          !sy_json_get_bool (ri, r->name, "shared_experts", FALSE, &tf->info.has_shared_experts,
                             error) ||
          !sy_json_get_int_range (ri, r->name, "shallow_experts", 0, 0, E, &sh, error) ||
          !sy_json_get_string (ri, r->name, "native_policy", NULL, &native, error))
        return FALSE;
      if (ng > 1 && (E % ng != 0 || tg < 1 || tg > ng))
        return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                               "%s: router_info: %" G_GINT64_FORMAT " groups of %" G_GINT64_FORMAT
                               " experts, keeping %" G_GINT64_FORMAT ": not a valid grouping", r->name, ng, E, tg);
      tf->info.activation = act;
      tf->info.native_weights = nw;
      tf->info.routed_scaling_factor = (float) d;
      tf->info.n_group = (int) ng;
      tf->info.topk_group = (int) tg;
      tf->info.n_shallow_experts = (int) sh;
      if (native != NULL)
        {
          tf->native = sy_router_spec_parse (native, error);
          if (tf->native == NULL)
            {
              g_prefix_error (error, "%s: router_info.native_policy: ", r->name);
              return FALSE;
            }
        }
      if (sy_json_lookup (ri, "selection_bias"))
        {
          tf->bias = read_floats (r, sy_json_lookup (ri, "selection_bias"),
                                  "router_info.selection_bias",
                                  n_moe * E, SY_TRACE_DTYPE_F32, FALSE, error);
          if (tf->bias == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

/* values, dtype, top_n and weights: how the layers are recorded */
static gboolean
read_encoding (Reader       *r,
               SyTraceFile  *tf,
               json_object  *root,
               int64_t      *top,
               GError      **error)
{
  const char *name = r->name;
  int64_t E = r->E;
  g_autofree char *dtype = NULL;
  int v = 0;

  if (!read_enum (r, root, "values", values_names, G_N_ELEMENTS (values_names),
                  SY_TRACE_ROUTER_NONE, &v, error))
    return FALSE;
  tf->values = v;
  if (!sy_json_get_string (root, name, "dtype", "f32", &dtype, error))
    return FALSE;
  if (strcmp (dtype, "f32") == 0)
    r->dtype = SY_TRACE_DTYPE_F32;
  else if (strcmp (dtype, "f16") == 0)
    r->dtype = SY_TRACE_DTYPE_F16;
  else
    return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: 'dtype' is \"%s\" (f32 or f16)", name, dtype);
  if (!sy_json_get_int_range (root, name, "top_n", 0, 0, E, top, error) ||
      !sy_json_get_bool (root, name, "weights", TRUE, &tf->has_weights, error))
    return FALSE;
  if (tf->values == SY_TRACE_ROUTER_TOP && (*top < 1 || *top >= E))
    return sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                           "%s: values \"top\" needs top_n between 1 and %" G_GINT64_FORMAT, name, E - 1);
  return TRUE;
}

/* nll and metrics, both optional */
static gboolean
read_nll_metrics (const Reader  *r,
                  SyTraceFile   *tf,
                  json_object   *root,
                  GError       **error)
{
  gsize T = r->T;
  SyTrace *tr = tf->trace;
  json_object *o;
  double d;

  /* NLL */
  tf->has_nll = sy_json_lookup (root, "nll") != NULL;
  for (gsize t = 0; t < MAX (T, 1); t++)
    tr->nll[t] = NAN;
  if (tf->has_nll)
    {
      g_autofree float *nll = NULL;

      if (T < 2)
        return sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH, "%s: nll recorded for %zu tokens", r->name, T);
      nll = read_floats (r, sy_json_lookup (root, "nll"), "nll", T - 1, SY_TRACE_DTYPE_F32, FALSE,
                         error);
      if (nll == NULL)
        return FALSE;
      memcpy (tr->nll, nll, sizeof (float) * (T - 1));
      d = 0;
      for (gsize t = 0; t + 1 < T; t++)
        d += nll[t];
      tr->perplexity = exp (d / (T - 1));
    }
  else
    tr->perplexity = NAN;

  o = sy_json_lookup (root, "metrics");
  tr->activated_params = tr->flops = NAN;
  if (o != NULL && json_object_is_type (o, json_type_object))
    {
      if (!sy_json_get_double (o, r->name, "activated_params", NAN, &tr->activated_params, error) ||
          !sy_json_get_double (o, r->name, "flops", NAN, &tr->flops, error))
        return FALSE;
    }
  return TRUE;
}

SyTraceFile *
sy_trace_file_parse (const char  *data,
                     gssize       len,
                     const char  *name,
                     GError     **error)
{
  g_autoptr (SyJson) root = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  g_autofree int *moe_layers = NULL;
  g_autofree int *ids = NULL;
  json_object *model, *tokens, *layers;
  int64_t n_layers, E, native_k, vocab = 0, top = 0;
  gsize n_moe = 0, T = 0;
  Reader r = { .name = name };
  SyTrace *tr;

  root = sy_json_parse (data, len, name, error);
  if (root == NULL)
    {
      /* json-c says "unexpected end of file" for a cut-off file */
      return NULL;
    }
  if (!check_format (root, name, error))
    return NULL;

  /* the model */
  if (!sy_json_get_object (root, name, "model", &model, error))
    return NULL;
  if (model == NULL)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: required key 'model' is missing", name);
      return NULL;
    }
  if (!sy_json_require_int_range (model, name, "n_experts", 1, 1 << 16, &E, error) ||
      !sy_json_require_int_range (model, name, "native_k", 1, E, &native_k, error) ||
      !sy_json_require_int_range (model, name, "n_layers", 1, 1 << 16, &n_layers, error) ||
      !sy_json_get_int_range (model, name, "vocab_size", 0, 0, G_MAXINT, &vocab, error))
    return NULL;
  r.E = (int) E;
  moe_layers = read_ints (&r, sy_json_lookup (model, "moe_layers"), "model.moe_layers", -1, 0,
                          n_layers - 1, &n_moe, error);
  if (moe_layers == NULL)
    return NULL;
  for (gsize i = 1; i < n_moe; i++)
    if (moe_layers[i] <= moe_layers[i - 1])
      {
        sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
              "%s: model.moe_layers must be increasing decoder-layer indices", name);
        return NULL;
      }
  r.L = (int) n_moe;

  /* tokens */
  tokens = sy_json_lookup (root, "tokens");
  if (tokens == NULL || !json_object_is_type (tokens, json_type_object))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: required key 'tokens' is missing", name);
      return NULL;
    }
  ids = read_ints (&r, sy_json_lookup (tokens, "ids"), "tokens.ids", -1, 0, G_MAXINT32, &T, error);
  if (ids == NULL)
    return NULL;
  for (gsize t = 0; vocab > 0 && t < T; t++)
    if (ids[t] >= vocab)
      {
        sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
              "%s: token id %d (tokens.ids[%zu]) is outside the vocabulary of %" G_GINT64_FORMAT
              " ids", name, ids[t], t, vocab);
        return NULL;
      }
  r.T = (int) T;

  tf = g_new0 (SyTraceFile, 1);
  tf->vocab_size = (int) vocab;
  tf->trace = tr = sy_trace_new ((int) T, (int) E, (int) n_layers, (int) n_moe);
  tr->native_k = (int) native_k;
  memcpy (tr->ids, ids, sizeof (int32_t) * T);
  if (!sy_json_get_string (model, name, "name", NULL, &tr->model, error) ||
      !sy_json_get_string (model, name, "model_type", NULL, &tf->model_type, error) ||
      !sy_json_get_string (root, name, "source", "unknown", &tf->source, error) ||
      !sy_json_get_string (root, name, "router", "native", &tr->router, error) ||
      !sy_json_get_bool (root, name, "causal", TRUE, &tr->causal, error) ||
      !sy_json_get_string (root, name, "text", NULL, &tf->text, error))
    return NULL;
  if (tf->text && !g_utf8_validate (tf->text, -1, NULL))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_BAD_INPUT, "%s: 'text' is not valid UTF-8", name);
      return NULL;
    }
  if (!read_token_extras (&r, tokens, tr, error))
    return NULL;

  /* the router */
  if (!read_router_info (&r, tf, root, error))
    return NULL;
  _sy_trace_file_link_info (tf);

  if (!read_encoding (&r, tf, root, &top, error))
    return NULL;

  /* layers */
  layers = sy_json_lookup (root, "layers");
  if (layers == NULL || !json_object_is_type (layers, json_type_array))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: required key 'layers' is missing", name);
      return NULL;
    }
  if (json_object_array_length (layers) != n_moe)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
            "%s: %zu layers, but the header's model.moe_layers lists %zu MoE layers", name,
            json_object_array_length (layers), n_moe);
      return NULL;
    }
  for (gsize l = 0; l < n_moe; l++)
    if (!read_layer (&r, tf, json_object_array_get_idx (layers, l), (int) l, moe_layers[l],
                     (int) top, error))
      return NULL;

  if (!read_nll_metrics (&r, tf, root, error))
    return NULL;
  sy_trace_update_avg_k (tr);
  return g_steal_pointer (&tf);
}

SyTraceFile *
sy_trace_file_load (const char  *path,
                    GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree char *base = g_path_get_basename (path);
  gsize len = 0;

  if (!sy_engine_get_contents (path, &data, &len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  return sy_trace_file_parse (data, (gssize) len, base, error);
}

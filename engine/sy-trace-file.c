/* sy-trace-file.c: trace files (docs/trace-format.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-tensor-store.h"
#include "sy-trace-file.h"

static const char * const values_names[] = {
  [SY_TRACE_ROUTER_NONE] = "none",
  [SY_TRACE_ROUTER_LOGITS] = "logits",
  [SY_TRACE_ROUTER_PROBS] = "probs",
  [SY_TRACE_ROUTER_TOP] = "top",
};

static const char * const activation_names[] = {
  [SY_ROUTER_SOFTMAX] = "softmax",
  [SY_ROUTER_SIGMOID] = "sigmoid",
};

static const char * const native_weights_names[] = {
  [SY_NATIVE_WEIGHTS_RENORM] = "renorm",
  [SY_NATIVE_WEIGHTS_RAW] = "raw",
  [SY_NATIVE_WEIGHTS_SIGMOID] = "sigmoid",
};

void
sy_trace_file_free (SyTraceFile *self)
{
  if (self == NULL)
    return;
  sy_trace_free (self->trace);
  g_free (self->text);
  g_free (self->source);
  g_free (self->model_type);
  g_free (self->recv);
  g_free (self->bias);
  g_free (self->bias_rows);
  sy_router_spec_free (self->native);
  g_free (self);
}

static void
link_info (SyTraceFile *self)
{
  int L = self->info.n_moe_layers, E = self->info.n_experts;

  self->info.native = self->native;
  g_clear_pointer (&self->bias_rows, g_free);
  self->info.selection_bias = NULL;
  if (self->bias != NULL)
    {
      self->bias_rows = g_new0 (const float *, MAX (L, 1));
      for (int l = 0; l < L; l++)
        self->bias_rows[l] = self->bias + (gsize) l * E;
      self->info.selection_bias = self->bias_rows;
    }
}

SyTraceFile *
sy_trace_file_new (const SyTrace           *trace,
                   const SyRouterModelInfo *info,
                   const char              *model_type,
                   int                      vocab_size,
                   const char              *text)
{
  SyTraceFile *self;
  int L, E, T;

  g_return_val_if_fail (trace != NULL, NULL);
  g_return_val_if_fail (info != NULL, NULL);

  self = g_new0 (SyTraceFile, 1);
  self->trace = sy_trace_copy (trace);
  self->text = g_strdup (text);
  self->source = g_strdup ("switchyard");
  self->model_type = g_strdup (model_type);
  self->vocab_size = vocab_size;
  self->values = SY_TRACE_ROUTER_LOGITS;
  self->has_weights = TRUE;
  self->has_nll = trace->n_tokens >= 2;
  self->info = *info;
  self->info.n_moe_layers = trace->n_moe_layers;
  L = trace->n_moe_layers;
  E = trace->n_experts;
  T = trace->n_tokens;
  if (info->native != NULL)
    self->native = sy_router_spec_copy (info->native);
  if (info->selection_bias != NULL)
    {
      self->bias = g_new0 (float, (gsize) MAX (L, 1) * E);
      for (int l = 0; l < L; l++)
        if (info->selection_bias[l] != NULL)
          memcpy (self->bias + (gsize) l * E, info->selection_bias[l], sizeof (float) * E);
    }
  link_info (self);

  /* da records the importance imp_j / max imp; recv_j = imp_j (n - j) up
   * to a factor, which da's rule does not see (routing.md "da") */
  if (trace->router && g_str_has_prefix (trace->router, "da") && T > 0)
    {
      gboolean ok = TRUE;

      self->recv = g_new (float, (gsize) MAX (L, 1) * T);
      for (int l = 0; l < L && ok; l++)
        for (int t = 0; t < T; t++)
          {
            float v = trace->layers[l].importance[t];

            if (!isfinite (v))
              {
                ok = FALSE;
                break;
              }
            self->recv[(gsize) l * T + t] = v * (float) (T - t);
          }
      if (!ok)
        g_clear_pointer (&self->recv, g_free);
    }
  return self;
}

gboolean
sy_trace_file_set_attention (SyTraceFile *self,
                             const float *recv)
{
  gsize n;

  g_return_val_if_fail (self != NULL && recv != NULL, FALSE);

  n = (gsize) self->trace->n_moe_layers * self->trace->n_tokens;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (recv[i]) || recv[i] < 0)
      return FALSE;
  g_free (self->recv);
  self->recv = g_memdup2 (recv, sizeof (float) * MAX (n, 1));
  return TRUE;
}

gboolean
sy_trace_file_has_router (const SyTraceFile *self)
{
  return self->values != SY_TRACE_ROUTER_NONE;
}

/* ------------------------------------------------------------------ */
/* writing */

static void
append_b64_floats (GString      *s,
                   const float  *v,
                   gsize         n,
                   SyTraceDtype  dtype)
{
  g_autofree guint8 *buf = NULL;
  g_autofree char *b64 = NULL;
  gsize size;

  if (dtype == SY_TRACE_DTYPE_F16)
    {
      size = n * 2;
      buf = g_malloc (MAX (size, 1));
      for (gsize i = 0; i < n; i++)
        {
          guint16 h = GUINT16_TO_LE (sy_f32_to_f16 (v[i]));

          memcpy (buf + 2 * i, &h, 2);
        }
    }
  else
    {
      size = n * 4;
      buf = g_malloc (MAX (size, 1));
      for (gsize i = 0; i < n; i++)
        {
          guint32 u;

          memcpy (&u, &v[i], 4);
          u = GUINT32_TO_LE (u);
          memcpy (buf + 4 * i, &u, 4);
        }
    }
  b64 = g_base64_encode (buf, size);
  g_string_append_c (s, '"');
  g_string_append (s, b64);
  g_string_append_c (s, '"');
}

static void
append_double (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    g_string_append (s, "null");
  else
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

/* JSON string escaping through json-c (exactly what readers expect). */
static void
append_json_string (GString    *s,
                    const char *v)
{
  json_object *o;

  if (v == NULL)
    {
      g_string_append (s, "null");
      return;
    }
  o = json_object_new_string (v);
  g_string_append (s, json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
}

/* The top @n experts of a row of probabilities (descending, ties by lower
 * index) into @idx. */
static void
top_n (const float *p,
       int          E,
       int          n,
       int         *idx)
{
  for (int j = 0; j < n; j++)
    idx[j] = -1;
  for (int e = 0; e < E; e++)
    {
      int j = n;

      while (j > 0 && (idx[j - 1] < 0 || p[idx[j - 1]] < p[e]))
        j--;
      if (j < n)
        {
          memmove (idx + j + 1, idx + j, sizeof (int) * (n - j - 1));
          idx[j] = e;
        }
    }
}

/* "router_info": {... (the caller closes it) */
static void
append_router_info (GString           *s,
                    const SyTraceFile *self)
{
  int L = self->trace->n_moe_layers, E = self->trace->n_experts;

  g_string_append_printf (s, "\"router_info\": {\"activation\": \"%s\", \"native_weights\": \"%s\", "
                          "\"norm_topk_prob\": %s, \"routed_scaling_factor\": ",
                          activation_names[self->info.activation],
                          native_weights_names[self->info.native_weights],
                          self->info.norm_topk_prob ? "true" : "false");
  append_double (s, self->info.routed_scaling_factor);
  g_string_append_printf (s, ", \"n_group\": %d, \"topk_group\": %d, \"shared_experts\": %s, "
                          "\"shallow_experts\": %d, \"native_policy\": ",
                          self->info.n_group, self->info.topk_group,
                          self->info.has_shared_experts ? "true" : "false",
                          self->info.n_shallow_experts);
  if (self->native)
    {
      g_autofree char *ns = sy_router_spec_to_string (self->native);

      append_json_string (s, ns);
    }
  else
    g_string_append (s, "null");
  g_string_append (s, ", \"selection_bias\": ");
  if (self->bias)
    append_b64_floats (s, self->bias, (gsize) L * E, SY_TRACE_DTYPE_F32);
  else
    g_string_append (s, "null");
}

/* ,\n"tokens": {...} */
static void
append_tokens (GString       *s,
               const SyTrace *tr)
{
  int T = tr->n_tokens;

  g_string_append (s, ",\n\"tokens\": {\"ids\": [");
  for (int t = 0; t < T; t++)
    g_string_append_printf (s, "%s%d", t ? "," : "", (int) tr->ids[t]);
  g_string_append (s, "], \"text\": [");
  for (int t = 0; t < T; t++)
    {
      if (t)
        g_string_append_c (s, ',');
      append_json_string (s, tr->token_text ? tr->token_text[t] : NULL);
    }
  g_string_append (s, "]");
  if (tr->offsets)
    {
      g_string_append (s, ", \"offsets\": [");
      for (int t = 0; t < T; t++)
        g_string_append_printf (s, "%s[%d,%d]", t ? "," : "", tr->offsets[2 * t],
                                tr->offsets[2 * t + 1]);
      g_string_append (s, "]");
    }
  g_string_append (s, "},\n");
}

/* layers[@l]: the selection, the router's values as @values (@top of
 * them for TOP), attention; @tmp and @idx are scratch for T E floats and
 * E ints */
static void
append_layer (GString             *s,
              const SyTraceFile   *self,
              int                  l,
              SyTraceRouterValues  values,
              SyTraceDtype         dtype,
              int                  top,
              float               *tmp,
              int                 *idx)
{
  const SyTrace *tr = self->trace;
  int T = tr->n_tokens, E = tr->n_experts;
  const SyTraceLayer *tl = &tr->layers[l];
  gsize n_sel = 0;

  g_string_append_printf (s, "%s\n{\"layer\": %d, \"moe\": %d, \"budget\": %d, \"k\": [",
                          l ? "," : "", tl->layer, tl->moe, tl->budget);
  for (int t = 0; t < T; t++)
    g_string_append_printf (s, "%s%d", t ? "," : "", tl->k[t]);
  g_string_append (s, "], \"experts\": [");
  for (int t = 0; t < T; t++)
    for (int j = 0; j < tl->k[t]; j++)
      {
        g_string_append_printf (s, "%s%d", n_sel ? "," : "", tl->experts[(gsize) t * E + j]);
        tmp[n_sel++] = tl->weights[(gsize) t * E + j];
      }
  g_string_append (s, "], \"weights\": ");
  if (self->has_weights)
    append_b64_floats (s, tmp, n_sel, dtype);
  else
    g_string_append (s, "null");

  if (values == SY_TRACE_ROUTER_LOGITS || values == SY_TRACE_ROUTER_PROBS)
    {
      g_string_append (s, ", \"router\": ");
      append_b64_floats (s, values == SY_TRACE_ROUTER_LOGITS ? tl->logits : tl->probs,
                         (gsize) T * E, dtype);
    }
  else if (values == SY_TRACE_ROUTER_TOP)
    {
      gsize n = 0;

      g_string_append (s, ", \"top_experts\": [");
      for (int t = 0; t < T; t++)
        {
          top_n (tl->probs + (gsize) t * E, E, top, idx);
          for (int j = 0; j < top; j++)
            {
              g_string_append_printf (s, "%s%d", n ? "," : "", idx[j]);
              tmp[n++] = tl->probs[(gsize) t * E + idx[j]];
            }
        }
      g_string_append (s, "], \"top_probs\": ");
      append_b64_floats (s, tmp, n, dtype);
    }
  if (self->recv)
    {
      g_string_append (s, ", \"attention_received\": ");
      append_b64_floats (s, self->recv + (gsize) l * T, T, SY_TRACE_DTYPE_F32);
    }
  g_string_append (s, "}");
}

char *
sy_trace_file_to_json (const SyTraceFile             *self,
                       const SyTraceFileWriteOptions *options)
{
  const SyTrace *tr = self->trace;
  SyTraceDtype dtype = options ? options->dtype : SY_TRACE_DTYPE_F32;
  int top = options ? options->top_n : 0;
  int T = tr->n_tokens, E = tr->n_experts, L = tr->n_moe_layers;
  SyTraceRouterValues values = self->values;
  GString *s = g_string_new (NULL);
  g_autofree float *tmp = NULL;
  g_autofree int *idx = NULL;

  if (values == SY_TRACE_ROUTER_TOP)
    values = SY_TRACE_ROUTER_PROBS;   /* the trace's probs hold the spread rest */
  if (top > 0 && top < E && values != SY_TRACE_ROUTER_NONE)
    values = SY_TRACE_ROUTER_TOP;
  else
    top = 0;

  g_string_append_printf (s, "{\"format\": \"%s\", \"version\": %d,\n", SY_TRACE_FILE_FORMAT,
                          SY_TRACE_FILE_VERSION);
  g_string_append (s, "\"source\": ");
  append_json_string (s, self->source ? self->source : "switchyard");
  g_string_append (s, ",\n\"model\": {\"name\": ");
  append_json_string (s, tr->model);
  g_string_append (s, ", \"model_type\": ");
  append_json_string (s, self->model_type);
  g_string_append_printf (s, ", \"n_layers\": %d, \"n_experts\": %d, \"native_k\": %d, "
                          "\"vocab_size\": %d, \"moe_layers\": [",
                          tr->n_layers, E, tr->native_k, self->vocab_size);
  for (int l = 0; l < L; l++)
    g_string_append_printf (s, "%s%d", l ? ", " : "", tr->layers[l].layer);
  g_string_append (s, "]},\n");

  append_router_info (s, self);
  g_string_append (s, "},\n\"router\": ");
  append_json_string (s, tr->router);
  g_string_append_printf (s, ", \"causal\": %s,\n\"text\": ", tr->causal ? "true" : "false");
  append_json_string (s, self->text);

  append_tokens (s, tr);

  g_string_append_printf (s, "\"values\": \"%s\", \"dtype\": \"%s\", \"top_n\": %d, "
                          "\"weights\": %s,\n\"nll\": ",
                          values_names[values], dtype == SY_TRACE_DTYPE_F16 ? "f16" : "f32", top,
                          self->has_weights ? "true" : "false");
  if (self->has_nll && T >= 2)
    append_b64_floats (s, tr->nll, T - 1, SY_TRACE_DTYPE_F32);
  else
    g_string_append (s, "null");

  g_string_append (s, ",\n\"metrics\": {\"perplexity\": ");
  append_double (s, tr->perplexity);
  g_string_append (s, ", \"avg_k\": ");
  append_double (s, tr->avg_k);
  g_string_append (s, ", \"activated_params\": ");
  append_double (s, tr->activated_params);
  g_string_append (s, ", \"flops\": ");
  append_double (s, tr->flops);
  g_string_append (s, "},\n\"layers\": [");

  tmp = g_new (float, (gsize) MAX (T, 1) * E);
  idx = g_new (int, MAX (E, 1));
  for (int l = 0; l < L; l++)
    append_layer (s, self, l, values, dtype, top, tmp, idx);
  g_string_append (s, "]}\n");
  return g_string_free (s, FALSE);
}

gboolean
sy_trace_file_save (const SyTraceFile             *self,
                    const char                    *path,
                    const SyTraceFileWriteOptions *options,
                    GError                       **error)
{
  g_autofree char *json = sy_trace_file_to_json (self, options);
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents (path, json, -1, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot write: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* reading */

typedef struct
{
  const char *name;
  int         T, E, L;
  SyTraceDtype dtype;
} Reader;

static json_object *
member (json_object *o,
        const char  *key)
{
  json_object *v = NULL;

  if (o == NULL || !json_object_object_get_ex (o, key, &v) ||
      json_object_is_type (v, json_type_null))
    return NULL;
  return v;
}

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
read_selection (const Reader  *r,
                SyTraceFile   *tf,
                json_object   *lo,
                int            l,
                SyTraceLayer  *tl,
                GError       **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = NULL;
  g_autofree int *k = NULL;
  g_autofree int *experts = NULL;
  g_autofree float *weights = NULL;
  gsize n_sel = 0, off = 0;

  what = g_strdup_printf ("layers[%d].k", l);
  k = read_ints (r, member (lo, "k"), what, T, 0, E, NULL, error);
  if (k == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    n_sel += k[t];
  g_free (what);
  what = g_strdup_printf ("layers[%d].experts", l);
  experts = read_ints (r, member (lo, "experts"), what, n_sel, 0, E - 1, NULL, error);
  if (experts == NULL)
    return FALSE;
  if (tf->has_weights)
    {
      g_free (what);
      what = g_strdup_printf ("layers[%d].weights", l);
      weights = read_floats (r, member (lo, "weights"), what, n_sel, r->dtype, FALSE, error);
      if (weights == NULL)
        return FALSE;
    }

  for (int t = 0; t < T; t++)
    {
      int *ex = tl->experts + (gsize) t * E;
      float *w = tl->weights + (gsize) t * E;

      tl->k[t] = k[t];
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
                           "%s: layers[%d]: token %d lists expert %d twice", r->name, l, t, ex[i]);
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
read_router_full (const Reader  *r,
                  SyTraceFile   *tf,
                  json_object   *lo,
                  int            l,
                  SyTraceLayer  *tl,
                  GError       **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = g_strdup_printf ("layers[%d].router", l);
  g_autofree float *v = NULL;
  gboolean logits = tf->values == SY_TRACE_ROUTER_LOGITS;

  v = read_floats (r, member (lo, "router"), what, (gsize) T * E, r->dtype, logits, error);
  if (v == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    {
      float *z = v + (gsize) t * E;
      float *p = tl->probs + (gsize) t * E;
      double sum = 0;

      if (logits)
        {
          memcpy (tl->logits + (gsize) t * E, z, sizeof (float) * E);
          probs_from_logits (&tf->info, z, p, E);
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
          tl->logits[(gsize) t * E + e] = p[e] > 0 ? logf (p[e]) : -INFINITY;
        }
    }
  return TRUE;
}

/* layers[l].top_experts and .top_probs, the @top most probable experts:
 * the rest of the probability spread evenly over the others */
static gboolean
read_router_top (const Reader  *r,
                 json_object   *lo,
                 int            l,
                 int            top,
                 SyTraceLayer  *tl,
                 GError       **error)
{
  int T = r->T, E = r->E;
  g_autofree char *what = NULL;
  g_autofree int *te = NULL;
  g_autofree float *tp = NULL;

  what = g_strdup_printf ("layers[%d].top_experts", l);
  te = read_ints (r, member (lo, "top_experts"), what, (gssize) T * top, 0, E - 1, NULL, error);
  if (te == NULL)
    return FALSE;
  g_free (what);
  what = g_strdup_printf ("layers[%d].top_probs", l);
  tp = read_floats (r, member (lo, "top_probs"), what, (gsize) T * top, r->dtype, FALSE, error);
  if (tp == NULL)
    return FALSE;
  for (int t = 0; t < T; t++)
    {
      float *p = tl->probs + (gsize) t * E;
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
          tl->logits[(gsize) t * E + e] = p[e] > 0 ? logf (p[e]) : -INFINITY;
        }
    }
  return TRUE;
}

/* layers[l].attention_received (all layers or none): into tf->recv, and
 * the importance the views draw */
static gboolean
read_attention (const Reader  *r,
                SyTraceFile   *tf,
                json_object   *lo,
                int            l,
                SyTraceLayer  *tl,
                GError       **error)
{
  int T = r->T;
  g_autofree char *what = NULL;
  g_autofree float *v = NULL;
  double mx = 0;

  if (member (lo, "attention_received") == NULL)
    {
      if (tf->recv != NULL)
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                     "%s: layers[%d] has no attention_received while layer 0 has", r->name, l);
      return TRUE;
    }
  what = g_strdup_printf ("layers[%d].attention_received", l);
  v = read_floats (r, member (lo, "attention_received"), what, T, SY_TRACE_DTYPE_F32, FALSE,
                   error);
  if (v == NULL)
    return FALSE;
  if (tf->recv == NULL)
    {
      if (l > 0)
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                     "%s: attention_received is recorded from layers[%d] on, not for every layer",
                     r->name, l);
      tf->recv = g_new0 (float, (gsize) MAX (r->L, 1) * MAX (T, 1));
    }
  memcpy (tf->recv + (gsize) l * T, v, sizeof (float) * T);
  /* the importance the views draw (routing.md "da": imp_j / max) */
  for (int t = 0; t < T; t++)
    mx = MAX (mx, v[t] / (T - t));
  for (int t = 0; t < T; t++)
    tl->importance[t] = mx > 0 ? (float) (v[t] / (T - t) / mx) : 0.0f;
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

  if (!read_selection (r, tf, lo, l, tl, error))
    return FALSE;
  /* the router's output */
  if ((tf->values == SY_TRACE_ROUTER_LOGITS || tf->values == SY_TRACE_ROUTER_PROBS)
      && !read_router_full (r, tf, lo, l, tl, error))
    return FALSE;
  if (tf->values == SY_TRACE_ROUTER_TOP && !read_router_top (r, lo, l, top, tl, error))
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
  return read_attention (r, tf, lo, l, tl, error);
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
  const char *name = r->name;
  gsize T = r->T;
  json_object *o;

  if ((o = member (tokens, "text")) != NULL)
    {
      if (!json_object_is_type (o, json_type_array) || json_object_array_length (o) != T)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                "%s: tokens.text must be an array of %zu strings, one per id", name, T);
          return FALSE;
        }
      for (gsize t = 0; t < T; t++)
        {
          json_object *e = json_object_array_get_idx (o, t);

          if (e != NULL && json_object_is_type (e, json_type_string))
            tr->token_text[t] = g_strdup (json_object_get_string (e));
          else if (e != NULL && !json_object_is_type (e, json_type_null))
            {
              sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE, "%s: tokens.text[%zu] is not a string",
                    name, t);
              return FALSE;
            }
        }
    }
  if ((o = member (tokens, "offsets")) != NULL)
    {
      if (!json_object_is_type (o, json_type_array) || json_object_array_length (o) != T)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                "%s: tokens.offsets must be an array of %zu [start, end] pairs", name, T);
          return FALSE;
        }
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
  const char *name = r->name;
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
  if (!sy_json_get_object (root, name, "router_info", &ri, error))
    return FALSE;
  if (ri != NULL)
    {
      int act = 0, nw = 0;
      int64_t ng = 0, tg = 0, sh = 0;

      if (!read_enum (r, ri, "activation", activation_names, G_N_ELEMENTS (activation_names),
                      SY_ROUTER_SOFTMAX, &act, error) ||
          !read_enum (r, ri, "native_weights", native_weights_names,
                      G_N_ELEMENTS (native_weights_names), SY_NATIVE_WEIGHTS_RENORM, &nw, error) ||
          !sy_json_get_bool (ri, name, "norm_topk_prob", FALSE, &tf->info.norm_topk_prob, error) ||
          !sy_json_get_double (ri, name, "routed_scaling_factor", 1.0, &d, error) ||
          !sy_json_get_int_range (ri, name, "n_group", 0, 0, 30, &ng, error) ||
          !sy_json_get_int_range (ri, name, "topk_group", 0, 0, 30, &tg, error) ||
          !sy_json_get_bool (ri, name, "shared_experts", FALSE, &tf->info.has_shared_experts,
                             error) ||
          !sy_json_get_int_range (ri, name, "shallow_experts", 0, 0, E, &sh, error) ||
          !sy_json_get_string (ri, name, "native_policy", NULL, &native, error))
        return FALSE;
      if (ng > 1 && (E % ng != 0 || tg < 1 || tg > ng))
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
                "%s: router_info: %" G_GINT64_FORMAT " groups of %" G_GINT64_FORMAT
                " experts, keeping %" G_GINT64_FORMAT ": not a valid grouping", name, ng, E, tg);
          return FALSE;
        }
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
              g_prefix_error (error, "%s: router_info.native_policy: ", name);
              return FALSE;
            }
        }
      if (member (ri, "selection_bias"))
        {
          tf->bias = read_floats (r, member (ri, "selection_bias"), "router_info.selection_bias",
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
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED, "%s: 'dtype' is \"%s\" (f32 or f16)", name, dtype);
      return FALSE;
    }
  if (!sy_json_get_int_range (root, name, "top_n", 0, 0, E, top, error) ||
      !sy_json_get_bool (root, name, "weights", TRUE, &tf->has_weights, error))
    return FALSE;
  if (tf->values == SY_TRACE_ROUTER_TOP && (*top < 1 || *top >= E))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_INVALID_VALUE,
            "%s: values \"top\" needs top_n between 1 and %" G_GINT64_FORMAT, name, E - 1);
      return FALSE;
    }
  return TRUE;
}

/* nll and metrics, both optional */
static gboolean
read_nll_metrics (const Reader  *r,
                  SyTraceFile   *tf,
                  json_object   *root,
                  GError       **error)
{
  const char *name = r->name;
  gsize T = r->T;
  SyTrace *tr = tf->trace;
  json_object *o;
  double d;

  /* NLL */
  tf->has_nll = member (root, "nll") != NULL;
  for (gsize t = 0; t < MAX (T, 1); t++)
    tr->nll[t] = NAN;
  if (tf->has_nll)
    {
      g_autofree float *nll = NULL;

      if (T < 2)
        {
          sy_engine_fail (error, SY_ENGINE_ERROR_SHAPE_MISMATCH, "%s: nll recorded for %zu tokens", name, T);
          return FALSE;
        }
      nll = read_floats (r, member (root, "nll"), "nll", T - 1, SY_TRACE_DTYPE_F32, FALSE, error);
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

  o = member (root, "metrics");
  tr->activated_params = tr->flops = NAN;
  if (o != NULL && json_object_is_type (o, json_type_object))
    {
      if (!sy_json_get_double (o, name, "activated_params", NAN, &tr->activated_params, error) ||
          !sy_json_get_double (o, name, "flops", NAN, &tr->flops, error))
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
  moe_layers = read_ints (&r, member (model, "moe_layers"), "model.moe_layers", -1, 0,
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
  tokens = member (root, "tokens");
  if (tokens == NULL || !json_object_is_type (tokens, json_type_object))
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_MISSING, "%s: required key 'tokens' is missing", name);
      return NULL;
    }
  ids = read_ints (&r, member (tokens, "ids"), "tokens.ids", -1, 0, G_MAXINT32, &T, error);
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
  link_info (tf);

  if (!read_encoding (&r, tf, root, &top, error))
    return NULL;

  /* layers */
  layers = member (root, "layers");
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
  g_autoptr (GError) local = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  return sy_trace_file_parse (data, (gssize) len, base, error);
}

/* ------------------------------------------------------------------ */
/* re-applying policies */

SyTrace *
sy_trace_file_apply (const SyTraceFile  *self,
                     const SyRouterSpec *spec,
                     GError            **error)
{
  g_autoptr (SyTrace) out = NULL;
  SyRouterModelInfo info = self->info;
  const SyRouterSpec *eff = spec;
  int T, L;

  if (spec == NULL)
    return sy_trace_copy (self->trace);

  if (self->values == SY_TRACE_ROUTER_NONE)
    {
      g_autofree char *s = sy_router_spec_to_string (spec);

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "trace: policy %s needs router probabilities, and this trace (from %s) "
                   "holds expert ids only", s, self->source ? self->source : "?");
      return NULL;
    }
  if (spec->policy == SY_POLICY_NATIVE && info.native)
    eff = info.native;
  if (eff->policy == SY_POLICY_DA && self->recv == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "trace: policy da needs the attention each token received, "
                   "which this trace does not record");
      return NULL;
    }
  /* pi only (no raw logits): rank by pi; the selection bias of sigmoid
   * routers needs the logits */
  if (self->values != SY_TRACE_ROUTER_LOGITS)
    {
      info.activation = SY_ROUTER_SOFTMAX;
      info.selection_bias = NULL;
    }
  if (!sy_router_spec_check (spec, &info, error))
    return NULL;

  out = sy_trace_copy (self->trace);
  T = out->n_tokens;
  L = out->n_moe_layers;
  for (int l = 0; l < L; l++)
    {
      if (!sy_router_route (spec, &info, l, T, 0, self->recv ? self->recv + (gsize) l * T : NULL,
                            &out->layers[l], error))
        return NULL;
    }
  g_free (out->router);
  out->router = sy_router_spec_to_string (spec);
  out->causal = sy_router_spec_is_causal (eff);
  for (int t = 0; t < MAX (T, 1); t++)
    out->nll[t] = NAN;
  out->perplexity = NAN;
  out->activated_params = NAN;
  out->flops = NAN;
  for (int i = 0; i < SY_N_OPS; i++)
    out->op_time_s[i] = 0;
  out->total_time_s = 0;
  sy_trace_update_avg_k (out);
  return g_steal_pointer (&out);
}

char *
sy_trace_file_describe_limits (const SyTraceFile  *self,
                               const SyRouterSpec *spec)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "Recorded trace (%s)", self->source ? self->source : "?");
  if (self->values == SY_TRACE_ROUTER_NONE)
    g_string_append (s, ": expert ids only, no router probabilities: policies cannot be "
                        "re-applied");
  else if (spec != NULL)
    g_string_append (s, ": the policy is re-applied to the recorded router probabilities "
                        "of each layer; later layers are not re-run");
  else
    g_string_append (s, ": the routing as recorded; a policy is re-applied to each layer's "
                        "recorded router probabilities, later layers are not re-run");
  if (spec != NULL || !self->has_nll)
    g_string_append (s, "; NLL, perplexity, KL and greedy agreement unavailable");
  if (self->values == SY_TRACE_ROUTER_TOP)
    g_string_append (s, "; probabilities beyond the recorded top N are spread evenly");
  if (!self->has_weights)
    g_string_append (s, "; weights not recorded (1/k shown)");
  return g_string_free (s, FALSE);
}

gboolean
sy_trace_file_sniff (const char *path)
{
  char buf[512];
  FILE *f;
  size_t n;

  if (!g_str_has_suffix (path, ".json"))
    return FALSE;
  f = fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  return strstr (buf, "\"" SY_TRACE_FILE_FORMAT "\"") != NULL;
}

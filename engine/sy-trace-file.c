/* sy-trace-file.c: trace files (docs/trace-format.md): making, writing,
 * re-applying a policy (reading is in sy-trace-file-read.c)
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
#include "sy-trace-file-private.h"

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

void
_sy_trace_file_link_info (SyTraceFile *self)
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
  _sy_trace_file_link_info (self);

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

  g_string_append (s, ",\n\"metrics\": {");
  for (gsize i = 0; i < G_N_ELEMENTS (sy_trace_metrics); i++)
    {
      g_string_append_printf (s, "%s\"%s\": ", i ? ", " : "", sy_trace_metrics[i].name);
      append_double (s, sy_trace_metric_value (tr, &sy_trace_metrics[i]));
    }
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

  if (!sy_engine_set_contents (path, json, -1, error))
    {
      g_prefix_error (error, "%s: cannot write: ", path);
      return FALSE;
    }
  return TRUE;
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
  const SyRouterSpec *eff;
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
  eff = sy_router_spec_resolve (spec, &info);
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

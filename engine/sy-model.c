/* sy-model.c: loading a Hugging Face MoE checkpoint
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "sy-gguf.h"
#include "sy-model-private.h"
#include "sy-tokenizer.h"
#include "sy-weight-memory.h"

typedef struct
{
  SyModel        *model;
  SyProgressFunc  progress;
  gpointer        user_data;
  int             n_steps;
  int             step;
  int             n_f32, n_f16, n_bf16;
  int             n_quant[SY_N_DTYPES];
  SyPool         *pool;         /* checks in parallel */
  double          base;         /* progress: binding covers [base, 1] */
} Binder;

static gboolean
report (Binder      *b,
        const char  *what,
        GError     **error)
{
  if (b->progress && !b->progress (b->base + (1 - b->base) * (b->n_steps ? (double) b->step / b->n_steps : 0),
                                   what, b->user_data))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "loading was cancelled");
      return FALSE;
    }
  return TRUE;
}

/* The tensor names are printf patterns from our own arch table. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Looks up the tensor named by the printf pattern with its expected shape
 * and checks its values. */
static const SyTensor *
bind (Binder        *b,
      GError       **error,
      int            n_dims,
      const int64_t *shape,
      const char    *pattern,
      ...)
{
  g_autofree char *name = NULL;
  const SyTensor *t;
  va_list args;

  va_start (args, pattern);
  name = g_strdup_vprintf (pattern, args);
  va_end (args);

  t = sy_tensor_store_get (b->model->store, name, n_dims, shape, error);
  if (t == NULL)
    return NULL;
  if (sy_dtype_is_quantized (t->dtype) && n_dims > 0
      && t->shape[n_dims - 1] % sy_dtype_block_elems (t->dtype) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' (%s) has rows of %" G_GINT64_FORMAT " values, not whole blocks",
                   t->file, name, sy_dtype_name (t->dtype), t->shape[n_dims - 1]);
      return NULL;
    }
  if (t->dtype >= SY_N_DTYPES)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has dtype %s, which the engine cannot compute with",
                   t->file, name, sy_dtype_name (t->dtype));
      return NULL;
    }
  if (!sy_tensor_check_finite_parallel (b->pool, t, error))
    return NULL;
  b->model->info.n_params += sy_tensor_n_elements (t);
  b->model->n_by_dtype[t->dtype]++;
  if (t->dtype == SY_DTYPE_F32)
    b->n_f32++;
  else if (t->dtype == SY_DTYPE_F16)
    b->n_f16++;
  else if (t->dtype == SY_DTYPE_BF16)
    b->n_bf16++;
  else
    b->n_quant[t->dtype]++;
  return t;
}

static SyMat
mat_of (const SyTensor *t,
        int             rows,
        int             cols,
        int64_t         row0)
{
  SyMat m = { (const char *) t->data + sy_dtype_n_bytes (t->dtype, row0 * cols), t->dtype, rows, cols };

  return m;
}

/* @mem, freed with the model */
static gpointer
model_own (SyModel  *m,
           gpointer  mem)
{
  g_ptr_array_add (m->owned, mem);
  return mem;
}

#define BIND_MAT(out, rows, cols, ...) \
  G_STMT_START { \
    int64_t shape_[2] = { (rows), (cols) }; \
    const SyTensor *t_ = bind (b, error, 2, shape_, __VA_ARGS__); \
    if (t_ == NULL) \
      return FALSE; \
    (out) = mat_of (t_, (rows), (cols), 0); \
  } G_STMT_END

#define BIND_VEC(out, n, ...) \
  G_STMT_START { \
    int64_t shape_[1] = { (n) }; \
    const SyTensor *t_ = bind (b, error, 1, shape_, __VA_ARGS__); \
    if (t_ == NULL) \
      return FALSE; \
    (out) = model_own (b->model, g_new (float, (n))); \
    sy_tensor_to_f32 (t_, 0, (n), (out)); \
  } G_STMT_END

static gboolean
bind_ffn (Binder      *b,
          SyFfn       *ffn,
          int          ffn_dim,
          const char  *gate,
          const char  *up,
          const char  *down,
          int          layer,
          int          expert,
          GError     **error)
{
  int H = b->model->config.hidden_size;

  BIND_MAT (ffn->gate, ffn_dim, H, gate, layer, expert);
  BIND_MAT (ffn->up, ffn_dim, H, up, layer, expert);
  BIND_MAT (ffn->down, H, ffn_dim, down, layer, expert);
  return TRUE;
}

/* DeepSeek multi-head latent attention: q through a LoRA (or q_proj),
 * keys and values through the compressed kv_a / kv_b pair. */
static gboolean
bind_mla (Binder  *b,
          int      l,
          GError **error)
{
  SyModel *m = b->model;
  const SyArchSpec *a = m->arch;
  const SyConfig *c = &m->config;
  SyLayer *L = &m->layers[l];
  int H = c->hidden_size, R = c->head_dim;
  int kv_b_rows = c->n_heads * (c->qk_nope_head_dim + c->v_head_dim);

  if (c->q_lora_rank > 0)
    {
      BIND_MAT (L->q_a, c->q_lora_rank, H, a->q_a_proj, l, "weight");
      if (c->attention_bias)
        BIND_VEC (L->q_a_bias, c->q_lora_rank, a->q_a_proj, l, "bias");
      BIND_VEC (L->q_a_norm, c->q_lora_rank, a->q_a_norm, l);
      BIND_MAT (L->q_b, m->q_dim, c->q_lora_rank, a->q_b_proj, l, "weight");
    }
  else
    BIND_MAT (L->q, m->q_dim, H, a->q_proj, l, "weight");
  BIND_MAT (L->kv_a, c->kv_lora_rank + R, H, a->kv_a_proj, l, "weight");
  if (c->attention_bias)
    BIND_VEC (L->kv_a_bias, c->kv_lora_rank + R, a->kv_a_proj, l, "bias");
  BIND_VEC (L->kv_a_norm, c->kv_lora_rank, a->kv_a_norm, l);
  BIND_MAT (L->kv_b, kv_b_rows, c->kv_lora_rank, a->kv_b_proj, l, "weight");
  return TRUE;
}

/* gpt-oss experts: gate_up (E, H, 2 I) used as x @ W, gate the even
 * columns and up the odd ones, down (E, I, H).  Re-laid out once into
 * (out, in) row-major matrices in the stored precision, biases split. */
static gboolean
bind_experts_interleaved (Binder  *b,
                          int      l,
                          GError **error)
{
  SyModel *m = b->model;
  const SyArchSpec *a = m->arch;
  const SyConfig *c = &m->config;
  SyLayer *L = &m->layers[l];
  int H = c->hidden_size, E = c->n_experts, I = c->expert_ffn;
  int64_t in_shape[3] = { E, H, 2 * I }, out_shape[3] = { E, I, H };
  int64_t in_bias_shape[2] = { E, 2 * I }, out_bias_shape[2] = { E, H };
  const SyTensor *in, *out, *in_b, *out_b;
  gsize esz, mat = (gsize) I * H;
  float *bias;
  char *w;

  in = bind (b, error, 3, in_shape, a->experts_in, l);
  if (in == NULL || (out = bind (b, error, 3, out_shape, a->experts_out, l)) == NULL
      || (in_b = bind (b, error, 2, in_bias_shape, a->experts_in_bias, l)) == NULL
      || (out_b = bind (b, error, 2, out_bias_shape, a->experts_out_bias, l)) == NULL)
    return FALSE;
  if (sy_dtype_is_quantized (in->dtype) || sy_dtype_is_quantized (out->dtype))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: layer %d experts are %s: interleaved gate/up columns cannot be "
                   "re-laid out in quantized blocks", in->file, l, sy_dtype_name (in->dtype));
      return FALSE;
    }
  if (in->dtype != out->dtype)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: layer %d experts mix dtypes %s and %s", in->file, l,
                   sy_dtype_name (in->dtype), sy_dtype_name (out->dtype));
      return FALSE;
    }
  esz = in->dtype == SY_DTYPE_F32 ? 4 : 2;
  w = model_own (m, g_malloc (esz * mat * 3 * E));
  bias = model_own (m, g_new (float, (gsize) E * (2 * I + H)));
  sy_tensor_to_f32 (in_b, 0, (int64_t) E * 2 * I, bias);
  sy_tensor_to_f32 (out_b, 0, (int64_t) E * H, bias + (gsize) E * 2 * I);

  for (int e = 0; e < E; e++)
    {
      const char *src_in = (const char *) in->data + esz * (gsize) e * H * 2 * I;
      const char *src_out = (const char *) out->data + esz * (gsize) e * I * H;
      char *gate = w + esz * mat * (3 * (gsize) e);
      char *up = gate + esz * mat;
      char *down = up + esz * mat;
      SyFfn *f = &L->experts[e];
      float *bias_in = bias + (gsize) e * 2 * I;

      for (int i = 0; i < I; i++)
        for (int h = 0; h < H; h++)
          {
            memcpy (gate + esz * ((gsize) i * H + h), src_in + esz * ((gsize) h * 2 * I + 2 * i), esz);
            memcpy (up + esz * ((gsize) i * H + h), src_in + esz * ((gsize) h * 2 * I + 2 * i + 1), esz);
            memcpy (down + esz * ((gsize) h * I + i), src_out + esz * ((gsize) i * H + h), esz);
          }
      /* the biases: gate the even entries, up the odd ones (in place, as
       * [gate (I) | up (I)] per expert) */
      {
        g_autofree float *tmp = g_memdup2 (bias_in, sizeof (float) * 2 * I);

        for (int i = 0; i < I; i++)
          {
            bias_in[i] = tmp[2 * i];
            bias_in[I + i] = tmp[2 * i + 1];
          }
      }
      f->gate = (SyMat) { gate, in->dtype, I, H };
      f->up = (SyMat) { up, in->dtype, I, H };
      f->down = (SyMat) { down, in->dtype, H, I };
      f->gate_bias = bias_in;
      f->up_bias = bias_in + I;
      f->down_bias = bias + (gsize) E * 2 * I + (gsize) e * H;
    }
  return TRUE;
}

static gboolean
has_tensor (SyTensorStore *store,
            const char    *pattern,
            int            l)
{
  g_autofree char *name = g_strdup_printf (pattern, l);

  return sy_tensor_store_lookup (store, name) != NULL;
}

static void
ffn_set_act (const SyModel *m,
             SyFfn         *f)
{
  f->act = m->arch->ffn_act;
  f->alpha = (float) m->arch->swiglu_alpha;
  f->limit = (float) m->config.swiglu_limit;
}

static gboolean
bind_layer (Binder  *b,
            int      l,
            GError **error)
{
  SyModel *m = b->model;
  const SyArchSpec *a = m->arch;
  const SyConfig *c = &m->config;
  SyLayer *L = &m->layers[l];
  int H = c->hidden_size, D = c->head_dim, E = c->n_experts;
  int q_dim = c->n_heads * D, kv_dim = c->n_kv_heads * D;

  L->window = sy_config_layer_window (c, l);
  BIND_VEC (L->attn_norm, H, a->attn_norm, l);
  BIND_VEC (L->ffn_norm, H, a->ffn_norm, l);
  BIND_MAT (L->o, H, m->attn_out_dim, a->o_proj, l, "weight");
  if (a->o_proj_bias && c->attention_bias)
    BIND_VEC (L->o_bias, H, a->o_proj, l, "bias");
  if (a->sinks)
    BIND_VEC (L->sinks, c->n_heads, a->sinks, l);
  if (a->attn == SY_ATTN_MLA)
    {
      if (!bind_mla (b, l, error))
        return FALSE;
    }
  else
    {
      BIND_MAT (L->q, q_dim, H, a->q_proj, l, "weight");
      BIND_MAT (L->k, kv_dim, H, a->k_proj, l, "weight");
      BIND_MAT (L->v, kv_dim, H, a->v_proj, l, "weight");
    }
  if (c->attn_groups > 0)
    BIND_MAT (L->group_gate, c->attn_groups, H, a->attn_group_gate, l);
  if (c->attention_bias && a->attn == SY_ATTN_GQA)
    {
      BIND_VEC (L->q_bias, q_dim, a->q_proj, l, "bias");
      BIND_VEC (L->k_bias, kv_dim, a->k_proj, l, "bias");
      BIND_VEC (L->v_bias, kv_dim, a->v_proj, l, "bias");
    }
  if (a->qk_norm == SY_QK_NORM_FULL)
    {
      BIND_VEC (L->q_norm, q_dim, a->q_norm, l);
      BIND_VEC (L->k_norm, kv_dim, a->k_norm, l);
    }
  else if (a->qk_norm == SY_QK_NORM_HEAD)
    {
      BIND_VEC (L->q_norm, D, a->q_norm, l);
      BIND_VEC (L->k_norm, D, a->k_norm, l);
    }

  L->is_moe = sy_config_layer_is_moe (c, l);
  if (!L->is_moe)
    {
      L->moe = -1;
      ffn_set_act (m, &L->mlp);
      return bind_ffn (b, &L->mlp, c->dense_ffn, a->mlp_gate, a->mlp_up, a->mlp_down, l, 0, error);
    }

  BIND_MAT (L->router, E, H, a->router, l);
  if (a->router_bias)
    BIND_VEC (L->router_bias, E, a->router_bias, l);
  if (a->selection_bias)
    BIND_VEC (L->selection_bias, E, a->selection_bias, l);
  L->experts = model_own (m, g_new0 (SyFfn, E));
  for (int e = 0; e < E; e++)
    ffn_set_act (m, &L->experts[e]);
  ffn_set_act (m, &L->shared);
  if (a->expert_layout == SY_EXPERTS_FUSED_INTERLEAVED
      && (a->expert_gate == NULL || has_tensor (m->store, a->experts_in, l)))
    {
      if (!bind_experts_interleaved (b, l, error))
        return FALSE;
    }
  else if (a->expert_gate_bias)
    {
      /* separate experts with biases (gpt-oss from GGUF) */
      int I = c->expert_ffn;
      float *bias = model_own (m, g_new (float, (gsize) E * (2 * I + H)));

      for (int e = 0; e < E; e++)
        {
          SyFfn *f = &L->experts[e];
          float *gb = bias + (gsize) e * (2 * I + H);
          int64_t si[1] = { I }, sh[1] = { H };
          const SyTensor *t;

          if (!bind_ffn (b, f, I, a->expert_gate, a->expert_up, a->expert_down, l, e, error))
            return FALSE;
          if ((t = bind (b, error, 1, si, a->expert_gate_bias, l, e)) == NULL)
            return FALSE;
          sy_tensor_to_f32 (t, 0, I, gb);
          if ((t = bind (b, error, 1, si, a->expert_up_bias, l, e)) == NULL)
            return FALSE;
          sy_tensor_to_f32 (t, 0, I, gb + I);
          if ((t = bind (b, error, 1, sh, a->expert_down_bias, l, e)) == NULL)
            return FALSE;
          sy_tensor_to_f32 (t, 0, H, gb + 2 * I);
          f->gate_bias = gb;
          f->up_bias = gb + I;
          f->down_bias = gb + 2 * I;
        }
    }
  else if (a->expert_layout == SY_EXPERTS_SEPARATE
           || (a->expert_gate && !has_tensor (m->store, a->experts_in, l)))
    {
      /* (fused layouts: the experts as a GGUF file splits them) */
      for (int e = 0; e < E; e++)
        if (!bind_ffn (b, &L->experts[e], sy_config_expert_ffn (c, e), a->expert_gate, a->expert_up,
                       a->expert_down, l, e, error))
          return FALSE;
    }
  else
    {
      int I = c->expert_ffn;
      int64_t in_shape[3] = { E, 2 * I, H };
      int64_t out_shape[3] = { E, H, I };
      const SyTensor *in = bind (b, error, 3, in_shape, a->experts_in, l);
      const SyTensor *out = in ? bind (b, error, 3, out_shape, a->experts_out, l) : NULL;

      if (out == NULL)
        return FALSE;
      /* input_linear rows of expert e: [gate (I); up (I)] */
      for (int e = 0; e < E; e++)
        {
          L->experts[e].gate = mat_of (in, I, H, (int64_t) e * 2 * I);
          L->experts[e].up = mat_of (in, I, H, (int64_t) e * 2 * I + I);
          L->experts[e].down = mat_of (out, H, I, (int64_t) e * H);
        }
    }

  if (a->has_shared_expert && c->shared_ffn > 0)
    {
      if (!bind_ffn (b, &L->shared, c->shared_ffn, a->shared_gate, a->shared_up,
                     a->shared_down, l, 0, error))
        return FALSE;
      if (a->shared_expert_gated)
        {
          int64_t shape[2] = { 1, H };
          const SyTensor *t = bind (b, error, 2, shape, a->shared_expert_gate, l);

          if (t == NULL)
            return FALSE;
          L->shared_gate = model_own (m, g_new (float, H));
          sy_tensor_to_f32 (t, 0, H, L->shared_gate);
        }
    }
  return TRUE;
}

/* YaRN's magnitude correction, 0.1 m ln (s) + 1 for a scale s > 1. */
static double
yarn_mscale (double scale,
             double mscale)
{
  return scale <= 1 ? 1.0 : 0.1 * mscale * log (scale) + 1.0;
}

/* Widths of the attention's vectors and the softmax scale: grouped-query
 * heads of head_dim, or DeepSeek's latent attention (queries and keys of
 * qk_nope + qk_rope per head, values of v_head_dim; scale qk_head^-1/2,
 * times mscale (factor, mscale_all_dim)^2 under yarn). */
static void
init_attention_dims (SyModel *m)
{
  const SyConfig *c = &m->config;
  double scale;

  if (m->arch->attn == SY_ATTN_MLA)
    {
      int qk = c->qk_nope_head_dim + c->head_dim;

      m->q_dim = c->n_heads * qk;
      m->k_cache_dim = c->n_heads * qk;
      m->v_cache_dim = c->n_heads * c->v_head_dim;
      m->attn_out_dim = c->n_heads * c->v_head_dim;
      scale = pow (qk, -0.5);
      if (c->rope_type != SY_ROPE_DEFAULT && c->rope_mscale_all_dim != 0)
        {
          double ms = yarn_mscale (c->rope_factor, c->rope_mscale_all_dim);

          scale *= ms * ms;
        }
    }
  else
    {
      m->q_dim = c->n_heads * c->head_dim;
      m->k_cache_dim = c->n_kv_heads * c->head_dim;
      m->v_cache_dim = c->n_kv_heads * c->head_dim;
      m->attn_out_dim = m->q_dim;
      scale = c->attention_multiplier != 0 ? c->attention_multiplier : pow (c->head_dim, -0.5);
    }
  m->attn_scale = (float) scale;
}

/* Rotary frequencies per the HF rope initialisation functions. */
static void
init_rope (SyModel *m)
{
  const SyConfig *c = &m->config;
  int D = c->head_dim, half = D / 2;
  float base = (float) c->rope_theta;

  m->inv_freq = g_new (float, half);
  m->rope_mscale = 1.0f;
  for (int i = 0; i < half; i++)
    m->inv_freq[i] = 1.0f / powf (base, (float) (2 * i) / (float) D);
  if (m->arch->rope_angles_f64 && c->rope_type == SY_ROPE_DEFAULT)
    {
      m->inv_freq_f64 = g_new (double, half);
      for (int i = 0; i < half; i++)
        m->inv_freq_f64[i] = 1.0 / pow (c->rope_theta, (2.0 * i) / D);
    }

  switch (c->rope_type)
    {
    case SY_ROPE_DEFAULT:
      break;
    case SY_ROPE_LINEAR:
      for (int i = 0; i < half; i++)
        m->inv_freq[i] /= (float) c->rope_factor;
      break;
    case SY_ROPE_LLAMA3:
      {
        double old_ctx = c->rope_original_max_pos > 0 ? c->rope_original_max_pos : 8192;
        double low_wl = old_ctx / c->rope_low_freq_factor;
        double high_wl = old_ctx / c->rope_high_freq_factor;

        for (int i = 0; i < half; i++)
          {
            double f = m->inv_freq[i], wl = 2 * G_PI / f;

            if (wl > low_wl)
              f /= c->rope_factor;
            else if (wl >= high_wl && c->rope_high_freq_factor != c->rope_low_freq_factor)
              {
                double smooth = (old_ctx / wl - c->rope_low_freq_factor)
                                / (c->rope_high_freq_factor - c->rope_low_freq_factor);
                f = (1 - smooth) * f / c->rope_factor + smooth * f;
              }
            m->inv_freq[i] = (float) f;
          }
      }
      break;
    case SY_ROPE_YARN:
      {
        double max_pos = c->rope_original_max_pos > 0 ? c->rope_original_max_pos
                                                      : c->max_position_embeddings;
        double lo = floor (D * log (max_pos / (c->rope_beta_fast * 2 * G_PI)) / (2 * log (c->rope_theta)));
        double hi = ceil (D * log (max_pos / (c->rope_beta_slow * 2 * G_PI)) / (2 * log (c->rope_theta)));

        if (!c->rope_truncate)
          {
            /* truncate: false (gpt-oss) keeps the fractional range */
            lo = D * log (max_pos / (c->rope_beta_fast * 2 * G_PI)) / (2 * log (c->rope_theta));
            hi = D * log (max_pos / (c->rope_beta_slow * 2 * G_PI)) / (2 * log (c->rope_theta));
          }
        lo = MAX (lo, 0);
        hi = MIN (hi, D - 1);
        if (lo == hi)
          hi += 0.001;
        for (int i = 0; i < half; i++)
          {
            double extrap = m->inv_freq[i];
            double interp = extrap / c->rope_factor;
            double ramp = CLAMP ((i - lo) / (hi - lo), 0.0, 1.0);
            double extrap_factor = 1 - ramp;

            m->inv_freq[i] = (float) (interp * (1 - extrap_factor) + extrap * extrap_factor);
          }
        if (c->rope_attention_factor > 0)
          m->rope_mscale = (float) c->rope_attention_factor;
        else if (c->rope_mscale != 0 && c->rope_mscale_all_dim != 0)
          m->rope_mscale = (float) (yarn_mscale (c->rope_factor, c->rope_mscale)
                                    / yarn_mscale (c->rope_factor, c->rope_mscale_all_dim));
        else
          m->rope_mscale = (float) yarn_mscale (c->rope_factor, 1.0);
      }
      break;
    }
}

static json_object *
read_json (const char  *file,
           const char  *shown,
           gboolean     optional,
           GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;
  json_object *root;
  json_tokener *tok;

  if (!g_file_get_contents (file, &text, &len, &local))
    {
      if (optional && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: %s", shown, local->message);
      return NULL;
    }
  tok = json_tokener_new ();
  root = json_tokener_parse_ex (tok, text, (int) MIN (len, G_MAXINT));
  if (root == NULL || json_tokener_get_error (tok) != json_tokener_success
      || json_object_get_type (root) != json_type_object)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: not a JSON object (%s)", shown,
                   root ? "wrong type" : json_tokener_error_desc (json_tokener_get_error (tok)));
      json_object_put (root);
      json_tokener_free (tok);
      return NULL;
    }
  json_tokener_free (tok);
  return root;
}

SyModel *
sy_model_ref (SyModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
sy_model_unref (SyModel *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_clear_pointer (&self->owned, g_ptr_array_unref);
  g_free (self->layers);
  g_free (self->layer_is_moe);
  g_free (self->moe_layer);
  g_free (self->inv_freq);
  g_free (self->inv_freq_f64);
  g_free (self->selection_bias);
  g_strfreev (self->unused);
  g_clear_pointer (&self->tokenizer, sy_tokenizer_free);
  g_clear_pointer (&self->store, sy_tensor_store_free);
  g_clear_pointer (&self->arena, sy_weight_arena_free);
  sy_config_clear (&self->config);
  g_free (self->path);
  g_free (self->name);
  g_free (self);
}

static gboolean
bind_model (Binder  *b,
            GError **error)
{
  SyModel *m = b->model;
  const SyArchSpec *a = m->arch;
  const SyConfig *c = &m->config;
  int H = c->hidden_size, V = c->vocab_size;

  BIND_MAT (m->embed, V, H, "%s", a->embed);
  if (!report (b, "embeddings", error))
    return FALSE;
  for (int l = 0; l < c->n_layers; l++)
    {
      g_autofree char *what = g_strdup_printf ("layer %d", l);

      if (!bind_layer (b, l, error))
        return FALSE;
      b->step++;
      if (!report (b, what, error))
        return FALSE;
    }
  BIND_VEC (m->final_norm, H, "%s", a->final_norm);
  if (c->tie_word_embeddings)
    {
      /* A tied checkpoint may still carry a copy of the head. */
      m->lm_head = m->embed;
      if (sy_tensor_store_lookup (m->store, a->lm_head) != NULL)
        BIND_MAT (m->lm_head, V, H, "%s", a->lm_head);
    }
  else
    BIND_MAT (m->lm_head, V, H, "%s", a->lm_head);
  return TRUE;
}

typedef struct
{
  SyProgressFunc progress;
  gpointer       user_data;
  double         span;
} ReadProgress;

static gboolean
read_progress (double      fraction,
               const char *what,
               gpointer    user_data)
{
  ReadProgress *rp = user_data;

  return rp->progress (fraction * rp->span, what, rp->user_data);
}

/* Where the weights will live: read into the arena unless the caller
 * asked for the mapping, or (by default) when they would not fit in the
 * memory available with room to spare. */
static gboolean
place_weights (SyModel          *m,
               SyModelLoadFlags  flags,
               Binder           *b,
               GError          **error)
{
  guint64 total = sy_tensor_store_get_n_bytes (m->store);
  gint64 avail = sy_mem_available ();
  gboolean resident;
  ReadProgress rp = { b->progress, b->user_data, 0.8 };

  if (flags & SY_MODEL_LOAD_MAPPED)
    resident = FALSE;
  else if (flags & SY_MODEL_LOAD_RESIDENT)
    resident = TRUE;
  else
    resident = avail < 0 || total + MAX ((guint64) 512 << 20, (guint64) avail / 8) <= (guint64) avail;
  if (!resident && !(flags & SY_MODEL_LOAD_MAPPED))
    {
      /* said up front (stderr of the CLI, the load progress text of the
       * app): every run may read the weights from disk again */
      g_autofree char *size = g_format_size (total);
      g_autofree char *room = g_format_size ((guint64) avail);
      g_autofree char *note =
        g_strdup_printf ("%s: the weights (%s) do not fit in the memory available (%s): "
                         "they will be read from disk as needed, so a run may take about "
                         "%.0f s or more (at 500 MB/s; slower from a hard disk)",
                         m->path, size, room, (double) total / 500e6);

      g_message ("%s", note);
      if (b->progress && !b->progress (0.0, note, b->user_data))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "loading was cancelled");
          return FALSE;
        }
    }
  if (!resident)
    return TRUE;
  m->arena = sy_weight_arena_new ();
  b->base = rp.span;   /* reading is the long part */
  return sy_tensor_store_read_into (m->store, m->arena, b->pool, b->progress ? read_progress : NULL, &rp, error);
}

SyModel *
sy_model_load (const char      *path,
               SyProgressFunc   progress,
               gpointer         user_data,
               GError         **error)
{
  return sy_model_load_full (path, SY_MODEL_LOAD_DEFAULT, progress, user_data, error);
}

/* config.json, or the metadata of a GGUF file (opened into *@gguf): the
 * architecture and configuration of @m; *@config_file names where they
 * came from, for messages. */
static gboolean
load_config (SyModel     *m,
             SyGguf     **gguf,
             char       **config_file,
             GError     **error)
{
  json_object *root, *v = NULL;
  const char *model_type = NULL;
  gboolean ok = FALSE;

  if (!g_file_test (m->path, G_FILE_TEST_IS_DIR))
    {
      /* GGUF: the metadata stands in for config.json */
      const SyArchSpec *arch = NULL;

      *gguf = sy_gguf_open (m->path, error);
      if (*gguf == NULL)
        return FALSE;
      root = sy_gguf_model_config (*gguf, &arch, error);
      if (root == NULL)
        return FALSE;
      *config_file = g_strdup_printf ("%s (metadata)", m->path);
    }
  else
    {
      *config_file = g_build_filename (m->path, "config.json", NULL);
      root = read_json (*config_file, *config_file, FALSE, error);
      if (root == NULL)
        return FALSE;
    }
  if (json_object_object_get_ex (root, "model_type", &v) && v
      && json_object_get_type (v) == json_type_string)
    model_type = json_object_get_string (v);
  if (model_type == NULL)
    g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                 "%s: required key 'model_type' is missing (supported: %s)",
                 *config_file, sy_arch_supported_list ());
  else if ((m->arch = sy_arch_lookup (model_type, error)) == NULL)
    g_prefix_error (error, "%s: ", *config_file);
  else
    ok = sy_config_parse (m->arch, root, *config_file, &m->config, error);
  json_object_put (root);
  if (!ok)
    return FALSE;
  if (*gguf && sy_gguf_model_rope_pairs (*gguf))
    m->config.rope_interleave = TRUE;
  return TRUE;
}

/* generation_config.json: what generate() stops at */
static gboolean
read_generation_config (SyModel     *m,
                        SyGguf      *gguf,
                        GError     **error)
{
  SyConfig *c = &m->config;
  g_autofree char *gen_file = g_build_filename (m->path, "generation_config.json", NULL);
  json_object *gen;

  gen = gguf ? NULL : read_json (gen_file, gen_file, TRUE, error);
  if (gen == NULL && error && *error)
    return FALSE;
  if (gen)
    {
      gboolean ok = sy_config_parse_generation (c, gen, gen_file, error);

      json_object_put (gen);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* The tokenizer: tokenizer.json of a folder, or the one a GGUF file
 * describes, when it is one we can build (none otherwise). */
static gboolean
load_tokenizer (SyModel     *m,
                SyGguf      *gguf,
                GError     **error)
{
  if (gguf)
    {
      /* the tokenizer stored in the file, when it is one we can build */
      json_object *tok = sy_gguf_tokenizer_json (gguf, error);

      if (tok == NULL && error && *error)
        return FALSE;
      if (tok)
        {
          m->tokenizer = sy_tokenizer_new_from_json (tok, m->path, m->config.bos_token_id,
                                                     m->config.eos_token_id, error);
          json_object_put (tok);
          if (m->tokenizer == NULL)
            return FALSE;
        }
    }
  else
  {
    g_autofree char *tok_file = g_build_filename (m->path, "tokenizer.json", NULL);

    if (g_file_test (tok_file, G_FILE_TEST_EXISTS))
      {
        m->tokenizer = sy_tokenizer_load (m->path, error);
        if (m->tokenizer == NULL)
          return FALSE;
      }
  }
  return TRUE;
}

/* m->info: what the model is, for the layers above */
static void
describe_model (SyModel      *m,
                const Binder *b,
                int           n_moe)
{
  const SyConfig *c = &m->config;

  m->info.model_type = m->arch->model_type;
  m->info.hf_class = m->arch->hf_class;
  m->info.name = m->name;
  m->info.path = m->path;
  m->info.dtype = (b->n_f16 == 0 && b->n_bf16 == 0) ? "F32"
                  : (b->n_f32 == 0 && b->n_bf16 == 0) ? "F16"
                  : (b->n_f32 == 0 && b->n_f16 == 0) ? "BF16" : "mixed";
  {
    /* quantized: the format of most weights (norms stay F32 in GGUF) */
    int best = -1;

    for (int d = 0; d < SY_N_DTYPES; d++)
      if (b->n_quant[d] > 0 && (best < 0 || b->n_quant[d] > b->n_quant[best]))
        best = d;
    if (best >= 0)
      m->info.dtype = sy_dtype_name (best);
  }
  m->info.n_by_dtype = m->n_by_dtype;
  m->info.n_layers = c->n_layers;
  m->info.n_moe_layers = n_moe;
  m->info.layer_is_moe = m->layer_is_moe;
  m->info.n_experts = c->n_experts;
  m->info.native_k = c->n_experts_per_tok;
  m->info.vocab_size = c->vocab_size;
  m->info.hidden_size = c->hidden_size;
  m->info.n_heads = c->n_heads;
  m->info.n_kv_heads = c->n_kv_heads;
  m->info.head_dim = c->head_dim;
  m->info.expert_ffn = c->expert_ffn;
  m->info.shared_ffn = m->arch->has_shared_expert ? c->shared_ffn : 0;
  m->info.bos_token_id = c->bos_token_id;
  m->info.eos_token_id = c->eos_token_id;
  m->info.n_eos_token_ids = c->n_eos_token_ids;
  m->info.eos_token_ids = c->eos_token_ids;
}

/* m->router_info: how the model routes, for the policies */
static gboolean
describe_router (SyModel     *m,
                 int          n_moe,
                 const char  *config_file,
                 GError     **error)
{
  const SyConfig *c = &m->config;

  m->router_info.n_experts = c->n_experts;
  m->router_info.native_k = c->n_experts_per_tok;
  m->router_info.n_moe_layers = n_moe;
  m->router_info.activation = m->arch->router_activation;
  m->router_info.native_weights =
    (m->arch->native_rule == SY_NATIVE_RULE_RENORM || c->norm_topk_prob)
    ? SY_NATIVE_WEIGHTS_RENORM : SY_NATIVE_WEIGHTS_RAW;
  m->router_info.norm_topk_prob = c->norm_topk_prob;
  m->router_info.routed_scaling_factor = 1.0f;
  m->router_info.n_group = 0;
  m->router_info.topk_group = 0;
  if (m->arch->native_rule == SY_NATIVE_RULE_SIGMOID)
    {
      m->router_info.native_weights = SY_NATIVE_WEIGHTS_SIGMOID;
      m->router_info.routed_scaling_factor = (float) c->routed_scaling_factor;
      m->router_info.n_group = c->n_group;
      m->router_info.topk_group = c->topk_group;
    }
  if (m->arch->selection_bias)
    {
      m->selection_bias = g_new0 (const float *, MAX (n_moe, 1));
      for (int i = 0; i < n_moe; i++)
        m->selection_bias[i] = m->layers[m->moe_layer[i]].selection_bias;
      m->router_info.selection_bias = m->selection_bias;
    }
  m->router_info.has_shared_experts = m->info.shared_ffn > 0;
  /* a model trained with its own dynamic policy (switchyard demo models) */
  m->router_info.native = c->native;
  m->router_info.n_shallow_experts = c->n_shallow_experts;
  if (c->native && !sy_router_spec_check (c->native, &m->router_info, error))
    {
      g_prefix_error (error, "%s: the model's native routing: ", config_file);
      return FALSE;
    }
  return TRUE;
}

SyModel *
sy_model_load_full (const char        *path,
                    SyModelLoadFlags   flags,
                    SyProgressFunc     progress,
                    gpointer           user_data,
                    GError           **error)
{
  g_autoptr (SyModel) m = NULL;
  g_autofree char *config_file = NULL;
  Binder b = { 0 };
  SyConfig *c;
  int n_moe = 0;
  gboolean bound;
  g_autoptr (SyGguf) gguf = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) && !sy_gguf_is_gguf (path))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: not a model folder (expected config.json and *.safetensors) "
                   "nor a GGUF file", path);
      return NULL;
    }

  m = g_new0 (SyModel, 1);
  m->ref_count = 1;
  m->owned = g_ptr_array_new_with_free_func (g_free);
  m->path = g_strdup (path);
  m->name = g_path_get_basename (path);
  if (!load_config (m, &gguf, &config_file, error))
    return NULL;
  c = &m->config;
  if (!read_generation_config (m, gguf, error))
    return NULL;

  m->store = gguf ? sy_gguf_model_store (gguf, m->arch, error) : sy_tensor_store_open (path, error);
  if (m->store == NULL)
    return NULL;

  m->layers = g_new0 (SyLayer, c->n_layers);
  m->layer_is_moe = g_new0 (gboolean, c->n_layers);
  m->moe_layer = g_new0 (int, c->n_layers);
  for (int l = 0; l < c->n_layers; l++)
    if (sy_config_layer_is_moe (c, l))
      {
        m->layer_is_moe[l] = TRUE;
        m->layers[l].moe = n_moe;
        m->moe_layer[n_moe++] = l;
      }

  init_attention_dims (m);
  b.pool = sy_pool_new (0);
  b.model = m;
  b.progress = progress;
  b.user_data = user_data;
  b.n_steps = c->n_layers;
  bound = place_weights (m, flags, &b, error) && bind_model (&b, error);
  sy_pool_free (b.pool);
  if (!bound)
    return NULL;
  m->info.resident = m->arena != NULL;
  for (int l = 0; l < c->n_layers; l++)
    m->layers[l].moe = m->layer_is_moe[l] ? m->layers[l].moe : -1;

  m->unused = sy_tensor_store_list_unused (m->store);
  init_rope (m);

  if (!load_tokenizer (m, gguf, error))
    return NULL;

  describe_model (m, &b, n_moe);
  if (!describe_router (m, n_moe, config_file, error))
    return NULL;

  b.step = b.n_steps;
  if (!report (&b, "done", error))
    return NULL;

  return g_steal_pointer (&m);
}

const SyModelInfo *
sy_model_get_info (SyModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->info;
}

gboolean
sy_model_info_is_eos (const SyModelInfo *info,
                      int32_t            token)
{
  g_return_val_if_fail (info != NULL, FALSE);
  for (int i = 0; i < info->n_eos_token_ids; i++)
    if (info->eos_token_ids[i] == token)
      return TRUE;
  return FALSE;
}

const SyRouterModelInfo *
sy_model_get_router_info (SyModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->router_info;
}

const char * const *
sy_model_get_unused_tensors (SyModel *self)
{
  static const char *none[] = { NULL };

  g_return_val_if_fail (self != NULL, NULL);
  return self->unused ? (const char * const *) self->unused : none;
}

SyTokenizer *
sy_model_get_tokenizer (SyModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tokenizer;
}

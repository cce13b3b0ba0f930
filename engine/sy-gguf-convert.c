/* sy-gguf-convert.c: HF models to GGUF (sy_gguf_convert), with
 * llama-quantize's preset mixes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tensor is planned first (its GGUF name, source, shape and type,
 * all sources looked up and checked), then streamed through the writer.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sy-gguf-private.h"
#include "sy-gguf-writer.h"
#include "sy-quant.h"

/* ---------------------------------------------------------- the mixes */

/* llama-quantize's presets, as llama.cpp's src/llama-quant.cpp
 * (llama_tensor_get_type, tensor_type_fallback) chooses each tensor's type:
 *
 * - Only matrices are quantized: 2 or more dims, a name ending in "weight",
 *   not a norm (*_norm.weight) nor a router (ffn_gate_inp.weight).  The rest
 *   (norms, biases, routers, sinks) stays F32.
 * - A matrix's category comes from its name, tested in this order:
 *   output.weight; token_embd.weight; attn_v-like (containing
 *   attn_qkv.weight, attn_kv_b.weight or attn_v.weight); attn_k.weight;
 *   attn_q.weight; attn_output.weight; ffn_up; ffn_gate; ffn_down.  Expert
 *   and shared-expert tensors (ffn_down_exps, ffn_down_shexp) count as
 *   their dense twin.  token_embd counts as output when the model has no
 *   output.weight (tied embeddings).
 * - The first row of mix_rules that names the preset, the category and
 *   whose condition holds gives the type; no row: the preset's base type
 *   (Q4_K_M: Q4_K, Q5_K_M: Q5_K, Q6_K: Q6_K, Q8_0: Q8_0).  Conditions:
 *     rows_not_base   the row width is not a multiple of the base type's block
 *     eight_experts   the model has exactly 8 experts (Mixtral)
 *     more_bits       use_more_bits (i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2
 *                     (integer division): for attn_v-like tensors i counts them in
 *                     llama.cpp's order (by layer, globals first, then by name) and n
 *                     is their number; for ffn_down i is the layer in the name (with
 *                     experts; without, the count of ffn_down tensors so far) and n
 *                     the number of layers.
 * - Fallback when the row width is not a multiple of the chosen type's
 *   block: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0; F16 when that does
 *   not fit either (llama.cpp has no fallback from Q8_0 and gives up; we
 *   write F16).
 * Left out (no such model here): Falcon's and 70B's own rules, tensor
 * overrides, imatrix-dependent choices.
 */

typedef enum
{
  CAT_OTHER,
  CAT_OUTPUT,
  CAT_TOKEN_EMBD,
  CAT_ATTN_V,
  CAT_ATTN_K,
  CAT_ATTN_Q,
  CAT_ATTN_OUTPUT,
  CAT_FFN_UP,
  CAT_FFN_GATE,
  CAT_FFN_DOWN,
} Category;

typedef enum
{
  WHEN_ALWAYS,
  WHEN_ROWS_NOT_BASE,
  WHEN_EIGHT_EXPERTS,
  WHEN_MORE_BITS,
} Condition;

#define MIX(m) (1u << SY_GGUF_MIX_##m)
#define ALL_MIXES (MIX (Q4_K_M) | MIX (Q5_K_M) | MIX (Q6_K) | MIX (Q8_0))

static const struct
{
  guint       mixes;
  Category    category;
  Condition   when;
  const char *type;
} mix_rules[] = {
  { ALL_MIXES, CAT_OUTPUT, WHEN_ROWS_NOT_BASE, "Q8_0" },
  { MIX (Q4_K_M) | MIX (Q5_K_M) | MIX (Q6_K), CAT_OUTPUT, WHEN_ALWAYS, "Q6_K" },
  { ALL_MIXES, CAT_ATTN_V, WHEN_EIGHT_EXPERTS, "Q8_0" },
  { MIX (Q4_K_M) | MIX (Q5_K_M), CAT_ATTN_V, WHEN_MORE_BITS, "Q6_K" },
  { ALL_MIXES, CAT_ATTN_K, WHEN_EIGHT_EXPERTS, "Q8_0" },
  { MIX (Q4_K_M) | MIX (Q5_K_M), CAT_FFN_DOWN, WHEN_MORE_BITS, "Q6_K" },
  { MIX (Q4_K_M), CAT_ATTN_OUTPUT, WHEN_EIGHT_EXPERTS, "Q5_K" },
};

static const struct
{
  const char *name;
  const char *base;
  guint32     file_type;    /* general.file_type (llama_ftype) */
} mixes[SY_GGUF_N_MIXES] = {
  [SY_GGUF_MIX_Q4_K_M] = { "Q4_K_M", "Q4_K", 15 },
  [SY_GGUF_MIX_Q5_K_M] = { "Q5_K_M", "Q5_K", 17 },
  [SY_GGUF_MIX_Q6_K] = { "Q6_K", "Q6_K", 18 },
  [SY_GGUF_MIX_Q8_0] = { "Q8_0", "Q8_0", 7 },
};

/* type -> its fallback when a row is not whole blocks of it */
static const char * const fallbacks[][2] = {
  { "Q4_K", "Q5_0" },
  { "Q5_K", "Q5_1" },
  { "Q6_K", "Q8_0" },
};

/* name substrings -> category, in llama.cpp's order */
static const struct
{
  const char *part;
  Category    category;
} categories[] = {
  { "attn_qkv.weight", CAT_ATTN_V },
  { "attn_kv_b.weight", CAT_ATTN_V },
  { "attn_v.weight", CAT_ATTN_V },
  { "attn_k.weight", CAT_ATTN_K },
  { "attn_q.weight", CAT_ATTN_Q },
  { "attn_output.weight", CAT_ATTN_OUTPUT },
  { "ffn_up", CAT_FFN_UP },
  { "ffn_gate", CAT_FFN_GATE },
  { "ffn_down", CAT_FFN_DOWN },
};

const char *
sy_gguf_mix_name (SyGgufMix mix)
{
  return mix > SY_GGUF_MIX_NONE && mix < SY_GGUF_N_MIXES ? mixes[mix].name : NULL;
}

gboolean
sy_gguf_mix_from_name (const char *name,
                       SyGgufMix  *out)
{
  for (int m = SY_GGUF_MIX_NONE + 1; m < SY_GGUF_N_MIXES; m++)
    if (g_ascii_strcasecmp (name, mixes[m].name) == 0)
      {
        *out = (SyGgufMix) m;
        return TRUE;
      }
  return FALSE;
}

static Category
category_of (const char *name)
{
  if (strcmp (name, "output.weight") == 0)
    return CAT_OUTPUT;
  if (strcmp (name, "token_embd.weight") == 0)
    return CAT_TOKEN_EMBD;
  for (gsize i = 0; i < G_N_ELEMENTS (categories); i++)
    if (strstr (name, categories[i].part) != NULL)
      return categories[i].category;
  return CAT_OTHER;
}

/* A matrix that a mix (or a plain weight type) quantizes */
static gboolean
is_quantizable (const char *name,
                int         n_dims)
{
  return n_dims >= 2 && g_str_has_suffix (name, "weight")
         && strstr (name, "_norm.weight") == NULL && strstr (name, "ffn_gate_inp.weight") == NULL;
}

static int
layer_of (const char *name)
{
  int l = -1;

  if (sscanf (name, "blk.%d.", &l) != 1)
    l = -1;
  return l;
}

static gboolean
use_more_bits (int i,
               int n)
{
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* Our type named @name ("Q5_K"), or SY_N_DTYPES when we have none */
static SyDType
dtype_named (const char *name)
{
  for (int d = 0; d < SY_N_DTYPES; d++)
    if (strcmp (sy_dtype_name (d), name) == 0)
      return (SyDType) d;
  return SY_N_DTYPES;
}

/* ---------------------------------------------------------- converting */

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Rows of each head of @head_dim from halves (HF rotate_half order) to
 * pairs: row j * D/2 + i goes to 2 i + j (what llama.cpp's converter does
 * for its pairwise rope).  @cols = 1 for biases. */
static void
permute_pairs (float   *v,
               int64_t  rows,
               int64_t  cols,
               int      head_dim)
{
  g_autofree float *tmp = g_memdup2 (v, sizeof (float) * rows * cols);
  int half = head_dim / 2;

  for (int64_t r = 0; r < rows; r++)
    {
      int64_t h = r / head_dim, k = r % head_dim;
      int64_t dst = h * head_dim + 2 * (k % half) + k / half;

      memcpy (v + dst * cols, tmp + r * cols, sizeof (float) * cols);
    }
}

/* Where a GGUF tensor's values come from (all inside the store's
 * mappings, read when the writer reaches the tensor). */
typedef enum
{
  SRC_COPY,      /* @t as is (any shape), rows permuted when @pair_head_dim > 0 */
  SRC_STACK,     /* @parts[0 .. n_parts) one after the other (E experts) */
  SRC_ROWS,      /* per expert e of @t (E, R, C): rows @first .. @first + shape[1] */
  SRC_COLUMNS,   /* per expert e of @t (E, R, C) or (E, C) (R = 1): out[e][j][r] =
                  * t[e][r][@stride j + @first], j < shape[1] */
} SourceKind;

typedef struct
{
  const SyGgufSource *src;        /* where @t / @parts are read */
  char            *name;          /* GGUF name */
  int              n_dims;
  int64_t          shape[SY_TENSOR_MAX_DIMS];
  SyDType          dtype;         /* chosen by choose_types () */
  SourceKind       kind;
  const SyTensor  *t;
  const SyTensor **parts;
  int              n_parts;
  int              pair_head_dim;
  int64_t          first, stride;
} Planned;

static void
planned_free (Planned *p)
{
  g_free (p->name);
  g_free (p->parts);
  g_free (p);
}

static Planned *
plan_add (GPtrArray      *plan,
          const char     *name,
          SourceKind      kind,
          const SyTensor *t,
          int             n_dims,
          const int64_t  *shape)
{
  Planned *p = g_new0 (Planned, 1);

  p->name = g_strdup (name);
  p->kind = kind;
  p->t = t;
  p->n_dims = n_dims;
  memcpy (p->shape, shape, sizeof (int64_t) * n_dims);
  g_ptr_array_add (plan, p);
  return p;
}

/* Whether fill_range () can make @p a range of rows at a time */
static gboolean
is_ranged (const Planned *p)
{
  return (p->kind == SRC_COPY && p->pair_head_dim == 0) || p->kind == SRC_STACK || p->kind == SRC_ROWS;
}

/* Values [@offset, @offset + @n) of a planned tensor that is_ranged () */
static gboolean
fill_range (float     *v,
            int64_t    offset,
            int64_t    n,
            gpointer   user_data,
            GError   **error)
{
  const Planned *p = user_data;
  const SyGgufSource *src = p->src;
  int64_t part, len;

  switch (p->kind)
    {
    case SRC_COPY:
      src->read (src->data, p->t, offset, n, v);
      break;
    case SRC_STACK:
    case SRC_ROWS:
      /* per expert: part values of one source each (SRC_ROWS: rows
       * @first.. of expert e of @t) */
      part = p->kind == SRC_STACK ? sy_tensor_n_elements (p->parts[0]) : p->shape[1] * p->shape[2];
      for (; n > 0; offset += len, v += len, n -= len)
        {
          int64_t e = offset / part, at = offset % part;

          len = MIN (n, part - at);
          if (p->kind == SRC_STACK)
            src->read (src->data, p->parts[e], at, len, v);
          else
            src->read (src->data, p->t, (e * p->t->shape[1] + p->first) * p->t->shape[2] + at, len, v);
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* A whole planned tensor that is not is_ranged () */
static gboolean
fill_planned (float     *v,
              int64_t    n,
              gpointer   user_data,
              GError   **error)
{
  const Planned *p = user_data;
  const SyGgufSource *src = p->src;

  switch (p->kind)
    {
    case SRC_COPY:
      src->read (src->data, p->t, 0, n, v);
      if (p->pair_head_dim > 0)
        permute_pairs (v, p->t->shape[0], p->t->n_dims == 2 ? p->t->shape[1] : 1, p->pair_head_dim);
      break;
    case SRC_COLUMNS:
      {
        int64_t E = p->t->shape[0], C = p->t->shape[p->t->n_dims - 1];
        int64_t R = p->t->n_dims == 3 ? p->t->shape[1] : 1, J = p->shape[1];
        g_autofree float *tmp = g_new (float, R * C);

        for (int64_t e = 0; e < E; e++)
          {
            src->read (src->data, p->t, e * R * C, R * C, tmp);
            for (int64_t j = 0; j < J; j++)
              for (int64_t r = 0; r < R; r++)
                v[(e * J + j) * R + r] = tmp[r * C + p->stride * j + p->first];
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static int
compare_llama_order (gconstpointer a,
                     gconstpointer b)
{
  const Planned *pa = *(Planned * const *) a, *pb = *(Planned * const *) b;
  int la = layer_of (pa->name), lb = layer_of (pb->name);

  return la != lb ? (la < lb ? -1 : 1) : strcmp (pa->name, pb->name);
}

/* Each planned tensor's type: @weight_type for quantizable matrices whose
 * rows fit it (F32 otherwise) without a mix, the mix's rules with one. */
static gboolean
choose_types (GPtrArray       *plan,
              SyGgufMix        mix,
              SyDType          weight_type,
              const SyConfig  *c,
              GError         **error)
{
  g_autoptr (GPtrArray) order = g_ptr_array_sized_new (plan->len);   /* not owning */
  gboolean tied = TRUE;
  int n_attn_v = 0, i_attn_v = 0, i_ffn_down = 0;

  for (guint i = 0; i < plan->len; i++)
    g_ptr_array_add (order, plan->pdata[i]);
  /* llama.cpp's order: by layer (globals first), then by name */
  g_ptr_array_sort (order, compare_llama_order);
  for (guint i = 0; i < order->len; i++)
    {
      const Planned *p = order->pdata[i];

      if (category_of (p->name) == CAT_ATTN_V)
        n_attn_v++;
      if (category_of (p->name) == CAT_OUTPUT)
        tied = FALSE;
    }
  for (guint i = 0; i < order->len; i++)
    {
      Planned *p = order->pdata[i];
      int64_t cols = p->shape[p->n_dims - 1];
      Category cat = category_of (p->name);
      const char *type;
      int more_bits_i = 0, more_bits_n = 0;

      /* the counters advance for every tensor of the category, as llama.cpp's */
      if (cat == CAT_ATTN_V)
        {
          more_bits_i = i_attn_v++;
          more_bits_n = n_attn_v;
        }
      else if (cat == CAT_FFN_DOWN && is_quantizable (p->name, p->n_dims))
        {
          more_bits_i = c->n_experts > 1 ? layer_of (p->name) : i_ffn_down;
          more_bits_n = c->n_layers;
          i_ffn_down++;
        }
      if (!is_quantizable (p->name, p->n_dims))
        {
          p->dtype = SY_DTYPE_F32;
          continue;
        }
      if (mix == SY_GGUF_MIX_NONE)
        {
          p->dtype = cols % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;
          continue;
        }
      if (cat == CAT_TOKEN_EMBD && tied)
        cat = CAT_OUTPUT;
      type = mixes[mix].base;
      for (gsize r = 0; r < G_N_ELEMENTS (mix_rules); r++)
        {
          gboolean when = FALSE;

          if (!(mix_rules[r].mixes & (1u << mix)) || mix_rules[r].category != cat)
            continue;
          switch (mix_rules[r].when)
            {
            case WHEN_ALWAYS: when = TRUE; break;
            case WHEN_ROWS_NOT_BASE:
              when = dtype_named (type) == SY_N_DTYPES || cols % sy_dtype_block_elems (dtype_named (type)) != 0;
              break;
            case WHEN_EIGHT_EXPERTS: when = c->n_experts == 8; break;
            case WHEN_MORE_BITS: when = use_more_bits (more_bits_i, more_bits_n); break;
            default: g_assert_not_reached ();
            }
          if (when)
            {
              type = mix_rules[r].type;
              break;
            }
        }
      p->dtype = dtype_named (type);
      if (p->dtype != SY_N_DTYPES && cols % sy_dtype_block_elems (p->dtype) != 0)
        {
          const char *fb = "F16";

          for (gsize f = 0; f < G_N_ELEMENTS (fallbacks); f++)
            if (strcmp (fallbacks[f][0], type) == 0)
              fb = fallbacks[f][1];
          type = fb;
          p->dtype = dtype_named (type);
          if (p->dtype != SY_N_DTYPES && cols % sy_dtype_block_elems (p->dtype) != 0)
            p->dtype = dtype_named (type = "F16");
        }
      if (p->dtype == SY_N_DTYPES || !sy_gguf_writer_can_store (p->dtype))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                       "%s: tensor '%s' would be %s, a type this build cannot write yet",
                       mixes[mix].name, p->name, type);
          return FALSE;
        }
    }
  return TRUE;
}

/* The tensor named @fmt for layer @l, of the given shape */
static const SyTensor *
layer_tensor (const SyGgufSource  *src,
              const char          *fmt,
              int                  l,
              int                  n_dims,
              const int64_t       *shape,
              GError             **error)
{
  g_autofree char *name = g_strdup_printf (fmt, l);

  return src->get (src->data, name, n_dims, shape, error);
}

/* blk.@l.ffn_gate_exps.@suffix and ffn_up_exps from the two halves of
 * @t: the up half starts at @first_up (rows or columns, as @kind says),
 * with @stride (0: contiguous) */
static void
plan_gate_up (GPtrArray      *plan,
              int             l,
              const char     *suffix,
              SourceKind      kind,
              const SyTensor *t,
              int             n_dims,
              const int64_t  *shape,
              int             first_up,
              int             stride)
{
  for (int half = 0; half < 2; half++)
    {
      g_autofree char *name = g_strdup_printf ("blk.%d.ffn_%s_exps.%s", l, half ? "up" : "gate", suffix);
      Planned *p = plan_add (plan, name, kind, t, n_dims, shape);

      p->first = half * first_up;
      if (stride > 0)
        p->stride = stride;
    }
}

/* What the planning reads (the model's tensors, its GGUF mapping, arch
 * and config) and the plan it makes (Planned *, in the order written) */
typedef struct
{
  GPtrArray           *plan;
  const SyGgufSource  *src;
  const SyGgufArch    *g;
  const SyArchSpec    *arch;
  const SyConfig      *c;
} Planner;

/* The fused experts of layer @l to GGUF's ffn_gate_exps, ffn_up_exps
 * (E, I, H) and ffn_down_exps (E, H, I).  gpt-oss: gate_up (E, H, 2 I)
 * with gate / up in the even / odd columns and down (E, I, H), both used
 * as x @ W, biases split alike.  Granite: input_linear (E, 2 I, H) =
 * [gate; up] rows per expert, output (E, H, I). */
static gboolean
plan_fused_experts (const Planner  *pl,
                    int             l,
                    GError        **error)
{
  GPtrArray *plan = pl->plan;
  const SyGgufSource *src = pl->src;
  const SyArchSpec *arch = pl->arch;
  const SyConfig *c = pl->c;
  gboolean gpt_oss = arch->expert_layout == SY_EXPERTS_FUSED_INTERLEAVED;
  int E = c->n_experts, H = c->hidden_size, I = c->expert_ffn;
  int64_t eih[3] = { E, I, H }, ehi[3] = { E, H, I };
  int64_t gpt_oss_in[3] = { E, H, 2 * I }, granite_in[3] = { E, 2 * I, H };
  int64_t ei2[2] = { E, 2 * I }, eh[2] = { E, H }, ei[2] = { E, I };
  const SyTensor *in, *out, *inb, *outb;
  char name[128];
  Planned *p;

  if ((in = layer_tensor (src, arch->experts_in, l, 3, gpt_oss ? gpt_oss_in : granite_in, error)) == NULL
      || (out = layer_tensor (src, arch->experts_out, l, 3, gpt_oss ? eih : ehi, error)) == NULL)
    return FALSE;
  if (gpt_oss
      && ((inb = layer_tensor (src, arch->experts_in_bias, l, 2, ei2, error)) == NULL
          || (outb = layer_tensor (src, arch->experts_out_bias, l, 2, eh, error)) == NULL))
    return FALSE;
  if (gpt_oss)
    plan_gate_up (plan, l, "weight", SRC_COLUMNS, in, 3, eih, 1, 2);
  else
    plan_gate_up (plan, l, "weight", SRC_ROWS, in, 3, eih, I, 0);
  g_snprintf (name, sizeof name, "blk.%d.ffn_down_exps.weight", l);
  p = plan_add (plan, name, gpt_oss ? SRC_COLUMNS : SRC_COPY, out, 3, ehi);
  if (!gpt_oss)
    return TRUE;
  p->stride = 1;
  plan_gate_up (plan, l, "bias", SRC_COLUMNS, inb, 2, ei, 1, 2);
  g_snprintf (name, sizeof name, "blk.%d.ffn_down_exps.bias", l);
  plan_add (plan, name, SRC_COPY, outb, 2, eh);
  return TRUE;
}

/* The GGUF tensors of the model in @src, in the order of the name
 * rules; every source tensor is looked up (and its shape checked) here,
 * before anything is written. */
static gboolean
plan_tensors (const Planner  *pl,
              GError        **error)
{
  GPtrArray *plan = pl->plan;
  const SyGgufSource *src = pl->src;
  const SyGgufArch *g = pl->g;
  const SyArchSpec *arch = pl->arch;
  const SyConfig *c = pl->c;

  for (const SyGgufNameRule *r = _sy_gguf_name_rules (); r->gguf; r++)
    {
      const char *pattern = _sy_gguf_rule_pattern (arch, r);
      int n_layers = r->kind == SY_GGUF_NAME_GLOBAL ? 1 : c->n_layers;

      if (pattern == NULL || !_sy_gguf_rule_applies (r, g->gguf_arch))
        continue;
      for (int l = 0; l < n_layers; l++)
        {
          g_autofree char *gguf = g_strdup_printf (r->gguf, l);
          g_autofree char *hf = NULL;
          const SyTensor *t;

          if (r->kind == SY_GGUF_NAME_GLOBAL)
            hf = g_strdup (pattern);
          else if (r->kind == SY_GGUF_NAME_EXPERTS)
            hf = g_strdup_printf (pattern, l, 0, r->suffix);
          else
            hf = g_strdup_printf (pattern, l, r->suffix);
          t = src->lookup (src->data, hf);
          if (t == NULL)
            continue;
          if (r->kind == SY_GGUF_NAME_EXPERTS)
            {
              /* stack the E experts' tensors into (E, ...) */
              int64_t shape[SY_TENSOR_MAX_DIMS] = { c->n_experts };
              Planned *p;

              if (t->n_dims + 1 > SY_TENSOR_MAX_DIMS)
                {
                  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                               "tensor '%s' has too many dims to stack its experts", hf);
                  return FALSE;
                }
              memcpy (shape + 1, t->shape, sizeof (int64_t) * t->n_dims);
              p = plan_add (plan, gguf, SRC_STACK, NULL, t->n_dims + 1, shape);
              p->n_parts = c->n_experts;
              p->parts = g_new (const SyTensor *, c->n_experts);
              for (int e = 0; e < c->n_experts; e++)
                {
                  g_autofree char *name = g_strdup_printf (pattern, l, e);

                  p->parts[e] = src->get (src->data, name, t->n_dims, t->shape, error);
                  if (p->parts[e] == NULL)
                    return FALSE;
                }
            }
          else if (r->kind == SY_GGUF_NAME_ROW)
            {
              int64_t n = sy_tensor_n_elements (t);

              plan_add (plan, gguf, SRC_COPY, t, 1, &n);
            }
          else
            {
              Planned *p = plan_add (plan, gguf, SRC_COPY, t, t->n_dims, t->shape);

              if (g->qk_pairs && arch->attn == SY_ATTN_GQA
                  && (g_str_has_suffix (r->gguf, "attn_q.weight") || g_str_has_suffix (r->gguf, "attn_k.weight")
                      || g_str_has_suffix (r->gguf, "attn_q.bias") || g_str_has_suffix (r->gguf, "attn_k.bias")))
                p->pair_head_dim = c->head_dim;
            }
        }
    }
  if (arch->expert_layout == SY_EXPERTS_FUSED_INTERLEAVED || arch->expert_layout == SY_EXPERTS_FUSED)
    for (int l = 0; l < c->n_layers; l++)
      if (!plan_fused_experts (pl, l, error))
        return FALSE;
  return TRUE;
}

gboolean
sy_gguf_convert (const char  *hf_dir,
                 const char  *out,
                 SyDType      weight_type,
                 GError     **error)
{
  SyGgufConvertOptions options = { weight_type, SY_GGUF_MIX_NONE, NULL, NULL };

  return sy_gguf_convert_full (hf_dir, out, &options, error);
}

/* The tensors of a model folder, read from its store (opened once the
 * config has been checked, as before there was a source) */
typedef struct
{
  const char    *hf_dir;
  SyTensorStore *store;
} StoreSource;

static const SyTensor *
store_lookup (gpointer    data,
              const char *name)
{
  return sy_tensor_store_lookup (((StoreSource *) data)->store, name);
}

static const SyTensor *
store_get (gpointer        data,
           const char     *name,
           int             n_dims,
           const int64_t  *shape,
           GError        **error)
{
  return sy_tensor_store_get (((StoreSource *) data)->store, name, n_dims, shape, error);
}

static void
store_read (gpointer        data,
            const SyTensor *t,
            int64_t         offset,
            int64_t         n,
            float          *out)
{
  sy_tensor_to_f32 (t, offset, n, out);
}

static char **
store_list_unused (gpointer data)
{
  return sy_tensor_store_list_unused (((StoreSource *) data)->store);
}

static gboolean convert (const SyGgufSource *src, StoreSource *store, json_object *root,
                         const char *out, const SyGgufConvertOptions *options, GError **error);

gboolean
sy_gguf_convert_full (const char                  *hf_dir,
                      const char                  *out,
                      const SyGgufConvertOptions  *options,
                      GError                     **error)
{
  g_autofree char *config_file = g_build_filename (hf_dir, "config.json", NULL);
  g_autofree char *tokenizer_json = g_build_filename (hf_dir, "tokenizer.json", NULL);
  g_autofree char *base = g_path_get_basename (hf_dir);
  StoreSource store = { hf_dir, NULL };
  SyGgufSource src = { NULL, config_file, tokenizer_json, base,
                       store_lookup, store_get, store_read, store_list_unused, &store };
  json_object *root;
  gboolean ok;

  g_return_val_if_fail (options->mix >= SY_GGUF_MIX_NONE && options->mix < SY_GGUF_N_MIXES, FALSE);
  root = json_object_from_file (config_file);
  if (root == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot read it as JSON", config_file);
      return FALSE;
    }
  ok = convert (&src, &store, root, out, options, error);
  g_clear_pointer (&store.store, sy_tensor_store_free);
  return ok;
}

gboolean
sy_gguf_convert_source (const SyGgufSource          *source,
                        const char                  *out,
                        const SyGgufConvertOptions  *options,
                        GError                     **error)
{
  json_object *root;

  g_return_val_if_fail (options->mix >= SY_GGUF_MIX_NONE && options->mix < SY_GGUF_N_MIXES, FALSE);
  root = json_tokener_parse (source->config_json);
  if (root == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE, "%s: not JSON", source->config_name);
      return FALSE;
    }
  return convert (source, NULL, root, out, options, error);
}

/* Takes @root (the config, read from @src->config_name or its text); @store:
 * @src's StoreSource, opened here, or NULL */
static gboolean
convert (const SyGgufSource          *src,
         StoreSource                 *store,
         json_object                 *root,
         const char                  *out,
         const SyGgufConvertOptions  *options,
         GError                     **error)
{
  const char *config_file = src->config_name;
  const char *model_name = src->model_name;
  g_autoptr (GPtrArray) plan = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_free);
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
  g_auto (GStrv) unused = NULL;
  const SyGgufArch *g;
  const SyArchSpec *arch;
  json_object *v = NULL;
  SyConfig c;
  gboolean ok, gpt_oss;

  g = json_object_object_get_ex (root, "model_type", &v)
      ? _sy_gguf_arch_find (NULL, json_object_get_string (v)) : NULL;
  if (g == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                   "%s: model_type '%s' has no GGUF mapping (supported: %s)", config_file,
                   v ? json_object_get_string (v) : "(none)", sy_gguf_supported_archs ());
      json_object_put (root);
      return FALSE;
    }
  arch = sy_arch_lookup (g->model_type, error);
  ok = arch && sy_config_parse (arch, root, config_file, &c, error);
  gpt_oss = arch && arch->expert_layout == SY_EXPERTS_FUSED_INTERLEAVED;
  json_object_put (root);
  if (!ok)
    return FALSE;
  for (int l = 0; l < c.n_layers; l++)
    if ((!sy_config_layer_is_moe (&c, l) && l >= c.first_k_dense)
        || (c.rope_type != SY_ROPE_DEFAULT && !gpt_oss)
        || (gpt_oss && (c.rope_type != SY_ROPE_YARN || c.rope_truncate || c.rope_attention_factor != 0
                        || c.rope_beta_fast != 32 || c.rope_beta_slow != 1))
        || (sy_config_layer_window (&c, l) != 0 && !gpt_oss)
        || (gpt_oss && (c.layer_sliding == NULL || c.layer_sliding[l] != (l + 1) % 2))
        || (arch->attn == SY_ATTN_MLA && !c.rope_interleave))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                     "%s: layer %d: its dense MLP, rope scaling or attention window has no "
                     "GGUF keys here", config_file, l);
        sy_config_clear (&c);
        return FALSE;
      }

  sy_gguf_writer_add_string (w, "general.architecture", g->gguf_arch);
  sy_gguf_writer_add_string (w, "general.name", model_name);
  for (const SyGgufKeyRule *k = g->keys; k->gguf; k++)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s", g->gguf_arch, k->gguf);
      const char *field = (const char *) &c + k->offset;

      switch (k->type)
        {
        case SY_KEY_INT:
          sy_gguf_writer_add_u32 (w, key, (guint32) *(const int *) field);
          break;
        case SY_KEY_FLOAT:
          if (*(const double *) field != 0)
            sy_gguf_writer_add_f32 (w, key, (float) *(const double *) field);
          break;
        case SY_KEY_BOOL:
          sy_gguf_writer_add_bool (w, key, *(const int *) field != 0);
          break;
        default:
          break;
        }
    }
  if (arch->attn == SY_ATTN_MLA)
    {
      g_autofree char *kl = g_strdup_printf ("%s.attention.key_length", g->gguf_arch);
      g_autofree char *ql = g_strdup_printf ("%s.attention.q_lora_rank", g->gguf_arch);
      g_autofree char *gf = g_strdup_printf ("%s.expert_gating_func", g->gguf_arch);

      sy_gguf_writer_add_u32 (w, kl, c.qk_nope_head_dim + c.head_dim);
      if (c.q_lora_rank > 0)
        sy_gguf_writer_add_u32 (w, ql, c.q_lora_rank);
      sy_gguf_writer_add_u32 (w, gf, 2);   /* sigmoid */
    }
  if (gpt_oss)
    {
      g_autofree char *t = g_strdup_printf ("%s.rope.scaling.type", g->gguf_arch);
      g_autofree char *f = g_strdup_printf ("%s.rope.scaling.factor", g->gguf_arch);
      g_autofree char *o = g_strdup_printf ("%s.rope.scaling.original_context_length", g->gguf_arch);

      sy_gguf_writer_add_string (w, t, "yarn");
      sy_gguf_writer_add_f32 (w, f, (float) c.rope_factor);
      sy_gguf_writer_add_u32 (w, o, c.rope_original_max_pos);
    }
  if (!_sy_gguf_writer_add_tokenizer (w, src->tokenizer_json, &c, error))
    {
      sy_config_clear (&c);
      return FALSE;
    }

  if (options->mix != SY_GGUF_MIX_NONE)
    {
      sy_gguf_writer_add_u32 (w, "general.quantization_version", 2);
      sy_gguf_writer_add_u32 (w, "general.file_type", mixes[options->mix].file_type);
    }

  if (store)
    store->store = sy_tensor_store_open (store->hf_dir, error);
  ok = (store == NULL || store->store != NULL)
       && plan_tensors (&(Planner) { plan, src, g, arch, &c }, error)
       && choose_types (plan, options->mix, options->weight_type, &c, error);
  sy_config_clear (&c);
  if (!ok)
    return FALSE;
  unused = src->list_unused (src->data);
  if (unused[0] != NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has no GGUF name", store ? store->hf_dir : model_name, unused[0]);
      return FALSE;
    }
  for (guint i = 0; i < plan->len; i++)
    {
      Planned *p = plan->pdata[i];
      SyTensorDesc desc = { p->name, p->dtype, p->n_dims, p->shape };

      p->src = src;
      if (!(is_ranged (p) ? sy_gguf_writer_add_tensor_ranged (w, &desc, fill_range, p, NULL, error)
                          : sy_gguf_writer_add_tensor_deferred (w, &desc, fill_planned, p, NULL, error)))
        return FALSE;
    }
  sy_gguf_writer_set_progress (w, options->progress, options->progress_data);
  return sy_gguf_writer_write (w, out, error);
}

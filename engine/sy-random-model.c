/* sy-random-model.c: random-weight models of real shapes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "sy-random-model.h"

#define INIT_STD 0.02

/* Shapes from the models' published config.json files. */
static const SyRandomModelSpec presets[] = {
  {
    .name = "tiny",
    .description = "OLMoE layout, 2 layers, hidden 64, 8 experts top-2, vocab 3000 (tests)",
    .layout = SY_RANDOM_LAYOUT_OLMOE,
    .vocab_size = 3000, .hidden_size = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 4,
    .n_experts = 8, .top_k = 2, .expert_size = 32, .max_position_embeddings = 512,
    .rms_norm_eps = 1e-5, .rope_theta = 10000.0, .norm_topk_prob = FALSE,
    .bos_token_id = -1, .eos_token_id = 0, .pad_token_id = 1,
  },
  {
    .name = "olmoe-1b-7b",
    .description = "OLMoE-1B-7B: 16 layers, hidden 2048, 64 experts top-8, expert size 1024",
    .layout = SY_RANDOM_LAYOUT_OLMOE,
    .vocab_size = 50304, .hidden_size = 2048, .n_layers = 16, .n_heads = 16, .n_kv_heads = 16,
    .n_experts = 64, .top_k = 8, .expert_size = 1024, .max_position_embeddings = 4096,
    .rms_norm_eps = 1e-5, .rope_theta = 10000.0, .norm_topk_prob = FALSE,
    .bos_token_id = -1, .eos_token_id = 50279, .pad_token_id = 1,
  },
  {
    .name = "mixtral-8x7b",
    .description = "Mixtral-8x7B: 32 layers, hidden 4096, 8 experts top-2, expert size 14336, GQA 32/8",
    .layout = SY_RANDOM_LAYOUT_MIXTRAL,
    .vocab_size = 32000, .hidden_size = 4096, .n_layers = 32, .n_heads = 32, .n_kv_heads = 8,
    .n_experts = 8, .top_k = 2, .expert_size = 14336, .max_position_embeddings = 32768,
    .rms_norm_eps = 1e-5, .rope_theta = 1e6, .norm_topk_prob = TRUE,
    .bos_token_id = 1, .eos_token_id = 2, .pad_token_id = -1,
  },
  {
    .name = "qwen3-30b-a3b",
    .description = "Qwen3-30B-A3B: 48 layers, hidden 2048, 128 experts top-8, expert size 768, GQA 32/4",
    .layout = SY_RANDOM_LAYOUT_QWEN3_MOE,
    .vocab_size = 151936, .hidden_size = 2048, .n_layers = 48, .n_heads = 32, .n_kv_heads = 4,
    .head_dim = 128, .n_experts = 128, .top_k = 8, .expert_size = 768,
    .max_position_embeddings = 40960, .rms_norm_eps = 1e-6, .rope_theta = 1e6,
    .norm_topk_prob = TRUE, .bos_token_id = 151643, .eos_token_id = 151645, .pad_token_id = -1,
  },
};

const SyRandomModelSpec *
sy_random_model_get_presets (guint *n_presets)
{
  if (n_presets)
    *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const SyRandomModelSpec *
sy_random_model_find_preset (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

char *
sy_random_model_preset_names (void)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", presets[i].name);
  return g_string_free (s, FALSE);
}

static int
head_dim_of (const SyRandomModelSpec *spec)
{
  return spec->head_dim > 0 ? spec->head_dim : spec->hidden_size / spec->n_heads;
}

static gboolean
check_spec (const SyRandomModelSpec  *spec,
            GError                  **error)
{
  if (spec->vocab_size <= 0 || spec->hidden_size <= 0 || spec->n_layers <= 0 ||
      spec->n_heads <= 0 || spec->n_kv_heads <= 0 || spec->n_experts <= 0 ||
      spec->top_k <= 0 || spec->top_k > spec->n_experts || spec->expert_size <= 0 ||
      spec->n_heads % spec->n_kv_heads != 0 ||
      (spec->head_dim <= 0 && spec->hidden_size % spec->n_heads != 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "random model '%s': inconsistent dimensions", spec->name ? spec->name : "?");
      return FALSE;
    }
  return TRUE;
}

/* ---- config ---- */

/* A JSON number written the short way ("1e-05", "10000.0"), locale-free. */
static json_object *
new_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.10g", value);
  if (strpbrk (buf, ".eEn") == NULL)
    g_strlcat (buf, ".0", sizeof buf);
  return json_object_new_double_s (value, buf);
}

static json_object *
id_or_null (int64_t id)
{
  return id >= 0 ? json_object_new_int64 (id) : NULL;
}

char *
sy_random_model_config_json (const SyRandomModelSpec *spec,
                             SyDType                  dtype)
{
  json_object *c = json_object_new_object ();
  json_object *archs = json_object_new_array ();
  const char *arch, *model_type;
  char *text;

  switch (spec->layout)
    {
    case SY_RANDOM_LAYOUT_MIXTRAL:
      arch = "MixtralForCausalLM";
      model_type = "mixtral";
      break;
    case SY_RANDOM_LAYOUT_QWEN3_MOE:
      arch = "Qwen3MoeForCausalLM";
      model_type = "qwen3_moe";
      break;
    case SY_RANDOM_LAYOUT_OLMOE:
    default:
      arch = "OlmoeForCausalLM";
      model_type = "olmoe";
      break;
    }

  json_object_array_add (archs, json_object_new_string (arch));
  json_object_object_add (c, "architectures", archs);
  json_object_object_add (c, "model_type", json_object_new_string (model_type));
  json_object_object_add (c, "vocab_size", json_object_new_int (spec->vocab_size));
  json_object_object_add (c, "hidden_size", json_object_new_int (spec->hidden_size));
  json_object_object_add (c, "num_hidden_layers", json_object_new_int (spec->n_layers));
  json_object_object_add (c, "num_attention_heads", json_object_new_int (spec->n_heads));
  json_object_object_add (c, "num_key_value_heads", json_object_new_int (spec->n_kv_heads));
  if (spec->head_dim > 0)
    json_object_object_add (c, "head_dim", json_object_new_int (spec->head_dim));
  json_object_object_add (c, "hidden_act", json_object_new_string ("silu"));
  json_object_object_add (c, "max_position_embeddings", json_object_new_int (spec->max_position_embeddings));
  json_object_object_add (c, "initializer_range", new_double (INIT_STD));
  json_object_object_add (c, "rms_norm_eps", new_double (spec->rms_norm_eps));
  json_object_object_add (c, "rope_theta", new_double (spec->rope_theta));
  json_object_object_add (c, "rope_scaling", NULL);
  json_object_object_add (c, "attention_dropout", new_double (0.0));
  json_object_object_add (c, "num_experts_per_tok", json_object_new_int (spec->top_k));
  json_object_object_add (c, "output_router_logits", json_object_new_boolean (FALSE));
  json_object_object_add (c, "tie_word_embeddings", json_object_new_boolean (FALSE));
  json_object_object_add (c, "use_cache", json_object_new_boolean (TRUE));
  json_object_object_add (c, "bos_token_id", id_or_null (spec->bos_token_id));
  json_object_object_add (c, "eos_token_id", id_or_null (spec->eos_token_id));
  json_object_object_add (c, "pad_token_id", id_or_null (spec->pad_token_id));
  json_object_object_add (c, "torch_dtype",
                          json_object_new_string (dtype == SY_DTYPE_BF16 ? "bfloat16" :
                                                  dtype == SY_DTYPE_F16 ? "float16" : "float32"));

  switch (spec->layout)
    {
    case SY_RANDOM_LAYOUT_OLMOE:
      json_object_object_add (c, "intermediate_size", json_object_new_int (spec->expert_size));
      json_object_object_add (c, "num_experts", json_object_new_int (spec->n_experts));
      json_object_object_add (c, "norm_topk_prob", json_object_new_boolean (spec->norm_topk_prob));
      json_object_object_add (c, "attention_bias", json_object_new_boolean (FALSE));
      json_object_object_add (c, "clip_qkv", NULL);
      json_object_object_add (c, "router_aux_loss_coef", new_double (0.01));
      break;
    case SY_RANDOM_LAYOUT_MIXTRAL:
      json_object_object_add (c, "intermediate_size", json_object_new_int (spec->expert_size));
      json_object_object_add (c, "num_local_experts", json_object_new_int (spec->n_experts));
      json_object_object_add (c, "sliding_window", NULL);
      json_object_object_add (c, "router_aux_loss_coef", new_double (0.02));
      json_object_object_add (c, "router_jitter_noise", new_double (0.0));
      break;
    case SY_RANDOM_LAYOUT_QWEN3_MOE:
      json_object_object_add (c, "intermediate_size", json_object_new_int (spec->expert_size * 8));
      json_object_object_add (c, "moe_intermediate_size", json_object_new_int (spec->expert_size));
      json_object_object_add (c, "num_experts", json_object_new_int (spec->n_experts));
      json_object_object_add (c, "norm_topk_prob", json_object_new_boolean (spec->norm_topk_prob));
      json_object_object_add (c, "decoder_sparse_step", json_object_new_int (1));
      json_object_object_add (c, "mlp_only_layers", json_object_new_array ());
      json_object_object_add (c, "attention_bias", json_object_new_boolean (FALSE));
      json_object_object_add (c, "use_sliding_window", json_object_new_boolean (FALSE));
      json_object_object_add (c, "sliding_window", NULL);
      json_object_object_add (c, "max_window_layers", json_object_new_int (spec->n_layers));
      json_object_object_add (c, "router_aux_loss_coef", new_double (0.001));
      break;
    default:
      break;
    }

  text = g_strconcat (json_object_to_json_string_ext (c, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE), "\n", NULL);
  json_object_put (c);
  return text;
}

static char *
generation_config_json (const SyRandomModelSpec *spec)
{
  json_object *c = json_object_new_object ();
  char *text;

  json_object_object_add (c, "_from_model_config", json_object_new_boolean (TRUE));
  if (spec->bos_token_id >= 0)
    json_object_object_add (c, "bos_token_id", json_object_new_int64 (spec->bos_token_id));
  json_object_object_add (c, "eos_token_id", id_or_null (spec->eos_token_id));
  if (spec->pad_token_id >= 0)
    json_object_object_add (c, "pad_token_id", json_object_new_int64 (spec->pad_token_id));
  text = g_strconcat (json_object_to_json_string_ext (c, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED), "\n", NULL);
  json_object_put (c);
  return text;
}

/* ---- random numbers ---- */

/* SplitMix64's output function: element i of a tensor is
 * mix (key + (i + 1) × golden), so any chunk can be produced on its own. */
static inline guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

#define GOLDEN 0x9e3779b97f4a7c15ull

typedef struct
{
  guint64 key;
  float   std;       /* 0: constant */
  float   constant;
} FillData;

/* n values from z (element i: sum of the four 16-bit parts of mix (z + i
 * golden), less its mean, times @scale): integer operations and exact
 * conversions but the last two roundings, so that the vectorised
 * loops give the same bits */
static inline __attribute__ ((always_inline)) void
fill_range (float   *out,
            guint64  z,
            int64_t  n,
            float    scale)
{
  /* sum of four 16-bit uniforms: mean 4 × 32767.5 */
  const double mean = 4 * 32767.5;

  for (int64_t i = 0; i < n; i++)
    {
      guint64 r = mix64 (z + (guint64) i * GOLDEN);
      guint32 sum = (guint32) (r & 0xffff) + (guint32) ((r >> 16) & 0xffff) +
                    (guint32) ((r >> 32) & 0xffff) + (guint32) (r >> 48);

      out[i] = (float) ((double) sum - mean) * scale;
    }
}

static void
fill_range_generic (float   *out,
                    guint64  z,
                    int64_t  n,
                    float    scale)
{
  fill_range (out, z, n, scale);
}

#if defined(__x86_64__)
/* eight 64-bit multiplies an instruction (AVX2 has none: no faster) */
__attribute__ ((target ("avx512f,avx512dq,avx512vl")))
static void
fill_range_avx512 (float   *out,
                   guint64  z,
                   int64_t  n,
                   float    scale)
{
  fill_range (out, z, n, scale);
}
#endif

static gboolean
fill_random (float     *out,
             int64_t    offset,
             int64_t    n,
             gpointer   user_data,
             GError   **error)
{
  const FillData *d = user_data;
  float scale;
  guint64 z;

  if (d->std == 0)
    {
      for (int64_t i = 0; i < n; i++)
        out[i] = d->constant;
      return TRUE;
    }
  /* variance of the sum: 4 × (65536² - 1) / 12 */
  scale = (float) (d->std / sqrt (4.0 * (65536.0 * 65536.0 - 1.0) / 12.0));
  z = d->key + (guint64) (offset + 1) * GOLDEN;
#if defined(__x86_64__)
  {
    static int avx512 = -1;

    if (avx512 < 0)
      avx512 = __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512dq")
               && __builtin_cpu_supports ("avx512vl");
    if (avx512)
      {
        fill_range_avx512 (out, z, n, scale);
        return TRUE;
      }
  }
#endif
  fill_range_generic (out, z, n, scale);
  return TRUE;
}

static guint64
name_key (guint64     seed,
          const char *name)
{
  guint64 h = 0xcbf29ce484222325ull;     /* FNV-1a */

  for (const guchar *p = (const guchar *) name; *p; p++)
    h = (h ^ *p) * 0x100000001b3ull;
  return mix64 (h ^ mix64 (seed + GOLDEN));
}

/* One tensor of a random model: its description (no data) and how its
 * values are made */
typedef struct
{
  SyTensor  t;          /* first: a SyTensor * of the list is a RandomTensor * */
  char     *name;
  FillData  fill;
  gboolean  used;       /* looked up by a conversion */
} RandomTensor;

static void
random_tensor_free (RandomTensor *r)
{
  g_free (r->name);
  g_free (r);
}

static void
add (GPtrArray  *list,
     guint64     seed,
     SyDType     dtype,
     gboolean    is_norm,
     int64_t     d0,
     int64_t     d1,
     const char *format,
     ...) G_GNUC_PRINTF (7, 8);

/* Adds tensor NAME of shape [d0] (d1 == 0) or [d0, d1]. */
static void
add (GPtrArray  *list,
     guint64     seed,
     SyDType     dtype,
     gboolean    is_norm,
     int64_t     d0,
     int64_t     d1,
     const char *format,
     ...)
{
  RandomTensor *r = g_new0 (RandomTensor, 1);
  va_list args;

  va_start (args, format);
  r->name = g_strdup_vprintf (format, args);
  va_end (args);

  r->t.name = r->name;
  r->t.dtype = dtype;
  r->t.n_dims = d1 ? 2 : 1;
  r->t.shape[0] = d0;
  r->t.shape[1] = d1;
  r->fill.key = name_key (seed, r->name);
  r->fill.std = is_norm ? 0.0f : (float) INIT_STD;
  r->fill.constant = 1.0f;
  g_ptr_array_add (list, r);
}

/* Every tensor of @spec (RandomTensor *), in the order they are written */
static GPtrArray *
random_tensors (const SyRandomModelSpec  *spec,
                SyDType                   dtype,
                guint64                   seed,
                GError                  **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) random_tensor_free);
  int64_t H, V, E, I, q_dim, kv_dim, hd;

  g_return_val_if_fail (spec != NULL, NULL);
  if (!check_spec (spec, error))
    return NULL;

  H = spec->hidden_size;
  V = spec->vocab_size;
  E = spec->n_experts;
  I = spec->expert_size;
  hd = head_dim_of (spec);
  q_dim = (int64_t) spec->n_heads * hd;
  kv_dim = (int64_t) spec->n_kv_heads * hd;

#define ADD(norm, d0, d1, ...) add (list, seed, dtype, norm, d0, d1, __VA_ARGS__)
  ADD (FALSE, V, H, "model.embed_tokens.weight");
  for (int l = 0; l < spec->n_layers; l++)
    {
      ADD (TRUE, H, 0, "model.layers.%d.input_layernorm.weight", l);
      ADD (FALSE, q_dim, H, "model.layers.%d.self_attn.q_proj.weight", l);
      ADD (FALSE, kv_dim, H, "model.layers.%d.self_attn.k_proj.weight", l);
      ADD (FALSE, kv_dim, H, "model.layers.%d.self_attn.v_proj.weight", l);
      ADD (FALSE, H, q_dim, "model.layers.%d.self_attn.o_proj.weight", l);
      if (spec->layout == SY_RANDOM_LAYOUT_OLMOE)
        {
          ADD (TRUE, q_dim, 0, "model.layers.%d.self_attn.q_norm.weight", l);
          ADD (TRUE, kv_dim, 0, "model.layers.%d.self_attn.k_norm.weight", l);
        }
      else if (spec->layout == SY_RANDOM_LAYOUT_QWEN3_MOE)
        {
          ADD (TRUE, hd, 0, "model.layers.%d.self_attn.q_norm.weight", l);
          ADD (TRUE, hd, 0, "model.layers.%d.self_attn.k_norm.weight", l);
        }
      ADD (TRUE, H, 0, "model.layers.%d.post_attention_layernorm.weight", l);
      if (spec->layout == SY_RANDOM_LAYOUT_MIXTRAL)
        {
          ADD (FALSE, E, H, "model.layers.%d.block_sparse_moe.gate.weight", l);
          for (int e = 0; e < E; e++)
            {
              ADD (FALSE, I, H, "model.layers.%d.block_sparse_moe.experts.%d.w1.weight", l, e);
              ADD (FALSE, H, I, "model.layers.%d.block_sparse_moe.experts.%d.w2.weight", l, e);
              ADD (FALSE, I, H, "model.layers.%d.block_sparse_moe.experts.%d.w3.weight", l, e);
            }
        }
      else
        {
          ADD (FALSE, E, H, "model.layers.%d.mlp.gate.weight", l);
          for (int e = 0; e < E; e++)
            {
              ADD (FALSE, I, H, "model.layers.%d.mlp.experts.%d.gate_proj.weight", l, e);
              ADD (FALSE, I, H, "model.layers.%d.mlp.experts.%d.up_proj.weight", l, e);
              ADD (FALSE, H, I, "model.layers.%d.mlp.experts.%d.down_proj.weight", l, e);
            }
        }
    }
  ADD (TRUE, H, 0, "model.norm.weight");
  ADD (FALSE, V, H, "lm_head.weight");
#undef ADD
  return g_steal_pointer (&list);
}

SySafetensorsWriter *
sy_random_model_new_writer (const SyRandomModel  *model,
                            GError              **error)
{
  g_autoptr (SySafetensorsWriter) w = NULL;
  g_autoptr (GPtrArray) list = random_tensors (model->spec, model->dtype, model->seed, error);

  if (list == NULL)
    return NULL;
  w = sy_safetensors_writer_new ();
  for (guint i = 0; i < list->len; i++)
    {
      RandomTensor *r = list->pdata[i];
      SyTensorDesc desc = { r->name, model->dtype, r->t.n_dims, r->t.shape };

      if (!sy_safetensors_writer_add_generated (w, &desc, fill_random, g_memdup2 (&r->fill, sizeof r->fill),
                                                g_free, error))
        return NULL;
    }
  sy_safetensors_writer_set_metadata (w, "producer", "switchyard make-random-model");
  return g_steal_pointer (&w);
}

static gboolean
write_text (const char  *dir,
            const char  *name,
            const char  *text,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return sy_engine_set_contents (path, text, -1, error);
}

gboolean
sy_random_model_write (const SyRandomModel  *model,
                       const char           *dir,
                       int                   n_shards,
                       SyProgressFunc        progress,
                       gpointer              progress_data,
                       GError              **error)
{
  g_autoptr (SySafetensorsWriter) w = NULL;
  g_autofree char *config = NULL;
  g_autofree char *gen = NULL;

  g_return_val_if_fail (model != NULL && model->spec != NULL, FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  w = sy_random_model_new_writer (model, error);
  if (w == NULL)
    return FALSE;
  if (!sy_engine_make_folder (dir, error))
    return FALSE;

  config = sy_random_model_config_json (model->spec, model->dtype);
  gen = generation_config_json (model->spec);
  if (!write_text (dir, "config.json", config, error) ||
      !write_text (dir, "generation_config.json", gen, error))
    return FALSE;
  return sy_safetensors_writer_write_folder (w, dir, n_shards, progress, progress_data, error);
}

/* ---- straight to GGUF ---- */

/* The tensors of a random model as a conversion's source: each range is
 * made when read and rounded to the stored dtype, so the values are those
 * the model folder would hold */
typedef struct
{
  GPtrArray  *list;
  GHashTable *by_name;     /* name -> RandomTensor * (not owned) */
} RandomSource;

static const SyTensor *
source_lookup (gpointer    data,
               const char *name)
{
  RandomTensor *r = g_hash_table_lookup (((RandomSource *) data)->by_name, name);

  if (r == NULL)
    return NULL;
  r->used = TRUE;
  return &r->t;
}

static const SyTensor *
source_get (gpointer        data,
            const char     *name,
            int             n_dims,
            const int64_t  *shape,
            GError        **error)
{
  const SyTensor *t = source_lookup (data, name);

  if (t == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING, "random model: no tensor '%s'", name);
      return NULL;
    }
  if (t->n_dims != n_dims || memcmp (t->shape, shape, sizeof (int64_t) * n_dims) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "random model: tensor '%s' does not have the expected shape", name);
      return NULL;
    }
  return t;
}

/* sy_bf16_to_f32 (sy_f32_to_bf16 (@f)) inline, so that a loop of it
 * vectorises (the two calls were a fifth of make-random-model --gguf's
 * time) */
static inline float
round_to_bf16 (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)   /* NaN: a quiet NaN */
    bits |= 0x00400000u;
  else                                      /* to nearest, ties to even */
    bits += 0x7fffu + ((bits >> 16) & 1u);
  bits &= 0xffff0000u;
  memcpy (&f, &bits, sizeof f);
  return f;
}

static void
source_read (gpointer        data,
             const SyTensor *t,
             int64_t         offset,
             int64_t         n,
             float          *out)
{
  const RandomTensor *r = (const RandomTensor *) t;

  fill_random (out, offset, n, (gpointer) &r->fill, NULL);
  if (t->dtype == SY_DTYPE_BF16)
    for (int64_t i = 0; i < n; i++)
      out[i] = round_to_bf16 (out[i]);
  else if (t->dtype == SY_DTYPE_F16)
    for (int64_t i = 0; i < n; i++)
      out[i] = sy_f16_to_f32 (sy_f32_to_f16 (out[i]));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static char **
source_list_unused (gpointer data)
{
  RandomSource *src = data;
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < src->list->len; i++)
    {
      RandomTensor *r = src->list->pdata[i];

      if (!r->used)
        g_ptr_array_add (names, g_strdup (r->name));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

gboolean
sy_random_model_write_gguf (const SyRandomModel         *model,
                            const char                  *path,
                            const char                  *tokenizer_json,
                            const SyGgufConvertOptions  *options,
                            GError                     **error)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GHashTable) by_name = NULL;
  g_autofree char *config = NULL;
  RandomSource rs;
  SyGgufSource src = { NULL, "config.json", tokenizer_json, NULL,
                       source_lookup, source_get, source_read, source_list_unused, &rs };

  g_return_val_if_fail (model != NULL && model->spec != NULL && path != NULL, FALSE);
  src.model_name = model->spec->name;
  list = random_tensors (model->spec, model->dtype, model->seed, error);
  if (list == NULL)
    return FALSE;
  by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->len; i++)
    g_hash_table_insert (by_name, ((RandomTensor *) list->pdata[i])->name, list->pdata[i]);
  rs.list = list;
  rs.by_name = by_name;
  src.config_json = config = sy_random_model_config_json (model->spec, model->dtype);
  return sy_gguf_convert_source (&src, path, options, error);
}

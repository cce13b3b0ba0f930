/* sy-gguf-arch.c: GGUF models onto our arch table
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * llama.cpp's conventions for the architectures we read: tensor names
 * (blk.N.ffn_gate_exps.weight, experts stacked) onto the Hugging Face names
 * the arch table binds, and <arch>.* metadata keys onto config.json keys,
 * with the few keys that do not map one to one translated in code.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sy-gguf-private.h"
#include "sy-tensor-store-private.h"

#define F(field) offsetof (SyArchSpec, field)
#define C(field) offsetof (SyConfig, field)

/* Tensor names of the llama.cpp conventions for these architectures. */
static const SyGgufNameRule name_rules[] = {
  { "token_embd.weight", F (embed), NULL, SY_GGUF_NAME_GLOBAL },
  { "output_norm.weight", F (final_norm), NULL, SY_GGUF_NAME_GLOBAL },
  { "output.weight", F (lm_head), NULL, SY_GGUF_NAME_GLOBAL },
  { "blk.%d.attn_norm.weight", F (attn_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_norm.weight", F (ffn_norm), NULL, SY_GGUF_NAME_LAYER, "!gpt-oss" },
  { "blk.%d.post_attention_norm.weight", F (ffn_norm), NULL, SY_GGUF_NAME_LAYER, "gpt-oss" },
  { "blk.%d.attn_sinks.weight", F (sinks), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp.bias", F (router_bias), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_exps.bias", F (expert_gate_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_up_exps.bias", F (expert_up_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_down_exps.bias", F (expert_down_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.attn_q.weight", F (q_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k.weight", F (k_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_v.weight", F (v_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_output.weight", F (o_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q.bias", F (q_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k.bias", F (k_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_v.bias", F (v_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_output.bias", F (o_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_norm.weight", F (q_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k_norm.weight", F (k_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp.weight", F (router), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_exps.weight", F (expert_gate), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_up_exps.weight", F (expert_up), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_down_exps.weight", F (expert_down), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_gate_shexp.weight", F (shared_gate), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_up_shexp.weight", F (shared_up), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_down_shexp.weight", F (shared_down), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp_shexp.weight", F (shared_expert_gate), NULL, SY_GGUF_NAME_ROW },
  { "blk.%d.attn_q_a.weight", F (q_a_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_a.bias", F (q_a_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_a_norm.weight", F (q_a_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_b.weight", F (q_b_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_mqa.weight", F (kv_a_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_mqa.bias", F (kv_a_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_norm.weight", F (kv_a_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_b.weight", F (kv_b_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.exp_probs_b.bias", F (selection_bias), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate.weight", F (mlp_gate), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_up.weight", F (mlp_up), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_down.weight", F (mlp_down), NULL, SY_GGUF_NAME_LAYER },
  { NULL }
};

#define BASE_GGUF_KEYS \
  { "context_length", "max_position_embeddings", SY_KEY_INT, C (max_position_embeddings) }, \
  { "embedding_length", "hidden_size", SY_KEY_INT, C (hidden_size) }, \
  { "block_count", "num_hidden_layers", SY_KEY_INT, C (n_layers) }, \
  { "attention.head_count", "num_attention_heads", SY_KEY_INT, C (n_heads) }, \
  { "attention.head_count_kv", "num_key_value_heads", SY_KEY_INT, C (n_kv_heads) }, \
  { "attention.layer_norm_rms_epsilon", "rms_norm_eps", SY_KEY_FLOAT, C (rms_norm_eps) }, \
  { "rope.freq_base", "rope_theta", SY_KEY_FLOAT, C (rope_theta) }, \
  { "expert_used_count", "num_experts_per_tok", SY_KEY_INT, C (n_experts_per_tok) }, \
  { "expert_weights_norm", "norm_topk_prob", SY_KEY_BOOL, C (norm_topk_prob) }, \
  { "vocab_size", "vocab_size", SY_KEY_INT, C (vocab_size) }

#define COMMON_GGUF_KEYS \
  BASE_GGUF_KEYS, \
  { "attention.key_length", "head_dim", SY_KEY_INT, C (head_dim) }

static const SyGgufKeyRule qwen3moe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { NULL }
};

static const SyGgufKeyRule qwen2moe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { "expert_shared_feed_forward_length", "shared_expert_intermediate_size", SY_KEY_INT, C (shared_ffn) },
  { NULL }
};

static const SyGgufKeyRule olmoe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "attention.clamp_kqv", "clip_qkv", SY_KEY_FLOAT, C (clip_qkv) },
  { NULL }
};

/* Mixtral is GGUF "llama" with experts */
static const SyGgufKeyRule llama_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { NULL }
};

/* DeepSeek-V3 is GGUF "deepseek2" (llama.cpp's layout with attn_kv_b);
 * key_length (qk_nope + qk_rope), q_lora_rank and the gating function
 * are translated in code (deepseek2_to_hf) */
static const SyGgufKeyRule deepseek2_keys[] = {
  BASE_GGUF_KEYS,
  { "expert_count", "n_routed_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { "leading_dense_block_count", "first_k_dense_replace", SY_KEY_INT, C (first_k_dense) },
  { "expert_shared_count", "n_shared_experts", SY_KEY_INT, C (n_shared_experts) },
  { "expert_weights_scale", "routed_scaling_factor", SY_KEY_FLOAT, C (routed_scaling_factor) },
  { "expert_group_count", "n_group", SY_KEY_INT, C (n_group) },
  { "expert_group_used_count", "topk_group", SY_KEY_INT, C (topk_group) },
  { "attention.kv_lora_rank", "kv_lora_rank", SY_KEY_INT, C (kv_lora_rank) },
  { "attention.value_length", "v_head_dim", SY_KEY_INT, C (v_head_dim) },
  { "rope.dimension_count", "qk_rope_head_dim", SY_KEY_INT, C (head_dim) },
  { NULL }
};

/* gpt-oss: sliding on even layers (GptOssConfig's default pattern), yarn
 * without truncation (gpt_oss_to_hf) */
static const SyGgufKeyRule gpt_oss_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "attention.sliding_window", "sliding_window", SY_KEY_INT, C (sliding_window) },
  { NULL }
};

/* Granite's multipliers */
static const SyGgufKeyRule granitemoe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "embedding_scale", "embedding_multiplier", SY_KEY_FLOAT, C (embedding_multiplier) },
  { "residual_scale", "residual_multiplier", SY_KEY_FLOAT, C (residual_multiplier) },
  { "attention.scale", "attention_multiplier", SY_KEY_FLOAT, C (attention_multiplier) },
  { "logit_scale", "logits_scaling", SY_KEY_FLOAT, C (logits_scaling) },
  { NULL }
};

static const SyGgufArch gguf_archs[] = {
  /* llama-based: q / k rows permuted for pairwise rope as for llama */
  { "granitemoe", "granitemoe", granitemoe_keys, TRUE, TRUE },
  { "gpt-oss", "gpt_oss", gpt_oss_keys, TRUE, FALSE },
  { "deepseek2", "deepseek_v3", deepseek2_keys, TRUE, TRUE },
  { "llama", "mixtral", llama_keys, TRUE, TRUE },
  /* Qwen3-MoE checkpoints renormalise their top-k (llama.cpp always does) */
  { "qwen3moe", "qwen3_moe", qwen3moe_keys, TRUE },
  { "qwen2moe", "qwen2_moe", qwen2moe_keys, FALSE },
  { "olmoe", "olmoe", olmoe_keys, FALSE },
  { NULL }
};

const SyGgufNameRule *
_sy_gguf_name_rules (void)
{
  return name_rules;
}

const SyGgufArch *
_sy_gguf_arch_find (const char *gguf_arch,
                    const char *model_type)
{
  for (int i = 0; gguf_archs[i].gguf_arch; i++)
    if ((gguf_arch && strcmp (gguf_archs[i].gguf_arch, gguf_arch) == 0)
        || (model_type && strcmp (gguf_archs[i].model_type, model_type) == 0))
      return &gguf_archs[i];
  return NULL;
}

gboolean
_sy_gguf_rule_applies (const SyGgufNameRule *rule,
                       const char           *gguf_arch)
{
  if (rule->arch == NULL)
    return TRUE;
  if (rule->arch[0] == '!')
    return g_strcmp0 (rule->arch + 1, gguf_arch) != 0;
  return g_strcmp0 (rule->arch, gguf_arch) == 0;
}

const char *
_sy_gguf_rule_pattern (const SyArchSpec     *arch,
                       const SyGgufNameRule *rule)
{
  return G_STRUCT_MEMBER (const char *, arch, rule->field);
}

const char *
sy_gguf_supported_archs (void)
{
  return "deepseek2 (DeepSeek-V3), gpt-oss, granitemoe, llama (Mixtral), olmoe, qwen2moe, qwen3moe";
}

const SyArchSpec *
sy_gguf_arch_lookup (const char *gguf_arch)
{
  const SyGgufArch *g = _sy_gguf_arch_find (gguf_arch, NULL);

  return g ? sy_arch_lookup (g->model_type, NULL) : NULL;
}

const char *
sy_gguf_arch_name (const char *model_type)
{
  const SyGgufArch *g = _sy_gguf_arch_find (NULL, model_type);

  return g ? g->gguf_arch : NULL;
}

/* <arch>.@key as a float (stored as float or integer) */
static gboolean
arch_number (SyGguf     *self,
             const char *name,
             const char *key,
             double     *out)
{
  g_autofree char *full = g_strdup_printf ("%s.%s", name, key);
  int64_t iv;

  if (sy_gguf_get_float (self, full, out))
    return TRUE;
  if (!sy_gguf_get_int (self, full, &iv))
    return FALSE;
  *out = (double) iv;
  return TRUE;
}

/* rope.scaling.* (llama.cpp: type none / linear / yarn, factor,
 * original_context_length, yarn_beta_fast / _slow) as HF rope_scaling;
 * gpt-oss's yarn without truncation as its config has it.  Other types
 * go through, for the config parser to name. */
static void
rope_scaling_to_hf (SyGguf      *self,
                    const char  *name,
                    json_object *root)
{
  g_autofree char *tkey = g_strdup_printf ("%s.rope.scaling.type", name);
  const char *type = sy_gguf_get_string (self, tkey);
  json_object *rs;
  double v;

  if (type == NULL || strcmp (type, "none") == 0)
    return;
  rs = json_object_new_object ();
  json_object_object_add (rs, "rope_type", json_object_new_string (type));
  if (arch_number (self, name, "rope.scaling.factor", &v))
    json_object_object_add (rs, "factor", json_object_new_double (v));
  if (arch_number (self, name, "rope.scaling.original_context_length", &v))
    json_object_object_add (rs, "original_max_position_embeddings", json_object_new_int64 ((int64_t) v));
  if (arch_number (self, name, "rope.scaling.yarn_beta_fast", &v))
    json_object_object_add (rs, "beta_fast", json_object_new_double (v));
  if (arch_number (self, name, "rope.scaling.yarn_beta_slow", &v))
    json_object_object_add (rs, "beta_slow", json_object_new_double (v));
  if (strcmp (name, "gpt-oss") == 0)
    json_object_object_add (rs, "truncate", json_object_new_boolean (FALSE));
  json_object_object_add (root, "rope_scaling", rs);
}

/* What llama.cpp's metadata may say that these archs (other than
 * DeepSeek's, deepseek2_to_hf) do not do: refused, not ignored.
 * expert_gating_func: 1 softmax, 2 sigmoid, 3 softmax over the chosen
 * (gpt-oss); expert_weights_scale: a factor on the expert mix;
 * rope.dimension_count: the rotary part of each head. */
static gboolean
check_llamacpp_keys (SyGguf            *self,
                     const char        *name,
                     const SyArchSpec  *arch,
                     json_object       *root,
                     GError           **error)
{
  g_autofree char *gkey = g_strdup_printf ("%s.expert_gating_func", name);
  int64_t gating, head_dim = 0;
  double v;
  json_object *jv;

  if (sy_gguf_get_int (self, gkey, &gating)
      && (arch->router_activation == SY_ROUTER_SIGMOID ? gating != 2 : gating == 2))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: %s %" G_GINT64_FORMAT " is not supported for %s (its routing is %s)",
                   sy_gguf_get_path (self), gkey, gating, name,
                   arch->router_activation == SY_ROUTER_SIGMOID ? "sigmoid, 2" : "softmax, 1");
      return FALSE;
    }
  if (strcmp (name, "deepseek2") == 0)
    return TRUE;
  if (arch_number (self, name, "expert_weights_scale", &v) && v != 1.0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: %s.expert_weights_scale %g is not supported for %s (1 only)",
                   sy_gguf_get_path (self), name, v, name);
      return FALSE;
    }
  if (json_object_object_get_ex (root, "head_dim", &jv) && jv)
    head_dim = json_object_get_int64 (jv);
  else
    {
      json_object *h, *n;

      if (json_object_object_get_ex (root, "hidden_size", &h) && json_object_object_get_ex (root, "num_attention_heads", &n)
          && json_object_get_int64 (n) > 0)
        head_dim = json_object_get_int64 (h) / json_object_get_int64 (n);
    }
  if (arch_number (self, name, "rope.dimension_count", &v) && head_dim > 0 && v != (double) head_dim)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: %s.rope.dimension_count %g (rotary part of the %" G_GINT64_FORMAT
                   "-wide heads) is not supported: rope over whole heads only",
                   sy_gguf_get_path (self), name, v, head_dim);
      return FALSE;
    }
  return TRUE;
}

/* deepseek2: the keys that do not map one to one */
static gboolean
deepseek2_to_hf (SyGguf       *self,
                 json_object  *root,
                 GError      **error)
{
  int64_t key_len, rope, q_lora, v_len, n_heads;
  double factor, orig, mult;
  gboolean mla_keys = sy_gguf_has_key (self, "deepseek2.attention.key_length_mla");

  /* llama.cpp's converter stores attention as the MQA it runs (one kv
   * head; key_length = kv_lora_rank + rope, value_length = kv_lora_rank)
   * and the per-head widths under *_mla; ours stores the per-head widths
   * under key_length / value_length and the heads as they are */
  if (mla_keys)
    {
      if (!sy_gguf_get_int (self, "deepseek2.attention.key_length_mla", &key_len)
          || !sy_gguf_get_int (self, "deepseek2.attention.value_length_mla", &v_len) || v_len <= 0
          || !sy_gguf_get_int (self, "deepseek2.attention.head_count", &n_heads))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s: deepseek2.attention.key_length_mla needs .value_length_mla and "
                       ".head_count (integers)", sy_gguf_get_path (self));
          return FALSE;
        }
      json_object_object_add (root, "v_head_dim", json_object_new_int64 (v_len));
      json_object_object_add (root, "num_key_value_heads", json_object_new_int64 (n_heads));
    }
  else if (!sy_gguf_get_int (self, "deepseek2.attention.key_length", &key_len))
    key_len = 0;
  if (!sy_gguf_get_int (self, "deepseek2.rope.dimension_count", &rope) || key_len <= rope)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: deepseek2.attention.key_length%s and .rope.dimension_count must give "
                   "the query/key head width and its rotary part", sy_gguf_get_path (self),
                   mla_keys ? "_mla" : "");
      return FALSE;
    }
  json_object_object_add (root, "qk_nope_head_dim", json_object_new_int64 (key_len - rope));
  /* no q LoRA when the rank is absent or 0 (q_proj instead) */
  json_object_object_add (root, "q_lora_rank",
                          sy_gguf_get_int (self, "deepseek2.attention.q_lora_rank", &q_lora) && q_lora > 0
                          ? json_object_new_int64 (q_lora) : NULL);
  /* expert_gating_func: checked against the arch (check_llamacpp_keys);
   * absent, as llama.cpp's converter leaves it when the HF config has no
   * scoring_func, it is DeepSeek-V3's sigmoid when the selection bias
   * (exp_probs_b) is there, else DeepSeek-V2's softmax, which we do not run */
  if (!sy_gguf_has_key (self, "deepseek2.expert_gating_func"))
    {
      gboolean has_bias = FALSE;

      for (guint i = 0; i < sy_gguf_get_n_tensors (self) && !has_bias; i++)
        has_bias = g_str_has_suffix (sy_gguf_get_tensor (self, i)->name, ".exp_probs_b.bias");
      if (!has_bias)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                       "%s: no deepseek2.expert_gating_func and no exp_probs_b: DeepSeek-V2's "
                       "softmax routing, which is not supported (DeepSeek-V3's sigmoid is)",
                       sy_gguf_get_path (self));
          return FALSE;
        }
    }
  /* the rotary pairs are stored interleaved, as rope_interleave */
  json_object_object_add (root, "rope_interleave", json_object_new_boolean (TRUE));
  if (g_strcmp0 (sy_gguf_get_string (self, "deepseek2.rope.scaling.type"), "yarn") == 0)
    {
      json_object *rs = json_object_new_object ();

      json_object_object_add (rs, "type", json_object_new_string ("yarn"));
      if (sy_gguf_get_float (self, "deepseek2.rope.scaling.factor", &factor))
        json_object_object_add (rs, "factor", json_object_new_double (factor));
      if (sy_gguf_get_int (self, "deepseek2.rope.scaling.original_context_length", &key_len))
        json_object_object_add (rs, "original_max_position_embeddings", json_object_new_int64 (key_len));
      else if (sy_gguf_get_float (self, "deepseek2.rope.scaling.original_context_length", &orig))
        json_object_object_add (rs, "original_max_position_embeddings", json_object_new_double (orig));
      /* yarn_log_multiplier = 0.1 mscale_all_dim (mscale taken equal, as
       * DeepSeek-V3 configs have it) */
      if (sy_gguf_get_float (self, "deepseek2.rope.scaling.yarn_log_multiplier", &mult) && mult > 0)
        {
          json_object_object_add (rs, "mscale_all_dim", json_object_new_double (mult / 0.1));
          json_object_object_add (rs, "mscale", json_object_new_double (mult / 0.1));
        }
      json_object_object_add (root, "rope_scaling", rs);
    }
  return TRUE;
}

json_object *
sy_gguf_model_config (SyGguf            *self,
                      const SyArchSpec **arch,
                      GError           **error)
{
  const char *name = sy_gguf_get_string (self, "general.architecture");
  const SyGgufArch *g;
  json_object *root;
  int64_t iv;
  double fv;
  gboolean bv;

  if (name == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: metadata 'general.architecture' is missing", sy_gguf_get_path (self));
      return NULL;
    }
  g = _sy_gguf_arch_find (name, NULL);
  if (g == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                   "%s: GGUF architecture '%s' is not supported (supported: %s)",
                   sy_gguf_get_path (self), name, sy_gguf_supported_archs ());
      return NULL;
    }
  *arch = sy_arch_lookup (g->model_type, error);
  if (*arch == NULL)
    return NULL;
  {
    g_autofree char *key = g_strdup_printf ("%s.expert_count", name);

    if (!sy_gguf_has_key (self, key))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                     "%s: metadata '%s' is missing: not a Mixture-of-Experts model", sy_gguf_get_path (self), key);
        return NULL;
      }
  }

  root = json_object_new_object ();
  json_object_object_add (root, "model_type", json_object_new_string (g->model_type));
  for (const SyGgufKeyRule *k = g->keys; k->gguf; k++)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s", name, k->gguf);

      if (!sy_gguf_has_key (self, key))
        continue;
      switch (k->type)
        {
        case SY_KEY_INT:
          if (!sy_gguf_get_int (self, key, &iv) || iv < G_MININT || iv > G_MAXINT)
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_int64 (iv));
          break;
        case SY_KEY_FLOAT:
          if (!sy_gguf_get_float (self, key, &fv))
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_double (fv));
          break;
        case SY_KEY_BOOL:
          if (!sy_gguf_get_bool (self, key, &bv))
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_boolean (bv));
          break;
        default:
          break;
        }
      continue;
    bad:
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: metadata '%s' has the wrong type or an out-of-range value", sy_gguf_get_path (self), key);
      json_object_put (root);
      return NULL;
    }
  if (strcmp (name, "deepseek2") != 0)
    rope_scaling_to_hf (self, name, root);
  if (!check_llamacpp_keys (self, name, *arch, root, error)
      || (strcmp (name, "deepseek2") == 0 && !deepseek2_to_hf (self, root, error)))
    {
      json_object_put (root);
      return NULL;
    }
  if (!json_object_object_get_ex (root, "norm_topk_prob", NULL))
    json_object_object_add (root, "norm_topk_prob", json_object_new_boolean (g->norm_topk_default));
  if (!json_object_object_get_ex (root, "vocab_size", NULL))
    {
      SyGgufType et;
      guint64 n;
      const SyTensor *emb = sy_gguf_find_tensor (self, "token_embd.weight");

      if (sy_gguf_get_array_info (self, "tokenizer.ggml.tokens", &et, &n))
        json_object_object_add (root, "vocab_size", json_object_new_int64 ((int64_t) n));
      else if (emb && emb->n_dims == 2)
        json_object_object_add (root, "vocab_size", json_object_new_int64 (emb->shape[0]));
    }
  json_object_object_add (root, "tie_word_embeddings",
                          json_object_new_boolean (sy_gguf_find_tensor (self, "output.weight") == NULL));
  if (sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &iv))
    json_object_object_add (root, "bos_token_id", json_object_new_int64 (iv));
  if (sy_gguf_get_int (self, "tokenizer.ggml.eos_token_id", &iv))
    json_object_object_add (root, "eos_token_id", json_object_new_int64 (iv));
  return root;
}

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Matches @gguf_name against @rule; *layer gets the block number. */
static gboolean
rule_matches (const SyGgufNameRule *rule,
              const char           *gguf_name,
              int                  *layer)
{
  const char *rest;
  char *end;
  long n;

  if (rule->kind == SY_GGUF_NAME_GLOBAL)
    return strcmp (rule->gguf, gguf_name) == 0;
  if (!g_str_has_prefix (gguf_name, "blk."))
    return FALSE;
  n = strtol (gguf_name + 4, &end, 10);
  if (end == gguf_name + 4 || *end != '.' || n < 0 || n > G_MAXINT || !g_ascii_isdigit (gguf_name[4]))
    return FALSE;
  rest = end + 1;
  if (strcmp (rest, rule->gguf + strlen ("blk.%d.")) != 0)
    return FALSE;
  *layer = (int) n;
  return TRUE;
}
/* llama.cpp stores DeepSeek's kv_b (n_heads (nope + dv), rank) as two
 * tensors per layer: attn_k_b (n_heads, rank, nope), each head's key part
 * transposed, and attn_v_b (n_heads, dv, rank), its value part. */
static gboolean
is_split_kv_b (const char *name,
               int        *layer)
{
  static const SyGgufNameRule k_b = { "blk.%d.attn_k_b.weight", 0, NULL, SY_GGUF_NAME_LAYER };
  static const SyGgufNameRule v_b = { "blk.%d.attn_v_b.weight", 0, NULL, SY_GGUF_NAME_LAYER };

  return rule_matches (&k_b, name, layer) || rule_matches (&v_b, name, layer);
}

/* Rebuilds layer @layer's kv_b from attn_k_b and attn_v_b, in F32 (the
 * key half is transposed, which block formats cannot be without
 * re-quantizing; decoded values are exact). */
static gboolean
add_kv_b (SyGguf            *self,
          SyTensorStore     *store,
          const SyArchSpec  *arch,
          int                layer,
          GError           **error)
{
  g_autofree char *kn = g_strdup_printf ("blk.%d.attn_k_b.weight", layer);
  g_autofree char *vn = g_strdup_printf ("blk.%d.attn_v_b.weight", layer);
  g_autofree char *hf = NULL;
  const SyTensor *k = sy_gguf_find_tensor (self, kn), *v = sy_gguf_find_tensor (self, vn);
  int64_t NH, rank, nope, dv;
  g_autofree float *krow = NULL;
  SyTensor kv_b = { .dtype = SY_DTYPE_F32, .n_dims = 2 };
  float *kv;

  if (k == NULL || v == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: tensor '%s' is missing (it comes with '%s')", sy_gguf_get_path (self),
                   k == NULL ? kn : vn, k == NULL ? vn : kn);
      return FALSE;
    }
  if (k->n_dims != 3 || v->n_dims != 3 || k->shape[0] != v->shape[0]
      || k->shape[1] != v->shape[2])
    {
      g_autofree char *ks = sy_tensor_shape_string (k);
      g_autofree char *vs = sy_tensor_shape_string (v);

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                   "%s: tensors '%s' %s and '%s' %s are not (heads, rank, qk_nope) and "
                   "(heads, v_head_dim, rank)", sy_gguf_get_path (self), kn, ks, vn, vs);
      return FALSE;
    }
  NH = k->shape[0];
  rank = k->shape[1];
  nope = k->shape[2];
  dv = v->shape[1];
  kv_b.shape[0] = NH * (nope + dv);
  kv_b.shape[1] = rank;
  kv_b.n_bytes = sizeof (float) * (gsize) kv_b.shape[0] * rank;
  kv_b.data = kv = g_malloc (kv_b.n_bytes);
  krow = g_new (float, (gsize) rank * nope);
  for (int64_t h = 0; h < NH; h++)
    {
      float *out = kv + (gsize) h * (nope + dv) * rank;

      /* key rows: row i of the head is column i of its (rank, nope) block */
      sy_tensor_to_f32 (k, h * rank * nope, rank * nope, krow);
      for (int64_t i = 0; i < nope; i++)
        for (int64_t j = 0; j < rank; j++)
          out[i * rank + j] = krow[j * nope + i];
      /* value rows as they are */
      sy_tensor_to_f32 (v, h * dv * rank, dv * rank, out + nope * rank);
    }
  hf = g_strdup_printf (arch->kv_b_proj, layer, "weight");
  return _sy_tensor_store_add_owned (store, hf, &kv_b, error);
}

gboolean
sy_gguf_model_rope_pairs (SyGguf *self)
{
  const SyGgufArch *g = _sy_gguf_arch_find (sy_gguf_get_string (self, "general.architecture"), NULL);

  return g != NULL && g->qk_pairs;
}

SyTensorStore *
sy_gguf_model_store (SyGguf            *self,
                     const SyArchSpec  *arch,
                     GError           **error)
{
  g_autoptr (SyTensorStore) store = NULL;
  const char *gguf_arch = sy_gguf_get_string (self, "general.architecture");
  const char *file;
  GMappedFile *map = _sy_gguf_get_file (self, 0, &file);

  store = _sy_tensor_store_new_mapped (file, map);
  for (guint i = 1; i < _sy_gguf_get_n_files (self); i++)
    {
      map = _sy_gguf_get_file (self, i, &file);
      _sy_tensor_store_add_mapped (store, file, map);
    }
  for (guint i = 0; i < sy_gguf_get_n_tensors (self); i++)
    {
      const SyTensor *t = sy_gguf_get_tensor (self, i);
      const SyGgufNameRule *rule = NULL;
      const char *pattern = NULL;
      int layer = -1;

      if (arch->kv_b_proj && is_split_kv_b (t->name, &layer))
        {
          g_autofree char *kv_b = g_strdup_printf ("blk.%d.attn_kv_b.weight", layer);

          /* a file with kv_b itself too: that one is used (the halves unused) */
          if (sy_gguf_find_tensor (self, kv_b) != NULL)
            {
              if (!_sy_tensor_store_add (store, t->name, t, error))
                return NULL;
              continue;
            }
          /* llama.cpp's MLA halves: kv_b rebuilt from them once per layer */
          if (g_str_has_suffix (t->name, ".attn_k_b.weight")
              && !add_kv_b (self, store, arch, layer, error))
            return NULL;
          continue;
        }

      for (const SyGgufNameRule *r = name_rules; r->gguf; r++)
        if (_sy_gguf_rule_applies (r, gguf_arch) && rule_matches (r, t->name, &layer))
          {
            rule = r;
            break;
          }
      if (rule)
        pattern = _sy_gguf_rule_pattern (arch, rule);
      if (pattern == NULL)
        {
          /* not something this arch binds: kept, reported as unused */
          if (!_sy_tensor_store_add (store, t->name, t, error))
            return NULL;
          continue;
        }
      switch (rule->kind)
        {
        case SY_GGUF_NAME_GLOBAL:
          if (!_sy_tensor_store_add (store, pattern, t, error))
            return NULL;
          break;
        case SY_GGUF_NAME_LAYER:
          {
            g_autofree char *hf = g_strdup_printf (pattern, layer, rule->suffix);

            if (!_sy_tensor_store_add (store, hf, t, error))
              return NULL;
          }
          break;
        case SY_GGUF_NAME_ROW:
          {
            g_autofree char *hf = g_strdup_printf (pattern, layer, rule->suffix);
            SyTensor row = *t;

            /* our writer stores (cols); llama.cpp's converter (1, cols) */
            if (t->n_dims != 1 && !(t->n_dims == 2 && t->shape[0] == 1))
              goto bad_shape;
            row.n_dims = 2;
            row.shape[0] = 1;
            row.shape[1] = t->shape[t->n_dims - 1];
            if (!_sy_tensor_store_add (store, hf, &row, error))
              return NULL;
          }
          break;
        case SY_GGUF_NAME_EXPERTS:
          {
            SyTensor one = { .dtype = t->dtype, .n_dims = t->n_dims - 1 };

            /* (E, rows, cols) matrices or (E, n) biases, split per expert */
            if (t->n_dims != 3 && t->n_dims != 2)
              goto bad_shape;
            for (int d = 1; d < t->n_dims; d++)
              one.shape[d - 1] = t->shape[d];
            one.n_bytes = sy_dtype_n_bytes (t->dtype, sy_tensor_n_elements (&one));
            for (int64_t e = 0; e < t->shape[0]; e++)
              {
                g_autofree char *hf = g_strdup_printf (pattern, layer, (int) e);

                one.data = (const guint8 *) t->data + e * one.n_bytes;
                if (!_sy_tensor_store_add (store, hf, &one, error))
                  return NULL;
              }
          }
          break;
        }
      continue;

    bad_shape:
      {
        g_autofree char *s = sy_tensor_shape_string (t);

        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                     "%s: tensor '%s' has shape %s, expected %s", sy_gguf_get_path (self), t->name, s,
                     rule->kind == SY_GGUF_NAME_ROW ? "1 dim or [1, n]" : "2 or 3 dims (experts first)");
        return NULL;
      }
    }
  return g_steal_pointer (&store);
}

/* sy-arch.c: the architecture table and config.json parsing
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Defaults are those of the HF configuration classes (MixtralConfig,
 * OlmoeConfig, Qwen2MoeConfig, Qwen3MoeConfig, GraniteMoeConfig).  The
 * keys that fix the model's dimensions are required: a default hidden
 * size of 4096 would only turn a broken config into a confusing shape
 * error later.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sy-arch.h"
#include "sy-engine-error.h"
#include "sy-json.h"

#define OFF(field) offsetof (SyConfig, field)
#define REQ(name, type, field) { name, NULL, type, OFF (field), TRUE, 0 }
#define REQ2(name, alias, type, field) { name, alias, type, OFF (field), TRUE, 0 }
#define DEF(name, type, field, def) { name, NULL, type, OFF (field), FALSE, def }

/* The dimensions every architecture here reads the same way. */
#define SIZE_KEYS \
  REQ ("vocab_size", SY_KEY_INT, vocab_size), \
  REQ ("hidden_size", SY_KEY_INT, hidden_size), \
  REQ ("num_hidden_layers", SY_KEY_INT, n_layers), \
  REQ ("num_attention_heads", SY_KEY_INT, n_heads), \
  REQ ("num_experts_per_tok", SY_KEY_INT, n_experts_per_tok)

/* The BOS and EOS ids (eos_token_id may be a list), with their defaults */
#define BOS_EOS_KEYS(bos, eos) \
  DEF ("bos_token_id", SY_KEY_TOKEN_ID, bos_token_id, bos), \
  DEF ("eos_token_id", SY_KEY_TOKEN_IDS, eos_token_id, eos)

/* ... and, but for DeepSeek-V3, head_dim and tied embeddings too */
#define COMMON_KEYS \
  SIZE_KEYS, \
  DEF ("head_dim", SY_KEY_INT, head_dim, 0), \
  DEF ("tie_word_embeddings", SY_KEY_BOOL, tie_word_embeddings, 0)

static const SyConfigKey mixtral_keys[] = {
  COMMON_KEYS,
  REQ ("intermediate_size", SY_KEY_INT, expert_ffn),
  REQ ("num_local_experts", SY_KEY_INT, n_experts),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 8),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-5),
  DEF ("sliding_window", SY_KEY_INT, sliding_window, 0),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 4096 * 32),
  BOS_EOS_KEYS (1, 2),
  { NULL }
};

static const SyConfigKey olmoe_keys[] = {
  COMMON_KEYS,
  REQ ("intermediate_size", SY_KEY_INT, expert_ffn),
  REQ ("num_experts", SY_KEY_INT, n_experts),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 0),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-5),
  DEF ("norm_topk_prob", SY_KEY_BOOL, norm_topk_prob, 0),
  DEF ("attention_bias", SY_KEY_BOOL, attention_bias, 0),
  DEF ("clip_qkv", SY_KEY_FLOAT, clip_qkv, 0),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 4096),
  BOS_EOS_KEYS (-1, 50279),
  { NULL }
};

static const SyConfigKey qwen2_moe_keys[] = {
  COMMON_KEYS,
  REQ2 ("num_experts", "num_local_experts", SY_KEY_INT, n_experts),
  REQ ("moe_intermediate_size", SY_KEY_INT, expert_ffn),
  DEF ("intermediate_size", SY_KEY_INT, dense_ffn, 5632),
  DEF ("shared_expert_intermediate_size", SY_KEY_INT, shared_ffn, 5632),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 16),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-6),
  DEF ("norm_topk_prob", SY_KEY_BOOL, norm_topk_prob, 0),
  DEF ("decoder_sparse_step", SY_KEY_INT, decoder_sparse_step, 1),
  DEF ("mlp_only_layers", SY_KEY_INT_LIST, mlp_only_layers, 0),
  DEF ("qkv_bias", SY_KEY_BOOL, attention_bias, 1),
  DEF ("use_sliding_window", SY_KEY_BOOL, use_sliding_window, 0),
  DEF ("sliding_window", SY_KEY_INT, sliding_window, 4096),
  DEF ("max_window_layers", SY_KEY_INT, max_window_layers, 28),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 32768),
  BOS_EOS_KEYS (-1, -1),
  { NULL }
};

static const SyConfigKey qwen3_moe_keys[] = {
  COMMON_KEYS,
  REQ2 ("num_experts", "num_local_experts", SY_KEY_INT, n_experts),
  REQ ("moe_intermediate_size", SY_KEY_INT, expert_ffn),
  DEF ("intermediate_size", SY_KEY_INT, dense_ffn, 6144),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 4),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-6),
  DEF ("norm_topk_prob", SY_KEY_BOOL, norm_topk_prob, 0),
  DEF ("decoder_sparse_step", SY_KEY_INT, decoder_sparse_step, 1),
  DEF ("mlp_only_layers", SY_KEY_INT_LIST, mlp_only_layers, 0),
  DEF ("attention_bias", SY_KEY_BOOL, attention_bias, 0),
  DEF ("use_sliding_window", SY_KEY_BOOL, use_sliding_window, 0),
  DEF ("sliding_window", SY_KEY_INT, sliding_window, 4096),
  DEF ("max_window_layers", SY_KEY_INT, max_window_layers, 28),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 32768),
  BOS_EOS_KEYS (-1, -1),
  { NULL }
};

static const SyConfigKey granitemoe_keys[] = {
  COMMON_KEYS,
  REQ ("intermediate_size", SY_KEY_INT, expert_ffn),
  REQ ("num_local_experts", SY_KEY_INT, n_experts),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 0),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-6),
  DEF ("attention_bias", SY_KEY_BOOL, attention_bias, 0),
  DEF ("embedding_multiplier", SY_KEY_FLOAT, embedding_multiplier, 1.0),
  DEF ("residual_multiplier", SY_KEY_FLOAT, residual_multiplier, 1.0),
  DEF ("attention_multiplier", SY_KEY_FLOAT, attention_multiplier, 1.0),
  DEF ("logits_scaling", SY_KEY_FLOAT, logits_scaling, 1.0),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 2048),
  BOS_EOS_KEYS (1, 2),
  { NULL }
};

static const SyConfigKey deepseek_v3_keys[] = {
  SIZE_KEYS,
  REQ ("n_routed_experts", SY_KEY_INT, n_experts),
  REQ ("moe_intermediate_size", SY_KEY_INT, expert_ffn),
  REQ ("intermediate_size", SY_KEY_INT, dense_ffn),
  REQ ("kv_lora_rank", SY_KEY_INT, kv_lora_rank),
  REQ ("qk_nope_head_dim", SY_KEY_INT, qk_nope_head_dim),
  /* HF DeepseekV3Config sets head_dim = qk_rope_head_dim: the rotary part */
  REQ ("qk_rope_head_dim", SY_KEY_INT, head_dim),
  REQ ("v_head_dim", SY_KEY_INT, v_head_dim),
  { "q_lora_rank", NULL, SY_KEY_INT_OR_NULL, OFF (q_lora_rank), FALSE, 1536 },
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 0),
  DEF ("n_shared_experts", SY_KEY_INT, n_shared_experts, 1),
  DEF ("first_k_dense_replace", SY_KEY_INT, first_k_dense, 3),
  DEF ("n_group", SY_KEY_INT, n_group, 8),
  DEF ("topk_group", SY_KEY_INT, topk_group, 4),
  DEF ("norm_topk_prob", SY_KEY_BOOL, norm_topk_prob, 1),
  DEF ("routed_scaling_factor", SY_KEY_FLOAT, routed_scaling_factor, 2.5),
  DEF ("rope_interleave", SY_KEY_BOOL, rope_interleave, 1),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-6),
  DEF ("attention_bias", SY_KEY_BOOL, attention_bias, 0),
  DEF ("tie_word_embeddings", SY_KEY_BOOL, tie_word_embeddings, 0),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 4096),
  BOS_EOS_KEYS (0, 1),
  { NULL }
};

static const SyConfigKey gpt_oss_keys[] = {
  COMMON_KEYS,
  REQ ("intermediate_size", SY_KEY_INT, expert_ffn),
  REQ ("num_local_experts", SY_KEY_INT, n_experts),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 8),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-5),
  DEF ("attention_bias", SY_KEY_BOOL, attention_bias, 1),
  DEF ("sliding_window", SY_KEY_INT, sliding_window, 128),
  DEF ("layer_types", SY_KEY_LAYER_TYPES, layer_sliding, 1),
  DEF ("swiglu_limit", SY_KEY_FLOAT, swiglu_limit, 7.0),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 131072),
  BOS_EOS_KEYS (-1, -1),
  { NULL }
};

/* Our demo models (tools/train/ARCHITECTURE.md): the routing, gmha and
 * schedule keys are strings / lists / objects, read by
 * _sy_switchyard_parse_config() (sy-arch-switchyard.c). */
static const SyConfigKey switchyard_keys[] = {
  COMMON_KEYS,
  REQ ("num_experts", SY_KEY_INT, n_experts),
  DEF ("intermediate_size", SY_KEY_INT, expert_ffn, 0),
  DEF ("num_key_value_heads", SY_KEY_INT, n_kv_heads, 0),
  DEF ("rms_norm_eps", SY_KEY_FLOAT, rms_norm_eps, 1e-5),
  DEF ("max_position_embeddings", SY_KEY_INT, max_position_embeddings, 1024),
  DEF ("num_shallow_experts", SY_KEY_INT, n_shallow_experts, 0),
  DEF ("shallow_intermediate_size", SY_KEY_INT, shallow_ffn, 0),
  DEF ("deep_intermediate_size", SY_KEY_INT, deep_ffn, 0),
  BOS_EOS_KEYS (0, 0),
  { NULL }
};

/* Tensor names that architectures share, as groups of fields.  An entry
 * names every field once (a second initializer of a field is an error):
 * the groups do not overlap. */

/* Embedding, final norm, LM head, the layer norms, q and o (every model) */
#define BASE_NAMES \
  .embed = "model.embed_tokens.weight", \
  .final_norm = "model.norm.weight", \
  .lm_head = "lm_head.weight", \
  .attn_norm = "model.layers.%d.input_layernorm.weight", \
  .ffn_norm = "model.layers.%d.post_attention_layernorm.weight", \
  .q_proj = "model.layers.%d.self_attn.q_proj.%s", \
  .o_proj = "model.layers.%d.self_attn.o_proj.%s"

/* ... with k and v projections (all but MLA) */
#define LLAMA_LIKE_NAMES \
  BASE_NAMES, \
  .k_proj = "model.layers.%d.self_attn.k_proj.%s", \
  .v_proj = "model.layers.%d.self_attn.v_proj.%s"

#define QK_NORM_NAMES \
  .q_norm = "model.layers.%d.self_attn.q_norm.weight", \
  .k_norm = "model.layers.%d.self_attn.k_norm.weight"

/* Experts one by one, each with gate / up / down, under @moe
 * ("model.layers.%d.mlp") */
#define EXPERT_NAMES(moe) \
  .expert_gate = moe ".experts.%d.gate_proj.weight", \
  .expert_up = moe ".experts.%d.up_proj.weight", \
  .expert_down = moe ".experts.%d.down_proj.weight"

/* The router "gate" and the experts under mlp (OLMoE, Qwen, DeepSeek) */
#define MLP_MOE_NAMES \
  .router = "model.layers.%d.mlp.gate.weight", \
  EXPERT_NAMES ("model.layers.%d.mlp")

/* The dense MLP of non-MoE layers */
#define DENSE_MLP_NAMES \
  .mlp_gate = "model.layers.%d.mlp.gate_proj.weight", \
  .mlp_up = "model.layers.%d.mlp.up_proj.weight", \
  .mlp_down = "model.layers.%d.mlp.down_proj.weight"

#define QWEN_MLP_NAMES \
  MLP_MOE_NAMES, \
  DENSE_MLP_NAMES

/* A shared expert under @name ("model.layers.%d.mlp.shared_expert") */
#define SHARED_EXPERT_NAMES(name) \
  .shared_gate = name ".gate_proj.weight", \
  .shared_up = name ".up_proj.weight", \
  .shared_down = name ".down_proj.weight"

/* Fields an entry leaves out are 0: GQA attention, SiLU, no q / k norm,
 * separate experts, a softmax router renormalising over the chosen set,
 * no shared expert, float32 rope angles. */

static const SyArchSpec arch_mixtral = {
  .model_type = "mixtral",
  .hf_class = "MixtralForCausalLM",
  LLAMA_LIKE_NAMES,
  .router = "model.layers.%d.block_sparse_moe.gate.weight",
  .expert_gate = "model.layers.%d.block_sparse_moe.experts.%d.w1.weight",
  .expert_up = "model.layers.%d.block_sparse_moe.experts.%d.w3.weight",
  .expert_down = "model.layers.%d.block_sparse_moe.experts.%d.w2.weight",
  .native_rule = SY_NATIVE_RULE_RENORM,
  .rope_theta_default = 1e6,
  .keys = mixtral_keys,
};

static const SyArchSpec arch_olmoe = {
  .model_type = "olmoe",
  .hf_class = "OlmoeForCausalLM",
  LLAMA_LIKE_NAMES,
  QK_NORM_NAMES,
  MLP_MOE_NAMES,
  .o_proj_bias = TRUE,     /* o_proj bias=config.attention_bias as in HF */
  .qk_norm = SY_QK_NORM_FULL,
  .native_rule = SY_NATIVE_RULE_NORM_TOPK,
  .rope_theta_default = 1e4,
  .keys = olmoe_keys,
};

static const SyArchSpec arch_qwen2_moe = {
  .model_type = "qwen2_moe",
  .hf_class = "Qwen2MoeForCausalLM",
  LLAMA_LIKE_NAMES,
  QWEN_MLP_NAMES,
  SHARED_EXPERT_NAMES ("model.layers.%d.mlp.shared_expert"),
  .shared_expert_gate = "model.layers.%d.mlp.shared_expert_gate.weight",
  .native_rule = SY_NATIVE_RULE_NORM_TOPK,
  .has_shared_expert = TRUE,
  .shared_expert_gated = TRUE,
  .rope_theta_default = 1e4,
  .keys = qwen2_moe_keys,
};

static const SyArchSpec arch_qwen3_moe = {
  .model_type = "qwen3_moe",
  .hf_class = "Qwen3MoeForCausalLM",
  LLAMA_LIKE_NAMES,
  QWEN_MLP_NAMES,
  QK_NORM_NAMES,
  .o_proj_bias = TRUE,     /* o_proj bias=config.attention_bias as in HF */
  .qk_norm = SY_QK_NORM_HEAD,
  .native_rule = SY_NATIVE_RULE_NORM_TOPK,
  .rope_theta_default = 1e4,
  .keys = qwen3_moe_keys,
};

static const SyArchSpec arch_granitemoe = {
  .model_type = "granitemoe",
  .hf_class = "GraniteMoeForCausalLM",
  LLAMA_LIKE_NAMES,
  .router = "model.layers.%d.block_sparse_moe.router.layer.weight",
  .experts_in = "model.layers.%d.block_sparse_moe.input_linear.weight",
  .experts_out = "model.layers.%d.block_sparse_moe.output_linear.weight",
  /* the experts split per expert, gate and up apart (what a GGUF file
   * holds; HF checkpoints have the fused tensors above) */
  EXPERT_NAMES ("model.layers.%d.block_sparse_moe"),
  .o_proj_bias = TRUE,     /* o_proj bias=config.attention_bias as in HF */
  .expert_layout = SY_EXPERTS_FUSED,
  /* softmax over the top-k logits = probabilities renormalised over S */
  .native_rule = SY_NATIVE_RULE_RENORM,
  .rope_theta_default = 1e4,
  .keys = granitemoe_keys,
};

static const SyArchSpec arch_deepseek_v3 = {
  .model_type = "deepseek_v3",
  .hf_class = "DeepseekV3ForCausalLM",
  BASE_NAMES,
  .q_a_proj = "model.layers.%d.self_attn.q_a_proj.%s",
  .q_a_norm = "model.layers.%d.self_attn.q_a_layernorm.weight",
  .q_b_proj = "model.layers.%d.self_attn.q_b_proj.%s",
  .kv_a_proj = "model.layers.%d.self_attn.kv_a_proj_with_mqa.%s",
  .kv_a_norm = "model.layers.%d.self_attn.kv_a_layernorm.weight",
  .kv_b_proj = "model.layers.%d.self_attn.kv_b_proj.%s",
  QWEN_MLP_NAMES,
  .selection_bias = "model.layers.%d.mlp.gate.e_score_correction_bias",
  SHARED_EXPERT_NAMES ("model.layers.%d.mlp.shared_experts"),
  .attn = SY_ATTN_MLA,
  .o_proj_bias = TRUE,
  .router_activation = SY_ROUTER_SIGMOID,
  .native_rule = SY_NATIVE_RULE_SIGMOID,
  .has_shared_expert = TRUE,
  .rope_theta_default = 1e4,
  .keys = deepseek_v3_keys,
};

static const SyArchSpec arch_gpt_oss = {
  .model_type = "gpt_oss",
  .hf_class = "GptOssForCausalLM",
  LLAMA_LIKE_NAMES,
  .sinks = "model.layers.%d.self_attn.sinks",
  .router = "model.layers.%d.mlp.router.weight",
  .router_bias = "model.layers.%d.mlp.router.bias",
  .experts_in = "model.layers.%d.mlp.experts.gate_up_proj",
  .experts_in_bias = "model.layers.%d.mlp.experts.gate_up_proj_bias",
  .experts_out = "model.layers.%d.mlp.experts.down_proj",
  .experts_out_bias = "model.layers.%d.mlp.experts.down_proj_bias",
  /* the experts split per expert, gate and up apart (what a GGUF file
   * holds; HF checkpoints have the fused tensors above) */
  EXPERT_NAMES ("model.layers.%d.mlp"),
  .expert_gate_bias = "model.layers.%d.mlp.experts.%d.gate_proj.bias",
  .expert_up_bias = "model.layers.%d.mlp.experts.%d.up_proj.bias",
  .expert_down_bias = "model.layers.%d.mlp.experts.%d.down_proj.bias",
  .ffn_act = SY_FFN_CLAMPED_SWIGLU,
  .swiglu_alpha = 1.702,
  .o_proj_bias = TRUE,
  .expert_layout = SY_EXPERTS_FUSED_INTERLEAVED,
  /* softmax over the top-k logits = probabilities renormalised over S */
  .native_rule = SY_NATIVE_RULE_RENORM,
  .rope_theta_default = 150000,
  .keys = gpt_oss_keys,
};

static const SyArchSpec arch_switchyard = {
  .model_type = "switchyard",
  .hf_class = "SwitchyardForCausalLM",
  LLAMA_LIKE_NAMES,
  QWEN_MLP_NAMES,
  .attn_group_gate = "model.layers.%d.self_attn.group_gate.weight",
  /* the native weights come with the model's own policy (config->native) */
  .native_rule = SY_NATIVE_RULE_RENORM,
  .rope_theta_default = 1e4,
  .rope_angles_f64 = TRUE,
  .keys = switchyard_keys,
  .parse_extra = _sy_switchyard_parse_config,
};

static const SyArchSpec *const archs[] = {
  &arch_mixtral,
  &arch_olmoe,
  &arch_qwen2_moe,
  &arch_qwen3_moe,
  &arch_granitemoe,
  &arch_deepseek_v3,
  &arch_gpt_oss,
  &arch_switchyard,
  NULL
};

const SyArchSpec *const *
sy_arch_all (void)
{
  return archs;
}

const char *
sy_arch_supported_list (void)
{
  static gsize list = 0;

  if (g_once_init_enter (&list))
    {
      GString *s = g_string_new (NULL);

      for (int i = 0; archs[i]; i++)
        g_string_append_printf (s, "%s%s", i ? ", " : "", archs[i]->model_type);
      g_once_init_leave (&list, (gsize) g_string_free (s, FALSE));
    }
  return (const char *) list;
}

const SyArchSpec *
sy_arch_lookup (const char  *model_type,
                GError     **error)
{
  for (int i = 0; archs[i]; i++)
    if (model_type && strcmp (archs[i]->model_type, model_type) == 0)
      return archs[i];
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
               "unsupported model_type '%s' (supported: %s)",
               model_type ? model_type : "(none)", sy_arch_supported_list ());
  return NULL;
}

/* ------------------------------------------------------------- parsing */

static gboolean
json_get_number (json_object *v,
                 double      *out)
{
  json_type t = json_object_get_type (v);

  if (t == json_type_int)
    *out = (double) json_object_get_int64 (v);
  else if (t == json_type_double)
    *out = json_object_get_double (v);
  else
    return FALSE;
  return TRUE;
}

static gboolean
json_get_int (json_object *v,
              int         *out)
{
  double d;

  if (!json_get_number (v, &d) || d != floor (d) || d < G_MININT || d > G_MAXINT)
    return FALSE;
  *out = (int) d;
  return TRUE;
}

/* The end-of-sequence ids: @ids that are token ids (not negative, below
 * @vocab_size when it is known), at most SY_MAX_EOS_TOKENS of them. */
static void
set_eos_ids (SyConfig  *config,
             const int *ids,
             int        n,
             int        vocab_size)
{
  int kept = 0;

  for (int i = 0; i < n && kept < SY_MAX_EOS_TOKENS; i++)
    if (ids[i] >= 0 && (vocab_size <= 0 || ids[i] < vocab_size))
      config->eos_token_ids[kept++] = ids[i];
  config->n_eos_token_ids = kept;
  config->eos_token_id = kept > 0 ? config->eos_token_ids[0] : -1;
}

/* An id or a list of ids into config->eos_token_ids. */
static gboolean
parse_token_ids (json_object *v,
                 SyConfig    *config)
{
  int ids[SY_MAX_EOS_TOKENS];
  int n = 0;

  if (json_object_get_type (v) != json_type_array)
    {
      if (!json_get_int (v, &ids[0]))
        return FALSE;
      set_eos_ids (config, ids, 1, 0);
      return TRUE;
    }
  for (gsize i = 0; i < json_object_array_length (v); i++)
    {
      int id;

      if (!json_get_int (json_object_array_get_idx (v, i), &id))
        return FALSE;
      if (id >= 0 && n < SY_MAX_EOS_TOKENS)
        ids[n++] = id;
    }
  set_eos_ids (config, ids, n, 0);
  return TRUE;
}

gboolean
sy_config_parse_key (const SyConfigKey *key,
           json_object       *root,
           const char        *file,
           SyConfig          *config,
           GError           **error)
{
  json_object *v = NULL;
  const char *found = key->name;
  char *field = (char *) config + key->offset;
  gboolean present;

  present = json_object_object_get_ex (root, key->name, &v);
  if (!present && key->alias && json_object_object_get_ex (root, key->alias, &v))
    {
      found = key->alias;
      present = TRUE;
    }

  if (v == NULL && present && key->type == SY_KEY_INT_OR_NULL)
    {
      *(int *) field = 0;
      return TRUE;
    }
  if (v == NULL)   /* absent or null */
    {
      if (key->required)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s: required key '%s' is missing", file, key->name);
          return FALSE;
        }
      switch (key->type)
        {
        case SY_KEY_INT:
        case SY_KEY_INT_OR_NULL:
        case SY_KEY_TOKEN_ID:
        case SY_KEY_BOOL:
          *(int *) field = (int) key->def;
          break;
        case SY_KEY_TOKEN_IDS:
          {
            int def = (int) key->def;

            set_eos_ids (config, &def, 1, 0);
          }
          break;
        case SY_KEY_LAYER_TYPES:
          /* default 1: GptOssConfig's pattern, sliding on even layers */
          if (key->def != 0 && config->n_layers > 0)
            {
              g_free (config->layer_sliding);
              config->layer_sliding = g_new0 (int, config->n_layers);
              config->n_layer_types = config->n_layers;
              for (int i = 0; i < config->n_layers; i++)
                config->layer_sliding[i] = (i + 1) % 2;
            }
          break;
        case SY_KEY_FLOAT:
          *(double *) field = key->def;
          break;
        case SY_KEY_INT_LIST:
          break;
        }
      return TRUE;
    }

  switch (key->type)
    {
    case SY_KEY_INT:
    case SY_KEY_INT_OR_NULL:
      if (!json_get_int (v, (int *) field))
        goto bad;
      break;
    case SY_KEY_LAYER_TYPES:
      {
        /* only layer_types uses this type */
        gsize n;

        if (json_object_get_type (v) != json_type_array)
          goto bad;
        n = json_object_array_length (v);
        g_free (config->layer_sliding);
        config->layer_sliding = g_new0 (int, MAX (n, 1));
        config->n_layer_types = (int) n;
        for (gsize i = 0; i < n; i++)
          {
            const char *type = json_object_get_string (json_object_array_get_idx (v, i));

            if (g_strcmp0 (type, "sliding_attention") == 0)
              config->layer_sliding[i] = 1;
            else if (g_strcmp0 (type, "full_attention") != 0)
              goto bad;
          }
      }
      break;
    case SY_KEY_FLOAT:
      if (!json_get_number (v, (double *) field) || !isfinite (*(double *) field))
        goto bad;
      break;
    case SY_KEY_BOOL:
      if (json_object_get_type (v) != json_type_boolean)
        goto bad;
      *(int *) field = json_object_get_boolean (v);
      break;
    case SY_KEY_TOKEN_ID:
      if (json_object_get_type (v) == json_type_array)
        {
          if (json_object_array_length (v) == 0)
            *(int *) field = -1;
          else if (!json_get_int (json_object_array_get_idx (v, 0), (int *) field))
            goto bad;
        }
      else if (!json_get_int (v, (int *) field))
        goto bad;
      break;
    case SY_KEY_TOKEN_IDS:
      /* only eos_token_id uses this type */
      if (!parse_token_ids (v, config))
        goto bad;
      break;
    case SY_KEY_INT_LIST:
      {
        /* only mlp_only_layers uses this type */
        gsize n;

        if (json_object_get_type (v) != json_type_array)
          goto bad;
        n = json_object_array_length (v);
        g_free (config->mlp_only_layers);
        config->mlp_only_layers = g_new0 (int, MAX (n, 1));
        config->n_mlp_only_layers = (int) n;
        for (gsize i = 0; i < n; i++)
          if (!json_get_int (json_object_array_get_idx (v, i), &config->mlp_only_layers[i]))
            goto bad;
      }
      break;
    }
  return TRUE;

bad:
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: key '%s' has an invalid value '%s'", file, found,
               json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
  return FALSE;
}

static gboolean
get_rope_number (json_object *obj,
                 const char  *key,
                 double       def,
                 double      *out,
                 const char  *file,
                 GError     **error)
{
  json_object *v = NULL;

  *out = def;
  if (obj == NULL || !json_object_object_get_ex (obj, key, &v) || v == NULL)
    return TRUE;
  if (!json_get_number (v, out) || !isfinite (*out))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope key '%s' has an invalid value", file, key);
      return FALSE;
    }
  return TRUE;
}

/* The numbers of rope_parameters / rope_scaling, with their defaults */
static const struct
{
  const char *key;
  double      def;
  gsize       offset;      /* of a double in SyConfig */
} rope_numbers[] = {
  { "factor", 1.0, OFF (rope_factor) },
  { "low_freq_factor", 1.0, OFF (rope_low_freq_factor) },
  { "high_freq_factor", 4.0, OFF (rope_high_freq_factor) },
  { "beta_fast", 32.0, OFF (rope_beta_fast) },
  { "beta_slow", 1.0, OFF (rope_beta_slow) },
  { "attention_factor", 0.0, OFF (rope_attention_factor) },
  { "mscale", 0.0, OFF (rope_mscale) },
  { "mscale_all_dim", 0.0, OFF (rope_mscale_all_dim) },
};

static const struct
{
  const char *name;
  SyRopeType  type;
} rope_types[] = {
  { "default", SY_ROPE_DEFAULT },
  { "linear", SY_ROPE_LINEAR },
  { "llama3", SY_ROPE_LLAMA3 },
  { "yarn", SY_ROPE_YARN },
};

/* rope given as rope_parameters {rope_theta, rope_type, ...} (transformers
 * 5) or as top-level rope_theta + rope_scaling {type|rope_type, ...}. */
static gboolean
parse_rope (json_object *root,
            const char  *file,
            double       default_theta,
            SyConfig    *config,
            GError     **error)
{
  json_object *params = NULL, *scaling = NULL, *v = NULL;
  const char *type = "default";
  double d;
  guint i;

  if (json_object_object_get_ex (root, "rope_parameters", &params) && params
      && json_object_get_type (params) != json_type_object)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: key 'rope_parameters' is not an object", file);
      return FALSE;
    }
  if (json_object_object_get_ex (root, "rope_scaling", &scaling) && scaling
      && json_object_get_type (scaling) != json_type_object)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: key 'rope_scaling' is not an object", file);
      return FALSE;
    }
  if (params == NULL)
    params = scaling;

  /* theta: rope_parameters.rope_theta, else top-level rope_theta */
  if (!get_rope_number (root, "rope_theta", default_theta, &config->rope_theta, file, error))
    return FALSE;
  if (!get_rope_number (params, "rope_theta", config->rope_theta, &config->rope_theta, file, error))
    return FALSE;
  if (config->rope_theta <= 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope_theta must be positive", file);
      return FALSE;
    }

  if (params)
    {
      if ((json_object_object_get_ex (params, "rope_type", &v) && v)
          || (json_object_object_get_ex (params, "type", &v) && v))
        type = json_object_get_string (v);
    }

  for (i = 0; i < G_N_ELEMENTS (rope_numbers); i++)
    if (!get_rope_number (params, rope_numbers[i].key, rope_numbers[i].def,
                          G_STRUCT_MEMBER_P (config, rope_numbers[i].offset), file, error))
      return FALSE;
  if (!get_rope_number (params, "original_max_position_embeddings",
                        config->max_position_embeddings, &d, file, error))
    return FALSE;
  if (!(d >= 1 && d <= G_MAXINT))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope key 'original_max_position_embeddings' must be from 1 to %d", file, G_MAXINT);
      return FALSE;
    }
  config->rope_original_max_pos = (int) d;
  config->rope_truncate = TRUE;
  if (params && json_object_object_get_ex (params, "truncate", &v) && v)
    {
      if (json_object_get_type (v) != json_type_boolean)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: rope key 'truncate' is not a boolean", file);
          return FALSE;
        }
      config->rope_truncate = json_object_get_boolean (v);
    }

  for (i = 0; i < G_N_ELEMENTS (rope_types); i++)
    if (g_strcmp0 (type, rope_types[i].name) == 0)
      break;
  if (i < G_N_ELEMENTS (rope_types))
    config->rope_type = rope_types[i].type;
  else
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: rope type '%s' is not supported (supported: default, linear, llama3, yarn)",
                   file, type ? type : "(null)");
      return FALSE;
    }
  if (config->rope_type != SY_ROPE_DEFAULT && config->rope_factor <= 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rope factor must be positive", file);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_positive (const char  *file,
                const char  *what,
                int          value,
                GError     **error)
{
  if (value > 0)
    return TRUE;
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
               "%s: '%s' must be positive (got %d)", file, what, value);
  return FALSE;
}

gboolean
sy_config_parse (const SyArchSpec  *arch,
                 json_object       *root,
                 const char        *file,
                 SyConfig          *config,
                 GError           **error)
{
  memset (config, 0, sizeof *config);
  config->decoder_sparse_step = 1;
  config->embedding_multiplier = 1.0;
  config->residual_multiplier = 1.0;
  config->logits_scaling = 1.0;
  config->bos_token_id = -1;
  config->eos_token_id = -1;

  for (const SyConfigKey *key = arch->keys; key->name; key++)
    if (!sy_config_parse_key (key, root, file, config, error))
      return FALSE;
  if (arch->parse_extra && !arch->parse_extra (root, file, config, error))
    return FALSE;

  if (!check_positive (file, "vocab_size", config->vocab_size, error)
      || !check_positive (file, "hidden_size", config->hidden_size, error)
      || !check_positive (file, "num_hidden_layers", config->n_layers, error)
      || !check_positive (file, "num_attention_heads", config->n_heads, error)
      || !check_positive (file, "number of experts", config->n_experts, error)
      || !check_positive (file, "expert intermediate size", config->expert_ffn, error)
      || !check_positive (file, "num_experts_per_tok", config->n_experts_per_tok, error)
      || !check_positive (file, "decoder_sparse_step", config->decoder_sparse_step, error))
    return FALSE;

  if (config->n_kv_heads <= 0)
    config->n_kv_heads = config->n_heads;
  if (config->head_dim <= 0)
    {
      if (config->hidden_size % config->n_heads != 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                       "%s: hidden_size %d is not a multiple of num_attention_heads %d",
                       file, config->hidden_size, config->n_heads);
          return FALSE;
        }
      config->head_dim = config->hidden_size / config->n_heads;
    }
  if (config->n_heads % config->n_kv_heads != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: num_attention_heads %d is not a multiple of num_key_value_heads %d",
                   file, config->n_heads, config->n_kv_heads);
      return FALSE;
    }
  if (config->head_dim % 2 != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: head_dim %d is odd (rotary embeddings need pairs)",
                   file, config->head_dim);
      return FALSE;
    }
  if (config->n_experts_per_tok > config->n_experts)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: num_experts_per_tok %d exceeds the %d experts",
                   file, config->n_experts_per_tok, config->n_experts);
      return FALSE;
    }
  if (!(config->rms_norm_eps > 0))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: rms_norm_eps must be positive", file);
      return FALSE;
    }
  if (config->bos_token_id >= config->vocab_size)
    config->bos_token_id = -1;
  set_eos_ids (config, config->eos_token_ids, config->n_eos_token_ids, config->vocab_size);
  if (config->sliding_window < 0)
    config->sliding_window = 0;
  if (config->logits_scaling == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: logits_scaling must not be 0", file);
      return FALSE;
    }

  /* DeepSeek-V3: the shared experts form one MLP of n_shared * moe size;
   * the latent attention needs its ranks. */
  if (config->n_shared_experts > 0 && config->shared_ffn == 0)
    config->shared_ffn = config->n_shared_experts * config->expert_ffn;
  if (config->v_head_dim > 0
      && (!check_positive (file, "kv_lora_rank", config->kv_lora_rank, error)
          || !check_positive (file, "qk_nope_head_dim", config->qk_nope_head_dim, error)))
    return FALSE;
  if (config->q_lora_rank < 0 || config->first_k_dense < 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: '%s' must not be negative", file,
                   config->q_lora_rank < 0 ? "q_lora_rank" : "first_k_dense_replace");
      return FALSE;
    }
  if (config->n_group > 1
      && (config->n_group > 31 || config->n_experts % config->n_group != 0
          || config->topk_group < 1 || config->topk_group > config->n_group))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: n_group %d and topk_group %d do not fit %d routed experts",
                   file, config->n_group, config->topk_group, config->n_experts);
      return FALSE;
    }
  if (config->layer_sliding && config->n_layer_types != config->n_layers)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: 'layer_types' has %d entries for %d layers",
                   file, config->n_layer_types, config->n_layers);
      return FALSE;
    }
  if (config->swiglu_limit < 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: swiglu_limit must not be negative", file);
      return FALSE;
    }

  /* Dense layers need their own MLP size. */
  for (int l = 0; l < config->n_layers; l++)
    if (!sy_config_layer_is_moe (config, l)
        && !check_positive (file, "intermediate_size", config->dense_ffn, error))
      return FALSE;

  return parse_rope (root, file, arch->rope_theta_default, config, error);
}

gboolean
sy_config_parse_generation (SyConfig     *config,
                            json_object  *root,
                            const char   *file,
                            GError      **error)
{
  static const SyConfigKey keys[] = {
    { "eos_token_id", NULL, SY_KEY_TOKEN_IDS, G_STRUCT_OFFSET (SyConfig, eos_token_id), FALSE, -1 },
    { "bos_token_id", NULL, SY_KEY_TOKEN_ID, G_STRUCT_OFFSET (SyConfig, bos_token_id), FALSE, -1 },
  };
  json_object *v = NULL;
  SyConfig tmp = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_object_get_ex (root, keys[i].name, &v) && v &&
        !sy_config_parse_key (&keys[i], root, file, &tmp, error))
      return FALSE;
  /* ids outside the vocabulary leave config.json's in place */
  set_eos_ids (&tmp, tmp.eos_token_ids, tmp.n_eos_token_ids, config->vocab_size);
  if (tmp.n_eos_token_ids > 0)
    set_eos_ids (config, tmp.eos_token_ids, tmp.n_eos_token_ids, config->vocab_size);
  if (sy_json_has (root, "bos_token_id") && tmp.bos_token_id >= 0 && tmp.bos_token_id < config->vocab_size)
    config->bos_token_id = tmp.bos_token_id;
  return TRUE;
}

void
sy_config_clear (SyConfig *config)
{
  g_clear_pointer (&config->mlp_only_layers, g_free);
  config->n_mlp_only_layers = 0;
  g_clear_pointer (&config->layer_sliding, g_free);
  config->n_layer_types = 0;
  g_clear_pointer (&config->group_windows, g_free);
  config->attn_groups = 0;
  g_clear_pointer (&config->native, sy_router_spec_free);
}

int
sy_config_expert_ffn (const SyConfig *config,
                      int             expert)
{
  if (config->n_shallow_experts > 0)
    return expert < config->n_shallow_experts ? config->shallow_ffn : config->deep_ffn;
  return config->expert_ffn;
}

gboolean
sy_config_layer_is_moe (const SyConfig *config,
                        int             layer)
{
  for (int i = 0; i < config->n_mlp_only_layers; i++)
    if (config->mlp_only_layers[i] == layer)
      return FALSE;
  if (layer < config->first_k_dense)
    return FALSE;
  return config->n_experts > 0 && (layer + 1) % config->decoder_sparse_step == 0;
}

int
sy_config_layer_window (const SyConfig *config,
                        int             layer)
{
  if (config->layer_sliding)
    return config->layer_sliding[layer] ? config->sliding_window : 0;
  if (config->use_sliding_window)
    return layer >= config->max_window_layers ? config->sliding_window : 0;
  /* Mixtral: sliding_window applies to every layer when set; Qwen keeps
   * its sliding_window value but uses it only with use_sliding_window. */
  if (config->max_window_layers > 0)
    return 0;
  return config->sliding_window;
}

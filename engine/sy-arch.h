/* sy-arch.h: model architectures described as data
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each supported Hugging Face `model_type` is one SyArchSpec entry: the
 * names of its tensors, which norms and biases it has, how its router
 * weights the chosen experts, whether it has a shared expert, how its
 * experts are stored, its multipliers, and the config.json keys it reads
 * with their HF defaults.  The forward pass reads these fields; it does
 * not switch on the architecture.  A new architecture is a new entry
 * (plus, where it computes something new, a hook named by a field).
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "sy-router.h"

G_BEGIN_DECLS

typedef enum
{
  SY_QK_NORM_NONE,
  SY_QK_NORM_FULL,      /* RMSNorm over the whole q / k projection (OLMoE) */
  SY_QK_NORM_HEAD,      /* RMSNorm over each head, weights (head_dim) (Qwen3) */
} SyQkNorm;

typedef enum
{
  SY_EXPERTS_SEPARATE,  /* one gate / up / down matrix per expert */
  SY_EXPERTS_FUSED,     /* input (E, 2 I, H) = [gate; up], output (E, H, I) (Granite) */
  SY_EXPERTS_FUSED_INTERLEAVED, /* gate_up (E, H, 2 I), gate = columns 0, 2, ..,
                                 * up = columns 1, 3, ..; down (E, I, H); both
                                 * x @ W with biases (gpt-oss) */
} SyExpertLayout;

/* How the native weights depend on the config. */
typedef enum
{
  SY_NATIVE_RULE_RENORM,        /* always renormalised over the chosen set */
  SY_NATIVE_RULE_NORM_TOPK,     /* renormalised iff norm_topk_prob */
  SY_NATIVE_RULE_SIGMOID,       /* sigmoid scores [renormalised iff norm_topk_prob]
                                 * times routed_scaling_factor (DeepSeek-V3) */
} SyNativeRule;

/* How attention computes its queries, keys and values. */
typedef enum
{
  SY_ATTN_GQA,          /* q / k / v projections, grouped-query heads */
  SY_ATTN_MLA,          /* DeepSeek multi-head latent attention (sy-forward-mla.c) */
} SyAttnKind;

/* The gated activation of the feed-forward blocks. */
typedef enum
{
  SY_FFN_SILU,          /* silu (gate) * up */
  SY_FFN_CLAMPED_SWIGLU,/* gpt-oss: g = min (gate, L), u = clamp (up, -L, L),
                         * (u + 1) * g * sigmoid (alpha g) */
} SyFfnAct;

typedef enum
{
  SY_ROPE_DEFAULT,
  SY_ROPE_LINEAR,
  SY_ROPE_LLAMA3,
  SY_ROPE_YARN,
} SyRopeType;

/* The most end-of-sequence ids a model may name (the rest are ignored). */
#define SY_MAX_EOS_TOKENS 16

/* Hyper-parameters, whatever key each architecture stores them under. */
typedef struct
{
  int         vocab_size;
  int         hidden_size;
  int         n_layers;
  int         n_heads;
  int         n_kv_heads;         /* 0 in config: = n_heads */
  int         head_dim;           /* 0 in config: = hidden_size / n_heads */
  int         expert_ffn;         /* routed expert intermediate size */
  int         dense_ffn;          /* dense MLP intermediate size (non-MoE layers) */
  int         shared_ffn;         /* shared expert intermediate size, 0 = none */
  int         n_experts;
  int         n_experts_per_tok;
  gboolean    norm_topk_prob;
  int         decoder_sparse_step;
  int        *mlp_only_layers;    /* (n_mlp_only_layers) */
  int         n_mlp_only_layers;
  double      rms_norm_eps;
  gboolean    tie_word_embeddings;
  gboolean    attention_bias;     /* q, k, v projections have biases */
  double      clip_qkv;           /* 0 = none */
  int         sliding_window;     /* 0 = none */
  gboolean    use_sliding_window; /* Qwen2: window only where this is set ... */
  int         max_window_layers;  /* ... for layers >= this */
  int         max_position_embeddings;
  double      embedding_multiplier;
  double      residual_multiplier;
  double      attention_multiplier; /* 0 = 1 / sqrt (head_dim) */
  double      logits_scaling;
  int         bos_token_id;       /* -1 = none */
  int         eos_token_id;       /* -1 = none; the first of eos_token_ids */
  int         n_eos_token_ids;    /* every id that ends a generation */
  int         eos_token_ids[SY_MAX_EOS_TOKENS];

  /* rope */
  double      rope_theta;
  SyRopeType  rope_type;
  double      rope_factor;
  double      rope_low_freq_factor;
  double      rope_high_freq_factor;
  int         rope_original_max_pos;
  double      rope_beta_fast;
  double      rope_beta_slow;
  double      rope_attention_factor; /* 0 = computed (yarn) */
  double      rope_mscale;        /* yarn mscale / mscale_all_dim (DeepSeek), 0 = unset */
  double      rope_mscale_all_dim;
  gboolean    rope_truncate;      /* yarn: floor / ceil the correction range (default) */
  gboolean    rope_interleave;    /* rotate pairs (2i, 2i + 1) (DeepSeek rope_interleave) */

  /* DeepSeek-V3 */
  int         first_k_dense;      /* first_k_dense_replace: layers < this are dense */
  int         n_shared_experts;   /* shared_ffn = n_shared_experts * expert_ffn */
  int         q_lora_rank;        /* 0 = plain q_proj */
  int         kv_lora_rank;
  int         qk_nope_head_dim;   /* head_dim is qk_rope_head_dim then */
  int         v_head_dim;
  int         n_group;
  int         topk_group;
  double      routed_scaling_factor;

  /* gpt-oss */
  int        *layer_sliding;      /* (n_layer_types) layer_types == sliding_attention */
  int         n_layer_types;
  double      swiglu_limit;

  /* switchyard demo models (tools/train/ARCHITECTURE.md) */
  int         attn_groups;        /* gmha: head groups G, 0 = plain attention */
  int        *group_windows;      /* (attn_groups) causal window per group, 0 = unlimited */
  int         n_shallow_experts;  /* dual-scale experts: [0, n) shallow, [n, E) deep; 0 = none */
  int         shallow_ffn;        /* width of the shallow experts */
  int         deep_ffn;           /* width of the deep experts */
  SyRouterSpec *native;           /* the model's own routing policy (owned), or NULL */
} SyConfig;

typedef enum
{
  SY_KEY_INT,
  SY_KEY_FLOAT,
  SY_KEY_BOOL,
  SY_KEY_INT_LIST,      /* int array (mlp_only_layers) */
  SY_KEY_TOKEN_ID,      /* int, list of ints (the first counts) or null */
  SY_KEY_TOKEN_IDS,     /* int, list of ints or null: eos_token_ids, the first at the offset */
  SY_KEY_INT_OR_NULL,   /* int; absent: the default, null: 0 (DeepSeek q_lora_rank) */
  SY_KEY_LAYER_TYPES,   /* list of "sliding_attention" / "full_attention" */
} SyKeyType;

/* One config.json key: its name, its aliases, where it goes, its HF
 * default.  A required key without a default is an error when absent;
 * a JSON null takes the default. */
typedef struct
{
  const char  *name;
  const char  *alias;       /* another name for the same value, or NULL */
  SyKeyType    type;
  gsize        offset;      /* into SyConfig */
  gboolean     required;
  double       def;         /* default (int, float, bool as 0/1) */
} SyConfigKey;

typedef struct
{
  const char        *model_type;
  const char        *hf_class;

  /* Tensor names: printf patterns, "%d" the layer (then the expert). */
  const char        *embed;              /* "model.embed_tokens.weight" */
  const char        *final_norm;
  const char        *lm_head;
  const char        *attn_norm;
  const char        *ffn_norm;
  const char        *q_proj;             /* layer, then "weight" or "bias" */
  const char        *k_proj;
  const char        *v_proj;
  const char        *o_proj;
  const char        *q_norm;
  const char        *k_norm;
  const char        *router;
  const char        *expert_gate;        /* SY_EXPERTS_SEPARATE: layer, expert */
  const char        *expert_up;
  const char        *expert_down;
  const char        *experts_in;         /* SY_EXPERTS_FUSED: layer */
  const char        *experts_out;
  const char        *shared_gate;
  const char        *shared_up;
  const char        *shared_down;
  const char        *shared_expert_gate; /* (1, H) sigmoid gate of the shared expert */
  const char        *mlp_gate;           /* dense (non-MoE) layers */
  const char        *mlp_up;
  const char        *mlp_down;
  /* MLA (SY_ATTN_MLA): layer */
  const char        *q_a_proj;
  const char        *q_a_norm;
  const char        *q_b_proj;
  const char        *kv_a_proj;
  const char        *kv_a_norm;
  const char        *kv_b_proj;
  const char        *router_bias;        /* (E) added to the router logits, or NULL */
  const char        *selection_bias;     /* (E) selection-only bias, or NULL */
  const char        *sinks;              /* (n_heads) attention sink logits, or NULL */
  const char        *experts_in_bias;    /* fused layouts with biases: layer */
  const char        *experts_out_bias;
  const char        *expert_gate_bias;   /* separate experts with biases: layer, expert */
  const char        *expert_up_bias;
  const char        *expert_down_bias;
  const char        *attn_group_gate;    /* (G, H) gmha group gate: layer */

  SyAttnKind         attn;
  SyFfnAct           ffn_act;
  double             swiglu_alpha;       /* SY_FFN_CLAMPED_SWIGLU */
  gboolean           o_proj_bias;        /* o_proj has a bias when attention_bias is set */
  SyQkNorm           qk_norm;
  SyExpertLayout     expert_layout;
  SyRouterActivation router_activation;
  SyNativeRule       native_rule;
  gboolean           has_shared_expert;
  gboolean           shared_expert_gated;
  double             rope_theta_default; /* when the config names none */
  gboolean           rope_angles_f64;    /* rope angles in float64 (inv_freq and
                                          * position), cos / sin rounded to float32
                                          * (switchyard); else float32 as HF */

  const SyConfigKey *keys;               /* terminated by name == NULL */
  /* Reads what the key table cannot (strings, lists, objects) after the
   * keys, before the checks; NULL for most architectures. */
  gboolean         (*parse_extra)        (json_object  *root,
                                          const char   *file,
                                          SyConfig     *config,
                                          GError      **error);
} SyArchSpec;

/* NULL with SY_ENGINE_ERROR_UNSUPPORTED_ARCH naming @model_type and the
 * supported ones. */
const SyArchSpec *sy_arch_lookup           (const char          *model_type,
                                            GError             **error);
/* "mixtral, olmoe, ..." (static) */
const char       *sy_arch_supported_list   (void);
const SyArchSpec *const *sy_arch_all       (void);

/* Fills @config from the parsed config.json @root per the arch's key
 * table, then resolves derived values and checks them.  @file names the
 * file in messages. */
gboolean          sy_config_parse          (const SyArchSpec    *arch,
                                            json_object         *root,
                                            const char          *file,
                                            SyConfig            *config,
                                            GError             **error);
 /* Reads one key of the table into @config. */
gboolean          sy_config_parse_key      (const SyConfigKey   *key,
                                            json_object         *root,
                                            const char          *file,
                                            SyConfig            *config,
                                            GError             **error);
/* generation_config.json over config.json: its bos_token_id and its
 * eos_token_id (one id or a list) replace @config's when they name tokens
 * of the vocabulary. */
gboolean          sy_config_parse_generation (SyConfig          *config,
                                              json_object       *root,
                                              const char        *file,
                                              GError           **error);
void              sy_config_clear          (SyConfig            *config);

/* Whether decoder layer @layer has a MoE block. */
gboolean          sy_config_layer_is_moe   (const SyConfig      *config,
                                            int                  layer);
/* Intermediate size of routed expert @expert (dual-scale experts differ). */
int               sy_config_expert_ffn     (const SyConfig      *config,
                                            int                  expert);
/* Attention window of decoder layer @layer (0 = full causal). */
int               sy_config_layer_window   (const SyConfig      *config,
                                            int                  layer);

/* parse_extra of model_type "switchyard" (sy-arch-switchyard.c) */
gboolean          _sy_switchyard_parse_config (json_object      *root,
                                               const char       *file,
                                               SyConfig         *config,
                                               GError          **error);

G_END_DECLS

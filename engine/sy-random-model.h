/* sy-random-model.h: random-weight models of real shapes, for benchmarks and tests
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes a Hugging Face model folder (config.json, generation_config.json,
 * model.safetensors or shards + index) whose tensors have the names and
 * shapes the HF class uses, filled with seeded random numbers: projections,
 * router and embeddings approximately N(0, 0.02²) (Irwin–Hall sum of four
 * uniforms, so within ±3.5σ), norm weights 1.  The data is generated while
 * it is written: a 13 GB model needs a few MB of memory.  Or writes it
 * straight to a GGUF file, quantized (sy_random_model_write_gguf).  The same preset,
 * dtype and seed give the same bytes.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-gguf-writer.h"
#include "sy-progress.h"
#include "sy-safetensors-writer.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef enum
{
  SY_RANDOM_LAYOUT_OLMOE,      /* OlmoeForCausalLM: q/k norm over the whole projection */
  SY_RANDOM_LAYOUT_MIXTRAL,    /* MixtralForCausalLM: block_sparse_moe.experts.N.w1/w2/w3 */
  SY_RANDOM_LAYOUT_QWEN3_MOE,  /* Qwen3MoeForCausalLM: per-head q/k norm, norm_topk_prob */
} SyRandomLayout;

typedef struct
{
  const char     *name;                  /* preset name */
  const char     *description;
  SyRandomLayout  layout;
  int             vocab_size;
  int             hidden_size;
  int             n_layers;
  int             n_heads;
  int             n_kv_heads;
  int             head_dim;              /* 0: hidden_size / n_heads */
  int             n_experts;
  int             top_k;
  int             expert_size;           /* intermediate size of one expert */
  int             max_position_embeddings;
  double          rms_norm_eps;
  double          rope_theta;
  gboolean        norm_topk_prob;
  int64_t         bos_token_id;          /* -1: null */
  int64_t         eos_token_id;
  int64_t         pad_token_id;          /* -1: null */
} SyRandomModelSpec;

/* The built-in presets ("tiny", "olmoe-1b-7b", "mixtral-8x7b", "qwen3-30b-a3b"). */
const SyRandomModelSpec *sy_random_model_get_presets   (guint                   *n_presets);
/* NULL when unknown. */
const SyRandomModelSpec *sy_random_model_find_preset   (const char              *name);
/* "tiny, olmoe-1b-7b, ..." (g_free). */
char                    *sy_random_model_preset_names  (void);

/* config.json text for @spec (the older top-level rope_theta form, as Hub
 * checkpoints have it). */
char                    *sy_random_model_config_json   (const SyRandomModelSpec *spec,
                                                        SyDType                  dtype);
/* A random model: a preset (or a variant of one), the dtype its tensors
 * are stored in and the seed their values come from; the same three give
 * the same bytes. */
typedef struct
{
  const SyRandomModelSpec *spec;
  SyDType                  dtype;
  guint64                  seed;
} SyRandomModel;

/* A writer holding every tensor of @model as a generated tensor. */
SySafetensorsWriter     *sy_random_model_new_writer    (const SyRandomModel     *model,
                                                        GError                 **error);
/* Writes the model folder @dir (created if needed): config.json,
 * generation_config.json and the weights, in one file or @n_shards shards
 * (sy_safetensors_writer_write_folder ()). */
gboolean                 sy_random_model_write         (const SyRandomModel     *model,
                                                        const char              *dir,
                                                        int                      n_shards,
                                                        SyProgressFunc           progress,
                                                        gpointer                 progress_data,
                                                        GError                 **error);

/* Writes the model straight to one GGUF file at @path, as convert-gguf
 * would write it from the folder sy_random_model_write () makes (general.name
 * is the preset's name; matrices in @options' weight type or mix, see
 * sy_gguf_convert_full ()), the tokenizer from @tokenizer_json (a
 * tokenizer.json file, or NULL for none).  Made and quantized tensor
 * range by tensor range on every CPU: a few tens of MB of memory for any
 * size. */
gboolean                 sy_random_model_write_gguf    (const SyRandomModel         *model,
                                                        const char                  *path,
                                                        const char                  *tokenizer_json,
                                                        const SyGgufConvertOptions  *options,
                                                        GError                     **error);

G_END_DECLS

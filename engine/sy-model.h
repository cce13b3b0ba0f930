/* sy-model.h: a model loaded from a Hugging Face folder
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sy_model_load() reads config.json (+ generation_config.json), opens the
 * safetensors through the tensor store, binds every tensor the
 * architecture expects with its expected shape and checks the weights are
 * finite.  Weights stay memory-mapped in their stored precision.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-progress.h"
#include "sy-router.h"
#include "sy-tokenizer.h"

G_BEGIN_DECLS

typedef struct _SyModel SyModel;

typedef struct
{
  const char     *model_type;     /* "mixtral", ... */
  const char     *hf_class;       /* "MixtralForCausalLM", ... */
  const char     *name;           /* the folder's base name */
  const char     *path;           /* the folder */
  const char     *dtype;          /* stored precision of the weights ("BF16", "F32", "mixed") */
  int             n_layers;
  int             n_moe_layers;
  const gboolean *layer_is_moe;   /* (n_layers) */
  int             n_experts;
  int             native_k;
  int             vocab_size;
  int             hidden_size;
  int             n_heads;
  int             n_kv_heads;
  int             head_dim;
  int             expert_ffn;
  int             shared_ffn;     /* 0 without a shared expert */
  int             bos_token_id;   /* -1 = none */
  int             eos_token_id;   /* -1 = none; the first of eos_token_ids */
  int             n_eos_token_ids;
  const int      *eos_token_ids;  /* every id that ends a generation (n_eos_token_ids) */
  int64_t         n_params;       /* every bound tensor */
  gboolean        resident;       /* weights copied into the process (else mapped) */
  const int      *n_by_dtype;     /* tensors bound per stored type (SyDType, SY_N_DTYPES) */
} SyModelInfo;

typedef enum
{
  /* The weights are copied, in their stored precision, out of the file
   * mapping into memory of the process's own (huge pages where the
   * kernel allows) when they fit in the memory available with room to
   * spare, and read in place from the mapping otherwise.  The copy costs
   * time at load and pays on every run: mapped page cache reads at half
   * the speed or less on the VMs we measure on (DEVELOPERS.md). */
  SY_MODEL_LOAD_DEFAULT  = 0,
  /* Always copy (fails when the memory runs out). */
  SY_MODEL_LOAD_RESIDENT = 1 << 0,
  /* Never copy: read the weights from the mapping (several processes
   * share one page cache; loading is only the checks). */
  SY_MODEL_LOAD_MAPPED   = 1 << 1,
} SyModelLoadFlags;

SyModel                 *sy_model_load              (const char      *path,
                                                     SyProgressFunc   progress,
                                                     gpointer         user_data,
                                                     GError         **error);
SyModel                 *sy_model_load_full         (const char      *path,
                                                     SyModelLoadFlags flags,
                                                     SyProgressFunc   progress,
                                                     gpointer         user_data,
                                                     GError         **error);
/* A loaded model is read-only and may run in several sessions and threads
 * at once; each holder keeps a reference. */
SyModel                 *sy_model_ref               (SyModel         *self);
void                     sy_model_unref             (SyModel         *self);

const SyModelInfo       *sy_model_get_info          (SyModel         *self);
/* TRUE when @token is one of the model's end-of-sequence ids. */
gboolean                 sy_model_info_is_eos       (const SyModelInfo *info,
                                                     int32_t            token);
const SyRouterModelInfo *sy_model_get_router_info   (SyModel         *self);
/* Tensors of the files that the architecture does not use (NULL-terminated,
 * owned by the model), reported as warnings by callers. */
const char * const      *sy_model_get_unused_tensors (SyModel        *self);
/* The model's tokenizer (owned by the model), or NULL when the folder has
 * no tokenizer.json. */
SyTokenizer             *sy_model_get_tokenizer     (SyModel         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyModel, sy_model_unref)

G_END_DECLS

/* sy-gguf.h: GGUF files (v2, v3): metadata, tensors, models
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GGUF file is: magic "GGUF", version (u32), tensor count and metadata
 * count (u64), the metadata key/value pairs (typed scalars, strings,
 * arrays), the tensor infos (name, dims innermost first, ggml type, offset
 * into the data section), then the data section, aligned to
 * general.alignment (32 by default).  All little-endian.
 *
 * sy_gguf_open() checks all of it before handing anything out: the magic,
 * the version, every length against the file, value types, alignment,
 * tensor types (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, MXFP4), sizes, every
 * tensor inside the data section and no two overlapping.  Tensors keep
 * their GGUF names here and their dims in row-major order (the GGUF dims
 * reversed).
 *
 * The model side maps a GGUF architecture onto our arch table: metadata
 * keys onto config.json keys, tensor names (blk.N.ffn_gate_exps.weight,
 * experts stacked) onto the Hugging Face names the arch table binds.  It
 * reads llama.cpp's own layouts as well as our writer's: DeepSeek-V3's
 * attn_k_b / attn_v_b (kv_b rebuilt from them) and *_mla keys, 2-D gates,
 * rope.scaling.*; metadata it would not run as written is refused.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdint.h>

#include "sy-arch.h"
#include "sy-engine-error.h"
#include "sy-tensor-store.h"
#include "sy-tokenizer.h"

G_BEGIN_DECLS

typedef enum
{
  SY_GGUF_UINT8 = 0,
  SY_GGUF_INT8 = 1,
  SY_GGUF_UINT16 = 2,
  SY_GGUF_INT16 = 3,
  SY_GGUF_UINT32 = 4,
  SY_GGUF_INT32 = 5,
  SY_GGUF_FLOAT32 = 6,
  SY_GGUF_BOOL = 7,
  SY_GGUF_STRING = 8,
  SY_GGUF_ARRAY = 9,
  SY_GGUF_UINT64 = 10,
  SY_GGUF_INT64 = 11,
  SY_GGUF_FLOAT64 = 12,
} SyGgufType;

/* ggml tensor type ids of the formats we read */
enum
{
  SY_GGML_F32 = 0,
  SY_GGML_F16 = 1,
  SY_GGML_Q4_0 = 2,
  SY_GGML_Q4_1 = 3,
  SY_GGML_Q5_0 = 6,
  SY_GGML_Q5_1 = 7,
  SY_GGML_Q8_0 = 8,
  SY_GGML_Q2_K = 10,
  SY_GGML_Q3_K = 11,
  SY_GGML_Q4_K = 12,
  SY_GGML_Q5_K = 13,
  SY_GGML_Q6_K = 14,
  SY_GGML_IQ4_NL = 20,
  SY_GGML_IQ4_XS = 23,
  SY_GGML_BF16 = 30,
  SY_GGML_MXFP4 = 39,
};

typedef struct _SyGguf SyGguf;

/* TRUE when @path is a regular file starting with the GGUF magic. */
gboolean        sy_gguf_is_gguf          (const char    *path);

/* Opens @path; a part of a split model (llama.cpp's gguf-split:
 * NAME-00001-of-00003.gguf, split.no / split.count / split.tensors.count)
 * opens with all its parts, as one model whatever part @path names. */
SyGguf         *sy_gguf_open             (const char    *path,
                                          GError       **error);
/* The files of the split model @path names by its NAME-0000i-of-0000n.gguf
 * name, part 1 first (a new NULL-terminated vector), or NULL when the name
 * is not a split part's.  No file is read. */
char          **sy_gguf_split_paths      (const char    *path);
void            sy_gguf_free             (SyGguf        *self);

guint32         sy_gguf_get_version      (SyGguf        *self);
const char     *sy_gguf_get_path         (SyGguf        *self);
guint           sy_gguf_get_n_tensors    (SyGguf        *self);
/* Tensor @i with its GGUF name, row-major shape. */
const SyTensor *sy_gguf_get_tensor       (SyGguf        *self,
                                          guint          i);
const SyTensor *sy_gguf_find_tensor      (SyGguf        *self,
                                          const char    *name);

/* Metadata.  The getters convert between integer widths and between
 * float widths (FALSE when the key is absent or of another kind). */
gboolean        sy_gguf_has_key          (SyGguf        *self,
                                          const char    *key);
gboolean        sy_gguf_get_int          (SyGguf        *self,
                                          const char    *key,
                                          int64_t       *out);
gboolean        sy_gguf_get_float        (SyGguf        *self,
                                          const char    *key,
                                          double        *out);
gboolean        sy_gguf_get_bool         (SyGguf        *self,
                                          const char    *key,
                                          gboolean      *out);
const char     *sy_gguf_get_string       (SyGguf        *self,
                                          const char    *key);
/* An array's element type and length. */
gboolean        sy_gguf_get_array_info   (SyGguf        *self,
                                          const char    *key,
                                          SyGgufType    *elem_type,
                                          guint64       *n);
/* A string array as a new NULL-terminated vector, or NULL. */
char          **sy_gguf_get_string_array (SyGguf        *self,
                                          const char    *key);
/* An integer array as a new int32 array of *n entries, or NULL. */
int32_t        *sy_gguf_get_int_array    (SyGguf        *self,
                                          const char    *key,
                                          guint64       *n);

/* A float32 array as a new array of *n entries, or NULL. */
float          *sy_gguf_get_float_array  (SyGguf        *self,
                                          const char    *key,
                                          guint64       *n);

/* ---- models (sy-gguf-arch.c) ---- */

/* The GGUF architecture names we map ("olmoe, qwen2moe, qwen3moe"). */
const char     *sy_gguf_supported_archs  (void);
/* Our arch for the GGUF general.architecture @name, or NULL. */
const SyArchSpec *sy_gguf_arch_lookup    (const char    *gguf_arch);
/* The GGUF architecture name of our @model_type, or NULL. */
const char     *sy_gguf_arch_name        (const char    *model_type);

/* config.json equivalent of the file's metadata (model_type, sizes, ...),
 * for sy_config_parse; *@arch gets our arch. */
json_object    *sy_gguf_model_config     (SyGguf            *self,
                                          const SyArchSpec **arch,
                                          GError           **error);
/* The file's tokenizer (sy-gguf-tokenizer.c: tokenizer.ggml.*) as a
 * tokenizer.json object that tokenizes as llama.cpp does: "gpt2" BPE with
 * the pre-tokenizer tokenizer.ggml.pre names (an unknown name: a warning
 * and llama.cpp's "default"), "llama" SentencePiece by its scores, BOS /
 * EOS as the metadata says.  NULL without an error when the file has no
 * tokenizer or one of another kind (with a warning naming it); NULL with
 * an error when its arrays are inconsistent. */
json_object    *sy_gguf_tokenizer_json   (SyGguf            *self,
                                          GError           **error);
/* That tokenizer, with the file's BOS / EOS ids; an error when the file
 * has none we can build. */
SyTokenizer    *sy_gguf_tokenizer_new    (SyGguf            *self,
                                          GError           **error);
/* TRUE when the file's q / k rows are laid out for pairwise rope (GGUF
 * "llama": the converter permuted them), which the model must then use. */
gboolean        sy_gguf_model_rope_pairs (SyGguf            *self);
/* A tensor store holding the file's tensors under the Hugging Face names
 * of @arch (stacked experts split into one view per expert); tensors the
 * arch does not name keep their GGUF names (they show as unused). */
SyTensorStore  *sy_gguf_model_store      (SyGguf            *self,
                                          const SyArchSpec  *arch,
                                          GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyGguf, sy_gguf_free)

G_END_DECLS

/* sy-gguf-writer.h: writing GGUF files, and converting HF models to GGUF
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Metadata and tensor descriptions are collected, then written: header,
 * metadata, tensor infos, the data section aligned to the alignment (32
 * unless set).  Tensors are given as float32 values (row-major, HF order)
 * and stored in the requested type, quantized where it is a block format;
 * either at once (held until written) or as a function that makes the
 * values when the tensor's turn comes, so that a file of any size is
 * written holding one tensor at a time (or, made by ranges, a few MiB of
 * it); deferred tensors are made and quantized on every CPU.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-arch.h"
#include "sy-engine-error.h"
#include "sy-progress.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct _SyGgufWriter SyGgufWriter;

/* @version: 2 or 3 */
SyGgufWriter *sy_gguf_writer_new              (guint32              version);
void          sy_gguf_writer_free             (SyGgufWriter        *self);

/* Also writes general.alignment (u32). */
void          sy_gguf_writer_set_alignment    (SyGgufWriter        *self,
                                               guint32              alignment);
void          sy_gguf_writer_add_u32          (SyGgufWriter        *self,
                                               const char          *key,
                                               guint32              value);
void          sy_gguf_writer_add_i32          (SyGgufWriter        *self,
                                               const char          *key,
                                               gint32               value);
void          sy_gguf_writer_add_f32          (SyGgufWriter        *self,
                                               const char          *key,
                                               float                value);
void          sy_gguf_writer_add_bool         (SyGgufWriter        *self,
                                               const char          *key,
                                               gboolean             value);
void          sy_gguf_writer_add_string       (SyGgufWriter        *self,
                                               const char          *key,
                                               const char          *value);
void          sy_gguf_writer_add_string_array (SyGgufWriter        *self,
                                               const char          *key,
                                               const char * const  *values,
                                               guint64              n);
void          sy_gguf_writer_add_i32_array    (SyGgufWriter        *self,
                                               const char          *key,
                                               const int32_t       *values,
                                               guint64              n);
void          sy_gguf_writer_add_f32_array    (SyGgufWriter        *self,
                                               const char          *key,
                                               const float         *values,
                                               guint64              n);
/* A raw metadata entry: @type and already-encoded value bytes (tests). */
void          sy_gguf_writer_add_raw_kv       (SyGgufWriter        *self,
                                               const char          *key,
                                               guint32              type,
                                               const void          *bytes,
                                               gsize                n_bytes);

/* @desc's shape row-major (the file lists it reversed); @values float32,
 * stored as @desc's dtype. */
gboolean      sy_gguf_writer_add_tensor       (SyGgufWriter        *self,
                                               const SyTensorDesc  *desc,
                                               const float         *values,
                                               GError             **error);
/* Fills @values (@n float32, row-major) with a deferred tensor's values;
 * FALSE with @error set to stop the writing. */
typedef gboolean (*SyGgufFillFunc) (float     *values,
                                    int64_t    n,
                                    gpointer   user_data,
                                    GError   **error);

/* A tensor whose values @fill makes when sy_gguf_writer_write() reaches it
 * (then they are stored and freed).  @fill_destroy frees @fill_data with
 * the writer (or at once when FALSE is returned). */
gboolean      sy_gguf_writer_add_tensor_deferred (SyGgufWriter        *self,
                                                  const SyTensorDesc  *desc,
                                                  SyGgufFillFunc       fill,
                                                  gpointer             fill_data,
                                                  GDestroyNotify       fill_destroy,
                                                  GError             **error);

/* A deferred tensor made a range of rows at a time (a few MiB of values
 * held however large it is), the ranges made and stored on all threads:
 * @fill_range is called for whole rows, from several threads at once,
 * for disjoint ranges. */
gboolean      sy_gguf_writer_add_tensor_ranged (SyGgufWriter        *self,
                                                const SyTensorDesc  *desc,
                                                SyTensorFillFunc     fill_range,
                                                gpointer             fill_data,
                                                GDestroyNotify       fill_destroy,
                                                GError             **error);
/* Whether the writer stores tensors of @dtype. */
gboolean      sy_gguf_writer_can_store        (SyDType              dtype);

/* @tensor's name, shape and bytes as a tensor of ggml type id @ggml_type
 * (instead of its dtype: any type id, for tests of unsupported types). */
void          sy_gguf_writer_add_raw_tensor   (SyGgufWriter        *self,
                                               const SyTensor      *tensor,
                                               guint32              ggml_type);

/* Threads that make and quantize deferred tensors (0, the default: one
 * per CPU); the file's bytes are the same for any number. */
void          sy_gguf_writer_set_threads      (SyGgufWriter        *self,
                                               int                  n_threads);
/* Called after each tensor written (fraction of the data bytes). */
void          sy_gguf_writer_set_progress     (SyGgufWriter        *self,
                                               SyProgressFunc       progress,
                                               gpointer             progress_data);
/* Writes to a temporary file beside @path, renamed to @path when done. */
gboolean      sy_gguf_writer_write            (SyGgufWriter        *self,
                                               const char          *path,
                                               GError             **error);

/* llama-quantize's mixes of block types (see sy-gguf-writer.c for the
 * rules): a base type, with more bits for the tensors that need them. */
typedef enum
{
  SY_GGUF_MIX_NONE,      /* one type for every matrix whose rows fit it, F32 otherwise */
  SY_GGUF_MIX_Q4_K_M,
  SY_GGUF_MIX_Q5_K_M,
  SY_GGUF_MIX_Q6_K,
  SY_GGUF_MIX_Q8_0,
  SY_GGUF_N_MIXES
} SyGgufMix;

/* "Q4_K_M", ...; NULL for SY_GGUF_MIX_NONE. */
const char   *sy_gguf_mix_name                (SyGgufMix            mix);
/* Case-insensitive; FALSE when @name is not a mix. */
gboolean      sy_gguf_mix_from_name           (const char          *name,
                                               SyGgufMix           *out);

/* Converts the Hugging Face model folder @hf_dir (config.json,
 * safetensors, tokenizer.json when present) to a GGUF file at @out:
 * matrices in @weight_type where their rows are whole blocks (F32
 * otherwise), norms, biases and routers in F32, the tokenizer's vocab
 * and merges as tokenizer.ggml.*.  Architectures: sy_gguf_supported_archs (). */
gboolean      sy_gguf_convert                 (const char          *hf_dir,
                                               const char          *out,
                                               SyDType              weight_type,
                                               GError             **error);
/* How a conversion stores a model's tensors: as sy_gguf_convert (), or
 * with @mix (then @weight_type is ignored) each matrix in the type
 * llama-quantize gives it in that preset, general.file_type saying which
 * preset.  @progress as sy_gguf_writer_set_progress(). */
typedef struct
{
  SyDType         weight_type;
  SyGgufMix       mix;
  SyProgressFunc  progress;
  gpointer        progress_data;
} SyGgufConvertOptions;

gboolean      sy_gguf_convert_full            (const char                  *hf_dir,
                                               const char                  *out,
                                               const SyGgufConvertOptions  *options,
                                               GError                     **error);

/* A model to convert that is not a folder (a random model,
 * sy-random-model.c): the text of its config.json (@config_name names it
 * in messages), a tokenizer.json file or NULL, its general.name, and
 * where its Hugging Face-named tensors are read (for a folder, its
 * store). */
typedef struct
{
  const char     *config_json;
  const char     *config_name;
  const char     *tokenizer_json;
  const char     *model_name;
  /* NULL when absent; marks the tensor as used */
  const SyTensor *(*lookup)      (gpointer        data,
                                  const char     *name);
  /* as sy_tensor_store_get () */
  const SyTensor *(*get)         (gpointer        data,
                                  const char     *name,
                                  int             n_dims,
                                  const int64_t  *shape,
                                  GError        **error);
  /* @n float32 values of @t from flat index @offset; called from several
   * threads at once */
  void            (*read)        (gpointer        data,
                                  const SyTensor *t,
                                  int64_t         offset,
                                  int64_t         n,
                                  float          *out);
  /* the names never looked up (NULL-terminated, g_strfreev) */
  char          **(*list_unused) (gpointer        data);
  gpointer          data;
} SyGgufSource;

/* sy_gguf_convert_full () from @source. */
gboolean      sy_gguf_convert_source          (const SyGgufSource          *source,
                                               const char                  *out,
                                               const SyGgufConvertOptions  *options,
                                               GError                     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyGgufWriter, sy_gguf_writer_free)

G_END_DECLS

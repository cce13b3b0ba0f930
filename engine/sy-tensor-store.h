/* sy-tensor-store.h: the tensors of a model, memory-mapped, validated
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store is every tensor of a model folder (model.safetensors, or the
 * shards named by model.safetensors.index.json), or of one file.  Tensors
 * stay in their stored precision inside read-only mappings; nothing is
 * converted to float32 up front.  Every header is validated before any
 * pointer into a mapping is handed out.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define SY_TENSOR_MAX_DIMS 4

typedef enum
{
  SY_DTYPE_F32,
  SY_DTYPE_F16,
  SY_DTYPE_BF16,
  /* quantized block formats (GGUF, sy-quant.h): blocks of
   * sy_dtype_block_elems () values in sy_dtype_block_bytes () bytes */
  SY_DTYPE_Q8_0,
  SY_DTYPE_Q4_0,
  SY_DTYPE_Q4_K,
  SY_DTYPE_Q6_K,
  SY_DTYPE_MXFP4,
  SY_DTYPE_Q4_1,
  SY_DTYPE_Q5_0,
  SY_DTYPE_Q5_1,
  SY_DTYPE_Q2_K,
  SY_DTYPE_Q3_K,
  SY_DTYPE_Q5_K,
  SY_DTYPE_IQ4_NL,
  SY_DTYPE_IQ4_XS,
  SY_N_DTYPES
} SyDType;

typedef struct
{
  const char  *name;
  const char  *file;                       /* base name of the file it lives in */
  SyDType      dtype;
  int          n_dims;
  int64_t      shape[SY_TENSOR_MAX_DIMS];  /* row-major: shape[n_dims - 1] is contiguous */
  const void  *data;                       /* inside a read-only mapping (or, when the
                                            * file leaves it misaligned, an aligned
                                            * copy): aligned to the element size */
  gsize        n_bytes;
} SyTensor;

typedef struct _SyTensorStore SyTensorStore;

const char    *sy_dtype_name             (SyDType           dtype);
/* Bytes per element (0 for an invalid dtype). */
/* Bytes per element; 0 for the block formats. */
gsize          sy_dtype_size             (SyDType           dtype);
gboolean       sy_dtype_is_quantized     (SyDType           dtype);
/* Elements per block (1 for F32 / F16 / BF16) and bytes per block. */
int            sy_dtype_block_elems      (SyDType           dtype);
gsize          sy_dtype_block_bytes      (SyDType           dtype);
/* Bytes of @n elements (a multiple of the block size), 0 when it is not. */
gsize          sy_dtype_n_bytes          (SyDType           dtype,
                                          int64_t           n);
/* "F32", "F16", "BF16" (case-insensitive) -> dtype; FALSE when unknown. */
gboolean       sy_dtype_from_name        (const char       *name,
                                          SyDType          *out);
/* Number of elements (product of the shape). */
int64_t        sy_tensor_n_elements      (const SyTensor   *tensor);
/* "[3000, 64]" (free with g_free). */
char          *sy_tensor_shape_string    (const SyTensor   *tensor);

/* Scalar conversions.  f32 -> f16/bf16 round to nearest, ties to even;
 * overflow gives inf, NaN stays NaN; f16 subnormals are exact both ways. */
float          sy_bf16_to_f32            (uint16_t          h);
float          sy_f16_to_f32             (uint16_t          h);
uint16_t       sy_f32_to_bf16            (float             f);
uint16_t       sy_f32_to_f16             (float             f);

/* @path: a folder (model.safetensors, else model.safetensors.index.json),
 * one .safetensors file, or a *.index.json file (its shards beside it). */
SyTensorStore *sy_tensor_store_open      (const char       *path,
                                          GError          **error);
/* One safetensors file held in memory (an embedded model, a test); @name
 * names it in errors.  The store keeps a reference to @bytes. */
SyTensorStore *sy_tensor_store_new_from_bytes (GBytes      *bytes,
                                               const char  *name,
                                               GError     **error);
void           sy_tensor_store_free      (SyTensorStore    *self);

/* NULL when absent.  Marks the tensor as used. */
const SyTensor *sy_tensor_store_lookup   (SyTensorStore    *self,
                                          const char       *name);
/* The tensor @name with exactly @n_dims dims of @shape; otherwise an error
 * naming the file, the tensor and the expected vs actual shape (or
 * SY_ENGINE_ERROR_MISSING).  Marks the tensor as used. */
const SyTensor *sy_tensor_store_get      (SyTensorStore    *self,
                                          const char       *name,
                                          int               n_dims,
                                          const int64_t    *shape,
                                          GError          **error);
/* Names of the tensors never looked up (NULL-terminated, sorted; free with
 * g_strfreev), to report as warnings after binding a model. */
char         **sy_tensor_store_list_unused (SyTensorStore  *self);
/* All tensor names, sorted (free with g_strfreev). */
char         **sy_tensor_store_list      (SyTensorStore    *self);
guint          sy_tensor_store_get_n_tensors (SyTensorStore *self);
/* Asks the kernel to start reading every mapped file in the background
 * (posix_madvise WILLNEED); returns at once. */
void           sy_tensor_store_prefetch      (SyTensorStore *self);
/* Number of safetensors files mapped (shards). */
guint          sy_tensor_store_get_n_files   (SyTensorStore *self);
/* Sum of the tensors' byte sizes. */
guint64        sy_tensor_store_get_n_bytes   (SyTensorStore *self);
/* The path given to sy_tensor_store_open(). */
const char    *sy_tensor_store_get_path      (SyTensorStore *self);

/* FALSE with SY_ENGINE_ERROR_NAN naming the tensor and the first bad index
 * when the tensor holds a NaN or an infinity. */
gboolean       sy_tensor_check_finite    (const SyTensor   *tensor,
                                          GError          **error);
/* The first element holding a NaN or an infinity (for quantized tensors
 * the first element of the first block with a non-finite scale), or -1. */
int64_t        sy_tensor_find_nonfinite  (const SyTensor   *tensor);

/* Converts @n elements starting at element @offset of @tensor to float32
 * (AVX2/F16C when the CPU has them; any alignment). */
void           sy_tensor_to_f32          (const SyTensor   *tensor,
                                          int64_t           offset,
                                          int64_t           n,
                                          float            *out);
/* TRUE when @tensor->data is aligned to its element size, so it may be
 * read as float / uint16_t arrays directly.  Always TRUE for tensors of a
 * store (misaligned file data is copied at open); a SyTensor made by hand
 * need not be, and sy_tensor_to_f32() copes with either. */
gboolean       sy_tensor_is_aligned      (const SyTensor   *tensor);
/* Element @index (flat, row-major) as float32. */
float          sy_tensor_get_f32         (const SyTensor   *tensor,
                                          int64_t           index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTensorStore, sy_tensor_store_free)

G_END_DECLS

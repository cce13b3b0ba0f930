/* sy-dtype.h: element types, typed views of bytes, and their conversions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SyTensor is a name, a dtype, a shape and bytes somewhere (a mapping,
 * an arena, a copy).  This file knows the dtypes (sizes, blocks, names),
 * converts elements to float32 (AVX2/F16C where the CPU has them, scalar
 * otherwise), and finds NaNs and infinities; it knows no file format.
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

/* A tensor to be written: its name, the dtype it is stored as and its
 * shape (row-major; NULL for 0 dims), what the safetensors and GGUF
 * writers are told beside its values. */
typedef struct
{
  const char     *name;
  SyDType         dtype;
  int             n_dims;
  const int64_t  *shape;
} SyTensorDesc;

/* Fills @n float32 values of a tensor made on demand: its elements
 * @offset .. @offset + @n - 1 (flat, row-major).  Each writer says which
 * ranges it asks for and from which threads.  Return FALSE with @error
 * set to stop the writing. */
typedef gboolean (*SyTensorFillFunc) (float     *out,
                                      int64_t    offset,
                                      int64_t    n,
                                      gpointer   user_data,
                                      GError   **error);

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
/* @n float32 @values as @dtype (F32, F16 or BF16, converted as above) into
 * @out, 4 or 2 bytes a value, any alignment. */
void           sy_dtype_from_f32         (SyDType           dtype,
                                          const float      *values,
                                          gsize             n,
                                          guint8           *out);
/* Appends "[3000, 64]" to @s. */
void           sy_shape_append           (GString          *s,
                                          int               n_dims,
                                          const int64_t    *shape);

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

G_END_DECLS

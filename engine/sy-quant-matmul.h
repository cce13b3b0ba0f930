/* sy-quant-matmul.h: products of block-quantized weight matrices with
 * float32 activations
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * y (T, N) = x (T, K) @ w^T for a (N, K) matrix of GGUF blocks (rows are
 * whole blocks).  Exact: the products are those of the decoded weights
 * with float32 accumulation, as if the matrix were dequantized first.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-tensor-store.h"

G_BEGIN_DECLS

/* Activation rows up to which the fused decode + dot kernels run (each
 * weight decoded once per pass, in registers, for all T rows); above it a
 * panel of rows is decoded once into @scratch and reused for every row. */
#define SY_QUANT_FUSED_MAX_T 8

/* A product y[t * ldy + r] = sum_k w[r, k] x[t * K + k] of the T rows
 * of @x and the rows of @w, K values of type @dtype each.  The q8
 * kernels (sy-quant-q8.h) read the rows as @xq instead, as
 * sy_quant_q8_quantize() wrote them. */
typedef struct
{
  SyDType      dtype;
  const void  *w;
  int          K;
  const float *x;
  int          T;
  float       *y;
  gsize        ldy;
  const void  *xq;
} SyQuantProduct;

/* Rows [r0, r1) of @p's y.  @scratch: @scratch_rows * K floats for the
 * decoded panel (T above SY_QUANT_FUSED_MAX_T; may be NULL otherwise).
 * FALSE, with nothing written, where there is no fast path for this
 * type / shape / CPU (the caller takes its generic path). */
gboolean     sy_quant_matmul_rows     (const SyQuantProduct *p,
                                       int                   r0,
                                       int                   r1,
                                       float                *scratch,
                                       int                   scratch_rows);
/* the scalar twin (element by element, double accumulation) */
void         sy_quant_matmul_rows_ref (const SyQuantProduct *p,
                                       int                   r0,
                                       int                   r1);

/* Which kernels this CPU runs for @dtype, one line for `bench`: "fast:
 * avx512 fused decode, avx512 panels" (decode + dot in registers, several
 * activation rows per pass; prefill on decoded panels), "partly: ..." (a
 * vectorised dot per row and activation row), "none: scalar decode". */
const char  *sy_quant_matmul_path     (SyDType        dtype);

/* For tests and benchmarks: 0 = as the CPU allows, 1 = no AVX-512 (AVX2 /
 * scalar), 2 = AVX-512 without the one-token (T = 1) kernels, 3 = no
 * AVX-512 and no fused AVX2 kernels (AVX2 dot per row and token). */
void         sy_quant_matmul_set_level (int           level);

G_END_DECLS

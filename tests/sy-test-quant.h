/* sy-test-quant.h: what the quantization tests share (test-quant*.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The block types, in one order, the seeded random values they are
 * quantized from, and a seeded sy_matmul problem.
 */
#pragma once

#include "sy-dtype.h"
#include "sy-kernels.h"
#include "sy-pool.h"

G_BEGIN_DECLS

/* Every block type: each has a quantizer, a dot and fused kernels
 * (f32 and q8 activations). */
extern const SyDType sy_test_block_types[13];

/* @n values in [-1, 1] (every seventh in [-3, 3]) from a generator
 * seeded @seed; free with g_free. */
float *sy_test_random_values (int     n,
                              guint32 seed);

/* A seeded sy_matmul problem: @w, @rows x @cols weights (random values of
 * seed S); @x, @max_T rows of @cols activations (seed S + 1); @a and @b,
 * room for two results (@max_T x @rows), all four in one allocation
 * (@w's); a pool of two threads. */
typedef struct
{
  int     rows;
  int     cols;
  int     max_T;
  float  *w;
  float  *x;
  float  *a;
  float  *b;
  SyPool *pool;
} SyTestMatmul;

void    sy_test_matmul_init    (SyTestMatmul *mm,
                                int           rows,
                                int           cols,
                                int           max_T,
                                guint32       seed);
void    sy_test_matmul_clear   (SyTestMatmul *mm);
/* @mm's weights in @dtype (a block type, or BF16): a new buffer (g_free)
 * for the SyMat { data, @dtype, rows, cols } */
guint8 *sy_test_matmul_weights (const SyTestMatmul *mm,
                                SyDType             dtype);
/* For every block type: sy_matmul of @mm's weights in that type, split
 * across the pool, on the first T rows of @mm's activations (each T of
 * the @n_Ts in @Ts, at most max_T) with @bias (NULL: none) equals
 * sy_matmul_ref to 1e-4 (relative past 1; NaN fails). */
void    sy_test_matmul_check_ref (SyTestMatmul *mm,
                                  const int    *Ts,
                                  guint         n_Ts,
                                  const float  *bias);

G_END_DECLS

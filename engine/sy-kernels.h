/* sy-kernels.h: the numeric kernels of the forward pass
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Output-first free functions over float32 activations.  Weights may stay
 * in their stored precision (F32, F16, BF16): a SyMat is a view of a
 * row-major (rows, cols) matrix inside a mapping.  Every optimised kernel
 * has a naive `_ref` twin that the tests compare it with.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-pool.h"
#include "sy-quant-q8.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

/* A (rows, cols) row-major weight matrix in its stored precision. */
typedef struct
{
  const void *data;
  SyDType     dtype;
  int         rows;
  int         cols;
} SyMat;

/* @out[i] = row @row of @w, elements [col0, col0 + n), as float32. */
void    sy_mat_row_to_f32    (const SyMat    *w,
                              int             row,
                              int             col0,
                              int             n,
                              float          *out);
void    sy_mat_row_to_f32_ref (const SyMat   *w,
                              int             row,
                              int             col0,
                              int             n,
                              float          *out);

/* out = x / sqrt (mean (x^2) + eps) * w, over @n elements (float32, as
 * the HF RMSNorm does).  @w may be NULL (no scale).  @out may be @x. */
void    sy_rmsnorm           (float          *out,
                              const float    *x,
                              const float    *w,
                              int             n,
                              float           eps);
void    sy_rmsnorm_ref       (float          *out,
                              const float    *x,
                              const float    *w,
                              int             n,
                              float           eps);

/* Rotary embedding, half-rotation ("neox", HF rotate_half) style, in place
 * on @n_heads heads of @head_dim, the first @rot_dim dims of each rotated:
 * x1' = x1 cos - x2 sin, x2' = x2 cos + x1 sin with x1 = x[0..rot/2),
 * x2 = x[rot/2..rot).  @cos, @sin: (rot_dim / 2) of this position. */
void    sy_rope              (float          *x,
                              int             n_heads,
                              int             head_dim,
                              int             rot_dim,
                              const float    *cos,
                              const float    *sin);
void    sy_rope_ref          (float          *x,
                              int             n_heads,
                              int             head_dim,
                              int             rot_dim,
                              const float    *cos,
                              const float    *sin);

/* sum_i exp (x_i - max) over @n elements in double, *@max the largest
 * x_i: the softmax's denominator and, as max + log (sum), the log-sum-exp. */
double  sy_exp_sum_ref       (const float    *x,
                              int             n,
                              double         *max);

/* In-place softmax over @n elements (max-subtracted). */
void    sy_softmax           (float          *x,
                              int             n);
void    sy_softmax_ref       (float          *x,
                              int             n);

/* out = silu (gate) * up, @n elements.  @out may alias @gate. */
void    sy_silu_mul          (float          *out,
                              const float    *gate,
                              const float    *up,
                              int             n);
void    sy_silu_mul_ref      (float          *out,
                              const float    *gate,
                              const float    *up,
                              int             n);

/* @n rows of @D floats, row j at @data + j @ld: one head's keys or
 * values in the cache. */
typedef struct
{
  const float *data;
  gsize        ld;
  int          n;
  int          D;
} SyRows;

/* One query row of attention (decode): s[j] = scale (q . k_j) for the
 * keys k_j, and out (D) = sum_j p_j v_j; float32 accumulation. */
void    sy_attn_scores_row   (float          *s,
                              const float    *q,
                              const SyRows   *keys,
                              float           scale);
void    sy_attn_values_row   (float          *out,
                              const float    *p,
                              const SyRows   *values);

/* y (T, w->rows) = x (T, w->cols) @ w^T [+ bias (w->rows)], float32
 * accumulation.  BF16/F16 weights are converted tile by tile into a
 * per-thread scratch (no full copy).  @pool may be NULL. */
void    sy_matmul            (SyPool         *pool,
                              float          *y,
                              const float    *x,
                              int             T,
                              const SyMat    *w,
                              const float    *bias);
void    sy_matmul_ref        (float          *y,
                              const float    *x,
                              int             T,
                              const SyMat    *w,
                              const float    *bias);

/* y[i] = x @ w[i]^T [+ bias[i]] for i < @n (at most SY_MATMUL_N_MAX, the
 * same cols): sy_matmul's results, the small-T products (decode) in one
 * pool run instead of @n.  @bias may be NULL, or hold NULLs. */
#define SY_MATMUL_N_MAX 4
void    sy_matmul_n          (SyPool             *pool,
                              const float        *x,
                              int                 T,
                              int                 n,
                              const SyMat *const *w,
                              float *const       *y,
                              const float *const *bias);

/* The activations of this thread's sy_matmul calls on block-quantized
 * weights (SY_ACTIVATIONS_F32, exact, unless set): SY_ACTIVATIONS_Q8
 * quantizes x once per call to 8 bits and runs the integer kernels of
 * sy-quant-q8.c where the type has one.  Returns the previous mode. */
SyActivations sy_matmul_set_activations (SyActivations mode);
SyActivations sy_matmul_get_activations (void);

G_END_DECLS

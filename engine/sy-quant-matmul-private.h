/* sy-quant-matmul-private.h: what the dispatcher of sy-quant-matmul.c
 * shares with its AVX-512 and AVX2 kernels
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "sy-quant.h"
#include "sy-quant-matmul.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SY_QM_X86 1
#endif

G_BEGIN_DECLS

/* the kernels' unit: one K-quant super-block, eight 32-value blocks */
#define UNIT 256

/* the block types with a register decoder (dec_unit) */
static inline gboolean
fused_dtype (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K: case SY_DTYPE_Q6_K:
    case SY_DTYPE_Q4_0: case SY_DTYPE_Q4_1: case SY_DTYPE_Q5_0: case SY_DTYPE_Q5_1:
    case SY_DTYPE_IQ4_NL: case SY_DTYPE_MXFP4: case SY_DTYPE_Q2_K: case SY_DTYPE_Q3_K:
    case SY_DTYPE_IQ4_XS:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Q4_K: the eight 6-bit scales (sc) and mins (m) of the 12 bytes at @q,
 * as bytes: for j < 4 sc_j = q[j] & 63, m_j = q[j + 4] & 63; for j >= 4
 * sc_j = (q[j + 4] & 15) | (q[j - 4] >> 6) << 4, m_j = (q[j + 4] >> 4) |
 * (q[j] >> 6) << 4, four at a time in 32-bit words */
static inline void
k4_scales_mins (const guint8 *q,
                guint64      *sc,
                guint64      *m)
{
  guint32 u0, u1, u2;

  memcpy (&u0, q, 4);
  memcpy (&u1, q + 4, 4);
  memcpy (&u2, q + 8, 4);
  *sc = (u0 & 0x3f3f3f3fu)
        | (guint64) ((u2 & 0x0f0f0f0fu) | ((u0 >> 6) & 0x03030303u) << 4) << 32;
  *m = (u1 & 0x3f3f3f3fu)
       | (guint64) (((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 6) & 0x03030303u) << 4) << 32;
}

/* the level of sy_quant_matmul_set_level (sy-quant-q8.c follows it too) */
int _sy_quant_matmul_level (void);

#ifdef SY_QM_X86

/* the f16 at @p as a float, for the kernels (their targets include F16C) */
__attribute__ ((target ("f16c"), always_inline)) static inline float
qm_f16 (const guint8 *p)
{
  guint16 h;

  memcpy (&h, p, 2);
  return _cvtsh_ss (h);
}

/* sy-quant-matmul-avx512.c: rows [r0, r1), T <= 4 activation rows, fused
 * decode + dot (@dtype one of fused_dtype); T > SY_QUANT_FUSED_MAX_T, the
 * decoded rows in panels of @panel_rows at @panel */
typedef void (*SyQmFusedFunc) (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                               float *y, gsize ldy, int r0, int r1);

void sy_qm_fused_512 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                      float *y, gsize ldy, int r0, int r1);
void sy_qm_rows_panel_512 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                           float *y, gsize ldy, int r0, int r1, float *panel, int panel_rows);

/* the block types with a one-token kernel (sy-quant-gemv.c) */
static inline gboolean
gemv_dtype (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q2_K: case SY_DTYPE_Q3_K: case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K: case SY_DTYPE_Q6_K:
      return TRUE;
    default:
      return FALSE;
    }
}

/* sy-quant-gemv.c: rows [r0, r1) of y = w x for one activation row of a
 * gemv_dtype matrix, on integer dot products: @vnni, AVX-512 VNNI and DQ;
 * else AVX2 */
void sy_qm_gemv (SyDType dtype, gboolean vnni, const guint8 *w, int K, const float *x,
                 float *y, int r0, int r1);

/* sy-quant-matmul-avx2.c: Q8_0, Q4_K or Q6_K at T = 2..4 */
void sy_qm_fused_avx2 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                       float *y, gsize ldy, int r0, int r1);

#endif /* SY_QM_X86 */

G_END_DECLS

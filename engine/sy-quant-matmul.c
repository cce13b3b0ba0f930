/* sy-quant-matmul.c: block-quantized weights x float32 activations
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding is the work here, not the bytes: a Q4_K weight is half a byte
 * but several instructions.  So every weight is decoded once per pass,
 * into registers, and used for as many activation rows as the pass has:
 *
 * - decode (T <= SY_QUANT_FUSED_MAX_T): per row of w, per unit of 256
 *   values, the unit is decoded into 16 AVX-512 registers of 16 floats
 *   (the dequantized weights: scale times integer, minus the min) and
 *   multiplied into T x 8/T accumulators (eight independent FMA chains
 *   whatever T is, enough to cover the FMA latency);
 * - prefill (larger T): a panel of rows is decoded once into float32
 *   scratch that stays in L2, then a 4-row x 6-token register tile runs
 *   over the panel for all T activation rows;
 * - one token (T = 1), Q4_K and Q6_K: GEMV kernels with fewer
 *   instructions per weight (Q4_K: a 16-float table per sub-block looked
 *   up by nibble; the mins and Q6_K's -32 against per-token sums of x).
 *
 * Every GGUF block type we read has a register decoder (dec_unit): Q8_0,
 * Q4_K, Q5_K, Q6_K (llama.cpp's Q4_K_M, Q5_K_M, Q6_K and Q8_0 mixes), the
 * 32-value types Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL and MXFP4 (one kernel
 * shape, dec_q32), Q2_K, Q3_K and IQ4_XS.
 * Units of 256 values: one K-quant super-block, eight 32-value blocks;
 * rows whose length is not a multiple of 256 take the generic path.  CPUs
 * without AVX-512 take sy_quant_dot (AVX2) per row and activation row
 * (the row stays in L1 for the T passes).
 *
 * This file decides which kernel runs; the kernels are in
 * sy-quant-matmul-avx512.c and sy-quant-matmul-avx2.c (each function
 * compiled for its instruction set by a target attribute).
 */
#include "config.h"

#include "sy-cpu.h"
#include "sy-quant-matmul-private.h"

static int forced_level;

void
sy_quant_matmul_set_level (int level)
{
  forced_level = level;
}

int
_sy_quant_matmul_level (void)
{
  return forced_level;
}

void
sy_quant_matmul_rows_ref (const SyQuantProduct *p,
                          int                   r0,
                          int                   r1)
{
  gsize row_bytes = sy_dtype_n_bytes (p->dtype, p->K);

  for (int r = r0; r < r1; r++)
    for (int t = 0; t < p->T; t++)
      p->y[(gsize) t * p->ldy + r] = sy_quant_dot_ref (p->dtype, (const guint8 *) p->w + (gsize) r * row_bytes,
                                                       p->x + (gsize) t * p->K, p->K);
}

#ifdef SY_QM_X86

static gboolean
have_avx512 (void)
{
  return sy_cpu_has_avx512_f16c_fma () && forced_level != 1 && forced_level != 3;
}

/* SY_QUANT_KERNELS=fused: not the one-token kernels (T = 1 runs the fused
 * kernels of T <= 4, as before them), to measure what they change */
static gboolean
gemv_off (void)
{
  static int cached = -1;

  if (cached < 0)
    cached = g_strcmp0 (g_getenv ("SY_QUANT_KERNELS"), "fused") == 0;
  return cached || forced_level == 2;
}

/* SY_QUANT_KERNELS=generic: none of these kernels (the dequantized path of
 * sy-kernels.c), to measure what they change */
static gboolean
kernels_off (void)
{
  static int cached = -1;

  if (cached < 0)
    cached = g_strcmp0 (g_getenv ("SY_QUANT_KERNELS"), "generic") == 0;
  return cached;
}

/* @kernel (sy_qm_fused_512 or sy_qm_fused_avx2) in passes of at most 4
 * activation rows: more than 4 in two passes (8 rows of a 2048-wide x are
 * 64 KiB, more than L1, and a pass over 8 ran slower than two over 4: 74
 * vs 90 GFLOP/s on one core) */
static void
fused_passes (SyQmFusedFunc kernel, SyDType dtype, const guint8 *w, int K, const float *x,
              int T, float *y, gsize ldy, int r0, int r1)
{
  for (int t0 = 0; t0 < T;)
    {
      int n = T <= 4 ? T : t0 == 0 ? (T + 1) / 2 : T - t0;
      const float *xt = x + (gsize) t0 * K;
      float *yt = y + (gsize) t0 * ldy;

      kernel (dtype, w, K, xt, n, yt, ldy, r0, r1);
      t0 += n;
    }
}

#endif /* SY_QM_X86 */

const char *
sy_quant_matmul_path (SyDType dtype)
{
  if (!sy_dtype_is_quantized (dtype))
    return "not quantized";
#ifdef SY_QM_X86
  if (have_avx512 () && sy_cpu_has_avx512_vnni () && !gemv_off () && gemv_dtype (dtype))
    return "fast: avx512 vnni one-token, avx512 fused decode, avx512 panels";
  if (have_avx512 () && fused_dtype (dtype))
    return "fast: avx512 fused decode, avx512 panels";
  if (sy_cpu_has_avx2_fma () && !have_avx512 () && forced_level != 3 && !gemv_off () && gemv_dtype (dtype))
    return dtype == SY_DTYPE_Q4_K || dtype == SY_DTYPE_Q6_K
           ? "partly: avx2 one-token and fused decode, panels + BLAS"
           : "partly: avx2 one-token (avx2 dot at T = 2..8), panels + BLAS";
  if (sy_cpu_has_avx2_fma () && !have_avx512 ()
      && (dtype == SY_DTYPE_Q8_0 || dtype == SY_DTYPE_Q4_K || dtype == SY_DTYPE_Q6_K))
    return "partly: avx2 fused decode (avx2 dot at T = 1), panels + BLAS";
  if (sy_cpu_has_avx2_fma ())
    return have_avx512 () ? "partly: avx2 dot decode (no fused kernel), avx512 panels"
                          : "partly: avx2 dot decode, panels + BLAS";
#endif
  return "none: scalar decode";
}

gboolean
sy_quant_matmul_rows (const SyQuantProduct *p,
                      int                   r0,
                      int                   r1,
                      float                *scratch,
                      int                   scratch_rows)
{
  SyDType dtype = p->dtype;
  const void *w = p->w;
  const float *x = p->x;
  float *y = p->y;
  gsize ldy = p->ldy;
  int K = p->K, T = p->T;

  if (r1 <= r0 || T <= 0 || K <= 0)
    return TRUE;
#ifdef SY_QM_X86
  if (kernels_off ())
    return FALSE;
  if (have_avx512 () && K % UNIT == 0)
    {
      /* one token: the GEMV kernels (level 2: without them, to compare) */
      if (T == 1 && !gemv_off () && sy_cpu_has_avx512_vnni () && gemv_dtype (dtype))
        {
          sy_qm_gemv (dtype, TRUE, w, K, x, y, r0, r1);
          return TRUE;
        }
      if (T <= SY_QUANT_FUSED_MAX_T && fused_dtype (dtype))
        {
          fused_passes (sy_qm_fused_512, dtype, w, K, x, T, y, ldy, r0, r1);
          return TRUE;
        }
      if (T > SY_QUANT_FUSED_MAX_T && scratch != NULL && scratch_rows >= 4)
        {
          sy_qm_rows_panel_512 (dtype, w, K, x, T, y, ldy, r0, r1, scratch, scratch_rows);
          return TRUE;
        }
    }
  /* one token without AVX-512 VNNI: the AVX2 one-token kernels (level 3:
   * the AVX2 dot, to compare) */
  if (sy_cpu_has_avx2_fma () && T == 1 && K % UNIT == 0 && forced_level != 3 && !gemv_off ()
      && gemv_dtype (dtype))
    {
      sy_qm_gemv (dtype, FALSE, w, K, x, y, r0, r1);
      return TRUE;
    }
  if (sy_cpu_has_avx2_fma () && T >= 2 && T <= SY_QUANT_FUSED_MAX_T && K % UNIT == 0 && forced_level != 3
      && (dtype == SY_DTYPE_Q8_0 || dtype == SY_DTYPE_Q4_K || dtype == SY_DTYPE_Q6_K))
    {
      fused_passes (sy_qm_fused_avx2, dtype, w, K, x, T, y, ldy, r0, r1);
      return TRUE;
    }
  if (sy_cpu_has_avx2_fma () && T <= SY_QUANT_FUSED_MAX_T)
    {
      gsize row_bytes = sy_dtype_n_bytes (dtype, K);

      /* the row stays in L1 for the T dot products */
      for (int r = r0; r < r1; r++)
        for (int t = 0; t < T; t++)
          y[(gsize) t * ldy + r] = sy_quant_dot (dtype, (const guint8 *) w + (gsize) r * row_bytes,
                                                 x + (gsize) t * K, K);
      return TRUE;
    }
#endif
  return FALSE;
}

/* test-quant-matmul.c: quantized weights x float32 activations against
 * the scalar twin
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every block type, row lengths of one to several units (and lengths
 * that are not whole 256-value units), T = 1 .. 10 and 17 activation rows
 * (fused decode kernels, decoded panels), a row range in the middle of the
 * matrix: sy_quant_matmul_rows equals sy_quant_matmul_rows_ref within
 * float32 rounding of the terms, writes only its rows, and does so on the
 * CPU's best level and with AVX-512 turned off.  Codes are random bytes
 * (every value of every field) with finite, small scales.
 *
 * The same for the 8-bit activations of sy-quant-q8.c (--activations q8):
 * the kernels equal their scalar twin up to float summation order, the
 * twin is within the rounding of the activations of the exact product
 * (which checks its integer decoders), and sy_matmul takes them only when
 * asked to (exact float32 by default).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-kernels.h"
#include "sy-quant.h"
#include "sy-quant-matmul.h"
#include "sy-quant-q8.h"
#include "sy-test-quant.h"
#include "sy-test-util.h"

/* @rows x @cols quantized from random weights, then the codes replaced by
 * random bytes, the scales kept from the quantization (finite, small) */
static guint8 *
random_matrix (SyDType t,
               int     rows,
               int     cols,
               GRand  *r)
{
  gsize nb = sy_dtype_n_bytes (t, (int64_t) rows * cols), bb = sy_dtype_block_bytes (t);
  g_autofree float *w = sy_test_random_values (rows * cols, g_rand_int (r));
  g_autofree guint8 *fresh = g_malloc (nb);
  guint8 *q = g_malloc (nb);

  sy_quantize (t, w, (int64_t) rows * cols, fresh);
  for (gsize i = 0; i < nb; i++)
    q[i] = (guint8) g_rand_int (r);
  for (gsize i = 0; i < nb; i += bb)
    switch (t)
      {
      case SY_DTYPE_MXFP4: q[i] = fresh[i]; break;
      case SY_DTYPE_Q6_K: memcpy (q + i + 208, fresh + i + 208, 2); break;
      case SY_DTYPE_Q2_K: memcpy (q + i + 80, fresh + i + 80, 4); break;
      case SY_DTYPE_Q3_K: memcpy (q + i + 108, fresh + i + 108, 2); break;
      case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K: case SY_DTYPE_Q4_1: case SY_DTYPE_Q5_1:
        memcpy (q + i, fresh + i, 4); break;
      default: memcpy (q + i, fresh + i, 2); break;
      }
  return q;
}

static void
check_type (SyDType t,
            int     level,
            GRand  *r)
{
  static const int lengths[] = { 256, 768, 2048, 96 };
  int rows = 37, r0 = 5, r1 = 31;

  sy_quant_matmul_set_level (level);
  for (guint li = 0; li < G_N_ELEMENTS (lengths); li++)
    {
      int K = lengths[li];
      g_autofree guint8 *q = NULL;
      g_autofree float *x = NULL;
      g_autofree float *deq = g_new (float, (gsize) rows * K);
      g_autofree float *scratch = g_new (float, (gsize) 16 * K);
      int Ts[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17 };

      if (K % sy_dtype_block_elems (t) != 0)
        continue;
      q = random_matrix (t, rows, K, r);
      x = sy_test_random_values (17 * K, g_rand_int (r));
      sy_quant_to_f32_ref (t, q, 0, (int64_t) rows * K, deq);
      for (guint ti = 0; ti < G_N_ELEMENTS (Ts); ti++)
        {
          int T = Ts[ti];
          gsize ldy = rows + 3;
          g_autofree float *y = g_new (float, (gsize) T * ldy);
          g_autofree float *ref = g_new (float, (gsize) T * ldy);
          SyQuantProduct pr = { t, q, K, x, T, y, ldy }, pr_ref = { t, q, K, x, T, ref, ldy };

          for (gsize i = 0; i < (gsize) T * ldy; i++)
            y[i] = ref[i] = -12345.0f;
          if (!sy_quant_matmul_rows (&pr, r0, r1, scratch, 16))
            {
              /* no fast path here: the caller's generic path runs */
              g_assert_cmpfloat (y[0], ==, -12345.0f);
              continue;
            }
          sy_quant_matmul_rows_ref (&pr_ref, r0, r1);
          for (int tt = 0; tt < T; tt++)
            for (int rr = 0; rr < (int) ldy; rr++)
              {
                float a = y[(gsize) tt * ldy + rr], b = ref[(gsize) tt * ldy + rr];
                double mag = 0;

                if (rr < r0 || rr >= r1)
                  {
                    if (a != -12345.0f)
                      g_error ("%s K %d T %d: row %d outside [%d, %d) written", sy_dtype_name (t),
                               K, T, rr, r0, r1);
                    continue;
                  }
                for (int k = 0; k < K; k++)
                  mag += fabs ((double) deq[(gsize) rr * K + k] * x[(gsize) tt * K + k]);
                if (fabs ((double) a - b) > 2e-6 * MAX (1.0, mag))
                  g_error ("%s (%s) K %d T %d row %d t %d: %.9g, ref %.9g (terms %.4g)",
                           sy_dtype_name (t), sy_quant_matmul_path (t), K, T, rr, tt, a, b, mag);
              }
        }
    }
  sy_quant_matmul_set_level (0);
}

typedef void (*CheckTypeFunc) (SyDType t,
                               int     level,
                               GRand  *r);

/* @check of every block type at kernel @level, one generator seeded @seed */
static void
check_every_type (CheckTypeFunc check,
                  int           level,
                  guint32       seed)
{
  GRand *r = g_rand_new_with_seed (seed);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    check (sy_test_block_types[k], level, r);
  g_rand_free (r);
}

static void
test_best_level (void)
{
  gboolean fused = g_str_has_prefix (sy_quant_matmul_path (SY_DTYPE_Q4_K), "fast");

  /* where the CPU has the fused kernels, every type has one */
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    if (fused && !g_str_has_prefix (sy_quant_matmul_path (sy_test_block_types[k]), "fast"))
      g_error ("%s: %s", sy_dtype_name (sy_test_block_types[k]), sy_quant_matmul_path (sy_test_block_types[k]));
  check_every_type (check_type, 0, 16);
}

static void
test_no_avx512 (void)
{
  check_every_type (check_type, 1, 17);
}

/* Edge scales: every block's f16 scale (and min scale) set to zero, the
 * smallest and largest subnormals, the smallest normal, +-1 and +-65504,
 * random codes (every 6-bit scale and min, every code): the one-token
 * kernels (factored mins and offsets, integer dot products) and the fused ones
 * equal the scalar twin within 2e-6 of the sum of |terms|, tiny sums
 * included (no floor of 1 here), with and without the one-token kernels */
static void
test_edge_scales (void)
{
  static const guint16 f16s[] = { 0x0000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF };
  static const SyDType edge_types[] = { SY_DTYPE_Q4_K, SY_DTYPE_Q6_K, SY_DTYPE_Q8_0, SY_DTYPE_Q5_K };
  GRand *r = g_rand_new_with_seed (18);
  int rows = 9, K = 2048;
  g_autofree float *x = sy_test_random_values (4 * K, 19);

  for (guint k = 0; k < G_N_ELEMENTS (edge_types); k++)
    for (guint e = 0; e < G_N_ELEMENTS (f16s); e++)
      for (int level = 0; level <= 2; level += 2)
        {
          SyDType t = edge_types[k];
          gsize nb = sy_dtype_n_bytes (t, (int64_t) rows * K), bb = sy_dtype_block_bytes (t);
          g_autofree guint8 *q = g_malloc (nb);
          g_autofree float *deq = g_new (float, (gsize) rows * K);
          float y[4 * 9], ref[4 * 9];
          guint16 d = f16s[e], dmin = f16s[(e + 3) % G_N_ELEMENTS (f16s)];

          for (gsize i = 0; i < nb; i++)
            q[i] = (guint8) g_rand_int (r);
          for (gsize i = 0; i < nb; i += bb)
            switch (t)
              {
              case SY_DTYPE_Q6_K: memcpy (q + i + 208, &d, 2); break;
              case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K:
                memcpy (q + i, &d, 2);
                memcpy (q + i + 2, &dmin, 2);
                break;
              default: memcpy (q + i, &d, 2); break;
              }
          sy_quant_to_f32_ref (t, q, 0, (int64_t) rows * K, deq);
          sy_quant_matmul_set_level (level);
          for (int T = 1; T <= 4; T += 3)
            {
              SyQuantProduct pr = { t, q, K, x, T, y, rows }, pr_ref = { t, q, K, x, T, ref, rows };

              if (!sy_quant_matmul_rows (&pr, 0, rows, NULL, 0))
                continue;
              sy_quant_matmul_rows_ref (&pr_ref, 0, rows);
              for (int i = 0; i < T * rows; i++)
                {
                  double mag = 0;

                  for (int c = 0; c < K; c++)
                    mag += fabs ((double) deq[(gsize) (i % rows) * K + c] * x[(gsize) (i / rows) * K + c]);
                  if (!(fabs ((double) y[i] - ref[i]) <= 2e-6 * mag))
                    g_error ("%s d 0x%04x dmin 0x%04x level %d T %d: y[%d] = %.9g, ref %.9g (terms %.4g)",
                             sy_dtype_name (t), d, dmin, level, T, i, y[i], ref[i], mag);
                }
            }
          sy_quant_matmul_set_level (0);
        }
  g_rand_free (r);
}

/* The one-token kernels write the activations as 24-bit integers with a
 * scale per 16 values (sy-quant-gemv.c).  Rows that stress that: values
 * 1e4 times the rest in every group (the others then have fewer bits),
 * groups of zeros, of subnormals, of 1e30, all at one length with a
 * whole unit on the stack and one (36 units) on the heap.  Each product
 * is within float rounding (2e-6 of the sum of |terms|) plus the
 * activations' rounding (a step s = max |x| / 8,355,000 of the group, at
 * most 1.5 s a value) of the scalar twin; a NaN or an infinity in the row
 * makes every product non-finite. */
static double
gemv_act_bound (const float *w,
                const float *x,
                int          K)
{
  double b = 0, mag = 0;

  for (int g = 0; g < K; g += 16)
    {
      double amax = 0, sw = 0;

      for (int k = g; k < g + 16; k++)
        {
          amax = MAX (amax, fabs (x[k]));
          sw += fabs (w[k]);
          mag += fabs ((double) w[k] * x[k]);
        }
      b += sw * 1.5 * amax / 8355000.0;
    }
  return b + 2e-6 * mag;
}

static void
test_one_token_activations (void)
{
  static const SyDType types[] = { SY_DTYPE_Q2_K, SY_DTYPE_Q3_K, SY_DTYPE_Q4_K, SY_DTYPE_Q5_K, SY_DTYPE_Q6_K };
  static const int lengths[] = { 2048, 9216 };
  GRand *r = g_rand_new_with_seed (29);

  /* level 0: the CPU's best (AVX-512 VNNI here), 1: without AVX-512 (AVX2) */
  for (int level = 0; level <= 1; level++)
    for (guint k = 0; k < G_N_ELEMENTS (types); k++)
      for (guint li = 0; li < G_N_ELEMENTS (lengths); li++)
        {
          SyDType t = types[k];
          int K = lengths[li], rows = 6, nx = 5;
          g_autofree guint8 *q = random_matrix (t, rows, K, r);
          g_autofree float *deq = g_new (float, (gsize) rows * K);
          g_autofree float *x = sy_test_random_values (nx * K, g_rand_int (r));

          sy_quant_to_f32_ref (t, q, 0, (int64_t) rows * K, deq);
          for (int i = 0; i < K; i += 16)
            x[K + i + (i / 16) % 16] *= 1e4f;                 /* row 1: an outlier a group */
          for (int i = 0; i < K; i++)
            {
              int g = (i / 16) % 4;

              /* row 2: zeros, subnormals, 1e30 and ordinary groups in turn */
              x[2 * K + i] = g == 0 ? 0.0f : g == 1 ? x[2 * K + i] * 1e-39f : g == 2 ? x[2 * K + i] * 1e30f
                                                                                    : x[2 * K + i];
            }
          x[3 * K + K / 2 + 3] = NAN;
          x[4 * K + 17] = -INFINITY;
          for (int row = 0; row < nx; row++)
            {
              const float *xr = x + (gsize) row * K;
              float y[6], ref[6];
              SyQuantProduct pr = { t, q, K, xr, 1, y, rows }, pr_ref = { t, q, K, xr, 1, ref, rows };

              sy_quant_matmul_set_level (level);
              if (!sy_quant_matmul_rows (&pr, 0, rows, NULL, 0))
                g_error ("%s: no fast path at T = 1", sy_dtype_name (t));
              sy_quant_matmul_set_level (0);
              sy_quant_matmul_rows_ref (&pr_ref, 0, rows);
              for (int i = 0; i < rows; i++)
                {
                  double bound = row >= 3 ? 0 : gemv_act_bound (deq + (gsize) i * K, xr, K);

                  if (row >= 3 ? isfinite (y[i]) : !(fabs ((double) y[i] - ref[i]) <= bound))
                    g_error ("%s K %d level %d activation row %d: y[%d] = %.9g, ref %.9g (bound %.4g)",
                             sy_dtype_name (t), K, level, row, i, y[i], ref[i], bound);
                }
            }
        }
  g_rand_free (r);
}

/* sy_matmul on a quantized matrix, split across the pool, equals its ref
 * for decode-sized and prefill-sized batches */
static void
test_sy_matmul (void)
{
  SyTestMatmul mm;
  static const int Ts[] = { 1, 4, 8, 9, 40 };

  sy_test_matmul_init (&mm, 70, 512, 40, 5);
  sy_test_matmul_check_ref (&mm, Ts, G_N_ELEMENTS (Ts), NULL);
  sy_test_matmul_clear (&mm);
}

/* 8-bit activations: @T rows of @x quantized for @t, 64-byte aligned */
static guint8 *
q8_rows (SyDType      t,
         const float *x,
         int          K,
         int          T)
{
  guint8 *xq = g_aligned_alloc (T, sy_quant_q8_row_bytes (t, K), 64);

  sy_quant_q8_quantize (t, x, K, T, xq);
  return xq;
}

/* |sum_k w_k (x_k - x8_k)| <= sum_k |w_k| |x_k - x8_k|, and x8 is x
 * rounded to within half a step (amax / 127) of its block (256 values
 * for the K-quants, 32 for the others) */
static double
q8_bound (SyDType      t,
          const float *w,
          const float *x,
          int          K)
{
  int block = sy_dtype_block_elems (t) == 256 && t != SY_DTYPE_IQ4_XS ? 256 : 32;
  double b = 0;

  for (int k0 = 0; k0 < K; k0 += block)
    {
      double amax = 0, sw = 0;

      for (int k = k0; k < k0 + block; k++)
        {
          amax = MAX (amax, fabs (x[k]));
          sw += fabs (w[k]);
        }
      b += sw * amax / 127.0 * 0.5 * 1.0001;
    }
  return b;
}

static void
check_q8_type (SyDType t,
               int     level,
               GRand  *r)
{
  static const int lengths[] = { 256, 768, 2048 };
  int rows = 37, r0 = 5, r1 = 31;

  sy_quant_matmul_set_level (level);
  for (guint li = 0; li < G_N_ELEMENTS (lengths); li++)
    {
      int K = lengths[li];
      g_autofree guint8 *q = random_matrix (t, rows, K, r);
      g_autofree float *x = sy_test_random_values (17 * K, g_rand_int (r));
      g_autofree float *deq = g_new (float, (gsize) rows * K);
      int Ts[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17 };

      g_assert_cmpuint (sy_quant_q8_row_bytes (t, K), >, 0);
      g_assert_cmpuint (sy_quant_q8_row_bytes (t, K) % 64, ==, 0);
      sy_quant_to_f32_ref (t, q, 0, (int64_t) rows * K, deq);
      for (guint ti = 0; ti < G_N_ELEMENTS (Ts); ti++)
        {
          int T = Ts[ti];
          gsize ldy = rows + 3;
          guint8 *xq = q8_rows (t, x, K, T);
          g_autofree float *y = g_new (float, (gsize) T * ldy);
          g_autofree float *ref = g_new (float, (gsize) T * ldy);
          g_autofree float *exact = g_new (float, (gsize) T * ldy);

          for (gsize i = 0; i < (gsize) T * ldy; i++)
            y[i] = ref[i] = -12345.0f;
          sy_quant_matmul_q8_rows (&(SyQuantProduct) { .dtype = t, .w = q, .K = K, .xq = xq,
                                                       .T = T, .y = y, .ldy = ldy }, r0, r1);
          sy_quant_matmul_q8_rows_ref (&(SyQuantProduct) { .dtype = t, .w = q, .K = K, .xq = xq,
                                                           .T = T, .y = ref, .ldy = ldy }, r0, r1);
          sy_quant_matmul_rows_ref (&(SyQuantProduct) { t, q, K, x, T, exact, ldy }, r0, r1);
          for (int tt = 0; tt < T; tt++)
            for (int rr = 0; rr < (int) ldy; rr++)
              {
                gsize i = (gsize) tt * ldy + rr;
                const float *wr = deq + (gsize) rr * K, *xt = x + (gsize) tt * K;
                double mag = 0, bound;

                if (rr < r0 || rr >= r1)
                  {
                    if (y[i] != -12345.0f)
                      g_error ("q8 %s K %d T %d: row %d outside [%d, %d) written",
                               sy_dtype_name (t), K, T, rr, r0, r1);
                    continue;
                  }
                for (int k = 0; k < K; k++)
                  mag += fabs ((double) wr[k] * xt[k]);
                if (fabs ((double) y[i] - ref[i]) > 2e-6 * MAX (1.0, mag))
                  g_error ("q8 %s (%s) K %d T %d row %d t %d: %.9g, ref %.9g (terms %.4g)",
                           sy_dtype_name (t), sy_quant_matmul_q8_path (t), K, T, rr, tt, y[i],
                           ref[i], mag);
                bound = q8_bound (t, wr, xt, K) + 2e-6 * MAX (1.0, mag);
                if (fabs ((double) ref[i] - exact[i]) > bound)
                  g_error ("q8 %s K %d T %d row %d t %d: ref %.9g, exact %.9g (bound %.4g)",
                           sy_dtype_name (t), K, T, rr, tt, ref[i], exact[i], bound);
              }
          g_aligned_free (xq);
        }
    }
  sy_quant_matmul_set_level (0);
}

static void
test_q8_best_level (void)
{
  /* every type has a q8 kernel */
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    g_assert_cmpstr (sy_quant_matmul_q8_path (sy_test_block_types[k]), !=, "none");
  check_every_type (check_q8_type, 0, 26);
  g_assert_cmpstr (sy_quant_matmul_q8_path (SY_DTYPE_BF16), ==, "none");
  g_assert_cmpuint (sy_quant_q8_row_bytes (SY_DTYPE_BF16, 256), ==, 0);
  g_assert_cmpuint (sy_quant_q8_row_bytes (SY_DTYPE_Q4_K, 96), ==, 0);
}

static void
test_q8_no_avx512 (void)
{
  check_every_type (check_q8_type, 1, 27);
}

/* the vector quantizer writes the scalar one's bytes: random rows, ties
 * (x / d exactly k + 1/2), zero, NaN and infinite blocks, for both
 * layouts */
static void
test_q8_quantize (void)
{
  int K = 1024, T = 6;
  g_autofree float *x = sy_test_random_values (T * K, 41);

  for (int i = 0; i < K; i++)
    x[K + i] = (float) ((i % 255) - 127) * 0.5f;     /* amax 63.5: x / d = 2 x */
  memset (x + 2 * K, 0, sizeof (float) * 256);        /* a zero unit */
  x[2 * K + 300] = NAN;
  x[3 * K + 40] = INFINITY;
  x[3 * K + 700] = -INFINITY;
  x[4 * K + 5] = 1e30f;
  x[4 * K + 600] = 1e-30f;
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      gsize rb = sy_quant_q8_row_bytes (sy_test_block_types[k], K);
      guint8 *a = g_aligned_alloc (T, rb, 64), *b = g_aligned_alloc (T, rb, 64);

      sy_quant_q8_quantize (sy_test_block_types[k], x, K, T, a);
      sy_quant_q8_quantize_ref (sy_test_block_types[k], x, K, T, b);
      for (gsize i = 0; i < T * rb; i++)
        if (a[i] != b[i])
          g_error ("q8 quantization for %s: byte %" G_GSIZE_FORMAT " (row %d) %d, ref %d",
                   sy_dtype_name (sy_test_block_types[k]), i, (int) (i / rb), a[i], b[i]);
      g_aligned_free (a);
      g_aligned_free (b);
    }
}

/* zero and non-finite activation blocks: zeros give zero, a NaN or an
 * infinity anywhere in the row gives NaN, as in the twin */
static void
test_q8_special_rows (void)
{
  int K = 512, rows = 4;
  GRand *r = g_rand_new_with_seed (28);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      g_autofree guint8 *q = random_matrix (t, rows, K, r);
      g_autofree float *x = g_new0 (float, 2 * K);
      float y[8], ref[8];
      guint8 *xq;

      x[K + 3] = k % 2 ? INFINITY : NAN;
      xq = q8_rows (t, x, K, 2);
      sy_quant_matmul_q8_rows (&(SyQuantProduct) { .dtype = t, .w = q, .K = K, .xq = xq,
                                                   .T = 2, .y = y, .ldy = rows }, 0, rows);
      sy_quant_matmul_q8_rows_ref (&(SyQuantProduct) { .dtype = t, .w = q, .K = K, .xq = xq,
                                                       .T = 2, .y = ref, .ldy = rows }, 0, rows);
      for (int i = 0; i < rows; i++)
        {
          g_assert_cmpfloat (y[i], ==, 0.0f);
          g_assert_cmpfloat (ref[i], ==, 0.0f);
          g_assert_true (isnan (y[rows + i]) && isnan (ref[rows + i]));
        }
      g_aligned_free (xq);
    }
  g_rand_free (r);
}

/* sy_matmul: exact unless this thread asked for q8; with q8 the quantized
 * types (whole units) equal the q8 twin, split across the pool, and BF16
 * stays exact */
static void
test_q8_sy_matmul (void)
{
  SyTestMatmul mm;
  static const SyDType some[] = { SY_DTYPE_Q8_0, SY_DTYPE_Q4_K, SY_DTYPE_Q6_K, SY_DTYPE_Q5_K,
                                  SY_DTYPE_BF16 };

  sy_test_matmul_init (&mm, 70, 512, 40, 35);
  g_assert_cmpint (sy_matmul_get_activations (), ==, SY_ACTIVATIONS_F32);
  for (guint k = 0; k < G_N_ELEMENTS (some); k++)
    {
      SyDType t = some[k];
      g_autofree guint8 *q = sy_test_matmul_weights (&mm, t);
      SyMat m = { q, t, mm.rows, mm.cols };
      float *a = mm.a, *b = mm.b;
      g_autofree float *e = g_new (float, mm.max_T * mm.rows);
      int Ts[] = { 1, 4, 9, 40 };

      for (guint ti = 0; ti < G_N_ELEMENTS (Ts); ti++)
        {
          int T = Ts[ti];
          gboolean differs = FALSE;

          sy_matmul (mm.pool, e, mm.x, T, &m, NULL);
          g_assert_cmpint (sy_matmul_set_activations (SY_ACTIVATIONS_Q8), ==, SY_ACTIVATIONS_F32);
          sy_matmul (mm.pool, a, mm.x, T, &m, NULL);
          g_assert_cmpint (sy_matmul_set_activations (SY_ACTIVATIONS_F32), ==, SY_ACTIVATIONS_Q8);
          if (t == SY_DTYPE_BF16)
            sy_matmul (mm.pool, b, mm.x, T, &m, NULL);
          else
            {
              guint8 *xq = q8_rows (t, mm.x, mm.cols, T);

              sy_quant_matmul_q8_rows_ref (&(SyQuantProduct) { .dtype = t, .w = q, .K = mm.cols, .xq = xq,
                                                               .T = T, .y = b, .ldy = mm.rows }, 0, mm.rows);
              g_aligned_free (xq);
            }
          for (int i = 0; i < T * mm.rows; i++)
            {
              if (fabsf (a[i] - b[i]) > 1e-4f * MAX (1.0f, fabsf (b[i])))
                g_error ("q8 %s T %d: y[%d] = %g, ref %g", sy_dtype_name (t), T, i, a[i], b[i]);
              differs |= a[i] != e[i];
            }
          /* the exact product is not the q8 one */
          g_assert_true (differs == (t != SY_DTYPE_BF16));
        }
    }
  sy_test_matmul_clear (&mm);
}

static const SyTestCase tests[] = {
  { "/engine/quant-matmul/best-level", test_best_level },
  { "/engine/quant-matmul/no-avx512", test_no_avx512 },
  { "/engine/quant-matmul/edge-scales", test_edge_scales },
  { "/engine/quant-matmul/one-token-activations", test_one_token_activations },
  { "/engine/quant-matmul/sy-matmul", test_sy_matmul },
  { "/engine/quant-matmul/q8/best-level", test_q8_best_level },
  { "/engine/quant-matmul/q8/no-avx512", test_q8_no_avx512 },
  { "/engine/quant-matmul/q8/quantize", test_q8_quantize },
  { "/engine/quant-matmul/q8/special-rows", test_q8_special_rows },
  { "/engine/quant-matmul/q8/sy-matmul", test_q8_sy_matmul },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

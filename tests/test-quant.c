/* test-quant.c: GGUF block formats against their _ref twins
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every block format (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K,
 * Q5_K, Q6_K, IQ4_NL, IQ4_XS, MXFP4): block decoding equals the element-by-element
 * reference exactly (whole rows and unaligned ranges), the fused dot
 * product agrees with the reference dot, quantization error stays within
 * what each format's step allows, hand-built blocks decode to the values
 * the layout defines, matmul on quantized weights equals its _ref,
 * non-finite scales are found, and the quantizer's vector paths write
 * the bytes of its generic one.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-kernels.h"
#include "sy-quant.h"
#include "sy-test-quant.h"
#include "sy-quantize-private.h"
#include "sy-test-util.h"

static void
test_decode_matches_ref (void)
{
  int n = 1024;
  g_autofree float *x = sy_test_random_values (n, 1);
  GRand *r = g_rand_new_with_seed (9);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    for (int random_bytes = 0; random_bytes < 2; random_bytes++)
      {
        SyDType t = sy_test_block_types[k];
        gsize nb = sy_dtype_n_bytes (t, n);
        g_autofree guint8 *q = g_malloc (nb);
        g_autofree float *a = g_new (float, n);
        g_autofree float *b = g_new (float, n);

        sy_quantize (t, x, n, q);
        if (random_bytes)   /* every bit pattern (NaN and inf scales too) */
          for (gsize i = 0; i < nb; i++)
            q[i] = (guint8) g_rand_int (r);
        sy_quant_to_f32 (t, q, 0, n, a);
        sy_quant_to_f32_ref (t, q, 0, n, b);
        if (!random_bytes)
          g_assert_cmpmem (a, sizeof (float) * n, b, sizeof (float) * n);
        else   /* equal as numbers (NaN payloads and the sign of 0 may differ) */
          for (int i = 0; i < n; i++)
            if (!(a[i] == b[i] || (isnan (a[i]) && isnan (b[i]))))
              g_error ("%s, random bytes: element %d decodes to %g, ref %g",
                       sy_dtype_name (t), i, a[i], b[i]);
        /* an unaligned range */
        sy_quant_to_f32 (t, q, 37, 300, a);
        for (int i = 0; i < 300; i++)
          g_assert_true (a[i] == b[37 + i] || (isnan (a[i]) && isnan (b[37 + i])));
      }
  g_rand_free (r);
}

/* the vectorised dot against the _ref, on random data of several lengths
 * (one block to 4096 values), on random bytes too (every code, every
 * scale bit: weights the quantizer would never write) */
static void
test_dot_matches_ref (void)
{
  static const int lengths[] = { 256, 512, 768, 2048, 4096 };
  g_autofree float *w = sy_test_random_values (4096, 2);
  g_autofree float *x = sy_test_random_values (4096, 3);
  GRand *r = g_rand_new_with_seed (8);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    for (guint li = 0; li < G_N_ELEMENTS (lengths); li++)
      for (int random_bytes = 0; random_bytes < 2; random_bytes++)
        {
          SyDType t = sy_test_block_types[k];
          int n = lengths[li];
          gsize nb = sy_dtype_n_bytes (t, n), bb = sy_dtype_block_bytes (t);
          g_autofree guint8 *q = g_malloc (nb);
          double a, b, mag = 0;

          sy_quantize (t, w, n, q);
          if (random_bytes)
            {
              for (gsize i = 0; i < nb; i++)
                q[i] = (guint8) g_rand_int (r);
              /* keep the f16 scales finite and small: rewrite them from a
               * fresh quantization, the codes stay random */
              for (gsize i = 0; i < nb; i += bb)
                {
                  g_autofree guint8 *fresh = g_malloc (bb);
                  int be = sy_dtype_block_elems (t);

                  sy_quantize (t, w + (i / bb) * be, be, fresh);
                  switch (t)
                    {
                    case SY_DTYPE_MXFP4: q[i] = fresh[0]; break;
                    case SY_DTYPE_Q6_K: memcpy (q + i + 208, fresh + 208, 2); break;
                    case SY_DTYPE_Q2_K: memcpy (q + i + 80, fresh + 80, 4); break;
                    case SY_DTYPE_Q3_K: memcpy (q + i + 108, fresh + 108, 2); break;
                    case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K: case SY_DTYPE_Q4_1: case SY_DTYPE_Q5_1:
                      memcpy (q + i, fresh, 4); break;
                    default: memcpy (q + i, fresh, 2); break;
                    }
                }
            }
          a = sy_quant_dot (t, q, x, n);
          b = sy_quant_dot_ref (t, q, x, n);
          {
            g_autofree float *y = g_new (float, n);

            /* the size of the terms: float32 sums lose ~1e-7 of it per add */
            sy_quant_to_f32_ref (t, q, 0, n, y);
            for (int i = 0; i < n; i++)
              mag += fabs ((double) y[i] * x[i]);
          }
          if (fabs (a - b) > 1e-5 * MAX (1.0, mag))
            g_error ("%s, n %d%s: dot %.9g, ref %.9g (terms %.4g)", sy_dtype_name (t), n,
                     random_bytes ? ", random bytes" : "", a, b, mag);
        }
  g_rand_free (r);
}

/* max |x - deq (q (x))| relative to the block's largest |x| */
static void
test_quantization_error (void)
{
  /* bounds: half a step of each format (Q4_K: (max - min) / 15 / 2 plus
   * the 6-bit scale and min rounding; Q4_0: a whole step on the side
   * opposite the largest value, which maps to -8; MXFP4: half the step
   * 2 s between E2M1 4 and 6, s the power-of-two scale, over a largest
   * value above 3 s) */
  const double bound[] = { 0.5 / 127 + 1e-3, 1.0 / 8 + 1e-3, 0.12, 0.5 / 32 + 0.02, 1.0 / 3,
                           /* Q4_1, Q5_1: half a step of (max - min) / 15 or 31 (up to
                            * 2 max) plus the f16 rounding of the min; Q5_0 half of
                            * max / 16; Q2_K, Q3_K: the 2- and 3-bit steps with 4-bit /
                            * 6-bit scales of the group scales; Q5_K as Q4_K at 5 bits;
                            * IQ4: half the widest gap between levels (24 of 127) */
                           1.0 / 15 + 0.04, 0.5 / 16 + 0.03, 1.0 / 31 + 0.02,
                           0.4, 0.25, 0.06, 0.12, 0.12 };
  int n = 4096;
  g_autofree float *x = sy_test_random_values (n, 4);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      int be = sy_dtype_block_elems (t);
      g_autofree guint8 *q = g_malloc (sy_dtype_n_bytes (t, n));
      g_autofree float *y = g_new (float, n);
      double worst = 0, se = 0, ss = 0;

      sy_quantize (t, x, n, q);
      sy_quant_to_f32 (t, q, 0, n, y);
      for (int b0 = 0; b0 < n; b0 += be)
        {
          double amax = 0, err = 0;

          for (int i = b0; i < b0 + be; i++)
            {
              amax = MAX (amax, fabs (x[i]));
              err = MAX (err, fabs ((double) x[i] - y[i]));
              se += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
              ss += (double) x[i] * x[i];
            }
          worst = MAX (worst, err / amax);
        }
      g_test_message ("%s: worst error %.4g of the block's max, rms error %.4g of the rms",
                      sy_dtype_name (t), worst, sqrt (se / ss));
      g_assert_cmpfloat (worst, <=, bound[k]);
    }
}

/* Blocks built by hand from the layout decode to the values it defines. */
static void
test_layouts (void)
{
  float y[256];

  {
    guint8 b[34] = { 0 };
    uint16_t d = sy_f32_to_f16 (0.5f);

    memcpy (b, &d, 2);
    b[2] = 4;
    b[3] = (guint8) -6;
    sy_quant_to_f32 (SY_DTYPE_Q8_0, b, 0, 32, y);
    g_assert_cmpfloat (y[0], ==, 2.0f);
    g_assert_cmpfloat (y[1], ==, -3.0f);
    g_assert_cmpfloat (y[2], ==, 0.0f);
  }
  {
    guint8 b[18] = { 0 };
    uint16_t d = sy_f32_to_f16 (2.0f);

    memcpy (b, &d, 2);
    b[2] = 0x3A;   /* element 0: 0xA - 8 = 2, element 16: 3 - 8 = -5 */
    sy_quant_to_f32 (SY_DTYPE_Q4_0, b, 0, 32, y);
    g_assert_cmpfloat (y[0], ==, 4.0f);
    g_assert_cmpfloat (y[16], ==, -10.0f);
    g_assert_cmpfloat (y[1], ==, -16.0f);
  }
  {
    guint8 b[144] = { 0 };
    uint16_t d = sy_f32_to_f16 (1.0f), dmin = sy_f32_to_f16 (0.5f);

    memcpy (b, &d, 2);
    memcpy (b + 2, &dmin, 2);
    /* sub-block 1: scale 3, min 2; sub-block 5: scale 17 (0x11), min 33 (0x21) */
    b[4 + 1] = 3;
    b[4 + 5] = 2;
    b[4 + 9] = 0x11 & 0xF;          /* low scale bits of sub-block 5 */
    b[4 + 9] |= (0x21 & 0xF) << 4;  /* low min bits */
    b[4 + 1] |= (0x11 >> 4) << 6;   /* high scale bits ride on byte j - 4 */
    b[4 + 5] |= (0x21 >> 4) << 6;   /* high min bits on byte j */
    b[16 + 0] = 0x70;               /* sub-block 1 element 0 (high nibble): 7 */
    b[16 + 32 * 2 + 3] = 0x90;      /* sub-block 5 element 3: 9 */
    sy_quant_to_f32 (SY_DTYPE_Q4_K, b, 0, 256, y);
    g_assert_cmpfloat (y[32], ==, 3.0f * 7 - 0.5f * 2);
    g_assert_cmpfloat (y[5 * 32 + 3], ==, 17.0f * 9 - 0.5f * 33);
    g_assert_cmpfloat (y[0], ==, 0.0f);
  }
  {
    guint8 b[210] = { 0 };
    uint16_t d = sy_f32_to_f16 (0.25f);

    memcpy (b + 208, &d, 2);
    b[192 + 0] = 4;            /* scale of elements 0..15 */
    b[192 + 13] = (guint8) -2; /* scale of elements 208..223 (half 1, is 1, k 2) */
    b[0] = 0x05;               /* element 0 low bits 5 */
    b[128] = 0x02;             /* element 0 high bits 2: q = 37 - 32 = 5 */
    /* element 128 + 64 + 20 = 212: half 1, k 2, l 20: ql[64 + 20] high nibble, qh[32 + 20] bits 4-5 */
    b[64 + 20] = 0xF0;
    b[128 + 32 + 20] = 0x30;
    sy_quant_to_f32 (SY_DTYPE_Q6_K, b, 0, 256, y);
    g_assert_cmpfloat (y[0], ==, 0.25f * 4 * 5);
    g_assert_cmpfloat (y[212], ==, 0.25f * -2 * (63 - 32));
    g_assert_cmpfloat (y[1], ==, 0.25f * 4 * -32);
  }
  {
    guint8 b[22] = { 0 };
    uint16_t d = sy_f32_to_f16 (0.5f);

    memcpy (b, &d, 2);
    b[2] = 1 << 3;             /* qh bit 3: fifth bit of element 3 */
    b[2 + 2] = 1 << 4;         /* qh bit 20 */
    b[6 + 3] = 0x02;           /* element 3 low bits 2: q = 18 */
    b[6 + 4] = 0x50;           /* element 20 (high nibble of byte 4) 5: q = 21 */
    sy_quant_to_f32 (SY_DTYPE_Q5_0, b, 0, 32, y);
    g_assert_cmpfloat (y[3], ==, 0.5f * 2);
    g_assert_cmpfloat (y[20], ==, 0.5f * 5);
    g_assert_cmpfloat (y[0], ==, 0.5f * -16);
  }
  {
    guint8 b[84] = { 0 };
    uint16_t d = sy_f32_to_f16 (1.0f), dmin = sy_f32_to_f16 (0.5f);

    memcpy (b + 80, &d, 2);
    memcpy (b + 82, &dmin, 2);
    b[5] = 0x32;               /* group 5 (elements 80..95): scale 2, min 3 */
    b[16 + 21] = 3 << 4;       /* element 85: half 0, k 2, l 21 */
    sy_quant_to_f32 (SY_DTYPE_Q2_K, b, 0, 256, y);
    g_assert_cmpfloat (y[85], ==, 2.0f * 3 - 0.5f * 3);
    g_assert_cmpfloat (y[86], ==, -0.5f * 3);
  }
  {
    guint8 b[110] = { 0 };
    uint16_t d = sy_f32_to_f16 (2.0f);

    memcpy (b + 108, &d, 2);
    /* group 9 (elements 144..159): scale 43 = 0x2B, i.e. 11 */
    b[96 + 1] = 0xB0;          /* low 4 bits: high nibble of byte 9 % 8 */
    b[96 + 8 + 1] = 2 << 4;    /* high 2 bits: bits 2 (9 / 4) of byte 8 + 9 % 4 */
    /* element 150: half 1, k 0, l 22; low bits 3, hmask bit 150 / 32 = 4 set */
    b[32 + 32 + 22] = 3;
    b[22] = 1 << 4;
    sy_quant_to_f32 (SY_DTYPE_Q3_K, b, 0, 256, y);
    g_assert_cmpfloat (y[150], ==, 2.0f * 11 * 3);
    g_assert_cmpfloat (y[151], ==, 2.0f * 11 * -4);
    g_assert_cmpfloat (y[0], ==, 2.0f * -32 * -4);
  }
  {
    guint8 b[136] = { 0 };
    uint16_t d = sy_f32_to_f16 (0.25f);

    memcpy (b, &d, 2);
    /* sub-block 5: scale 39 = 0x27, i.e. 7 */
    b[4 + 2] = 0x70;           /* low 4 bits: high nibble of scales_l[5 / 2] */
    b[3] = 2 << 2;             /* high 2 bits: bits 10..11 of scales_h */
    b[8 + 16 * 5 + 1] = 0xF0;  /* element 5 * 32 + 17: level 15 (113) */
    sy_quant_to_f32 (SY_DTYPE_IQ4_XS, b, 0, 256, y);
    g_assert_cmpfloat (y[5 * 32 + 17], ==, 0.25f * 7 * 113);
    g_assert_cmpfloat (y[5 * 32 + 1], ==, 0.25f * 7 * -127);
    g_assert_cmpfloat (y[0], ==, 0.25f * -32 * -127);
  }
  {
    /* every E2M1 code, in the low nibbles (elements 0..15) and the high
     * ones (16..31), at scale 2^(130 - 127) */
    static const float e2m1[16] = { 0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0.0f, -0.5f, -1, -1.5f, -2, -3, -4, -6 };
    guint8 b[17];

    b[0] = 130;
    for (int j = 0; j < 16; j++)
      b[1 + j] = (guint8) (j | ((15 - j) << 4));
    sy_quant_to_f32 (SY_DTYPE_MXFP4, b, 0, 32, y);
    for (int j = 0; j < 16; j++)
      {
        g_assert_cmpfloat (y[j], ==, 8.0f * e2m1[j]);
        g_assert_cmpfloat (y[16 + j], ==, 8.0f * e2m1[15 - j]);
      }
    /* the smallest scale, 2^-127 (a subnormal float) */
    b[0] = 0;
    sy_quant_to_f32 (SY_DTYPE_MXFP4, b, 0, 32, y);
    g_assert_cmpfloat (y[7], ==, ldexpf (6.0f, -127));
  }
}

/* sy_matmul with a bias equals its ref; a row of each block type read
 * back as floats equals the ref's */
static void
test_matmul (void)
{
  SyTestMatmul mm;
  static const int Ts[] = { 1, 3 };
  float bias[48];

  sy_test_matmul_init (&mm, 48, 512, 3, 5);
  for (int r = 0; r < mm.rows; r++)
    bias[r] = r * 0.01f;
  sy_test_matmul_check_ref (&mm, Ts, G_N_ELEMENTS (Ts), bias);
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      g_autofree guint8 *q = sy_test_matmul_weights (&mm, t);
      SyMat m = { q, t, mm.rows, mm.cols };
      float row[512], ref[512];

      sy_mat_row_to_f32 (&m, 7, 0, mm.cols, row);
      sy_mat_row_to_f32_ref (&m, 7, 0, mm.cols, ref);
      g_assert_cmpmem (row, sizeof row, ref, sizeof ref);
    }
  sy_test_matmul_clear (&mm);
}

static void
test_nonfinite (void)
{
  g_autofree float *x = sy_test_random_values (512, 7);

  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      gsize bb = sy_dtype_block_bytes (t);
      int nb = 512 / sy_dtype_block_elems (t);
      g_autofree guint8 *q = g_malloc (bb * nb);
      uint16_t inf = 0x7c00;

      sy_quantize (t, x, 512, q);
      g_assert_cmpint (sy_quant_find_nonfinite (t, q, nb), ==, -1);
      if (t == SY_DTYPE_MXFP4)
        q[bb * (nb - 1)] = 0xFF;   /* E8M0 NaN */
      else
        {
          /* where each layout keeps its f16 scale (Q2_K: d, then dmin) */
          gsize at = t == SY_DTYPE_Q6_K ? 208 : t == SY_DTYPE_Q3_K ? 108 : t == SY_DTYPE_Q2_K ? 80 : 0;

          memcpy (q + bb * (nb - 1) + at, &inf, 2);
        }
      g_assert_cmpint (sy_quant_find_nonfinite (t, q, nb), ==, nb - 1);
    }
}

/* sy_quantize (AVX2 where the CPU has it) writes the same bytes as
 * sy_quantize_generic, for every type, on blocks of many kinds: random
 * ones of several scales, constant, one-signed, zero (both signs), with
 * an outlier, tiny and huge values, NaN and infinities */
static void
test_quantize_paths (void)
{
  const int n_blocks = 40, n = 256 * n_blocks;
  g_autofree float *x = sy_test_random_values (n, 11);
  GRand *r = g_rand_new_with_seed (12);

  for (int b = 0; b < n_blocks; b++)
    {
      float *v = x + 256 * b;

      for (int i = 0; i < 256; i++)
        switch (b % 20)
          {
          case 0: break;
          case 1: v[i] = (float) g_rand_double_range (r, -0.02, 0.02); break;
          case 2: v[i] = 0.375f; break;
          case 3: v[i] = (float) g_rand_double_range (r, 1.0, 2.0); break;
          case 4: v[i] = (float) g_rand_double_range (r, -2.0, -1.0); break;
          case 5: v[i] = i % 2 ? 0.0f : -0.0f; break;
          case 6: v[i] = i == 77 ? 1000.0f : (float) g_rand_double_range (r, -1.0, 1.0); break;
          case 7: v[i] *= 1e-30f; break;
          case 8: v[i] *= 1e-40f; break;    /* subnormal */
          case 9: v[i] *= 1e30f; break;
          case 10: v[i] = i == 5 ? NAN : v[i]; break;
          case 11: v[i] = i == 200 ? INFINITY : i == 3 ? -INFINITY : v[i]; break;
          case 12: v[i] = (float) ((int) (v[i] * 4) / 4.0); break;   /* ties for the rounding */
          case 13: v[i] = i % 32 == 0 ? v[i] : 0.0f; break;
          case 14: v[i] = (float) g_rand_double_range (r, -1.0, 1.0) + (i / 16 % 2 ? 3 : -3); break;
          default: v[i] = (float) (g_rand_double_range (r, -1.0, 1.0) * exp (g_rand_double_range (r, -8, 8)));
          }
    }
  g_rand_free (r);
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      gsize nb = sy_dtype_n_bytes (t, n), bb = sy_dtype_block_bytes (t);
      g_autofree guint8 *a = g_malloc (nb);
      g_autofree guint8 *g = g_malloc (nb);

      sy_quantize (t, x, n, a);
      sy_quantize_generic (t, x, n, g);
      for (gsize i = 0; i < nb; i++)
        if (a[i] != g[i])
          g_error ("%s: block %" G_GSIZE_FORMAT " (of 256 values: %" G_GSIZE_FORMAT "), byte %" G_GSIZE_FORMAT
                   ": %u, generic path %u", sy_dtype_name (t), i / bb, i / bb * sy_dtype_block_elems (t) / 256,
                   i % bb, a[i], g[i]);
    }
}

static const SyTestCase tests[] = {
  { "/engine/quant/decode-ref", test_decode_matches_ref },
  { "/engine/quant/dot-ref", test_dot_matches_ref },
  { "/engine/quant/error", test_quantization_error },
  { "/engine/quant/layouts", test_layouts },
  { "/engine/quant/matmul", test_matmul },
  { "/engine/quant/nonfinite", test_nonfinite },
  { "/engine/quant/quantize-paths", test_quantize_paths },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

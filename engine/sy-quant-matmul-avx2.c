/* sy-quant-matmul-avx2.c: the AVX2 kernels of sy-quant-matmul.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AVX2 (CPUs without AVX-512): fused decode + dot for Q8_0, Q4_K and
 * Q6_K at T = 2..4, each row decoded once, 32 weights at a time into four
 * registers of 8 floats (rounded as the AVX-512 decoders round them), and
 * used for the T activation rows.  T = 1 of the K-quants (Q2_K .. Q6_K) takes the
 * integer one-token kernels (sy-quant-gemv.c), of the others sy_quant_dot
 * (one pass, the scales factored out).
 */
#include "config.h"

#include "sy-quant-matmul-private.h"

#ifdef SY_QM_X86

#define TGT2 __attribute__ ((target ("avx2,fma,f16c")))
#define INLINE2 __attribute__ ((target ("avx2,fma,f16c"), always_inline)) static inline

/* 8 bytes at @p as 32-bit lanes */
INLINE2 __m256i
u8x8_2 (const guint8 *p)
{
  gint64 v;

  memcpy (&v, p, 8);
  return _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 (v));
}

/* the 32 weights of chunk @c (0..7) of the unit at @b */
INLINE2 void
dec32_avx2 (const SyDType  dtype,
            const guint8  *b,
            int            c,
            const float   *ds,
            const float   *dm,
            const gint8   *qb,
            __m256         w[4])
{
  if (dtype == SY_DTYPE_Q8_0)
    {
      const guint8 *q = b + 34 * c + 2;
      __m256 d = _mm256_set1_ps (qm_f16 (b + 34 * c));

      for (int k = 0; k < 4; k++)
        {
          gint64 v;

          memcpy (&v, q + 8 * k, 8);
          w[k] = _mm256_mul_ps (d, _mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_cvtsi64_si128 (v))));
        }
    }
  else if (dtype == SY_DTYPE_Q4_K)
    {
      /* sub-block c: the low (c even) or high nibbles of bytes 32 (c / 2) .. */
      const guint8 *q = b + 16 + 32 * (c / 2);
      __m256 d = _mm256_set1_ps (ds[c]), o = _mm256_set1_ps (dm[c]);

      for (int k = 0; k < 4; k++)
        {
          __m256i v = u8x8_2 (q + 8 * k);

          v = c % 2 ? _mm256_srli_epi32 (v, 4) : _mm256_and_si256 (v, _mm256_set1_epi32 (0xF));
          w[k] = _mm256_fmsub_ps (_mm256_cvtepi32_ps (v), d, o);
        }
    }
  else
    {
      /* Q6_K: chunk c = values 32 c .. 32 c + 31, assembled as bytes
       * minus 32 in @qb by q6_bytes_avx2; scale 2 c + l / 16 */
      for (int i = 0; i < 4; i++)
        {
          gint64 v;

          memcpy (&v, qb + 32 * c + 8 * i, 8);
          w[i] = _mm256_mul_ps (_mm256_set1_ps (ds[2 * c + i / 2]),
                                _mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_cvtsi64_si128 (v))));
        }
    }
}

/* Q6_K: the 256 6-bit values of the block at @b minus 32, as bytes in
 * value order: per half h of 128, position l (0..31) holds values l,
 * l + 32, l + 64, l + 96: low 4 bits from the nibbles of ql[l] /
 * ql[l + 32], high 2 bits from qh[l] (as dec_q6_k, 32 at a time) */
INLINE2 void
q6_bytes_avx2 (const guint8 *b,
               gint8         qb[256])
{
  const __m256i n4 = _mm256_set1_epi8 (0xF), n3 = _mm256_set1_epi8 (3 << 4), k32b = _mm256_set1_epi8 (32);

  for (int h = 0; h < 2; h++)
    {
      __m256i a = _mm256_loadu_si256 ((const __m256i *) (b + 64 * h));
      __m256i e = _mm256_loadu_si256 ((const __m256i *) (b + 64 * h + 32));
      __m256i hb = _mm256_loadu_si256 ((const __m256i *) (b + 128 + 32 * h));
      gint8 *o = qb + 128 * h;

      _mm256_storeu_si256 ((__m256i *) o, _mm256_sub_epi8 (_mm256_or_si256 (
        _mm256_and_si256 (a, n4), _mm256_and_si256 (_mm256_slli_epi16 (hb, 4), n3)), k32b));
      _mm256_storeu_si256 ((__m256i *) (o + 32), _mm256_sub_epi8 (_mm256_or_si256 (
        _mm256_and_si256 (e, n4), _mm256_and_si256 (_mm256_slli_epi16 (hb, 2), n3)), k32b));
      _mm256_storeu_si256 ((__m256i *) (o + 64), _mm256_sub_epi8 (_mm256_or_si256 (
        _mm256_and_si256 (_mm256_srli_epi16 (a, 4), n4), _mm256_and_si256 (hb, n3)), k32b));
      _mm256_storeu_si256 ((__m256i *) (o + 96), _mm256_sub_epi8 (_mm256_or_si256 (
        _mm256_and_si256 (_mm256_srli_epi16 (e, 4), n4), _mm256_and_si256 (_mm256_srli_epi16 (hb, 2), n3)), k32b));
    }
}

/* rows [r0, r1), T <= 4 activation rows */
INLINE2 void
rows_fused_avx2 (const SyDType  dtype,
                 const guint8  *w,
                 int            K,
                 const float   *x,
                 const int      T,
                 float         *y,
                 gsize          ldy,
                 int            r0,
                 int            r1)
{
  const gsize ub = dtype == SY_DTYPE_Q8_0 ? 272 : dtype == SY_DTYPE_Q4_K ? 144 : 210;
  gsize row_bytes = ub * (K / UNIT);

  for (int r = r0; r < r1; r++)
    {
      const guint8 *b = w + (gsize) r * row_bytes;
      __m256 acc[4][2];

#pragma GCC unroll 4
      for (int t = 0; t < T; t++)
        acc[t][0] = acc[t][1] = _mm256_setzero_ps ();
      for (int u = 0; u < K; u += UNIT, b += ub)
        {
          float ds[16], dm[8];
          gint8 qb[256];

          for (gsize o = 0; o < ub; o += 64)
            _mm_prefetch ((const char *) b + 4 * ub + o, _MM_HINT_T0);
          if (dtype == SY_DTYPE_Q4_K)
            {
              float d = qm_f16 (b), dmin = qm_f16 (b + 2);
              guint64 sc8, m8;

              k4_scales_mins (b + 4, &sc8, &m8);
              for (int j = 0; j < 8; j++)
                {
                  ds[j] = d * (float) ((sc8 >> (8 * j)) & 0xFF);
                  dm[j] = dmin * (float) ((m8 >> (8 * j)) & 0xFF);
                }
            }
          else if (dtype == SY_DTYPE_Q6_K)
            {
              float d = qm_f16 (b + 208);

              for (int g = 0; g < 16; g++)
                ds[g] = d * (float) (int8_t) b[192 + g];
              q6_bytes_avx2 (b, qb);
            }
          for (int c = 0; c < 8; c++)
            {
              __m256 wv[4];

              dec32_avx2 (dtype, b, c, ds, dm, qb, wv);
#pragma GCC unroll 4
              for (int t = 0; t < T; t++)
                {
                  const float *xt = x + (gsize) t * K + u + 32 * c;

                  acc[t][0] = _mm256_fmadd_ps (wv[0], _mm256_loadu_ps (xt), acc[t][0]);
                  acc[t][1] = _mm256_fmadd_ps (wv[1], _mm256_loadu_ps (xt + 8), acc[t][1]);
                  acc[t][0] = _mm256_fmadd_ps (wv[2], _mm256_loadu_ps (xt + 16), acc[t][0]);
                  acc[t][1] = _mm256_fmadd_ps (wv[3], _mm256_loadu_ps (xt + 24), acc[t][1]);
                }
            }
        }
#pragma GCC unroll 4
      for (int t = 0; t < T; t++)
        {
          __m256 sv = _mm256_add_ps (acc[t][0], acc[t][1]);
          __m128 h = _mm_add_ps (_mm256_castps256_ps128 (sv), _mm256_extractf128_ps (sv, 1));

          h = _mm_add_ps (h, _mm_movehl_ps (h, h));
          y[(gsize) t * ldy + r] = _mm_cvtss_f32 (_mm_add_ss (h, _mm_movehdup_ps (h)));
        }
    }
}

#define FUSED2_FN(name, DT) \
  TGT2 static void \
  name (const guint8 *w, int K, const float *x, int T, float *y, gsize ldy, int r0, int r1) \
  { \
    switch (T) \
      { \
      case 2: rows_fused_avx2 (DT, w, K, x, 2, y, ldy, r0, r1); break; \
      case 3: rows_fused_avx2 (DT, w, K, x, 3, y, ldy, r0, r1); break; \
      case 4: rows_fused_avx2 (DT, w, K, x, 4, y, ldy, r0, r1); break; \
      default: g_assert_not_reached (); \
      } \
  }

FUSED2_FN (fused2_q8_0, SY_DTYPE_Q8_0)
FUSED2_FN (fused2_q4_k, SY_DTYPE_Q4_K)
FUSED2_FN (fused2_q6_k, SY_DTYPE_Q6_K)

TGT2 void
sy_qm_fused_avx2 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                  float *y, gsize ldy, int r0, int r1)
{
  if (dtype == SY_DTYPE_Q8_0)
    fused2_q8_0 (w, K, x, T, y, ldy, r0, r1);
  else if (dtype == SY_DTYPE_Q4_K)
    fused2_q4_k (w, K, x, T, y, ldy, r0, r1);
  else
    fused2_q6_k (w, K, x, T, y, ldy, r0, r1);
}

#endif /* SY_QM_X86 */

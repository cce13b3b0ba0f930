/* sy-quant-matmul-avx512.c: the AVX-512 kernels of sy-quant-matmul.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Register decoders for every block type (dec_unit), the fused decode +
 * dot of up to 4 activation rows (rows_fused) and the prefill panels
 * (the one-token kernels of Q4_K and Q6_K are in sy-quant-gemv.c);
 * sy-quant-matmul.c says which runs when.
 */
#include "config.h"

#include "sy-quant-matmul-private.h"

#ifdef SY_QM_X86

#define TGT512 __attribute__ ((target ("avx512f,avx512bw,avx512vl,f16c,fma")))
#define INLINE512 __attribute__ ((target ("avx512f,avx512bw,avx512vl,f16c,fma"), always_inline)) static inline

INLINE512 __m512i
u8x16 (const guint8 *p)
{
  return _mm512_cvtepu8_epi32 (_mm_loadu_si128 ((const __m128i *) p));
}

/* Q8_0: eight blocks of 34 bytes; w = d q */
INLINE512 void
dec_q8_0 (const guint8 *b,
          __m512        w[16])
{
  for (int i = 0; i < 8; i++, b += 34)
    {
      __m512 d = _mm512_set1_ps (qm_f16 (b));

      w[2 * i] = _mm512_mul_ps (d, _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (
                                  _mm_loadu_si128 ((const __m128i *) (b + 2)))));
      w[2 * i + 1] = _mm512_mul_ps (d, _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (
                                      _mm_loadu_si128 ((const __m128i *) (b + 18)))));
    }
}

/* Q4_K (@five FALSE): pair p of sub-blocks in bytes 32 p .. 32 p + 31 of
 * the nibbles (low nibbles: sub-block 2 p, high: 2 p + 1); Q5_K: the same
 * with the fifth bit of element l of sub-block s at bit s of qh[l];
 * w = (d sc) q - (dmin m) */
INLINE512 void
dec_q45_k (const guint8   *b,
           const gboolean  five,
           __m512          w[16])
{
  float d = qm_f16 (b), dmin = qm_f16 (b + 2);
  const guint8 *q = b + (five ? 48 : 16), *qh = b + 16;
  __m512i m4 = _mm512_set1_epi32 (0xF), one = _mm512_set1_epi32 (1);
  guint64 sc8, m8;
  float ds[8] __attribute__ ((aligned (32))), dm[8] __attribute__ ((aligned (32)));

  /* the 16 products d sc_j, dmin m_j, as the scalar decoder rounds them */
  k4_scales_mins (b + 4, &sc8, &m8);
  _mm256_store_ps (ds, _mm256_mul_ps (_mm256_set1_ps (d), _mm256_cvtepi32_ps (
                                        _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) sc8)))));
  _mm256_store_ps (dm, _mm256_mul_ps (_mm256_set1_ps (dmin), _mm256_cvtepi32_ps (
                                        _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) m8)))));
  for (int p = 0; p < 4; p++)
    {
      __m512 d0 = _mm512_set1_ps (ds[2 * p]), o0 = _mm512_set1_ps (dm[2 * p]);
      __m512 d1 = _mm512_set1_ps (ds[2 * p + 1]), o1 = _mm512_set1_ps (dm[2 * p + 1]);

      for (int c = 0; c < 2; c++)
        {
          __m512i v = u8x16 (q + 32 * p + 16 * c);
          __m512i lo = _mm512_and_si512 (v, m4), hi = _mm512_srli_epi32 (v, 4);

          if (five)
            {
              __m512i h = u8x16 (qh + 16 * c);

              lo = _mm512_or_si512 (lo, _mm512_slli_epi32 (_mm512_and_si512 (_mm512_srli_epi32 (h, 2 * p), one), 4));
              hi = _mm512_or_si512 (hi, _mm512_slli_epi32 (_mm512_and_si512 (_mm512_srli_epi32 (h, 2 * p + 1), one), 4));
            }
          w[4 * p + c] = _mm512_fmsub_ps (_mm512_cvtepi32_ps (lo), d0, o0);
          w[4 * p + 2 + c] = _mm512_fmsub_ps (_mm512_cvtepi32_ps (hi), d1, o1);
        }
    }
}

/* Q6_K: per half of 128 values, position l (0..31) holds values l, l +
 * 32, l + 64, l + 96: low 4 bits from the nibbles of ql[l] / ql[l + 32],
 * high 2 bits from qh[l]; w = (d sc) (q - 32), one scale per 16 */
INLINE512 void
dec_q6_k (const guint8 *b,
          __m512        w[16])
{
  const guint8 *ql = b, *qh = b + 128;
  const int8_t *sc = (const int8_t *) (b + 192);
  float d = qm_f16 (b + 208);
  float ds[16] __attribute__ ((aligned (64)));

  /* the 16 products d sc_g, as the scalar decoder rounds them */
  _mm512_store_ps (ds, _mm512_mul_ps (_mm512_set1_ps (d), _mm512_cvtepi32_ps (
                                        _mm512_cvtepi8_epi32 (_mm_loadu_si128 ((const __m128i *) sc)))));
  for (int h = 0; h < 2; h++, ql += 64, qh += 32)
    {
      /* the 128 6-bit values of this half as bytes minus 32, assembled 32
       * at a time; then widened 16 at a time */
      __m256i a = _mm256_loadu_si256 ((const __m256i *) ql);
      __m256i e = _mm256_loadu_si256 ((const __m256i *) (ql + 32));
      __m256i hb = _mm256_loadu_si256 ((const __m256i *) qh);
      __m256i n4 = _mm256_set1_epi8 (0xF), n3 = _mm256_set1_epi8 (3 << 4), k32b = _mm256_set1_epi8 (32);
      __m256i q[4];

      q[0] = _mm256_or_si256 (_mm256_and_si256 (a, n4), _mm256_and_si256 (_mm256_slli_epi16 (hb, 4), n3));
      q[1] = _mm256_or_si256 (_mm256_and_si256 (e, n4), _mm256_and_si256 (_mm256_slli_epi16 (hb, 2), n3));
      q[2] = _mm256_or_si256 (_mm256_and_si256 (_mm256_srli_epi16 (a, 4), n4), _mm256_and_si256 (hb, n3));
      q[3] = _mm256_or_si256 (_mm256_and_si256 (_mm256_srli_epi16 (e, 4), n4),
                              _mm256_and_si256 (_mm256_srli_epi16 (hb, 2), n3));
      for (int k = 0; k < 4; k++)
        {
          __m256i v = _mm256_sub_epi8 (q[k], k32b);

          w[8 * h + 2 * k] = _mm512_mul_ps (_mm512_set1_ps (ds[8 * h + 2 * k]),
                                            _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (_mm256_castsi256_si128 (v))));
          w[8 * h + 2 * k + 1] = _mm512_mul_ps (_mm512_set1_ps (ds[8 * h + 2 * k + 1]),
                                                _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (
                                                  _mm256_extracti128_si256 (v, 1))));
        }
    }
}


/* IQ4_NL / IQ4_XS levels and MXFP4's E2M1 values times two, as floats,
 * for a 16-entry permute */
static const float iq4_levels_f[16] __attribute__ ((aligned (64))) = {
  -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
};
static const float e2m1_x2_f[16] __attribute__ ((aligned (64))) = {
  0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12
};

/* The 32-value types (Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4): eight
 * blocks; in each, 16 bytes of nibbles (low nibble of byte j: value j,
 * high: value j + 16), a 5th bit per value at bit j of a u32 for Q5_x.
 * Q4_0 w = d (q - 8), Q5_0 w = d (q - 16), Q4_1 / Q5_1 w = d q + m,
 * IQ4_NL w = d level[q], MXFP4 w = (2^(e - 128)) e2m1_x2[q] */
INLINE512 void
dec_q32 (const SyDType  dtype,
         const guint8  *b,
         __m512         w[16])
{
  const gsize bb = dtype == SY_DTYPE_Q4_0 || dtype == SY_DTYPE_IQ4_NL ? 18
                   : dtype == SY_DTYPE_Q4_1 ? 20 : dtype == SY_DTYPE_Q5_0 ? 22
                   : dtype == SY_DTYPE_Q5_1 ? 24 : 17;
  const int qoff = dtype == SY_DTYPE_Q4_0 || dtype == SY_DTYPE_IQ4_NL ? 2
                   : dtype == SY_DTYPE_Q4_1 ? 4 : dtype == SY_DTYPE_Q5_0 ? 6
                   : dtype == SY_DTYPE_Q5_1 ? 8 : 1;
  const __m512i m4 = _mm512_set1_epi32 (0xF), b16 = _mm512_set1_epi32 (16);
  __m512 tab = _mm512_setzero_ps ();

  if (dtype == SY_DTYPE_IQ4_NL)
    tab = _mm512_load_ps (iq4_levels_f);
  else if (dtype == SY_DTYPE_MXFP4)
    tab = _mm512_load_ps (e2m1_x2_f);
  for (int i = 0; i < 8; i++, b += bb)
    {
      __m512i v = u8x16 (b + qoff);
      __m512i lo = _mm512_and_si512 (v, m4), hi = _mm512_srli_epi32 (v, 4);
      __m512 d, f0, f1;

      if (dtype == SY_DTYPE_MXFP4)
        {
          /* 2^(e - 128): exponent field e - 1, or the subnormal 2^-128 */
          guint32 bits = b[0] ? (guint32) (b[0] - 1) << 23 : 0x00200000u;
          float f;

          memcpy (&f, &bits, 4);
          d = _mm512_set1_ps (f);
        }
      else
        d = _mm512_set1_ps (qm_f16 (b));
      if (dtype == SY_DTYPE_Q5_0 || dtype == SY_DTYPE_Q5_1)
        {
          guint32 qh;

          memcpy (&qh, b + (dtype == SY_DTYPE_Q5_0 ? 2 : 4), 4);
          lo = _mm512_mask_or_epi32 (lo, (__mmask16) (qh & 0xFFFF), lo, b16);
          hi = _mm512_mask_or_epi32 (hi, (__mmask16) (qh >> 16), hi, b16);
        }
      if (dtype == SY_DTYPE_IQ4_NL || dtype == SY_DTYPE_MXFP4)
        {
          w[2 * i] = _mm512_mul_ps (d, _mm512_permutexvar_ps (lo, tab));
          w[2 * i + 1] = _mm512_mul_ps (d, _mm512_permutexvar_ps (hi, tab));
          continue;
        }
      if (dtype == SY_DTYPE_Q4_0 || dtype == SY_DTYPE_Q5_0)
        {
          __m512i o = _mm512_set1_epi32 (dtype == SY_DTYPE_Q4_0 ? 8 : 16);

          lo = _mm512_sub_epi32 (lo, o);
          hi = _mm512_sub_epi32 (hi, o);
        }
      f0 = _mm512_cvtepi32_ps (lo);
      f1 = _mm512_cvtepi32_ps (hi);
      if (dtype == SY_DTYPE_Q4_1 || dtype == SY_DTYPE_Q5_1)
        {
          __m512 m = _mm512_set1_ps (qm_f16 (b + 2));

          w[2 * i] = _mm512_fmadd_ps (d, f0, m);
          w[2 * i + 1] = _mm512_fmadd_ps (d, f1, m);
        }
      else
        {
          w[2 * i] = _mm512_mul_ps (d, f0);
          w[2 * i + 1] = _mm512_mul_ps (d, f1);
        }
    }
}

/* IQ4_XS: eight sub-blocks of 32 with a 6-bit scale (biased by 32) each:
 * low 4 bits in nibble s % 2 of byte 4 + s / 2, high 2 bits at bit 2 s of
 * the u16 at 2; nibbles at 8 + 16 s; w = (d (sc - 32)) level[q] */
INLINE512 void
dec_iq4_xs (const guint8 *b,
            __m512        w[16])
{
  float d = qm_f16 (b);
  const __m512 tab = _mm512_load_ps (iq4_levels_f);
  const __m512i m4 = _mm512_set1_epi32 (0xF);
  int sh = b[2] | (b[3] << 8);

  for (int s = 0; s < 8; s++)
    {
      int sc = ((b[4 + s / 2] >> (4 * (s % 2))) & 0xF) | (((sh >> (2 * s)) & 3) << 4);
      __m512 dl = _mm512_set1_ps (d * (sc - 32));
      __m512i v = u8x16 (b + 8 + 16 * s);

      w[2 * s] = _mm512_mul_ps (dl, _mm512_permutexvar_ps (_mm512_and_si512 (v, m4), tab));
      w[2 * s + 1] = _mm512_mul_ps (dl, _mm512_permutexvar_ps (_mm512_srli_epi32 (v, 4), tab));
    }
}

/* Q2_K (84 bytes: 16 scale bytes, 64 bytes of 2-bit codes, d, dmin) and
 * Q3_K (110 bytes: 32 bytes of high bits, 64 of 2-bit codes, 12 of 6-bit
 * scales, d): vector j (values 16 j .. 16 j + 15) has h = j / 8, k = j / 2
 * % 4, g = j % 2; its codes are bits 2k of bytes 32 h + 16 g ..; Q2_K:
 * w = (d (sc_j & 15)) q - dmin (sc_j >> 4); Q3_K: w = (d (sc_j - 32))
 * (q - (bit 4 h + k of hm[16 g + i] ? 0 : 4)) */
INLINE512 void
dec_q23_k (const guint8   *b,
           const gboolean  three,
           __m512          w[16])
{
  const guint8 *q = b + (three ? 32 : 16);
  const __m512i m3 = _mm512_set1_epi32 (3), four = _mm512_set1_epi32 (4);
  float ds[16] __attribute__ ((aligned (64))), dm[16] __attribute__ ((aligned (64)));

  if (three)
    {
      /* the 16 scales four at a time in 32-bit words: low 4 bits from
       * the nibbles of bytes 0..7, high 2 bits from bytes 8..11 */
      guint32 a0, a1, a2;
      __m128i sc;

      memcpy (&a0, b + 96, 4);
      memcpy (&a1, b + 100, 4);
      memcpy (&a2, b + 104, 4);
      sc = _mm_setr_epi32 ((int) ((a0 & 0x0f0f0f0fu) | (a2 & 0x03030303u) << 4),
                           (int) ((a1 & 0x0f0f0f0fu) | ((a2 >> 2) & 0x03030303u) << 4),
                           (int) (((a0 >> 4) & 0x0f0f0f0fu) | ((a2 >> 4) & 0x03030303u) << 4),
                           (int) (((a1 >> 4) & 0x0f0f0f0fu) | ((a2 >> 6) & 0x03030303u) << 4));
      _mm512_store_ps (ds, _mm512_mul_ps (_mm512_set1_ps (qm_f16 (b + 108)), _mm512_cvtepi32_ps (
                                            _mm512_cvtepi8_epi32 (_mm_sub_epi8 (sc, _mm_set1_epi8 (32))))));
    }
  else
    {
      __m512i sc = u8x16 (b);

      _mm512_store_ps (ds, _mm512_mul_ps (_mm512_set1_ps (qm_f16 (b + 80)), _mm512_cvtepi32_ps (
                                            _mm512_and_si512 (sc, _mm512_set1_epi32 (0xF)))));
      _mm512_store_ps (dm, _mm512_mul_ps (_mm512_set1_ps (qm_f16 (b + 82)), _mm512_cvtepi32_ps (
                                            _mm512_srli_epi32 (sc, 4))));
    }
  for (int h = 0; h < 2; h++)
    for (int g = 0; g < 2; g++)
      {
        __m512i v = u8x16 (q + 32 * h + 16 * g);
        __m512i hb = three ? u8x16 (b + 16 * g) : _mm512_setzero_si512 ();

        for (int k = 0; k < 4; k++)
          {
            int j = 8 * h + 2 * k + g;
            __m512i c = _mm512_and_si512 (_mm512_srli_epi32 (v, 2 * k), m3);

            if (three)
              {
                __mmask16 no = _mm512_testn_epi32_mask (hb, _mm512_set1_epi32 (1 << (4 * h + k)));

                c = _mm512_mask_sub_epi32 (c, no, c, four);
                w[j] = _mm512_mul_ps (_mm512_set1_ps (ds[j]), _mm512_cvtepi32_ps (c));
              }
            else
              w[j] = _mm512_fmsub_ps (_mm512_set1_ps (ds[j]), _mm512_cvtepi32_ps (c),
                                      _mm512_set1_ps (dm[j]));
          }
      }
}

/* bytes of 256 values, a constant where @dtype is one */
INLINE512 gsize
unit_bytes_const (const SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: return 272;
    case SY_DTYPE_Q4_K: case SY_DTYPE_Q4_0: case SY_DTYPE_IQ4_NL: return 144;
    case SY_DTYPE_Q5_K: case SY_DTYPE_Q5_0: return 176;
    case SY_DTYPE_Q6_K: return 210;
    case SY_DTYPE_Q4_1: return 160;
    case SY_DTYPE_Q5_1: return 192;
    case SY_DTYPE_MXFP4: case SY_DTYPE_IQ4_XS: return 136;
    case SY_DTYPE_Q2_K: return 84;
    case SY_DTYPE_Q3_K: return 110;
    default: return 0;
    }
}

static gsize
unit_bytes (SyDType dtype)
{
  return sy_dtype_n_bytes (dtype, UNIT);
}

INLINE512 void
dec_unit (const SyDType  dtype,
          const guint8  *b,
          __m512         w[16])
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: dec_q8_0 (b, w); break;
    case SY_DTYPE_Q4_K: dec_q45_k (b, FALSE, w); break;
    case SY_DTYPE_Q5_K: dec_q45_k (b, TRUE, w); break;
    case SY_DTYPE_Q6_K: dec_q6_k (b, w); break;
    case SY_DTYPE_Q2_K: dec_q23_k (b, FALSE, w); break;
    case SY_DTYPE_Q3_K: dec_q23_k (b, TRUE, w); break;
    case SY_DTYPE_IQ4_XS: dec_iq4_xs (b, w); break;
    default: dec_q32 (dtype, b, w); break;
    }
}

/* rows [r0, r1): y[t * ldy + r] = w_r . x_t for t < T (T <= 4) */
INLINE512 void
rows_fused (const SyDType  dtype,
            const guint8  *w,
            int            K,
            const float   *x,
            const int      T,
            float         *y,
            gsize          ldy,
            int            r0,
            int            r1)
{
  const int NA = T == 1 ? 8 : T == 2 ? 4 : 2;
  const gsize ub = unit_bytes_const (dtype);
  gsize row_bytes = ub * (K / UNIT);

  for (int r = r0; r < r1; r++)
    {
      const guint8 *b = w + (gsize) r * row_bytes;
      __m512 acc[8];

#pragma GCC unroll 8
      for (int i = 0; i < T * NA; i++)
        acc[i] = _mm512_setzero_ps ();
      for (int u = 0; u < K; u += UNIT, b += ub)
        {
          __m512 wv[16];

          /* four units ahead: rows run on across 4 KiB pages, where the
           * hardware prefetcher stops */
          for (gsize o = 0; o < ub; o += 64)
            _mm_prefetch ((const char *) b + 4 * ub + o, _MM_HINT_T0);
          dec_unit (dtype, b, wv);
#pragma GCC unroll 16
          for (int j = 0; j < 16; j++)
#pragma GCC unroll 8
            for (int t = 0; t < T; t++)
              acc[t * NA + j % NA] = _mm512_fmadd_ps (wv[j], _mm512_loadu_ps (x + (gsize) t * K + u + 16 * j),
                                                      acc[t * NA + j % NA]);
        }
#pragma GCC unroll 8
      for (int t = 0; t < T; t++)
        {
          __m512 s = acc[t * NA];

#pragma GCC unroll 8
          for (int a = 1; a < NA; a++)
            s = _mm512_add_ps (s, acc[t * NA + a]);
          y[(gsize) t * ldy + r] = _mm512_reduce_add_ps (s);
        }
    }
}

#define FUSED_FN(name, DT) \
  TGT512 static void \
  name (const guint8 *w, int K, const float *x, int T, float *y, gsize ldy, int r0, int r1) \
  { \
    switch (T) \
      { \
      case 1: rows_fused (DT, w, K, x, 1, y, ldy, r0, r1); break; \
      case 2: rows_fused (DT, w, K, x, 2, y, ldy, r0, r1); break; \
      case 3: rows_fused (DT, w, K, x, 3, y, ldy, r0, r1); break; \
      case 4: rows_fused (DT, w, K, x, 4, y, ldy, r0, r1); break; \
      default: g_assert_not_reached (); \
      } \
  }

FUSED_FN (fused_q8_0, SY_DTYPE_Q8_0)
FUSED_FN (fused_q4_k, SY_DTYPE_Q4_K)
FUSED_FN (fused_q5_k, SY_DTYPE_Q5_K)
FUSED_FN (fused_q6_k, SY_DTYPE_Q6_K)
FUSED_FN (fused_q4_0, SY_DTYPE_Q4_0)
FUSED_FN (fused_q4_1, SY_DTYPE_Q4_1)
FUSED_FN (fused_q5_0, SY_DTYPE_Q5_0)
FUSED_FN (fused_q5_1, SY_DTYPE_Q5_1)
FUSED_FN (fused_iq4_nl, SY_DTYPE_IQ4_NL)
FUSED_FN (fused_mxfp4, SY_DTYPE_MXFP4)
FUSED_FN (fused_q2_k, SY_DTYPE_Q2_K)
FUSED_FN (fused_q3_k, SY_DTYPE_Q3_K)
FUSED_FN (fused_iq4_xs, SY_DTYPE_IQ4_XS)

TGT512 void
sy_qm_fused_512 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                 float *y, gsize ldy, int r0, int r1)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: fused_q8_0 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q4_K: fused_q4_k (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q5_K: fused_q5_k (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q6_K: fused_q6_k (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q4_0: fused_q4_0 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q4_1: fused_q4_1 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q5_0: fused_q5_0 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q5_1: fused_q5_1 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_IQ4_NL: fused_iq4_nl (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_MXFP4: fused_mxfp4 (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q2_K: fused_q2_k (w, K, x, T, y, ldy, r0, r1); break;
    case SY_DTYPE_Q3_K: fused_q3_k (w, K, x, T, y, ldy, r0, r1); break;
    default: fused_iq4_xs (w, K, x, T, y, ldy, r0, r1); break;
    }
}

/* rows [r, r + n) decoded into @out (n, K) */
TGT512 static void
decode_rows_512 (SyDType       dtype,
                 const guint8 *w,
                 int           K,
                 int           r,
                 int           n,
                 float        *out)
{
  gsize row_bytes = sy_dtype_n_bytes (dtype, K);

  if (!fused_dtype (dtype))
    {
      for (int i = 0; i < n; i++)
        sy_quant_to_f32 (dtype, w + (gsize) (r + i) * row_bytes, 0, K, out + (gsize) i * K);
      return;
    }
  for (int i = 0; i < n; i++)
    {
      const guint8 *b = w + (gsize) (r + i) * row_bytes;
      float *o = out + (gsize) i * K;
      gsize ub = unit_bytes (dtype);

      for (int u = 0; u < K; u += UNIT, b += ub)
        {
          __m512 wv[16];

          for (gsize off = 0; off < ub; off += 64)
            _mm_prefetch ((const char *) b + 4 * ub + off, _MM_HINT_T0);
          dec_unit (dtype, b, wv);
          for (int j = 0; j < 16; j++)
            _mm512_storeu_ps (o + u + 16 * j, wv[j]);
        }
    }
}

/* float32 register tile: R panel rows x TB activation rows (R <= 4, TB
 * <= 6, 24 accumulators) over @len columns (a multiple of 16); the sums
 * are stored, or added to y where @add */
INLINE512 void
tile_f32 (const float *w,
          gsize        ldw,
          const float *x,
          gsize        ldx,
          float       *y,
          gsize        ldy,
          int          len,
          gboolean     add,
          const int    R,
          const int    TB)
{
  __m512 acc[4][6];

#pragma GCC unroll 4
  for (int r = 0; r < R; r++)
#pragma GCC unroll 6
    for (int t = 0; t < TB; t++)
      acc[r][t] = _mm512_setzero_ps ();
  for (int k = 0; k < len; k += 16)
    {
      __m512 wv[4];

#pragma GCC unroll 4
      for (int r = 0; r < R; r++)
        wv[r] = _mm512_loadu_ps (w + r * ldw + k);
#pragma GCC unroll 6
      for (int t = 0; t < TB; t++)
        {
          __m512 xv = _mm512_loadu_ps (x + t * ldx + k);

#pragma GCC unroll 4
          for (int r = 0; r < R; r++)
            acc[r][t] = _mm512_fmadd_ps (wv[r], xv, acc[r][t]);
        }
    }
#pragma GCC unroll 4
  for (int r = 0; r < R; r++)
#pragma GCC unroll 6
    for (int t = 0; t < TB; t++)
      y[t * ldy + r] = (add ? y[t * ldy + r] : 0.0f) + _mm512_reduce_add_ps (acc[r][t]);
}

#define TILE_CASE(r, tb) \
  case (r) * 8 + (tb): tile_f32 (w, ldw, x, ldx, y, ldy, len, add, r, tb); break;
#define TILE_ROW(r) \
  TILE_CASE (r, 1) TILE_CASE (r, 2) TILE_CASE (r, 3) \
  TILE_CASE (r, 4) TILE_CASE (r, 5) TILE_CASE (r, 6)

TGT512 static void
tile_f32_dispatch (const float *w,
                   gsize        ldw,
                   const float *x,
                   gsize        ldx,
                   float       *y,
                   gsize        ldy,
                   int          len,
                   gboolean     add,
                   int          R,
                   int          TB)
{
  switch (R * 8 + TB)
    {
      TILE_ROW (1) TILE_ROW (2) TILE_ROW (3) TILE_ROW (4)
    default:
      g_assert_not_reached ();
    }
}

#ifndef SY_QM_PANEL_KB
#define SY_QM_PANEL_KB 512
#endif

/* prefill: panels of decoded rows, each used for all T activation rows */
void
sy_qm_rows_panel_512 (SyDType dtype, const guint8 *w, int K, const float *x, int T,
                      float *y, gsize ldy, int r0, int r1, float *panel, int panel_rows)
{
  for (int p0 = r0; p0 < r1; p0 += panel_rows)
    {
      int np = MIN (panel_rows, r1 - p0);

      decode_rows_512 (dtype, w, K, p0, np, panel);
      /* in column blocks: 4 panel rows and 6 rows of x stay in L1 */
      for (int k0 = 0; k0 < K; k0 += SY_QM_PANEL_KB)
        for (int r = 0; r < np; r += 4)
          for (int t = 0; t < T; t += 6)
            tile_f32_dispatch (panel + (gsize) r * K + k0, K, x + (gsize) t * K + k0, K,
                               y + (gsize) t * ldy + p0 + r, ldy, MIN (SY_QM_PANEL_KB, K - k0), k0 > 0,
                               MIN (4, np - r), MIN (6, T - t));
    }
}

#endif /* SY_QM_X86 */

/* sy-quant-q8-quantize.c: activation rows to 8 bits for the q8 kernels
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One unit of 256 values at a time, in the layout sy-quant-q8-private.h
 * describes; the AVX2 quantizer writes the scalar one's bytes.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-cpu.h"
#include "sy-quant-q8-private.h"
#include "sy-quant-q8.h"

/* ------------------------------------------------------- quantization */

/* @n values to int8 with one scale: d = amax / 127, q = round (x / d)
 * (to nearest, ties to even); a NaN or an infinity among them gives
 * d = NaN and q = 0 (the products come out NaN) */
static float
quantize_block (const float *x,
                int          n,
                int8_t      *q)
{
  float amax = 0, id;

  for (int i = 0; i < n; i++)
    {
      if (!isfinite (x[i]))
        {
          memset (q, 0, n);
          return NAN;
        }
      amax = MAX (amax, fabsf (x[i]));
    }
  id = amax > 0 ? 127.0f / amax : 0.0f;
  for (int i = 0; i < n; i++)
    {
      int v = (int) nearbyintf (x[i] * id);

      q[i] = (int8_t) CLAMP (v, -127, 127);
    }
  return amax / 127.0f;
}

/* one unit (256 values) into its 320 bytes, as the layout of @k says */
static void
quantize_unit_ref (gboolean     k,
                   const float *xu,
                   guint8      *o)
{
  memset (o + OFF_BSUMS, 0, Q8_UNIT_BYTES - OFF_BSUMS);
  if (k)
    {
      int8_t *q = (int8_t *) o;
      gint16 bs[16];
      float d = quantize_block (xu, QKK, q);

      for (int g = 0; g < 16; g++)
        {
          int s = 0;

          for (int i = 0; i < 16; i++)
            s += q[16 * g + i];
          bs[g] = (gint16) s;
        }
      memcpy (o + OFF_BSUMS, bs, sizeof bs);
      memcpy (o + OFF_D, &d, sizeof d);
    }
  else
    {
      float dx[8], dxs[8];

      for (int b = 0; b < 8; b++)
        {
          int8_t q[QK];
          int s = 0;

          dx[b] = quantize_block (xu + QK * b, QK, q);
          for (int i = 0; i < QK; i++)
            {
              s += q[i];
              o[QK * b + i] = (guint8) (q[i] + 128);
            }
          dxs[b] = dx[b] * (float) s;
        }
      memcpy (o + OFF_DX, dx, sizeof dx);
      memcpy (o + OFF_DXS, dxs, sizeof dxs);
    }
}

#ifdef SY_QM_X86

#define TGT_AVX2Q __attribute__ ((target ("avx2,fma")))

/* @n (a multiple of 32) values as quantize_block does, the same bytes
 * (the same float products; vcvtps2dq rounds to nearest even, as
 * nearbyintf does in the default mode), and their sums per 16 in @sums;
 * FALSE (nothing written) where a value is not finite */
TGT_AVX2Q static gboolean
quantize_block_avx2 (const float *x,
                     int          n,
                     int8_t      *q,
                     float       *d,
                     int         *sums)
{
  const __m256 sign = _mm256_set1_ps (-0.0f), zero = _mm256_setzero_ps ();
  const __m256i perm = _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i lo = _mm256_set1_epi32 (-127), hi = _mm256_set1_epi32 (127);
  __m256 m = zero, bad = zero;
  __m128 m4;
  float amax, id;

  for (int i = 0; i < n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);

      m = _mm256_max_ps (m, _mm256_andnot_ps (sign, v));
      /* x * 0 is 0 for finite x, NaN for an infinity or a NaN */
      bad = _mm256_or_ps (bad, _mm256_cmp_ps (_mm256_mul_ps (v, zero), zero, _CMP_NEQ_UQ));
    }
  if (_mm256_movemask_ps (bad) != 0)
    return FALSE;
  m4 = _mm_max_ps (_mm256_castps256_ps128 (m), _mm256_extractf128_ps (m, 1));
  m4 = _mm_max_ps (m4, _mm_movehl_ps (m4, m4));
  m4 = _mm_max_ss (m4, _mm_movehdup_ps (m4));
  amax = _mm_cvtss_f32 (m4);
  id = amax > 0 ? 127.0f / amax : 0.0f;
  for (int i = 0; i < n; i += 32)
    {
      __m256i v[4], a, b, c;

      for (int j = 0; j < 4; j++)
        {
          v[j] = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (x + i + 8 * j), _mm256_set1_ps (id)));
          v[j] = _mm256_min_epi32 (_mm256_max_epi32 (v[j], lo), hi);
        }
      for (int g = 0; g < 2; g++)
        {
          __m256i s = _mm256_add_epi32 (v[2 * g], v[2 * g + 1]);
          __m128i s4 = _mm_add_epi32 (_mm256_castsi256_si128 (s), _mm256_extracti128_si256 (s, 1));

          s4 = _mm_add_epi32 (s4, _mm_shuffle_epi32 (s4, _MM_SHUFFLE (1, 0, 3, 2)));
          s4 = _mm_add_epi32 (s4, _mm_shuffle_epi32 (s4, _MM_SHUFFLE (2, 3, 0, 1)));
          sums[i / 16 + g] = _mm_cvtsi128_si32 (s4);
        }
      a = _mm256_packs_epi32 (v[0], v[1]);
      b = _mm256_packs_epi32 (v[2], v[3]);
      c = _mm256_permutevar8x32_epi32 (_mm256_packs_epi16 (a, b), perm);
      _mm256_storeu_si256 ((__m256i *) (q + i), c);
    }
  *d = amax / 127.0f;
  return TRUE;
}

TGT_AVX2Q static void
quantize_unit_avx2 (gboolean     k,
                    const float *xu,
                    guint8      *o)
{
  int sums[16];

  if (k)
    {
      gint16 bs[16];
      float d;

      if (!quantize_block_avx2 (xu, QKK, (int8_t *) o, &d, sums))
        {
          quantize_unit_ref (k, xu, o);
          return;
        }
      memset (o + OFF_BSUMS, 0, Q8_UNIT_BYTES - OFF_BSUMS);
      for (int g = 0; g < 16; g++)
        bs[g] = (gint16) sums[g];
      memcpy (o + OFF_BSUMS, bs, sizeof bs);
      memcpy (o + OFF_D, &d, sizeof d);
    }
  else
    {
      float dx[8], dxs[8];

      for (int b = 0; b < 8; b++)
        {
          __m256i q;

          if (!quantize_block_avx2 (xu + QK * b, QK, (int8_t *) o + QK * b, &dx[b], sums))
            {
              quantize_unit_ref (k, xu, o);
              return;
            }
          dxs[b] = dx[b] * (float) (sums[0] + sums[1]);
          q = _mm256_loadu_si256 ((const __m256i *) (o + QK * b));
          _mm256_storeu_si256 ((__m256i *) (o + QK * b), _mm256_xor_si256 (q, _mm256_set1_epi8 ((char) 0x80)));
        }
      memset (o + OFF_BSUMS, 0, Q8_UNIT_BYTES - OFF_BSUMS);
      memcpy (o + OFF_DX, dx, sizeof dx);
      memcpy (o + OFF_DXS, dxs, sizeof dxs);
    }
}


#endif /* SY_QM_X86 */

static void
quantize_rows (SyDType      dtype,
               const float *x,
               int          K,
               int          T,
               void        *xq,
               gboolean     ref)
{
  gsize rb = sy_quant_q8_row_bytes (dtype, K);
  gboolean k = q8_k_family (dtype);

  g_return_if_fail (rb > 0);
  for (int t = 0; t < T; t++)
    for (int u = 0; u < K / QKK; u++)
      {
        const float *xu = x + (gsize) t * K + (gsize) u * QKK;
        guint8 *o = (guint8 *) xq + (gsize) t * rb + (gsize) u * Q8_UNIT_BYTES;

#ifdef SY_QM_X86
        if (!ref && sy_cpu_has_avx2_fma ())
          {
            quantize_unit_avx2 (k, xu, o);
            continue;
          }
#endif
        quantize_unit_ref (k, xu, o);
      }
}

void
sy_quant_q8_quantize (SyDType      dtype,
                      const float *x,
                      int          K,
                      int          T,
                      void        *xq)
{
  quantize_rows (dtype, x, K, T, xq, FALSE);
}

void
sy_quant_q8_quantize_ref (SyDType      dtype,
                          const float *x,
                          int          K,
                          int          T,
                          void        *xq)
{
  quantize_rows (dtype, x, K, T, xq, TRUE);
}

/* sy-quant.c: decoding and dot products of GGUF blocks (the quantizers
 * are in sy-quantize.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fast paths decode a whole block at a time into registers-sized
 * local arrays; the _ref twins find each element's bits from its index.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-cpu.h"
#include "sy-quant.h"
#include "sy-quant-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SY_QUANT_X86 1
#endif

/* Q4_K: the 6-bit scale and min of sub-block @j (0..7) from the 12 bytes */
static inline void
k4_scale_min (const guint8 *q,
              int           j,
              int          *sc,
              int          *m)
{
  if (j < 4)
    {
      *sc = q[j] & 63;
      *m = q[j + 4] & 63;
    }
  else
    {
      *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
      *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* Q4_K / Q5_K: the scales d0, d1 and offsets o0, o1 of sub-blocks 2 p
 * and 2 p + 1 (the low and high nibbles of the same 32 bytes) */
static inline void
k4_pair (const guint8 *scales,
         int           p,
         float         d,
         float         dmin,
         float        *d0,
         float        *o0,
         float        *d1,
         float        *o1)
{
  int sc0, m0, sc1, m1;

  k4_scale_min (scales, 2 * p, &sc0, &m0);
  k4_scale_min (scales, 2 * p + 1, &sc1, &m1);
  *d0 = d * sc0;
  *o0 = dmin * m0;
  *d1 = d * sc1;
  *o1 = dmin * m1;
}

/* IQ4_XS: the 6-bit scale (biased by 32) of sub-block @s (0..7) of the
 * block at @b: low 4 bits in nibble s % 2 of scales_l[s / 2], high 2 bits
 * at bit 2 s of scales_h */
static inline int
xs_scale (const guint8 *b,
          int           s)
{
  int sh = b[2] | (b[3] << 8);

  return ((b[4 + s / 2] >> (4 * (s % 2))) & 0xF) | (((sh >> (2 * s)) & 3) << 4);
}

/* half the E8M0 scale 2^(e - 127), to go with e2m1_x2 */
static inline float
e8m0_half (guint8 e)
{
  return ldexpf (1.0f, (int) e - 128);
}

/* --------------------------------------------------------- block decode */

static void
block_q8_0 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b);
  const int8_t *q = (const int8_t *) (b + 2);

  for (int j = 0; j < QK; j++)
    y[j] = d * q[j];
}

/* Q4_0: the codes 0..15 stand for -8..7 */
static const int8_t q4_0_levels[16] = { -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7 };

/* Q4_0 / MXFP4 / IQ4_NL: 16 bytes of 4-bit codes (value j in the low
 * nibble of byte j, value j + 16 in its high nibble), each standing for
 * d times its entry of @levels */
static void
nibbles_to_f32 (const guint8 *q,
                float         d,
                const int8_t *levels,
                float        *y)
{
  for (int j = 0; j < QK / 2; j++)
    {
      y[j] = d * levels[q[j] & 0xF];
      y[j + QK / 2] = d * levels[q[j] >> 4];
    }
}

static void
block_q4_0 (const guint8 *b,
            float        *y)
{
  nibbles_to_f32 (b + 2, rd_f16 (b), q4_0_levels, y);
}

static void
block_q4_k (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b), dmin = rd_f16 (b + 2);
  const guint8 *scales = b + 4, *q = b + 16;

  for (int p = 0; p < 4; p++)
    {
      float d0, d1, o0, o1;

      k4_pair (scales, p, d, dmin, &d0, &o0, &d1, &o1);
      for (int l = 0; l < 32; l++)
        {
          y[64 * p + l] = d0 * (q[32 * p + l] & 0xF) - o0;
          y[64 * p + 32 + l] = d1 * (q[32 * p + l] >> 4) - o1;
        }
    }
}

static void
block_q6_k (const guint8 *b,
            float        *y)
{
  const guint8 *ql = b, *qh = b + 128;
  const int8_t *sc = (const int8_t *) (b + 192);
  float d = rd_f16 (b + 208);

  for (int h = 0; h < 2; h++)
    {
      for (int l = 0; l < 32; l++)
        {
          int is = l / 16;
          int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
          int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
          int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;

          y[l] = d * sc[is] * q1;
          y[l + 32] = d * sc[is + 2] * q2;
          y[l + 64] = d * sc[is + 4] * q3;
          y[l + 96] = d * sc[is + 6] * q4;
        }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
}

static void
block_mxfp4 (const guint8 *b,
             float        *y)
{
  nibbles_to_f32 (b + 1, e8m0_half (b[0]), e2m1_x2, y);
}

static void
block_q4_1 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b), m = rd_f16 (b + 2);
  const guint8 *q = b + 4;

  for (int j = 0; j < QK / 2; j++)
    {
      y[j] = d * (q[j] & 0xF) + m;
      y[j + QK / 2] = d * (q[j] >> 4) + m;
    }
}

/* Q5_0 / Q5_1: the fifth bit of value j is bit j of the u32 at @qh */
static inline guint32
rd_u32le (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* Q5_0 / Q5_1: the 32 codes (0..31) from qh (4 bytes at @qh) and the
 * nibbles (16 bytes at @q) */
static void
q5_codes (const guint8 *qh,
          const guint8 *q,
          int          *c)
{
  guint32 h = rd_u32le (qh);

  for (int j = 0; j < QK / 2; j++)
    {
      c[j] = (q[j] & 0xF) | (((h >> j) & 1) << 4);
      c[j + QK / 2] = (q[j] >> 4) | (((h >> (j + 16)) & 1) << 4);
    }
}

static void
block_q5_0 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b);
  int c[QK];

  q5_codes (b + 2, b + 6, c);
  for (int j = 0; j < QK; j++)
    y[j] = d * (c[j] - 16);
}

static void
block_q5_1 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b), m = rd_f16 (b + 2);
  int c[QK];

  q5_codes (b + 4, b + 8, c);
  for (int j = 0; j < QK; j++)
    y[j] = d * c[j] + m;
}

static void
block_iq4_nl (const guint8 *b,
              float        *y)
{
  nibbles_to_f32 (b + 2, rd_f16 (b), iq4_levels, y);
}

static void
block_q2_k (const guint8 *b,
            float        *y)
{
  const guint8 *sc = b, *q = b + 16;
  float d = rd_f16 (b + 80), dmin = rd_f16 (b + 82);

  for (int h = 0; h < 2; h++)
    for (int k = 0; k < 4; k++)
      for (int g = 0; g < 2; g++)
        {
          int s = sc[8 * h + 2 * k + g];
          float dl = d * (s & 0xF), ml = dmin * (s >> 4);

          for (int l = 16 * g; l < 16 * g + 16; l++)
            y[128 * h + 32 * k + l] = dl * ((q[32 * h + l] >> (2 * k)) & 3) - ml;
        }
}

static void
block_q3_k (const guint8 *b,
            float        *y)
{
  const guint8 *hm = b, *q = b + 32;
  float d = rd_f16 (b + 108);

  for (int h = 0; h < 2; h++)
    for (int k = 0; k < 4; k++)
      for (int g = 0; g < 2; g++)
        {
          float dl = d * (k3_scale (b + 96, 8 * h + 2 * k + g) - 32);
          int bit = 4 * h + k;

          for (int l = 16 * g; l < 16 * g + 16; l++)
            y[128 * h + 32 * k + l] = dl * (((q[32 * h + l] >> (2 * k)) & 3)
                                            - ((hm[l] >> bit) & 1 ? 0 : 4));
        }
}

static void
block_q5_k (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b), dmin = rd_f16 (b + 2);
  const guint8 *scales = b + 4, *qh = b + 16, *q = b + 48;

  for (int p = 0; p < 4; p++)
    {
      float d0, d1, o0, o1;

      k4_pair (scales, p, d, dmin, &d0, &o0, &d1, &o1);
      for (int l = 0; l < 32; l++)
        {
          int q0 = (q[32 * p + l] & 0xF) | (((qh[l] >> (2 * p)) & 1) << 4);
          int q1 = (q[32 * p + l] >> 4) | (((qh[l] >> (2 * p + 1)) & 1) << 4);

          y[64 * p + l] = d0 * q0 - o0;
          y[64 * p + 32 + l] = d1 * q1 - o1;
        }
    }
}

static void
block_iq4_xs (const guint8 *b,
              float        *y)
{
  float d = rd_f16 (b);
  const guint8 *q = b + 8;

  for (int s = 0; s < 8; s++)
    {
      float dl = d * (xs_scale (b, s) - 32);

      for (int j = 0; j < 16; j++)
        {
          y[32 * s + j] = dl * iq4_levels[q[16 * s + j] & 0xF];
          y[32 * s + 16 + j] = dl * iq4_levels[q[16 * s + j] >> 4];
        }
    }
}

typedef void (*BlockFunc) (const guint8 *b, float *y);

static BlockFunc
block_func (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: return block_q8_0;
    case SY_DTYPE_Q4_0: return block_q4_0;
    case SY_DTYPE_Q4_K: return block_q4_k;
    case SY_DTYPE_Q6_K: return block_q6_k;
    case SY_DTYPE_MXFP4: return block_mxfp4;
    case SY_DTYPE_Q4_1: return block_q4_1;
    case SY_DTYPE_Q5_0: return block_q5_0;
    case SY_DTYPE_Q5_1: return block_q5_1;
    case SY_DTYPE_Q2_K: return block_q2_k;
    case SY_DTYPE_Q3_K: return block_q3_k;
    case SY_DTYPE_Q5_K: return block_q5_k;
    case SY_DTYPE_IQ4_NL: return block_iq4_nl;
    case SY_DTYPE_IQ4_XS: return block_iq4_xs;
    default: return NULL;
    }
}

void
sy_quant_to_f32 (SyDType      dtype,
                 const void  *data,
                 int64_t      offset,
                 int64_t      n,
                 float       *out)
{
  BlockFunc f = block_func (dtype);
  int be = sy_dtype_block_elems (dtype);
  gsize bb = sy_dtype_block_bytes (dtype);
  float tmp[QKK];
  int64_t i = 0;

  g_return_if_fail (f != NULL);
  while (i < n)
    {
      int64_t e = offset + i, blk = e / be;
      int j0 = (int) (e % be);
      int take = (int) MIN (be - j0, n - i);

      if (j0 == 0 && take == be)
        f ((const guint8 *) data + blk * bb, out + i);
      else
        {
          f ((const guint8 *) data + blk * bb, tmp);
          memcpy (out + i, tmp + j0, sizeof (float) * take);
        }
      i += take;
    }
}

/* One element, from its index alone. */
static float
element_ref (SyDType       dtype,
             const guint8 *data,
             int64_t       e)
{
  int be = sy_dtype_block_elems (dtype);
  const guint8 *b = data + (e / be) * sy_dtype_block_bytes (dtype);
  int j = (int) (e % be);

  switch (dtype)
    {
    case SY_DTYPE_Q8_0:
      return rd_f16 (b) * (float) (int8_t) b[2 + j];
    case SY_DTYPE_Q4_0:
      {
        int q = j < 16 ? (b[2 + j] & 0xF) : (b[2 + j - 16] >> 4);

        return rd_f16 (b) * (float) (q - 8);
      }
    case SY_DTYPE_Q4_K:
      {
        int s = j / 32, l = j % 32, sc, m;
        int q = (b[16 + 32 * (s / 2) + l] >> (4 * (s % 2))) & 0xF;

        k4_scale_min (b + 4, s, &sc, &m);
        return rd_f16 (b) * (float) sc * (float) q - rd_f16 (b + 2) * (float) m;
      }
    case SY_DTYPE_Q6_K:
      {
        int h = j / 128, r = j % 128, k = r / 32, l = r % 32;
        int lo = (b[64 * h + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
        int hi = (b[128 + 32 * h + l] >> (2 * k)) & 3;
        int8_t sc = (int8_t) b[192 + 8 * h + l / 16 + 2 * k];

        return rd_f16 (b + 208) * (float) sc * (float) ((lo | (hi << 4)) - 32);
      }
    case SY_DTYPE_MXFP4:
      {
        int q = j < 16 ? (b[1 + j] & 0xF) : (b[1 + j - 16] >> 4);
        /* sign, then 2^(exp - 1) (1 + m / 2), or m / 2 for exp = 0 */
        float v = (q & 6) ? ldexpf (1.0f + 0.5f * (q & 1), ((q >> 1) & 3) - 1) : 0.5f * (q & 1);

        return ldexpf ((q & 8) ? -v : v, (int) b[0] - 127);
      }
    case SY_DTYPE_Q4_1:
      {
        int q = j < 16 ? (b[4 + j] & 0xF) : (b[4 + j - 16] >> 4);

        return rd_f16 (b) * (float) q + rd_f16 (b + 2);
      }
    case SY_DTYPE_Q5_0:
    case SY_DTYPE_Q5_1:
      {
        /* Q5_1 has a min after d; then qh (4 bytes), then the nibbles */
        int o = dtype == SY_DTYPE_Q5_1 ? 4 : 2;
        int lo = j < 16 ? (b[o + 4 + j] & 0xF) : (b[o + 4 + j - 16] >> 4);
        int hi = (b[o + j / 8] >> (j % 8)) & 1;
        int q = lo | (hi << 4);

        if (dtype == SY_DTYPE_Q5_0)
          return rd_f16 (b) * (float) (q - 16);
        return rd_f16 (b) * (float) q + rd_f16 (b + 2);
      }
    case SY_DTYPE_IQ4_NL:
      {
        int q = j < 16 ? (b[2 + j] & 0xF) : (b[2 + j - 16] >> 4);

        return rd_f16 (b) * (float) iq4_levels[q];
      }
    case SY_DTYPE_Q2_K:
      {
        int h = j / 128, k = (j % 128) / 32, l = j % 32;
        int q = (b[16 + 32 * h + l] >> (2 * k)) & 3, s = b[j / 16];

        return rd_f16 (b + 80) * (float) (s & 0xF) * (float) q - rd_f16 (b + 82) * (float) (s >> 4);
      }
    case SY_DTYPE_Q3_K:
      {
        int h = j / 128, k = (j % 128) / 32, l = j % 32;
        int lo = (b[32 + 32 * h + l] >> (2 * k)) & 3;
        int set = (b[l] >> (j / 32)) & 1;

        return rd_f16 (b + 108) * (float) (k3_scale (b + 96, j / 16) - 32) * (float) (lo - (set ? 0 : 4));
      }
    case SY_DTYPE_Q5_K:
      {
        int s = j / 32, l = j % 32, sc, m;
        int q = ((b[48 + 32 * (s / 2) + l] >> (4 * (s % 2))) & 0xF) | (((b[16 + l] >> s) & 1) << 4);

        k4_scale_min (b + 4, s, &sc, &m);
        return rd_f16 (b) * (float) sc * (float) q - rd_f16 (b + 2) * (float) m;
      }
    case SY_DTYPE_IQ4_XS:
      {
        int s = j / 32, l = j % 32;
        int q = (b[8 + 16 * s + l % 16] >> (4 * (l / 16))) & 0xF;

        return rd_f16 (b) * (float) (xs_scale (b, s) - 32) * (float) iq4_levels[q];
      }
    default:
      return NAN;
    }
}

void
sy_quant_to_f32_ref (SyDType      dtype,
                     const void  *data,
                     int64_t      offset,
                     int64_t      n,
                     float       *out)
{
  for (int64_t i = 0; i < n; i++)
    out[i] = element_ref (dtype, data, offset + i);
}

/* ------------------------------------------------------------------ dot */

#ifdef SY_QUANT_X86
/* 8 int8 at @q as floats */
__attribute__ ((target ("avx2,fma")))
static inline __m256
i8x8 (const void *q)
{
  int64_t v;

  memcpy (&v, q, 8);
  return _mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_cvtsi64_si128 (v)));
}

/* 8 bytes' low (hi = FALSE) or high nibbles minus 8, as floats */
__attribute__ ((target ("avx2,fma")))
static inline __m256
nib8 (const guint8 *q,
      gboolean      hi)
{
  int64_t v;
  __m256i w;

  memcpy (&v, q, 8);
  w = _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 (v));
  w = hi ? _mm256_srli_epi32 (w, 4) : _mm256_and_si256 (w, _mm256_set1_epi32 (0xF));
  return _mm256_cvtepi32_ps (_mm256_sub_epi32 (w, _mm256_set1_epi32 (8)));
}

/* 8 bytes as int32 lanes */
__attribute__ ((target ("avx2,fma")))
static inline __m256i
u8x8 (const guint8 *q)
{
  int64_t v;

  memcpy (&v, q, 8);
  return _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 (v));
}

/* Q4_K: sum_l (d sc q_l - dmin m) x_l = d sc (q . x) - dmin m sum (x), per
 * sub-block of 32 */
__attribute__ ((target ("avx2,fma")))
static float
dot_q4_k_avx2 (const guint8 *b,
               const float  *x,
               int           n)
{
  __m256i mask = _mm256_set1_epi32 (0xF);
  float sum = 0;

  for (int i = 0; i < n; i += QKK, b += 144)
    {
      float d = rd_f16 (b), dmin = rd_f16 (b + 2);
      const guint8 *q = b + 16;

      for (int p = 0; p < 4; p++)
        {
          __m256 s0 = _mm256_setzero_ps (), s1 = _mm256_setzero_ps ();
          __m256 x0 = _mm256_setzero_ps (), x1 = _mm256_setzero_ps ();
          const float *xp = x + i + 64 * p;
          int sc0, m0, sc1, m1;

          k4_scale_min (b + 4, 2 * p, &sc0, &m0);
          k4_scale_min (b + 4, 2 * p + 1, &sc1, &m1);
          for (int c = 0; c < 32; c += 8)
            {
              __m256i w = u8x8 (q + 32 * p + c);
              __m256 xa = _mm256_loadu_ps (xp + c), xb = _mm256_loadu_ps (xp + 32 + c);

              s0 = _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_and_si256 (w, mask)), xa, s0);
              s1 = _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_srli_epi32 (w, 4)), xb, s1);
              x0 = _mm256_add_ps (x0, xa);
              x1 = _mm256_add_ps (x1, xb);
            }
          sum += d * sc0 * sy_hsum256 (s0) - dmin * m0 * sy_hsum256 (x0)
                 + d * sc1 * sy_hsum256 (s1) - dmin * m1 * sy_hsum256 (x1);
        }
    }
  return sum;
}

/* Q6_K: per half of 128, per 8 positions l: the four 6-bit values at l,
 * l + 32, l + 64, l + 96 from ql (low nibbles) and qh (2 bits each) */
__attribute__ ((target ("avx2,fma")))
static float
dot_q6_k_avx2 (const guint8 *b,
               const float  *x,
               int           n)
{
  __m256i m4 = _mm256_set1_epi32 (0xF), m2 = _mm256_set1_epi32 (3), k32 = _mm256_set1_epi32 (32);
  float sum = 0;

  for (int i = 0; i < n; i += QKK, b += 210)
    {
      const guint8 *ql = b, *qh = b + 128;
      const int8_t *sc = (const int8_t *) (b + 192);
      float d = rd_f16 (b + 208);
      const float *xp = x + i;

      for (int h = 0; h < 2; h++, ql += 64, qh += 32, sc += 8, xp += 128)
        for (int l = 0; l < 32; l += 8)
          {
            __m256i a = u8x8 (ql + l), c = u8x8 (ql + l + 32), hb = u8x8 (qh + l);
            __m256i q1 = _mm256_or_si256 (_mm256_and_si256 (a, m4),
                                          _mm256_slli_epi32 (_mm256_and_si256 (hb, m2), 4));
            __m256i q2 = _mm256_or_si256 (_mm256_and_si256 (c, m4),
                                          _mm256_slli_epi32 (_mm256_and_si256 (_mm256_srli_epi32 (hb, 2), m2), 4));
            __m256i q3 = _mm256_or_si256 (_mm256_srli_epi32 (a, 4),
                                          _mm256_slli_epi32 (_mm256_and_si256 (_mm256_srli_epi32 (hb, 4), m2), 4));
            __m256i q4 = _mm256_or_si256 (_mm256_srli_epi32 (c, 4),
                                          _mm256_slli_epi32 (_mm256_srli_epi32 (hb, 6), 4));
            int is = l / 16;
            __m256 acc = _mm256_mul_ps (_mm256_set1_ps ((float) sc[is]),
                                        _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_sub_epi32 (q1, k32)),
                                                       _mm256_loadu_ps (xp + l)));

            acc = _mm256_fmadd_ps (_mm256_set1_ps ((float) sc[is + 2]),
                                   _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_sub_epi32 (q2, k32)),
                                                  _mm256_loadu_ps (xp + l + 32)), acc);
            acc = _mm256_fmadd_ps (_mm256_set1_ps ((float) sc[is + 4]),
                                   _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_sub_epi32 (q3, k32)),
                                                  _mm256_loadu_ps (xp + l + 64)), acc);
            acc = _mm256_fmadd_ps (_mm256_set1_ps ((float) sc[is + 6]),
                                   _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_sub_epi32 (q4, k32)),
                                                  _mm256_loadu_ps (xp + l + 96)), acc);
            sum += d * sy_hsum256 (acc);
          }
    }
  return sum;
}

/* sum of the 32 int8 of @q times x[0..31], as 8 partial sums */
__attribute__ ((target ("avx2,fma")))
static inline __m256
dot32_i8 (__m256i      q,
          const float *x)
{
  __m128i lo = _mm256_castsi256_si128 (q), hi = _mm256_extracti128_si256 (q, 1);
  __m256 s = _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (lo)), _mm256_loadu_ps (x));

  s = _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_srli_si128 (lo, 8))),
                       _mm256_loadu_ps (x + 8), s);
  s = _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (hi)), _mm256_loadu_ps (x + 16), s);
  return _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_srli_si128 (hi, 8))),
                          _mm256_loadu_ps (x + 24), s);
}

/* the same for 16 int8 */
__attribute__ ((target ("avx2,fma")))
static inline __m256
dot16_i8 (__m128i      q,
          const float *x)
{
  __m256 s = _mm256_mul_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (q)), _mm256_loadu_ps (x));

  return _mm256_fmadd_ps (_mm256_cvtepi32_ps (_mm256_cvtepi8_epi32 (_mm_srli_si128 (q, 8))),
                          _mm256_loadu_ps (x + 8), s);
}

__attribute__ ((target ("avx2,fma")))
static inline __m256
sum32 (const float *x)
{
  return _mm256_add_ps (_mm256_add_ps (_mm256_loadu_ps (x), _mm256_loadu_ps (x + 8)),
                        _mm256_add_ps (_mm256_loadu_ps (x + 16), _mm256_loadu_ps (x + 24)));
}

/* the 16 bytes at @q as 32 nibbles: low nibbles in bytes 0..15, high
 * nibbles in 16..31 (the Q4_0 order) */
__attribute__ ((target ("avx2,fma")))
static inline __m256i
nibbles32 (const guint8 *q)
{
  __m128i v = _mm_loadu_si128 ((const __m128i *) q), m = _mm_set1_epi8 (0xF);

  return _mm256_set_m128i (_mm_and_si128 (_mm_srli_epi16 (v, 4), m), _mm_and_si128 (v, m));
}

/* byte j = 0x10 where bit j of @qh is set, else 0 */
__attribute__ ((target ("avx2,fma")))
static inline __m256i
bits32_x16 (guint32 qh)
{
  __m256i v = _mm256_shuffle_epi8 (_mm256_set1_epi32 ((int) qh),
                                   _mm256_set_epi64x (0x0303030303030303LL, 0x0202020202020202LL,
                                                      0x0101010101010101LL, 0));
  __m256i bit = _mm256_set1_epi64x ((long long) 0x8040201008040201ULL);

  return _mm256_and_si256 (_mm256_cmpeq_epi8 (_mm256_and_si256 (v, bit), bit), _mm256_set1_epi8 (0x10));
}

/* Q4_1 / Q5_0 / Q5_1 / IQ4_NL: 32 small integers per block with one
 * scale (and a min: d (q . x) + m sum (x)) */
__attribute__ ((target ("avx2,fma")))
static float
dot_small_avx2 (SyDType       dtype,
                const guint8 *b,
                const float  *x,
                int           n)
{
  __m256 acc = _mm256_setzero_ps (), accm = _mm256_setzero_ps ();
  __m256i table = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) iq4_levels));
  __m256i k16 = _mm256_set1_epi8 (16);
  gsize bb = sy_dtype_block_bytes (dtype);

  for (int i = 0; i < n; i += QK, b += bb)
    {
      const float *xp = x + i;

      switch (dtype)
        {
        case SY_DTYPE_Q4_1:
          acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)), dot32_i8 (nibbles32 (b + 4), xp), acc);
          accm = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b + 2)), sum32 (xp), accm);
          break;
        case SY_DTYPE_Q5_0:
          {
            __m256i q = _mm256_or_si256 (nibbles32 (b + 6), bits32_x16 (rd_u32le (b + 2)));

            acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)), dot32_i8 (_mm256_sub_epi8 (q, k16), xp), acc);
          }
          break;
        case SY_DTYPE_Q5_1:
          {
            __m256i q = _mm256_or_si256 (nibbles32 (b + 8), bits32_x16 (rd_u32le (b + 4)));

            acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)), dot32_i8 (q, xp), acc);
            accm = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b + 2)), sum32 (xp), accm);
          }
          break;
        default: /* IQ4_NL */
          acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)),
                                 dot32_i8 (_mm256_shuffle_epi8 (table, nibbles32 (b + 2)), xp), acc);
          break;
        }
    }
  return sy_hsum256 (_mm256_add_ps (acc, accm));
}

/* Q2_K: per group of 16, d sc (q . x) - dmin m sum (x) */
__attribute__ ((target ("avx2,fma")))
static float
dot_q2_k_avx2 (const guint8 *b,
               const float  *x,
               int           n)
{
  __m256i m3 = _mm256_set1_epi8 (3);
  __m256 acc = _mm256_setzero_ps (), accm = _mm256_setzero_ps ();

  for (int i = 0; i < n; i += QKK, b += 84)
    {
      float d = rd_f16 (b + 80), dmin = rd_f16 (b + 82);

      for (int h = 0; h < 2; h++)
        {
          __m256i q = _mm256_loadu_si256 ((const __m256i *) (b + 16 + 32 * h));

          for (int k = 0; k < 4; k++)
            {
              __m256i v = _mm256_and_si256 (_mm256_srl_epi16 (q, _mm_cvtsi32_si128 (2 * k)), m3);
              const float *xp = x + i + 128 * h + 32 * k;
              int s0 = b[8 * h + 2 * k], s1 = b[8 * h + 2 * k + 1];

              acc = _mm256_fmadd_ps (_mm256_set1_ps (d * (s0 & 0xF)),
                                     dot16_i8 (_mm256_castsi256_si128 (v), xp), acc);
              acc = _mm256_fmadd_ps (_mm256_set1_ps (d * (s1 & 0xF)),
                                     dot16_i8 (_mm256_extracti128_si256 (v, 1), xp + 16), acc);
              accm = _mm256_fmadd_ps (_mm256_set1_ps (dmin * (s0 >> 4)),
                                      _mm256_add_ps (_mm256_loadu_ps (xp), _mm256_loadu_ps (xp + 8)), accm);
              accm = _mm256_fmadd_ps (_mm256_set1_ps (dmin * (s1 >> 4)),
                                      _mm256_add_ps (_mm256_loadu_ps (xp + 16), _mm256_loadu_ps (xp + 24)), accm);
            }
        }
    }
  return sy_hsum256 (_mm256_sub_ps (acc, accm));
}

/* Q3_K: q = low 2 bits + 4 hmask bit - 4, per group of 16 d (sc - 32) (q . x) */
__attribute__ ((target ("avx2,fma")))
static float
dot_q3_k_avx2 (const guint8 *b,
               const float  *x,
               int           n)
{
  __m256i m3 = _mm256_set1_epi8 (3), m1 = _mm256_set1_epi8 (1), k4 = _mm256_set1_epi8 (4);
  __m256 acc = _mm256_setzero_ps ();

  for (int i = 0; i < n; i += QKK, b += 110)
    {
      float d = rd_f16 (b + 108);
      __m256i hm = _mm256_loadu_si256 ((const __m256i *) b);

      for (int h = 0; h < 2; h++)
        {
          __m256i q = _mm256_loadu_si256 ((const __m256i *) (b + 32 + 32 * h));

          for (int k = 0; k < 4; k++)
            {
              __m256i lo = _mm256_and_si256 (_mm256_srl_epi16 (q, _mm_cvtsi32_si128 (2 * k)), m3);
              __m256i hb = _mm256_and_si256 (_mm256_srl_epi16 (hm, _mm_cvtsi32_si128 (4 * h + k)), m1);
              __m256i v = _mm256_sub_epi8 (_mm256_or_si256 (lo, _mm256_slli_epi16 (hb, 2)), k4);
              const float *xp = x + i + 128 * h + 32 * k;
              int g = 8 * h + 2 * k;

              acc = _mm256_fmadd_ps (_mm256_set1_ps (d * (k3_scale (b + 96, g) - 32)),
                                     dot16_i8 (_mm256_castsi256_si128 (v), xp), acc);
              acc = _mm256_fmadd_ps (_mm256_set1_ps (d * (k3_scale (b + 96, g + 1) - 32)),
                                     dot16_i8 (_mm256_extracti128_si256 (v, 1), xp + 16), acc);
            }
        }
    }
  return sy_hsum256 (acc);
}

/* Q5_K: as Q4_K, with the fifth bits from qh */
__attribute__ ((target ("avx2,fma")))
static float
dot_q5_k_avx2 (const guint8 *b,
               const float  *x,
               int           n)
{
  __m256i m4 = _mm256_set1_epi8 (0xF), m1 = _mm256_set1_epi8 (1);
  __m256 acc = _mm256_setzero_ps (), accm = _mm256_setzero_ps ();

  for (int i = 0; i < n; i += QKK, b += 176)
    {
      float d = rd_f16 (b), dmin = rd_f16 (b + 2);
      __m256i qh = _mm256_loadu_si256 ((const __m256i *) (b + 16));

      for (int p = 0; p < 4; p++)
        {
          __m256i q = _mm256_loadu_si256 ((const __m256i *) (b + 48 + 32 * p));
          __m256i h0 = _mm256_and_si256 (_mm256_srl_epi16 (qh, _mm_cvtsi32_si128 (2 * p)), m1);
          __m256i h1 = _mm256_and_si256 (_mm256_srl_epi16 (qh, _mm_cvtsi32_si128 (2 * p + 1)), m1);
          __m256i v0 = _mm256_or_si256 (_mm256_and_si256 (q, m4), _mm256_slli_epi16 (h0, 4));
          __m256i v1 = _mm256_or_si256 (_mm256_and_si256 (_mm256_srli_epi16 (q, 4), m4),
                                        _mm256_slli_epi16 (h1, 4));
          const float *xp = x + i + 64 * p;
          int sc0, mn0, sc1, mn1;

          k4_scale_min (b + 4, 2 * p, &sc0, &mn0);
          k4_scale_min (b + 4, 2 * p + 1, &sc1, &mn1);
          acc = _mm256_fmadd_ps (_mm256_set1_ps (d * sc0), dot32_i8 (v0, xp), acc);
          acc = _mm256_fmadd_ps (_mm256_set1_ps (d * sc1), dot32_i8 (v1, xp + 32), acc);
          accm = _mm256_fmadd_ps (_mm256_set1_ps (dmin * mn0), sum32 (xp), accm);
          accm = _mm256_fmadd_ps (_mm256_set1_ps (dmin * mn1), sum32 (xp + 32), accm);
        }
    }
  return sy_hsum256 (_mm256_sub_ps (acc, accm));
}

/* IQ4_XS: per sub-block of 32, d (ls - 32) (level (q) . x) */
__attribute__ ((target ("avx2,fma")))
static float
dot_iq4_xs_avx2 (const guint8 *b,
                 const float  *x,
                 int           n)
{
  __m256i table = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) iq4_levels));
  __m256 acc = _mm256_setzero_ps ();

  for (int i = 0; i < n; i += QKK, b += 136)
    {
      float d = rd_f16 (b);

      for (int s = 0; s < 8; s++)
        acc = _mm256_fmadd_ps (_mm256_set1_ps (d * (xs_scale (b, s) - 32)),
                               dot32_i8 (_mm256_shuffle_epi8 (table, nibbles32 (b + 8 + 16 * s)),
                                         x + i + 32 * s), acc);
    }
  return sy_hsum256 (acc);
}

__attribute__ ((target ("avx2,fma")))
static float
dot_avx2 (SyDType      dtype,
          const guint8 *b,
          const float  *x,
          int           n)
{
  __m256 acc = _mm256_setzero_ps ();

  if (dtype == SY_DTYPE_Q8_0)
    for (int i = 0; i < n; i += QK, b += 34)
      {
        __m256 s = _mm256_mul_ps (i8x8 (b + 2), _mm256_loadu_ps (x + i));

        s = _mm256_fmadd_ps (i8x8 (b + 10), _mm256_loadu_ps (x + i + 8), s);
        s = _mm256_fmadd_ps (i8x8 (b + 18), _mm256_loadu_ps (x + i + 16), s);
        s = _mm256_fmadd_ps (i8x8 (b + 26), _mm256_loadu_ps (x + i + 24), s);
        acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)), s, acc);
      }
  else if (dtype == SY_DTYPE_Q4_0)
    for (int i = 0; i < n; i += QK, b += 18)
      {
        __m256 s = _mm256_mul_ps (nib8 (b + 2, FALSE), _mm256_loadu_ps (x + i));

        s = _mm256_fmadd_ps (nib8 (b + 10, FALSE), _mm256_loadu_ps (x + i + 8), s);
        s = _mm256_fmadd_ps (nib8 (b + 2, TRUE), _mm256_loadu_ps (x + i + 16), s);
        s = _mm256_fmadd_ps (nib8 (b + 10, TRUE), _mm256_loadu_ps (x + i + 24), s);
        acc = _mm256_fmadd_ps (_mm256_set1_ps (rd_f16 (b)), s, acc);
      }
  else if (dtype == SY_DTYPE_MXFP4)
    {
      __m128i table = _mm_loadu_si128 ((const __m128i *) e2m1_x2);
      __m128i mask = _mm_set1_epi8 (0xF);

      for (int i = 0; i < n; i += QK, b += 17)
        {
          __m128i q = _mm_loadu_si128 ((const __m128i *) (b + 1));
          __m128i lo = _mm_shuffle_epi8 (table, _mm_and_si128 (q, mask));
          __m128i hi = _mm_shuffle_epi8 (table, _mm_and_si128 (_mm_srli_epi16 (q, 4), mask));

          acc = _mm256_fmadd_ps (_mm256_set1_ps (e8m0_half (b[0])),
                                 dot32_i8 (_mm256_set_m128i (hi, lo), x + i), acc);
        }
    }
  else if (dtype == SY_DTYPE_Q4_K)
    return dot_q4_k_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_Q6_K)
    return dot_q6_k_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_Q5_K)
    return dot_q5_k_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_Q3_K)
    return dot_q3_k_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_Q2_K)
    return dot_q2_k_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_IQ4_XS)
    return dot_iq4_xs_avx2 (b, x, n);
  else if (dtype == SY_DTYPE_Q4_1 || dtype == SY_DTYPE_Q5_0 || dtype == SY_DTYPE_Q5_1
           || dtype == SY_DTYPE_IQ4_NL)
    return dot_small_avx2 (dtype, b, x, n);
  return sy_hsum256 (acc);
}
#endif

float
sy_quant_dot (SyDType      dtype,
              const void  *row,
              const float *x,
              int          n)
{
  const guint8 *b = row;
  float sum = 0;

#ifdef SY_QUANT_X86
  if (sy_cpu_has_avx2_fma () && block_func (dtype) != NULL)
    return dot_avx2 (dtype, row, x, n);
#endif

  switch (dtype)
    {
    case SY_DTYPE_Q8_0:
      for (int i = 0; i < n; i += QK, b += 34)
        {
          const int8_t *q = (const int8_t *) (b + 2);
          float s = 0;

          for (int j = 0; j < QK; j++)
            s += q[j] * x[i + j];
          sum += rd_f16 (b) * s;
        }
      return sum;
    case SY_DTYPE_Q4_0:
      for (int i = 0; i < n; i += QK, b += 18)
        {
          float s = 0;

          for (int j = 0; j < QK / 2; j++)
            s += ((b[2 + j] & 0xF) - 8) * x[i + j] + ((b[2 + j] >> 4) - 8) * x[i + j + 16];
          sum += rd_f16 (b) * s;
        }
      return sum;
    case SY_DTYPE_MXFP4:
      for (int i = 0; i < n; i += QK, b += 17)
        {
          float s = 0;

          for (int j = 0; j < QK / 2; j++)
            s += e2m1_x2[b[1 + j] & 0xF] * x[i + j] + e2m1_x2[b[1 + j] >> 4] * x[i + j + 16];
          sum += e8m0_half (b[0]) * s;
        }
      return sum;
    default:
      {
        BlockFunc f = block_func (dtype);
        gsize bb = sy_dtype_block_bytes (dtype);
        float y[QKK];

        g_return_val_if_fail (f != NULL, NAN);
        for (int i = 0; i < n; i += QKK, b += bb)
          {
            float s = 0;

            f (b, y);
            for (int j = 0; j < QKK; j++)
              s += y[j] * x[i + j];
            sum += s;
          }
        return sum;
      }
    }
}

float
sy_quant_dot_ref (SyDType      dtype,
                  const void  *row,
                  const float *x,
                  int          n)
{
  double sum = 0;

  for (int i = 0; i < n; i++)
    sum += (double) element_ref (dtype, row, i) * x[i];
  return (float) sum;
}

int64_t
sy_quant_find_nonfinite (SyDType      dtype,
                         const void  *data,
                         int64_t      n_blocks)
{
  gsize bb = sy_dtype_block_bytes (dtype);

  for (int64_t i = 0; i < n_blocks; i++)
    {
      const guint8 *b = (const guint8 *) data + i * bb;
      float a, c = 0;

      switch (dtype)
        {
        case SY_DTYPE_Q4_K:
        case SY_DTYPE_Q5_K:
        case SY_DTYPE_Q4_1:
        case SY_DTYPE_Q5_1:
          a = rd_f16 (b);
          c = rd_f16 (b + 2);
          break;
        case SY_DTYPE_Q6_K:
          a = rd_f16 (b + 208);
          break;
        case SY_DTYPE_Q2_K:
          a = rd_f16 (b + 80);
          c = rd_f16 (b + 82);
          break;
        case SY_DTYPE_Q3_K:
          a = rd_f16 (b + 108);
          break;
        case SY_DTYPE_MXFP4:
          /* E8M0 0xFF is NaN (OCP MX) */
          a = b[0] == 0xFF ? NAN : 1.0f;
          break;
        default:
          a = rd_f16 (b);
          break;
        }
      if (!isfinite (a) || !isfinite (c))
        return i;
    }
  return -1;
}

/* sy-quant-q8.c: block-quantized weights x 8-bit activations
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every weight type is read as integers in one of two shapes, per unit of
 * 256 values (one K-quant super-block, or eight 32-value blocks):
 *
 * - KUnit (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K): unsigned codes q (0 .. 63), an
 *   integer scale sc and offset mn per 16 values and two float scales, so
 *   that w = d sc q - dmin mn (Q6_K: q - 32, so mn = 32 sc and dmin = d;
 *   Q3_K: q' = q + 4 hmask - 4 likewise).  Against activations x = dx xq
 *   (one dx per 256): dot = dx (d sum_g sc_g (q . xq)_g - dmin sum_g mn_g
 *   bsum_g), integer inside the parentheses;
 * - BUnit (the 32-value types and IQ4_XS): signed codes w (-128 .. 127),
 *   a float scale (and for Q4_1 / Q5_1 a float min) per 32 values.
 *   Against x = dx_b xq per block: dot = sum_b dw_b dx_b (w . xq)_b +
 *   mw_b dx_b sum_b (xq).
 *
 * The AVX-512 kernels (VNNI) keep the codes of a unit in four registers
 * of 64 bytes and run them against up to four activation rows: K-quants
 * with vpmaddubsw (codes x activations, pairs to int16) and vpdpwssd
 * (times the 16-value scales, into int32); the B types with vpdpbusd on
 * the activations stored plus 128 (unsigned) and the signed codes, less
 * 128 sum (w) per block.  Q4_K, Q5_K, Q6_K, Q8_0 and the nibble types
 * decode in registers; Q2_K, Q3_K and IQ4_XS through the scalar decoder.
 * The AVX2 kernels take the scalar decoder's integers and do the same
 * dot products with vpmaddubsw / vpmaddwd.
 */
#include "config.h"

#include <math.h>

#include "sy-cpu.h"
#include "sy-quant-q8-private.h"
#include "sy-quant-q8.h"

const char *
sy_activations_to_string (SyActivations mode)
{
  return mode == SY_ACTIVATIONS_Q8 ? "q8" : "f32";
}

gboolean
sy_activations_from_string (const char    *text,
                            SyActivations *mode)
{
  if (g_strcmp0 (text, "f32") == 0)
    *mode = SY_ACTIVATIONS_F32;
  else if (g_strcmp0 (text, "q8") == 0)
    *mode = SY_ACTIVATIONS_Q8;
  else
    return FALSE;
  return TRUE;
}

gsize
sy_quant_q8_row_bytes (SyDType dtype,
                       int     K)
{
  if (K <= 0 || K % QKK != 0 || !(q8_k_family (dtype) || q8_b_family (dtype)))
    return 0;
  return (gsize) (K / QKK) * Q8_UNIT_BYTES;
}
/* ------------------------------------------------- scalar decoders */

typedef struct
{
  guint8 q[QKK];
  gint16 sc[16];
  gint16 mn[16];
  float  d;
  float  dmin;
} KUnit;

typedef struct
{
  int8_t w[QKK];
  float  dw[8];
  float  mw[8];
} BUnit;

static void
k_decode (SyDType       dtype,
          const guint8 *b,
          KUnit        *u)
{
  switch (dtype)
    {
    case SY_DTYPE_Q4_K:
    case SY_DTYPE_Q5_K:
      {
        guint64 sc, m;
        gboolean five = dtype == SY_DTYPE_Q5_K;
        const guint8 *qs = b + (five ? 48 : 16);

        k4_scales_mins (b + 4, &sc, &m);
        for (int g = 0; g < 16; g++)
          {
            u->sc[g] = (sc >> (8 * (g / 2))) & 0xFF;
            u->mn[g] = (m >> (8 * (g / 2))) & 0xFF;
          }
        for (int j = 0; j < QKK; j++)
          {
            int s = j / 32, l = j % 32;

            u->q[j] = (qs[32 * (s / 2) + l] >> (4 * (s % 2))) & 0xF;
            if (five)
              u->q[j] |= ((b[16 + l] >> s) & 1) << 4;
          }
        u->d = rd_f16 (b);
        u->dmin = rd_f16 (b + 2);
        break;
      }
    case SY_DTYPE_Q6_K:
      for (int j = 0; j < QKK; j++)
        {
          int h = j / 128, r = j % 128, k = r / 32, l = r % 32;
          int lo = (b[64 * h + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
          int hi = (b[128 + 32 * h + l] >> (2 * k)) & 3;

          u->q[j] = lo | (hi << 4);
        }
      for (int g = 0; g < 16; g++)
        {
          u->sc[g] = (int8_t) b[192 + g];
          u->mn[g] = 32 * u->sc[g];
        }
      u->d = u->dmin = rd_f16 (b + 208);
      break;
    case SY_DTYPE_Q2_K:
      for (int j = 0; j < QKK; j++)
        {
          int h = j / 128, k = (j % 128) / 32, l = j % 32;

          u->q[j] = (b[16 + 32 * h + l] >> (2 * k)) & 3;
        }
      for (int g = 0; g < 16; g++)
        {
          u->sc[g] = b[g] & 0xF;
          u->mn[g] = b[g] >> 4;
        }
      u->d = rd_f16 (b + 80);
      u->dmin = rd_f16 (b + 82);
      break;
    case SY_DTYPE_Q3_K:
      /* x = d (s - 32) (lo - 4 (1 - set)) = d sc (lo + 4 set) - d 4 sc */
      for (int j = 0; j < QKK; j++)
        {
          int h = j / 128, k = (j % 128) / 32, l = j % 32;
          int lo = (b[32 + 32 * h + l] >> (2 * k)) & 3;
          int set = (b[l] >> (j / 32)) & 1;

          u->q[j] = lo + 4 * set;
        }
      for (int g = 0; g < 16; g++)
        {
          u->sc[g] = k3_scale (b + 96, g) - 32;
          u->mn[g] = 4 * u->sc[g];
        }
      u->d = u->dmin = rd_f16 (b + 108);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* 32 values of 4-bit codes as Q4_0's (value j < 16 in the low nibble of
 * byte j, j >= 16 in the high nibble of byte j - 16) through @levels (or
 * as they are, @levels NULL) */
static void
nibbles_to_i8 (const guint8 *q,
               const int8_t *levels,
               int8_t       *w)
{
  for (int j = 0; j < QK / 2; j++)
    {
      int lo = q[j] & 0xF, hi = q[j] >> 4;

      w[j] = levels ? levels[lo] : lo;
      w[j + QK / 2] = levels ? levels[hi] : hi;
    }
}

static const int8_t q4_0_codes[16] = { -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7 };

static void
b_decode (SyDType       dtype,
          const guint8 *b,
          BUnit        *u)
{
  gsize bb = sy_dtype_block_bytes (dtype);

  memset (u->mw, 0, sizeof u->mw);
  if (dtype == SY_DTYPE_IQ4_XS)
    {
      float d = rd_f16 (b);
      int sh = b[2] | (b[3] << 8);

      for (int s = 0; s < 8; s++)
        {
          int ls = ((b[4 + s / 2] >> (4 * (s % 2))) & 0xF) | (((sh >> (2 * s)) & 3) << 4);

          u->dw[s] = d * (float) (ls - 32);
          nibbles_to_i8 (b + 8 + 16 * s, iq4_levels, u->w + QK * s);
        }
      return;
    }
  for (int s = 0; s < 8; s++, b += bb)
    {
      int8_t *w = u->w + QK * s;

      switch (dtype)
        {
        case SY_DTYPE_Q8_0:
          u->dw[s] = rd_f16 (b);
          memcpy (w, b + 2, QK);
          break;
        case SY_DTYPE_Q4_0:
          u->dw[s] = rd_f16 (b);
          nibbles_to_i8 (b + 2, q4_0_codes, w);
          break;
        case SY_DTYPE_IQ4_NL:
          u->dw[s] = rd_f16 (b);
          nibbles_to_i8 (b + 2, iq4_levels, w);
          break;
        case SY_DTYPE_MXFP4:
          u->dw[s] = ldexpf (1.0f, (int) b[0] - 128);
          nibbles_to_i8 (b + 1, e2m1_x2, w);
          break;
        case SY_DTYPE_Q4_1:
          u->dw[s] = rd_f16 (b);
          u->mw[s] = rd_f16 (b + 2);
          nibbles_to_i8 (b + 4, NULL, w);
          break;
        case SY_DTYPE_Q5_0:
        case SY_DTYPE_Q5_1:
          {
            gboolean one = dtype == SY_DTYPE_Q5_1;
            int o = one ? 4 : 2;
            guint32 qh;

            u->dw[s] = rd_f16 (b);
            if (one)
              u->mw[s] = rd_f16 (b + 2);
            memcpy (&qh, b + o, 4);
            nibbles_to_i8 (b + o + 4, NULL, w);
            for (int j = 0; j < QK; j++)
              w[j] = (w[j] | (((qh >> j) & 1) << 4)) - (one ? 0 : 16);
            break;
          }
        default:
          g_assert_not_reached ();
        }
    }
}

/* ------------------------------------------------------ scalar twin */

static double
k_dot_ref (const KUnit  *k,
           const guint8 *xu)
{
  const int8_t *q = (const int8_t *) xu;
  gint16 bs[16];
  float dx;
  gint32 sumi = 0, summ = 0;

  memcpy (bs, xu + OFF_BSUMS, sizeof bs);
  memcpy (&dx, xu + OFF_D, sizeof dx);
  for (int g = 0; g < 16; g++)
    {
      gint32 s = 0;

      for (int i = 16 * g; i < 16 * g + 16; i++)
        s += k->q[i] * q[i];
      sumi += k->sc[g] * s;
      summ += k->mn[g] * bs[g];
    }
  return (double) ((k->d * dx) * (float) sumi) - (double) ((k->dmin * dx) * (float) summ);
}

static double
b_dot_ref (const BUnit  *u,
           const guint8 *xu)
{
  float dx[8], dxs[8];
  double acc = 0;

  memcpy (dx, xu + OFF_DX, sizeof dx);
  memcpy (dxs, xu + OFF_DXS, sizeof dxs);
  for (int b = 0; b < 8; b++)
    {
      gint32 s = 0;

      for (int i = QK * b; i < QK * b + QK; i++)
        s += u->w[i] * ((int) xu[i] - 128);
      acc += (double) ((float) s * (u->dw[b] * dx[b])) + (double) (u->mw[b] * dxs[b]);
    }
  return acc;
}

void
sy_quant_matmul_q8_rows_ref (const SyQuantProduct *m,
                             int                   r0,
                             int                   r1)
{
  SyDType dtype = m->dtype;
  const void *w = m->w, *xq = m->xq;
  int K = m->K, T = m->T;
  float *y = m->y;
  gsize ldy = m->ldy;
  gsize rb = sy_dtype_n_bytes (dtype, K), ub = sy_dtype_n_bytes (dtype, QKK);
  gsize xb = sy_quant_q8_row_bytes (dtype, K);
  int U = K / QKK;

  g_return_if_fail (xb > 0);
  for (int r = r0; r < r1; r++)
    for (int t = 0; t < T; t++)
      {
        double acc = 0;

        for (int u = 0; u < U; u++)
          {
            const guint8 *wu = (const guint8 *) w + (gsize) r * rb + (gsize) u * ub;
            const guint8 *xu = (const guint8 *) xq + (gsize) t * xb + (gsize) u * Q8_UNIT_BYTES;

            if (q8_k_family (dtype))
              {
                KUnit k;

                k_decode (dtype, wu, &k);
                acc += k_dot_ref (&k, xu);
              }
            else
              {
                BUnit bu;

                b_decode (dtype, wu, &bu);
                acc += b_dot_ref (&bu, xu);
              }
          }
        y[(gsize) t * ldy + r] = (float) acc;
      }
}

#ifdef SY_QM_X86

/* ------------------------------------------------- AVX-512 VNNI */

#define TGT_VNNI "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c,avx2"
#define KERNEL_VNNI __attribute__ ((target (TGT_VNNI)))
#define INLINE_VNNI __attribute__ ((target (TGT_VNNI), always_inline)) static inline

typedef struct
{
  __m512i q[4];     /* codes of values 64 i .. 64 i + 63 */
  __m256i sc;       /* 16 x int16 */
  __m256i mn;
  float   d, dmin;
} KRegs;

INLINE_VNNI __m512i
nib_pair_512 (const guint8 *p)
{
  /* 32 bytes: low nibbles in the low half, high nibbles in the high half */
  __m512i v = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) p));
  __m512i m = _mm512_set1_epi8 (0x0F);

  return _mm512_mask_blend_epi64 (0xF0, _mm512_and_si512 (v, m),
                                  _mm512_and_si512 (_mm512_srli_epi16 (v, 4), m));
}

INLINE_VNNI void
k_decode_512 (SyDType       dtype,
              const guint8 *b,
              KRegs        *k)
{
  switch (dtype)
    {
    case SY_DTYPE_Q4_K:
    case SY_DTYPE_Q5_K:
      {
        gboolean five = dtype == SY_DTYPE_Q5_K;
        const __m256i dup = _mm256_setr_epi16 (0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        guint64 sc, m;

        k4_scales_mins (b + 4, &sc, &m);
        k->sc = _mm256_permutexvar_epi16 (dup, _mm256_castsi128_si256 (
                                            _mm_cvtepu8_epi16 (_mm_cvtsi64_si128 ((long long) sc))));
        k->mn = _mm256_permutexvar_epi16 (dup, _mm256_castsi128_si256 (
                                            _mm_cvtepu8_epi16 (_mm_cvtsi64_si128 ((long long) m))));
        for (int i = 0; i < 4; i++)
          k->q[i] = nib_pair_512 (b + (five ? 48 : 16) + 32 * i);
        if (five)
          {
            __m512i h = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) (b + 16)));

            for (int i = 0; i < 4; i++)
              {
                __m512i sel = _mm512_mask_blend_epi64 (0xF0, _mm512_set1_epi8 ((char) (1 << (2 * i))),
                                                       _mm512_set1_epi8 ((char) (1 << (2 * i + 1))));
                __mmask64 bit = _mm512_test_epi8_mask (h, sel);

                k->q[i] = _mm512_mask_add_epi8 (k->q[i], bit, k->q[i], _mm512_set1_epi8 (16));
              }
          }
        k->d = qm_f16 (b);
        k->dmin = qm_f16 (b + 2);
        break;
      }
    case SY_DTYPE_Q6_K:
      {
        const __m512i m4 = _mm512_set1_epi8 (0x0F), m2 = _mm512_set1_epi8 (0x03);
        /* shift counts per 16-bit lane: low half, high half */
        const __m512i s02 = _mm512_mask_blend_epi64 (0xF0, _mm512_set1_epi16 (0), _mm512_set1_epi16 (2));
        const __m512i s46 = _mm512_mask_blend_epi64 (0xF0, _mm512_set1_epi16 (4), _mm512_set1_epi16 (6));

        for (int h = 0; h < 2; h++)
          {
            __m512i L = _mm512_loadu_si512 (b + 64 * h);
            __m512i H = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) (b + 128 + 32 * h)));
            __m512i h0 = _mm512_slli_epi16 (_mm512_and_si512 (_mm512_srlv_epi16 (H, s02), m2), 4);
            __m512i h1 = _mm512_slli_epi16 (_mm512_and_si512 (_mm512_srlv_epi16 (H, s46), m2), 4);

            k->q[2 * h] = _mm512_or_si512 (_mm512_and_si512 (L, m4), h0);
            k->q[2 * h + 1] = _mm512_or_si512 (_mm512_and_si512 (_mm512_srli_epi16 (L, 4), m4), h1);
          }
        k->sc = _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) (b + 192)));
        k->mn = _mm256_slli_epi16 (k->sc, 5);
        k->d = k->dmin = qm_f16 (b + 208);
        break;
      }
    default:
      {
        KUnit u;

        k_decode (dtype, b, &u);
        for (int i = 0; i < 4; i++)
          k->q[i] = _mm512_loadu_si512 (u.q + 64 * i);
        k->sc = _mm256_loadu_si256 ((const __m256i *) u.sc);
        k->mn = _mm256_loadu_si256 ((const __m256i *) u.mn);
        k->d = u.d;
        k->dmin = u.dmin;
        break;
      }
    }
}

/* What a family of formats' units share in a product: the permutations
 * that spread a unit's scales over the lanes of its four registers, and
 * whether the mins' term is subtracted (K formats) or added (block
 * formats). */
typedef struct
{
  __m512i  idx[4];
  gboolean sub_mins;
} UnitPlan512;

/* One unit of a weight row (QKK values at @wu) against the unit of each
 * of NT activation rows (at @xu0, rows @xb apart): the blocks' sums into
 * acc[t], the mins' term into accm[t]. */
typedef void (*UnitDot512) (SyDType        dtype,
                            const guint8  *wu,
                            const guint8  *xu0,
                            gsize          xb,
                            int            NT,
                            const __m512i *idx,
                            __m512        *acc,
                            __m256        *accm);

/* rows [r0, r1) against NT activation rows, unit by unit */
INLINE_VNNI void
rows_of_units_512 (SyDType            dtype,
                   UnitDot512         unit,
                   const UnitPlan512 *plan,
                   const guint8      *w,
                   int                K,
                   const guint8      *xq,
                   gsize              xb,
                   const int          NT,
                   float             *y,
                   gsize              ldy,
                   int                r0,
                   int                r1)
{
  gsize rb = sy_dtype_n_bytes (dtype, K), ub = sy_dtype_n_bytes (dtype, QKK);
  int U = K / QKK;

  for (int r = r0; r < r1; r++)
    {
      __m512 acc[4];
      __m256 accm[4];

      for (int t = 0; t < NT; t++)
        {
          acc[t] = _mm512_setzero_ps ();
          accm[t] = _mm256_setzero_ps ();
        }
      for (int u = 0; u < U; u++)
        unit (dtype, w + (gsize) r * rb + (gsize) u * ub, xq + (gsize) u * Q8_UNIT_BYTES, xb, NT, plan->idx, acc, accm);
      for (int t = 0; t < NT; t++)
        {
          float s = _mm512_reduce_add_ps (acc[t]), m = sy_hsum256 (accm[t]);

          y[(gsize) t * ldy + r] = plan->sub_mins ? s - m : s + m;
        }
    }
}

/* int16 lane l of register i covers values 64 i + 2 l, + 1: group 4 i + l / 8 */
INLINE_VNNI void
k_plan_512 (UnitPlan512 *plan)
{
  for (int i = 0; i < 4; i++)
    {
      gint16 v[32];

      for (int l = 0; l < 32; l++)
        v[l] = 4 * i + l / 8;
      plan->idx[i] = _mm512_loadu_si512 (v);
    }
  plan->sub_mins = TRUE;
}

/* a K-quant unit (sub-block scales and mins) */
INLINE_VNNI void
k_unit_512 (SyDType        dtype,
            const guint8  *wu,
            const guint8  *xu0,
            gsize          xb,
            int            NT,
            const __m512i *idx,
            __m512        *acc,
            __m256        *accm)
{
  KRegs k;
  __m512i sv[4];

  k_decode_512 (dtype, wu, &k);
  for (int i = 0; i < 4; i++)
    sv[i] = _mm512_permutexvar_epi16 (idx[i], _mm512_castsi256_si512 (k.sc));
#pragma GCC unroll 4
  for (int t = 0; t < NT; t++)
    {
      const guint8 *xu = xu0 + (gsize) t * xb;
      __m512i s0 = _mm512_setzero_si512 (), s1 = _mm512_setzero_si512 ();
      float dx = *(const float *) (xu + OFF_D);
      __m256i mm;

      s0 = _mm512_dpwssd_epi32 (s0, _mm512_maddubs_epi16 (k.q[0], _mm512_load_si512 (xu)), sv[0]);
      s1 = _mm512_dpwssd_epi32 (s1, _mm512_maddubs_epi16 (k.q[1], _mm512_load_si512 (xu + 64)), sv[1]);
      s0 = _mm512_dpwssd_epi32 (s0, _mm512_maddubs_epi16 (k.q[2], _mm512_load_si512 (xu + 128)), sv[2]);
      s1 = _mm512_dpwssd_epi32 (s1, _mm512_maddubs_epi16 (k.q[3], _mm512_load_si512 (xu + 192)), sv[3]);
      acc[t] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (_mm512_add_epi32 (s0, s1)),
                                _mm512_set1_ps (k.d * dx), acc[t]);
      mm = _mm256_madd_epi16 (_mm256_load_si256 ((const __m256i *) (xu + OFF_BSUMS)), k.mn);
      accm[t] = _mm256_fmadd_ps (_mm256_cvtepi32_ps (mm), _mm256_set1_ps (k.dmin * dx), accm[t]);
    }
}

typedef struct
{
  __m512i w[4];     /* signed codes of values 64 i .. 64 i + 63 */
  __m256  dw;
  __m256  mw;
} BRegs;

/* two 32-value blocks of 4-bit codes (16 bytes each, as Q4_0's) */
INLINE_VNNI __m512i
nib_blocks_512 (const guint8 *p0,
                const guint8 *p1)
{
  __m128i a = _mm_loadu_si128 ((const __m128i *) p0), b = _mm_loadu_si128 ((const __m128i *) p1);
  __m512i v = _mm512_inserti64x4 (_mm512_castsi256_si512 (_mm256_set_m128i (b, a)),
                                  _mm256_set_m128i (b, a), 1);
  __m512i m = _mm512_set1_epi8 (0x0F);

  /* 128-bit lanes: a lo, b lo | a hi, b hi -> a lo, a hi, b lo, b hi */
  v = _mm512_mask_blend_epi64 (0xF0, _mm512_and_si512 (v, m),
                               _mm512_and_si512 (_mm512_srli_epi16 (v, 4), m));
  return _mm512_shuffle_i64x2 (v, v, _MM_SHUFFLE (3, 1, 2, 0));
}

INLINE_VNNI __m256
f16x8 (const guint8 *b,
       gsize         stride)
{
  guint16 h[8];

  for (int i = 0; i < 8; i++)
    memcpy (&h[i], b + i * stride, 2);
  return _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) h));
}

INLINE_VNNI void
b_decode_512 (SyDType       dtype,
              const guint8 *b,
              BRegs        *k)
{
  gsize bb = sy_dtype_block_bytes (dtype);
  const int8_t *levels = NULL;
  int o = 2;

  k->mw = _mm256_setzero_ps ();
  switch (dtype)
    {
    case SY_DTYPE_Q8_0:
      for (int i = 0; i < 4; i++)
        k->w[i] = _mm512_inserti64x4 (_mm512_castsi256_si512 (
                                        _mm256_loadu_si256 ((const __m256i *) (b + 68 * i + 2))),
                                      _mm256_loadu_si256 ((const __m256i *) (b + 68 * i + 36)), 1);
      k->dw = f16x8 (b, 34);
      return;
    case SY_DTYPE_Q4_0:
      levels = q4_0_codes;
      break;
    case SY_DTYPE_IQ4_NL:
      levels = iq4_levels;
      break;
    case SY_DTYPE_MXFP4:
      levels = e2m1_x2;
      o = 1;
      break;
    case SY_DTYPE_Q4_1:
      o = 4;
      break;
    case SY_DTYPE_Q5_0:
      o = 6;
      break;
    case SY_DTYPE_Q5_1:
      o = 8;
      break;
    default:
      {
        BUnit u;

        b_decode (dtype, b, &u);
        for (int i = 0; i < 4; i++)
          k->w[i] = _mm512_loadu_si512 (u.w + 64 * i);
        k->dw = _mm256_loadu_ps (u.dw);
        k->mw = _mm256_loadu_ps (u.mw);
        return;
      }
    }
  for (int i = 0; i < 4; i++)
    k->w[i] = nib_blocks_512 (b + bb * (2 * i) + o, b + bb * (2 * i + 1) + o);
  if (levels)
    {
      __m512i tab = _mm512_broadcast_i32x4 (_mm_loadu_si128 ((const __m128i *) levels));

      for (int i = 0; i < 4; i++)
        k->w[i] = _mm512_shuffle_epi8 (tab, k->w[i]);
    }
  if (dtype == SY_DTYPE_Q5_0 || dtype == SY_DTYPE_Q5_1)
    for (int i = 0; i < 4; i++)
      {
        guint32 h0, h1;
        __mmask64 bit;

        memcpy (&h0, b + bb * (2 * i) + o - 4, 4);
        memcpy (&h1, b + bb * (2 * i + 1) + o - 4, 4);
        bit = (__mmask64) h0 | (__mmask64) h1 << 32;
        k->w[i] = _mm512_mask_add_epi8 (k->w[i], bit, k->w[i], _mm512_set1_epi8 (16));
        if (dtype == SY_DTYPE_Q5_0)
          k->w[i] = _mm512_sub_epi8 (k->w[i], _mm512_set1_epi8 (16));
      }
  if (dtype == SY_DTYPE_MXFP4)
    {
      float dw[8];

      for (int s = 0; s < 8; s++)
        dw[s] = ldexpf (1.0f, (int) b[bb * s] - 128);
      k->dw = _mm256_loadu_ps (dw);
    }
  else
    k->dw = f16x8 (b, bb);
  if (dtype == SY_DTYPE_Q4_1 || dtype == SY_DTYPE_Q5_1)
    k->mw = f16x8 (b + 2, bb);
}

/* float lane l of register i: block 2 i + l / 8 */
INLINE_VNNI void
b_plan_512 (UnitPlan512 *plan)
{
  for (int i = 0; i < 4; i++)
    plan->idx[i] = _mm512_mask_blend_epi32 (0xFF00, _mm512_set1_epi32 (2 * i), _mm512_set1_epi32 (2 * i + 1));
  plan->sub_mins = FALSE;
}

/* a unit of eight 32-value blocks (a scale each, Q4_1 and Q5_1 a min) */
INLINE_VNNI void
b_unit_512 (SyDType        dtype,
            const guint8  *wu,
            const guint8  *xu0,
            gsize          xb,
            int            NT,
            const __m512i *idx,
            __m512        *acc,
            __m256        *accm)
{
  gboolean mins = dtype == SY_DTYPE_Q4_1 || dtype == SY_DTYPE_Q5_1;
  const __m512i x80 = _mm512_set1_epi8 ((char) 0x80);
  BRegs k;
  __m512i nc[4];

  b_decode_512 (dtype, wu, &k);
  /* - 128 sum (w), per group of four */
  for (int i = 0; i < 4; i++)
    nc[i] = _mm512_sub_epi32 (_mm512_setzero_si512 (),
                              _mm512_dpbusd_epi32 (_mm512_setzero_si512 (), x80, k.w[i]));
#pragma GCC unroll 4
  for (int t = 0; t < NT; t++)
    {
      const guint8 *xu = xu0 + (gsize) t * xb;
      __m512 sc = _mm512_castps256_ps512 (_mm256_mul_ps (k.dw, _mm256_load_ps ((const float *) (xu + OFF_DX))));

      for (int i = 0; i < 4; i++)
        {
          __m512i s = _mm512_dpbusd_epi32 (nc[i], _mm512_load_si512 (xu + 64 * i), k.w[i]);

          acc[t] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (s), _mm512_permutexvar_ps (idx[i], sc), acc[t]);
        }
      if (mins)
        accm[t] = _mm256_fmadd_ps (k.mw, _mm256_load_ps ((const float *) (xu + OFF_DXS)), accm[t]);
    }
}

/* one instance per type and number of activation rows */
#define INSTANCES(fam, DT)               \
  case DT:                               \
    fam##_plan_512 (&plan);              \
    switch (nt)                          \
      {                                  \
      case 1: ROWS (fam, DT, 1); break;  \
      case 2: ROWS (fam, DT, 2); break;  \
      case 3: ROWS (fam, DT, 3); break;  \
      default: ROWS (fam, DT, 4); break; \
      }                                  \
    break;
#define ROWS(fam, DT, NT) \
  rows_of_units_512 (DT, fam##_unit_512, &plan, w, K, xq, xb, NT, y, ldy, r0, r1)

KERNEL_VNNI static void
rows_512 (SyDType       dtype,
          const guint8 *w,
          int           K,
          const guint8 *xq,
          gsize         xb,
          int           nt,
          float        *y,
          gsize         ldy,
          int           r0,
          int           r1)
{
  UnitPlan512 plan;

  switch (dtype)
    {
    INSTANCES (k, SY_DTYPE_Q4_K)
    INSTANCES (k, SY_DTYPE_Q5_K)
    INSTANCES (k, SY_DTYPE_Q6_K)
    INSTANCES (k, SY_DTYPE_Q2_K)
    INSTANCES (k, SY_DTYPE_Q3_K)
    INSTANCES (b, SY_DTYPE_Q8_0)
    INSTANCES (b, SY_DTYPE_Q4_0)
    INSTANCES (b, SY_DTYPE_Q4_1)
    INSTANCES (b, SY_DTYPE_Q5_0)
    INSTANCES (b, SY_DTYPE_Q5_1)
    INSTANCES (b, SY_DTYPE_IQ4_NL)
    INSTANCES (b, SY_DTYPE_MXFP4)
    INSTANCES (b, SY_DTYPE_IQ4_XS)
    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------- AVX2 */

#define KERNEL_AVX2 __attribute__ ((target ("avx2,fma")))

/* through the scalar decoder: one unit of one row against every
 * activation row, the sums kept in @acc (T floats) */
KERNEL_AVX2 static void
k_unit_avx2 (const KUnit  *k,
             const guint8 *xq,
             gsize         xb,
             int           T,
             float        *acc)
{
  __m256i q[8], sv[8];
  __m256i mn = _mm256_loadu_si256 ((const __m256i *) k->mn);

  for (int j = 0; j < 8; j++)
    {
      q[j] = _mm256_loadu_si256 ((const __m256i *) (k->q + 32 * j));
      sv[j] = _mm256_setr_m128i (_mm_set1_epi16 (k->sc[2 * j]), _mm_set1_epi16 (k->sc[2 * j + 1]));
    }
  for (int t = 0; t < T; t++)
    {
      const guint8 *xu = xq + (gsize) t * xb;
      __m256i s = _mm256_setzero_si256 ();
      float dx = *(const float *) (xu + OFF_D);
      __m256i mm;
      __m256 f;

      for (int j = 0; j < 8; j++)
        s = _mm256_add_epi32 (s, _mm256_madd_epi16 (_mm256_maddubs_epi16 (
                                    q[j], _mm256_load_si256 ((const __m256i *) (xu + 32 * j))), sv[j]));
      mm = _mm256_madd_epi16 (_mm256_load_si256 ((const __m256i *) (xu + OFF_BSUMS)), mn);
      f = _mm256_fmsub_ps (_mm256_cvtepi32_ps (s), _mm256_set1_ps (k->d * dx),
                           _mm256_mul_ps (_mm256_cvtepi32_ps (mm), _mm256_set1_ps (k->dmin * dx)));
      acc[t] += sy_hsum256 (f);
    }
}

KERNEL_AVX2 static void
b_unit_avx2 (const BUnit  *u,
             const guint8 *xq,
             gsize         xb,
             int           T,
             float        *acc)
{
  __m256i aw[8], x80 = _mm256_set1_epi8 ((char) 0x80), ones = _mm256_set1_epi16 (1);
  __m256 mw = _mm256_loadu_ps (u->mw);

  for (int j = 0; j < 8; j++)
    {
      __m256i w = _mm256_loadu_si256 ((const __m256i *) (u->w + 32 * j));

      aw[j] = _mm256_sign_epi8 (w, w);
    }
  for (int t = 0; t < T; t++)
    {
      const guint8 *xu = xq + (gsize) t * xb;
      __m256 f = _mm256_mul_ps (mw, _mm256_load_ps ((const float *) (xu + OFF_DXS)));
      __m256 sc = _mm256_mul_ps (_mm256_loadu_ps (u->dw), _mm256_load_ps ((const float *) (xu + OFF_DX)));
      float scs[8];

      _mm256_storeu_ps (scs, sc);
      for (int j = 0; j < 8; j++)
        {
          __m256i w = _mm256_loadu_si256 ((const __m256i *) (u->w + 32 * j));
          __m256i x = _mm256_xor_si256 (_mm256_load_si256 ((const __m256i *) (xu + 32 * j)), x80);
          __m256i s = _mm256_madd_epi16 (_mm256_maddubs_epi16 (aw[j], _mm256_sign_epi8 (x, w)), ones);

          f = _mm256_fmadd_ps (_mm256_cvtepi32_ps (s), _mm256_set1_ps (scs[j]), f);
        }
      acc[t] += sy_hsum256 (f);
    }
}

static void
rows_avx2 (SyDType       dtype,
           const guint8 *w,
           int           K,
           const guint8 *xq,
           gsize         xb,
           int           T,
           float        *y,
           gsize         ldy,
           int           r0,
           int           r1)
{
  gsize rb = sy_dtype_n_bytes (dtype, K), ub = sy_dtype_n_bytes (dtype, QKK);
  g_autofree float *acc = g_new (float, T);

  for (int r = r0; r < r1; r++)
    {
      memset (acc, 0, sizeof (float) * T);
      for (int u = 0; u < K / QKK; u++)
        {
          const guint8 *wu = w + (gsize) r * rb + (gsize) u * ub;
          const guint8 *xu = xq + (gsize) u * Q8_UNIT_BYTES;

          if (q8_k_family (dtype))
            {
              KUnit k;

              k_decode (dtype, wu, &k);
              k_unit_avx2 (&k, xu, xb, T, acc);
            }
          else
            {
              BUnit bu;

              b_decode (dtype, wu, &bu);
              b_unit_avx2 (&bu, xu, xb, T, acc);
            }
        }
      for (int t = 0; t < T; t++)
        y[(gsize) t * ldy + r] = acc[t];
    }
}

static gboolean
have_vnni (void)
{
  return sy_cpu_has_avx512_vnni () && _sy_quant_matmul_level () != 1
         && _sy_quant_matmul_level () != 3;
}

#endif /* SY_QM_X86 */

const char *
sy_quant_matmul_q8_path (SyDType dtype)
{
  if (!q8_k_family (dtype) && !q8_b_family (dtype))
    return "none";
#ifdef SY_QM_X86
  if (have_vnni ())
    return dtype == SY_DTYPE_Q2_K || dtype == SY_DTYPE_Q3_K || dtype == SY_DTYPE_IQ4_XS
           ? "avx512 vnni (scalar decode)" : "avx512 vnni";
  if (sy_cpu_has_avx2_fma ())
    return "avx2 maddubs (scalar decode)";
#endif
  return "scalar";
}

void
sy_quant_matmul_q8_rows (const SyQuantProduct *m,
                         int                   r0,
                         int                   r1)
{
  SyDType dtype = m->dtype;
  int K = m->K, T = m->T;
  gsize xb = sy_quant_q8_row_bytes (dtype, K);

  g_return_if_fail (xb > 0);
  if (r1 <= r0 || T <= 0)
    return;
#ifdef SY_QM_X86
  if (have_vnni ())
    {
      /* passes of at most four activation rows over 16 weight rows at a
       * time (decoded once per pass; they stay in L1 for the next pass) */
      for (int c0 = r0; c0 < r1; c0 += 16)
        for (int t0 = 0; t0 < T; t0 += 4)
          rows_512 (dtype, m->w, K, (const guint8 *) m->xq + (gsize) t0 * xb, xb, MIN (4, T - t0),
                    m->y + (gsize) t0 * m->ldy, m->ldy, c0, MIN (r1, c0 + 16));
      return;
    }
  if (sy_cpu_has_avx2_fma ())
    {
      rows_avx2 (dtype, m->w, K, m->xq, xb, T, m->y, m->ldy, r0, r1);
      return;
    }
#endif
  sy_quant_matmul_q8_rows_ref (m, r0, r1);
}

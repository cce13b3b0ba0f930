/* sy-quant-gemv.c: one-token products (GEMV) of K-quant (Q2_K .. Q6_K) matrices
 * with float32 activations, on integer dot products
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decode (one token) reads each weight once and does one multiply-add
 * with it, so the cost is the instructions that turn codes into
 * something to multiply.  A float kernel needs a convert or a table
 * permute and an FMA per 16 weights (~27 G weights/s a core on the Zen 5
 * VM, the same in cache and from memory: instruction-bound).  Here the
 * codes stay bytes and vpdpbusd (AVX-512 VNNI) does 64 byte products a
 * time, against the activations written as integers:
 *
 *   x = s_g X,  X = round (x / s_g),  |X| <= XMAX (8,355,000, under 2^23)
 *
 * with one float scale s_g per group of 16 values (Q6_K's groups, half a
 * Q4_K sub-block), s_g = max |x| over the group / XMAX: X is x to the
 * 24-bit precision float32 gives the group's largest value (|x - s_g X|
 * within about one step s_g: x / s_g is rounded once to float, once to
 * an integer).  X is stored as three signed bytes (X = 65536 a
 * + 256 b + c, balanced base-256 digits), and each 32-bit lane of a
 * register (4 codes of one group) gets the exact integer
 *
 *   P = ((q . a) 256 + q . b) 256 + q . c  =  sum of 4 q X
 *
 * from three vpdpbusd and two shifts (|P| <= 4 x 63 x XMAX < 2^31 for
 * Q6_K's 6-bit codes; Q4_K's and Q5_K's are 4 and 5 bits).  P is made a float (rounded once, like the float
 * path's partial sums) and multiplied by d sc_g s_g; the mins / offsets go
 * against float sums of x per group as in the float kernels.  Against the
 * same weights dequantized, the result differs by float rounding only
 * (tests/test-quant-matmul.c checks it against the double-precision
 * scalar twin), and non-finite activations give NaN, as the float path.
 * 1.4-2x the float kernel's rate on one core (see DEVELOPERS.md).  CPUs
 * without AVX-512 VNNI run the same integers on AVX2 (vpmaddubsw and
 * vpmaddwd, 8 lanes a register; the second half of this file).
 */
#include "config.h"

#include <float.h>
#include <math.h>

#include "sy-cpu.h"
#include "sy-quant-matmul-private.h"

#ifdef SY_QM_X86

#define TGT_GV "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c"
#define KERNEL_GV __attribute__ ((target (TGT_GV)))
#define INLINE_GV __attribute__ ((target (TGT_GV), always_inline)) static inline

/* the largest |X|: 4 x 63 x XMAX and its partial sums stay under 2^31 */
#define XMAX 8355000.0f

/* One unit of 256 activations as the kernels read them: for each of the
 * four code registers of a weight unit, 64 digit bytes a, then b, then c
 * (planes of 256 bytes); register r's two halves hold the 32-value chunks
 * chunk_of (dtype, r, 0) and chunk_of (dtype, r, 1) in their natural
 * order. */
#define UNIT_DIGITS 768

/* The 32-value chunk in half @half of code register @r.  Q4_K's (and
 * Q5_K's) codes: register 2 c + h holds the nibbles h of bytes 64 c ..
 * 64 c + 63, sub-blocks 4 c + h and 4 c + 2 + h; Q6_K's (and Q2_K's,
 * Q3_K's): register k holds values 32 k .. 32 k + 31 and 128 + 32 k ..
 * 128 + 32 k + 31 (as codes_q6_k and codes_q23_k assemble them). */
static inline int
chunk_of (SyDType dtype,
          int     r,
          int     half)
{
  if (dtype == SY_DTYPE_Q4_K || dtype == SY_DTYPE_Q5_K)
    return 4 * (r / 2) + r % 2 + 2 * half;
  return r + 4 * half;
}

typedef struct
{
  SyDType dtype;
  guint8 *digits;     /* K / 256 units of UNIT_DIGITS */
  float  *scale;      /* s_g per group of 16 */
  float  *sums;       /* sum of x per group of the mins / offsets (Q4_K, Q5_K: 32 values;
                       * the others 16, times the offset: Q6_K 32, Q3_K 4) */
} Acts;

/* the types whose mins / offsets are per 16 values (the sums of x too),
 * and the offset the sums are multiplied by (Q2_K's per-16 mins: 1) */
static inline gboolean
sums_per16 (SyDType dtype)
{
  return dtype != SY_DTYPE_Q4_K && dtype != SY_DTYPE_Q5_K;
}

static inline float
sums_offset (SyDType dtype)
{
  return dtype == SY_DTYPE_Q6_K ? 32.0f : dtype == SY_DTYPE_Q3_K ? 4.0f : 1.0f;
}

/* Q3_K's 16 scales less 32 (-32..31) as bytes, from the 12 at b + 96
 * (k3_scale's layout): the low 4 bits nibble i / 8 of byte i % 8, the
 * high 2 bits bits 2 (i / 4) of byte 8 + i % 4 (read within the block) */
static inline __m128i
k3_scales (const guint8 *b)
{
  const guint8 *s = b + 96;
  const __m128i m4 = _mm_set1_epi8 (0x0F);
  __m128i v = _mm_loadl_epi64 ((const __m128i *) s), lo, hi;
  guint32 u;

  memcpy (&u, s + 8, 4);
  lo = _mm_unpacklo_epi64 (_mm_and_si128 (v, m4), _mm_and_si128 (_mm_srli_epi16 (v, 4), m4));
  hi = _mm_and_si128 (_mm_setr_epi32 ((int) u, (int) (u >> 2), (int) (u >> 4), (int) (u >> 6)), _mm_set1_epi8 (3));
  return _mm_sub_epi8 (_mm_or_si128 (lo, _mm_slli_epi16 (hi, 4)), _mm_set1_epi8 (32));
}

/* The 16 per-group scales of a Q6_K, Q3_K or Q2_K unit at @b as signed
 * bytes (@sc, times @d), and what goes against the groups' sums of x
 * (@mn, times @dm): Q2_K's 4-bit mins, the others' scales themselves
 * (their offsets, 32 and 4, are in the sums).  For both kernels. */
__attribute__ ((target ("f16c"), always_inline)) static inline void
k16_scales (const SyDType  dtype,
            const guint8  *b,
            __m128i       *sc,
            __m128i       *mn,
            float         *d,
            float         *dm)
{
  if (dtype == SY_DTYPE_Q6_K)
    {
      *mn = *sc = _mm_loadu_si128 ((const __m128i *) (b + 192));
      *dm = *d = qm_f16 (b + 208);
    }
  else if (dtype == SY_DTYPE_Q3_K)
    {
      *mn = *sc = k3_scales (b);
      *dm = *d = qm_f16 (b + 108);
    }
  else
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *) b), m4 = _mm_set1_epi8 (0x0F);

      *sc = _mm_and_si128 (v, m4);
      *mn = _mm_and_si128 (_mm_srli_epi16 (v, 4), m4);
      *d = qm_f16 (b + 80);
      *dm = qm_f16 (b + 82);
    }
}

/* 16 activations to digits at @a (b at + 256, c at + 512), scaled by @inv */
INLINE_GV void
digits16 (const float *x,
          __m512       inv,
          guint8      *a)
{
  __m512i X = _mm512_cvtps_epi32 (_mm512_mul_ps (_mm512_loadu_ps (x), inv));
  __m512i X1 = _mm512_srai_epi32 (_mm512_add_epi32 (X, _mm512_set1_epi32 (128)), 8);
  __m512i X2 = _mm512_srai_epi32 (_mm512_add_epi32 (X1, _mm512_set1_epi32 (128)), 8);

  /* c = X - 256 X1, b = X1 - 256 X2, a = X2: the low bytes */
  _mm_storeu_si128 ((__m128i *) (a + 512), _mm512_cvtepi32_epi8 (X));
  _mm_storeu_si128 ((__m128i *) (a + 256), _mm512_cvtepi32_epi8 (X1));
  _mm_storeu_si128 ((__m128i *) a, _mm512_cvtepi32_epi8 (X2));
}

/* @x (K values) into @acts: digits and scales per group of 16, sums per
 * sub-block */
KERNEL_GV static void
acts_prepare (const float *x,
              int          K,
              Acts        *acts)
{
  const gboolean per16 = sums_per16 (acts->dtype);
  const float offset = sums_offset (acts->dtype);

  for (int u = 0; u < K / UNIT; u++)
    for (int r = 0; r < 4; r++)
      for (int half = 0; half < 2; half++)
        {
          int ch = chunk_of (acts->dtype, r, half);
          const float *xc = x + u * UNIT + 32 * ch;
          guint8 *dg = acts->digits + (gsize) u * UNIT_DIGITS + 64 * r + 32 * half;
          float sum[2];

          for (int g = 0; g < 2; g++)
            {
              __m512 v = _mm512_loadu_ps (xc + 16 * g), a = _mm512_abs_ps (v);
              int gi = (u * UNIT + 32 * ch) / 16 + g;
              /* a NaN or an infinity: a NaN scale, so that the products are
               * NaN as x's would make them; a zero or subnormal largest
               * value (all under 1e-31): all taken as 0 */
              float amax = _mm512_cmp_ps_mask (a, a, _CMP_UNORD_Q) ? INFINITY : _mm512_reduce_max_ps (a);
              float s = isfinite (amax) ? amax / XMAX : NAN;

              acts->scale[gi] = s;
              sum[g] = _mm512_reduce_add_ps (v);
              digits16 (xc + 16 * g, _mm512_set1_ps (s >= FLT_MIN ? 1.0f / s : 0.0f), dg + 16 * g);
            }
          if (per16)
            {
              acts->sums[(u * UNIT + 32 * ch) / 16] = offset * sum[0];
              acts->sums[(u * UNIT + 32 * ch) / 16 + 1] = offset * sum[1];
            }
          else
            acts->sums[(u * UNIT + 32 * ch) / 32] = sum[0] + sum[1];
        }
}

/* lane i of code register r: its group of 16 in the unit (of 16) */
KERNEL_GV static void
lane_groups (SyDType  dtype,
             __m512i  idx[4])
{
  for (int r = 0; r < 4; r++)
    {
      gint32 v[16];

      for (int i = 0; i < 16; i++)
        {
          v[i] = 2 * chunk_of (dtype, r, i / 8) + (i % 8) / 4;
        }
      idx[r] = _mm512_loadu_si512 (v);
    }
}

/* the four registers of 64 codes (bytes) of a Q4_K unit at @b; Q5_K
 * (@five): the nibbles at b + 48, and bit s of qh[l] (b + 16) the fifth
 * bit of value l of sub-block s */
INLINE_GV void
codes_q45_k (const guint8   *b,
             const gboolean  five,
             __m512i         q[4])
{
  const __m512i m4 = _mm512_set1_epi8 (0x0F);
  const guint8 *qs = b + (five ? 48 : 16);
  __m512i v0 = _mm512_loadu_si512 (qs), v1 = _mm512_loadu_si512 (qs + 64);

  q[0] = _mm512_and_si512 (v0, m4);
  q[1] = _mm512_and_si512 (_mm512_srli_epi16 (v0, 4), m4);
  q[2] = _mm512_and_si512 (v1, m4);
  q[3] = _mm512_and_si512 (_mm512_srli_epi16 (v1, 4), m4);
  if (five)
    {
      __m512i h = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) (b + 16)));

      for (int r = 0; r < 4; r++)
        {
          /* the halves' sub-blocks chunk_of (r, 0), chunk_of (r, 1) */
          int s0 = 4 * (r / 2) + r % 2;
          __m512i sel = _mm512_mask_blend_epi64 (0xF0, _mm512_set1_epi8 ((char) (1 << s0)),
                                                 _mm512_set1_epi8 ((char) (1 << (s0 + 2))));

          q[r] = _mm512_mask_add_epi8 (q[r], _mm512_test_epi8_mask (h, sel), q[r], _mm512_set1_epi8 (16));
        }
    }
}

/* the same for Q6_K (ql's nibbles and qh's bit pairs, 6-bit codes) */
INLINE_GV void
codes_q6_k (const guint8 *b,
            __m512i       q[4])
{
  const __m512i n4 = _mm512_set1_epi8 (0xF), n3 = _mm512_set1_epi8 (3 << 4);
  const guint8 *ql = b, *qh = b + 128;
  /* half h of each register: a = ql[64 h ..], e = ql[64 h + 32 ..], hb = qh[32 h ..] */
  __m512i a = _mm512_inserti64x4 (_mm512_castsi256_si512 (_mm256_loadu_si256 ((const __m256i *) ql)),
                                  _mm256_loadu_si256 ((const __m256i *) (ql + 64)), 1);
  __m512i e = _mm512_inserti64x4 (_mm512_castsi256_si512 (_mm256_loadu_si256 ((const __m256i *) (ql + 32))),
                                  _mm256_loadu_si256 ((const __m256i *) (ql + 96)), 1);
  __m512i hb = _mm512_loadu_si512 (qh);

  q[0] = _mm512_or_si512 (_mm512_and_si512 (a, n4), _mm512_and_si512 (_mm512_slli_epi16 (hb, 4), n3));
  q[1] = _mm512_or_si512 (_mm512_and_si512 (e, n4), _mm512_and_si512 (_mm512_slli_epi16 (hb, 2), n3));
  q[2] = _mm512_or_si512 (_mm512_and_si512 (_mm512_srli_epi16 (a, 4), n4), _mm512_and_si512 (hb, n3));
  q[3] = _mm512_or_si512 (_mm512_and_si512 (_mm512_srli_epi16 (e, 4), n4),
                          _mm512_and_si512 (_mm512_srli_epi16 (hb, 2), n3));
}

/* the same for Q2_K (@three FALSE: 2-bit codes at bits 2 k of qs[l] and
 * qs[32 + l], b + 16) and Q3_K (qs at b + 32; the third bit, worth 4, is
 * bit 4 h + k of hmask[l] at b) */
INLINE_GV void
codes_q23_k (const guint8   *b,
             const gboolean  three,
             __m512i         q[4])
{
  const __m512i m2 = _mm512_set1_epi8 (3);
  __m512i v = _mm512_loadu_si512 (b + (three ? 32 : 16));
  __m512i hm = three ? _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) b)) : _mm512_setzero_si512 ();

  for (int k = 0; k < 4; k++)
    {
      q[k] = _mm512_and_si512 (_mm512_srli_epi16 (v, 2 * k), m2);
      if (three)
        {
          /* half h: bit 4 h + k */
          __m512i cnt = _mm512_mask_blend_epi64 (0xF0, _mm512_set1_epi16 ((short) k),
                                                 _mm512_set1_epi16 ((short) (4 + k)));
          __m512i bit = _mm512_and_si512 (_mm512_srlv_epi16 (hm, cnt), _mm512_set1_epi8 (1));

          q[k] = _mm512_or_si512 (q[k], _mm512_slli_epi16 (bit, 2));
        }
    }
}

/* sum over each lane's 4 codes of q X, exactly, for code register @q and
 * the unit's digit planes at @dg (register r's 64 bytes at dg + 64 r) */
INLINE_GV __m512
lane_dots (__m512i       q,
           const guint8 *dg)
{
  __m512i p = _mm512_dpbusd_epi32 (_mm512_setzero_si512 (), q, _mm512_load_si512 (dg));

  p = _mm512_dpbusd_epi32 (_mm512_slli_epi32 (p, 8), q, _mm512_load_si512 (dg + 256));
  p = _mm512_dpbusd_epi32 (_mm512_slli_epi32 (p, 8), q, _mm512_load_si512 (dg + 512));
  return _mm512_cvtepi32_ps (p);
}

/* rows [r0, r1) of y = w x, @acts prepared from x */
INLINE_GV void
gemv_rows_gv (const SyDType  dtype,
              const guint8  *w,
              int            K,
              const Acts    *acts,
              float         *y,
              int            r0,
              int            r1)
{
  const gsize ub = sy_dtype_block_bytes (dtype);   /* one 256-value super-block */
  const gsize row_bytes = ub * (K / UNIT);
  /* the rows run on across 4 KiB pages, where the hardware prefetcher
   * stops: the same place three rows on */
  const gsize ahead = 3 * row_bytes;
  __m512i idx[4];

  lane_groups (dtype, idx);
  for (int r = r0; r < r1; r++)
    {
      const guint8 *b = w + (gsize) r * row_bytes;
      __m512 acc0 = _mm512_setzero_ps (), acc1 = _mm512_setzero_ps (), accm = _mm512_setzero_ps ();

      for (int u = 0; u < K / UNIT; u++, b += ub)
        {
          const guint8 *dg = acts->digits + (gsize) u * UNIT_DIGITS;
          __m512i q[4];
          __m512 ds;

          for (gsize o = 0; o < ub; o += 64)
            _mm_prefetch ((const char *) b + ahead + o, _MM_HINT_T0);
          if (!sums_per16 (dtype))
            {
              const __m512i pairs = _mm512_setr_epi32 (0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
              guint64 sc8, m8;
              __m256 dm;

              k4_scales_mins (b + 4, &sc8, &m8);
              /* d sc of each sub-block, for its two groups of 16 */
              ds = _mm512_permutexvar_ps (pairs, _mm512_castps256_ps512 (_mm256_mul_ps (
                _mm256_set1_ps (qm_f16 (b)),
                _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) sc8))))));
              ds = _mm512_mul_ps (ds, _mm512_loadu_ps (acts->scale + 16 * u));
              dm = _mm256_mul_ps (_mm256_set1_ps (qm_f16 (b + 2)),
                                  _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) m8))));
              accm = _mm512_castps256_ps512 (_mm256_fmadd_ps (dm, _mm256_loadu_ps (acts->sums + 8 * u),
                                                              _mm512_castps512_ps256 (accm)));
              codes_q45_k (b, dtype == SY_DTYPE_Q5_K, q);
            }
          else
            {
              /* d sc per group of 16 (times the activation scales for
               * the products), and against the sums Q2_K's mins */
              __m128i sc, mn;
              float d, dm;
              __m512 dsc;

              k16_scales (dtype, b, &sc, &mn, &d, &dm);
              dsc = _mm512_mul_ps (_mm512_set1_ps (d), _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (sc)));
              accm = _mm512_fmadd_ps (dtype == SY_DTYPE_Q2_K
                                      ? _mm512_mul_ps (_mm512_set1_ps (dm), _mm512_cvtepi32_ps (_mm512_cvtepi8_epi32 (mn)))
                                      : dsc,
                                      _mm512_loadu_ps (acts->sums + 16 * u), accm);
              if (dtype == SY_DTYPE_Q6_K)
                codes_q6_k (b, q);
              else
                codes_q23_k (b, dtype == SY_DTYPE_Q3_K, q);
              ds = _mm512_mul_ps (dsc, _mm512_loadu_ps (acts->scale + 16 * u));
            }
          acc0 = _mm512_fmadd_ps (lane_dots (q[0], dg), _mm512_permutexvar_ps (idx[0], ds), acc0);
          acc1 = _mm512_fmadd_ps (lane_dots (q[1], dg + 64), _mm512_permutexvar_ps (idx[1], ds), acc1);
          acc0 = _mm512_fmadd_ps (lane_dots (q[2], dg + 128), _mm512_permutexvar_ps (idx[2], ds), acc0);
          acc1 = _mm512_fmadd_ps (lane_dots (q[3], dg + 192), _mm512_permutexvar_ps (idx[3], ds), acc1);
        }
      y[r] = _mm512_reduce_add_ps (_mm512_add_ps (acc0, acc1)) - _mm512_reduce_add_ps (accm);
    }
}

KERNEL_GV static void
gemv_vnni (SyDType dtype, const guint8 *w, int K, const Acts *acts, float *y, int r0, int r1)
{
  switch (dtype)
    {
    case SY_DTYPE_Q4_K: gemv_rows_gv (SY_DTYPE_Q4_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q5_K: gemv_rows_gv (SY_DTYPE_Q5_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q6_K: gemv_rows_gv (SY_DTYPE_Q6_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q3_K: gemv_rows_gv (SY_DTYPE_Q3_K, w, K, acts, y, r0, r1); break;
    default: gemv_rows_gv (SY_DTYPE_Q2_K, w, K, acts, y, r0, r1); break;
    }
}

/* ------------------------------------------------------------------
 * AVX2 (CPUs without AVX-512 VNNI): the same integers from vpmaddubsw
 * (code x digit, pairs to int16: at most 2 x 63 x 128) and vpmaddwd (to
 * int32 lanes of 4 codes; the a digits times 256 there), 8 lanes a
 * register.  A 32-byte code register is one 32-value chunk in order for
 * all three types, so the digit planes are in the values' own order.
 */

#define TGT_G2 "avx2,fma,f16c"
#define KERNEL_G2 __attribute__ ((target (TGT_G2)))
#define INLINE_G2 __attribute__ ((target (TGT_G2), always_inline)) static inline

/* the low bytes of the 8 lanes of @v, in order, at @p */
INLINE_G2 void
low_bytes8 (__m256i  v,
            guint8  *p)
{
  const __m256i pick = _mm256_setr_epi8 (0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  __m256i t = _mm256_permutevar8x32_epi32 (_mm256_shuffle_epi8 (v, pick), _mm256_setr_epi32 (0, 4, 0, 0, 0, 0, 0, 0));

  _mm_storel_epi64 ((__m128i *) p, _mm256_castsi256_si128 (t));
}

/* as acts_prepare, in the values' order */
KERNEL_G2 static void
acts_prepare_avx2 (const float *x,
                   int          K,
                   Acts        *acts)
{
  const __m256 sign = _mm256_set1_ps (-0.0f);
  const __m256i half = _mm256_set1_epi32 (128);

  for (int g = 0; g < K / 16; g++)
    {
      const float *xg = x + 16 * g;
      guint8 *dg = acts->digits + (gsize) (g / 16) * UNIT_DIGITS + 16 * (g % 16);
      __m256 v[2] = { _mm256_loadu_ps (xg), _mm256_loadu_ps (xg + 8) };
      __m256 a = _mm256_max_ps (_mm256_andnot_ps (sign, v[0]), _mm256_andnot_ps (sign, v[1]));
      __m128 m = _mm_max_ps (_mm256_castps256_ps128 (a), _mm256_extractf128_ps (a, 1));
      gboolean bad = _mm256_movemask_ps (_mm256_or_ps (_mm256_cmp_ps (v[0], v[0], _CMP_UNORD_Q),
                                                       _mm256_cmp_ps (v[1], v[1], _CMP_UNORD_Q))) != 0;
      float amax, s;

      m = _mm_max_ps (m, _mm_movehl_ps (m, m));
      amax = bad ? INFINITY : _mm_cvtss_f32 (_mm_max_ss (m, _mm_movehdup_ps (m)));
      s = isfinite (amax) ? amax / XMAX : NAN;
      acts->scale[g] = s;
      for (int h = 0; h < 2; h++)
        {
          __m256i X = _mm256_cvtps_epi32 (_mm256_mul_ps (v[h], _mm256_set1_ps (s >= FLT_MIN ? 1.0f / s : 0.0f)));
          __m256i X1 = _mm256_srai_epi32 (_mm256_add_epi32 (X, half), 8);
          __m256i X2 = _mm256_srai_epi32 (_mm256_add_epi32 (X1, half), 8);

          low_bytes8 (X2, dg + 8 * h);
          low_bytes8 (X1, dg + 256 + 8 * h);
          low_bytes8 (X, dg + 512 + 8 * h);
        }
      if (sums_per16 (acts->dtype))
        acts->sums[g] = sums_offset (acts->dtype) * sy_hsum256 (_mm256_add_ps (v[0], v[1]));
      else if (g % 2 == 0)
        acts->sums[g / 2] = sy_hsum256 (_mm256_add_ps (_mm256_add_ps (v[0], v[1]),
                                                  _mm256_add_ps (_mm256_loadu_ps (xg + 16),
                                                                 _mm256_loadu_ps (xg + 24))));
    }
}

/* the 32 codes of chunk @ch of the unit at @b, as bytes */
INLINE_G2 __m256i
codes_avx2 (const SyDType  dtype,
            const guint8  *b,
            const int      ch)
{
  const __m256i m4 = _mm256_set1_epi8 (0x0F);

  if (dtype == SY_DTYPE_Q6_K)
    {
      /* values 128 h + 32 k + l: ql[64 h + 32 (k & 1) + l] nibble k >> 1,
       * qh[32 h + l] bits 2 k, 2 k + 1 */
      int h = ch / 4, k = ch % 4;
      __m256i L = _mm256_loadu_si256 ((const __m256i *) (b + 64 * h + 32 * (k & 1)));
      __m256i H = _mm256_loadu_si256 ((const __m256i *) (b + 128 + 32 * h));
      __m256i lo = _mm256_and_si256 (k >> 1 ? _mm256_srli_epi16 (L, 4) : L, m4);
      __m256i hi = _mm256_and_si256 (_mm256_srli_epi16 (H, 2 * k), _mm256_set1_epi8 (3));

      return _mm256_or_si256 (lo, _mm256_slli_epi16 (hi, 4));
    }
  else if (dtype == SY_DTYPE_Q3_K || dtype == SY_DTYPE_Q2_K)
    {
      /* values 128 h + 32 k + l: bits 2 k of qs[32 h + l]; Q3_K: bit 4 h + k
       * of hmask[l], worth 4 */
      int h = ch / 4, k = ch % 4;
      gboolean three = dtype == SY_DTYPE_Q3_K;
      __m256i v = _mm256_loadu_si256 ((const __m256i *) (b + (three ? 32 : 16) + 32 * h));
      __m256i q = _mm256_and_si256 (_mm256_srli_epi16 (v, 2 * k), _mm256_set1_epi8 (3));

      if (three)
        {
          __m256i hm = _mm256_loadu_si256 ((const __m256i *) b);
          __m256i bit = _mm256_and_si256 (_mm256_srli_epi16 (hm, 4 * h + k), _mm256_set1_epi8 (1));

          q = _mm256_or_si256 (q, _mm256_slli_epi16 (bit, 2));
        }
      return q;
    }
  else
    {
      /* sub-block ch: nibbles ch % 2 of qs[32 (ch / 2) ..]; Q5_K: bit ch of qh[l] */
      const guint8 *qs = b + (dtype == SY_DTYPE_Q5_K ? 48 : 16);
      __m256i v = _mm256_loadu_si256 ((const __m256i *) (qs + 32 * (ch / 2)));
      __m256i q = _mm256_and_si256 (ch % 2 ? _mm256_srli_epi16 (v, 4) : v, m4);

      if (dtype == SY_DTYPE_Q5_K)
        {
          __m256i qh = _mm256_loadu_si256 ((const __m256i *) (b + 16));
          __m256i bit = _mm256_and_si256 (_mm256_srli_epi16 (qh, ch), _mm256_set1_epi8 (1));

          q = _mm256_or_si256 (q, _mm256_slli_epi16 (bit, 4));
        }
      return q;
    }
}

/* the exact sums of q X over each 4 codes of @q, as floats */
INLINE_G2 __m256
lane_dots_avx2 (__m256i       q,
                const guint8 *dg)
{
  const __m256i ones = _mm256_set1_epi16 (1);
  __m256i pa = _mm256_madd_epi16 (_mm256_maddubs_epi16 (q, _mm256_loadu_si256 ((const __m256i *) dg)),
                                  _mm256_set1_epi16 (256));
  __m256i pb = _mm256_madd_epi16 (_mm256_maddubs_epi16 (q, _mm256_loadu_si256 ((const __m256i *) (dg + 256))),
                                  ones);
  __m256i pc = _mm256_madd_epi16 (_mm256_maddubs_epi16 (q, _mm256_loadu_si256 ((const __m256i *) (dg + 512))),
                                  ones);

  return _mm256_cvtepi32_ps (_mm256_add_epi32 (_mm256_slli_epi32 (_mm256_add_epi32 (pa, pb), 8), pc));
}

INLINE_G2 void
gemv_rows_avx2 (const SyDType  dtype,
                const guint8  *w,
                int            K,
                const Acts    *acts,
                float         *y,
                int            r0,
                int            r1)
{
  const gsize ub = sy_dtype_block_bytes (dtype);   /* one 256-value super-block */
  const gsize row_bytes = ub * (K / UNIT), ahead = 3 * row_bytes;

  for (int r = r0; r < r1; r++)
    {
      const guint8 *b = w + (gsize) r * row_bytes;
      __m256 acc[2] = { _mm256_setzero_ps (), _mm256_setzero_ps () }, accm = _mm256_setzero_ps ();

      for (int u = 0; u < K / UNIT; u++, b += ub)
        {
          const guint8 *dg = acts->digits + (gsize) u * UNIT_DIGITS;
          const float *sx = acts->scale + 16 * u;
          __m256 ds[2];   /* d sc s of groups 0..7, 8..15 */

          for (gsize o = 0; o < ub; o += 64)
            _mm_prefetch ((const char *) b + ahead + o, _MM_HINT_T0);
          if (!sums_per16 (dtype))
            {
              guint64 sc8, m8;
              __m256 d8;

              k4_scales_mins (b + 4, &sc8, &m8);
              d8 = _mm256_mul_ps (_mm256_set1_ps (qm_f16 (b)),
                                  _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) sc8))));
              ds[0] = _mm256_mul_ps (_mm256_permutevar8x32_ps (d8, _mm256_setr_epi32 (0, 0, 1, 1, 2, 2, 3, 3)),
                                     _mm256_loadu_ps (sx));
              ds[1] = _mm256_mul_ps (_mm256_permutevar8x32_ps (d8, _mm256_setr_epi32 (4, 4, 5, 5, 6, 6, 7, 7)),
                                     _mm256_loadu_ps (sx + 8));
              accm = _mm256_fmadd_ps (_mm256_mul_ps (_mm256_set1_ps (qm_f16 (b + 2)), _mm256_cvtepi32_ps (
                                                       _mm256_cvtepu8_epi32 (_mm_cvtsi64_si128 ((gint64) m8)))),
                                      _mm256_loadu_ps (acts->sums + 8 * u), accm);
            }
          else
            {
              /* as in gemv_rows_gv, groups 0..7 then 8..15 */
              __m128i sc, mn;
              float d, dm;

              k16_scales (dtype, b, &sc, &mn, &d, &dm);
              for (int i = 0; i < 2; i++)
                {
                  __m256 dsc = _mm256_mul_ps (_mm256_set1_ps (d), _mm256_cvtepi32_ps (
                                                _mm256_cvtepi8_epi32 (i ? _mm_srli_si128 (sc, 8) : sc)));
                  __m256 dmn = dtype != SY_DTYPE_Q2_K ? dsc : _mm256_mul_ps (_mm256_set1_ps (dm), _mm256_cvtepi32_ps (
                                                          _mm256_cvtepi8_epi32 (i ? _mm_srli_si128 (mn, 8) : mn)));

                  accm = _mm256_fmadd_ps (dmn, _mm256_loadu_ps (acts->sums + 16 * u + 8 * i), accm);
                  ds[i] = _mm256_mul_ps (dsc, _mm256_loadu_ps (sx + 8 * i));
                }
            }
#pragma GCC unroll 8
          for (int ch = 0; ch < 8; ch++)
            {
              /* groups 2 ch, 2 ch + 1: four lanes each */
              int j = (2 * ch) % 8;
              __m256 dsc = _mm256_permutevar8x32_ps (ds[ch / 4], _mm256_setr_epi32 (j, j, j, j, j + 1, j + 1, j + 1, j + 1));

              acc[ch % 2] = _mm256_fmadd_ps (lane_dots_avx2 (codes_avx2 (dtype, b, ch), dg + 32 * ch), dsc,
                                             acc[ch % 2]);
            }
        }
      y[r] = sy_hsum256 (_mm256_add_ps (acc[0], acc[1])) - sy_hsum256 (accm);
    }
}

KERNEL_G2 static void
gemv_avx2 (SyDType dtype, const guint8 *w, int K, const Acts *acts, float *y, int r0, int r1)
{
  switch (dtype)
    {
    case SY_DTYPE_Q4_K: gemv_rows_avx2 (SY_DTYPE_Q4_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q5_K: gemv_rows_avx2 (SY_DTYPE_Q5_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q6_K: gemv_rows_avx2 (SY_DTYPE_Q6_K, w, K, acts, y, r0, r1); break;
    case SY_DTYPE_Q3_K: gemv_rows_avx2 (SY_DTYPE_Q3_K, w, K, acts, y, r0, r1); break;
    default: gemv_rows_avx2 (SY_DTYPE_Q2_K, w, K, acts, y, r0, r1); break;
    }
}

void
sy_qm_gemv (SyDType       dtype,
            gboolean      vnni,
            const guint8 *w,
            int           K,
            const float  *x,
            float        *y,
            int           r0,
            int           r1)
{
  /* on the stack up to K = 8192 (27 KiB) */
  guint8 digits_stack[32 * UNIT_DIGITS] __attribute__ ((aligned (64)));
  float scale_stack[512], sums_stack[512];
  int U = K / UNIT;
  Acts acts = { dtype, digits_stack, scale_stack, sums_stack };
  guint8 *digits_heap = NULL;
  g_autofree float *scale_heap = NULL, *sums_heap = NULL;

  g_return_if_fail (gemv_dtype (dtype));
  g_return_if_fail (K > 0 && K % UNIT == 0);
  if (U > 32)
    {
      acts.digits = digits_heap = g_aligned_alloc (U, UNIT_DIGITS, 64);
      acts.scale = scale_heap = g_new (float, K / 16);
      acts.sums = sums_heap = g_new (float, K / 16);
    }
  if (!vnni)
    {
      acts_prepare_avx2 (x, K, &acts);
      gemv_avx2 (dtype, w, K, &acts, y, r0, r1);
    }
  else
    {
      acts_prepare (x, K, &acts);
      gemv_vnni (dtype, w, K, &acts, y, r0, r1);
    }
  g_aligned_free (digits_heap);
}

#endif /* SY_QM_X86 */

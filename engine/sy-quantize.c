/* sy-quantize.c: float values into GGUF blocks (sy_quantize)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Round to nearest against scales fitted by least squares; the block
 * layouts are documented in sy-quant.h, their decoders are in sy-quant.c.
 * The hot loops (fit_affine's candidate fits, the codes of Q4_K, Q5_K,
 * Q6_K and Q8_0) have AVX2 twins, chosen at run time, that do the same
 * IEEE operations in the same order (no fused multiply-adds) and so
 * write the same bytes; sy_quantize_generic (sy-quantize-private.h)
 * lets test-quant check that.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-quant.h"
#include "sy-quant-private.h"
#include "sy-quantize-private.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SY_QUANTIZE_X86 1
#endif

static inline void
wr_f16 (guint8 *p,
        float   f)
{
  uint16_t h = sy_f32_to_f16 (f);

  memcpy (p, &h, 2);
}

/* @v rounded to the nearest integer (ties to even) within @lo..@hi; 0
 * when @v is not finite (as lrintf and a clamp, without the call) */
static inline int
round_clamp (float v,
             int   lo,
             int   hi)
{
  return isfinite (v) ? (int) rintf (CLAMP (v, (float) lo, (float) hi)) : 0;
}

/* the value of x[0..n) of largest magnitude (the first of equals; 0 when
 * all are 0; NaN never is): that magnitude in four chains of comparisons
 * without branches (which would be mispredicted), then where it is */
static float
largest_magnitude (const float *x,
                   int          n)
{
  float m4[4] = { 0, 0, 0, 0 }, m, v = 0;
  int j = 0;

  for (; j + 4 <= n; j += 4)
    for (int i = 0; i < 4; i++)
      m4[i] = fabsf (x[j + i]) > m4[i] ? fabsf (x[j + i]) : m4[i];
  for (; j < n; j++)
    m4[0] = fabsf (x[j]) > m4[0] ? fabsf (x[j]) : m4[0];
  m = MAX (MAX (m4[0], m4[1]), MAX (m4[2], m4[3]));
  if (!(m > 0))
    return 0;
  /* from the end, without a branch to mispredict where it stops */
  for (j = n - 1; j >= 0; j--)
    v = fabsf (x[j]) == m ? x[j] : v;
  return v;
}

#ifdef SY_QUANTIZE_X86
static _Thread_local gboolean force_generic;   /* sy_quantize_generic () */

static gboolean
have_avx2 (void)
{
  static int have = -1;

  if (have < 0)
    have = __builtin_cpu_supports ("avx2");
  return have && !force_generic;
}
#endif

/* q[j] = round_clamp ((x[j] + @off) / @ds, @lo, @hi) + @bias for j <
 * @n, a multiple of 8 (@off NAN: round_clamp (x[j] @ds, ...) + @bias) */
static void
codes_scalar (const float *x,
              int          n,
              float        off,
              float        ds,
              int          lo,
              int          hi,
              int          bias,
              guint8      *q)
{
  if (isnan (off))
    for (int j = 0; j < n; j++)
      q[j] = (guint8) (round_clamp (x[j] * ds, lo, hi) + bias);
  else
    for (int j = 0; j < n; j++)
      q[j] = (guint8) (round_clamp ((x[j] + off) / ds, lo, hi) + bias);
}

#ifdef SY_QUANTIZE_X86
/* codes_scalar eight values a vector (the same bits) */
__attribute__ ((target ("avx2")))
static void
codes_avx2 (const float *x,
            int          n,
            float        off,
            float        ds,
            int          lo,
            int          hi,
            int          bias,
            guint8      *q)
{
  const __m256 offv = _mm256_set1_ps (off), dsv = _mm256_set1_ps (ds);
  const __m256 lov = _mm256_set1_ps (lo), hiv = _mm256_set1_ps (hi), inf = _mm256_set1_ps (INFINITY);
  const __m256 sign = _mm256_set1_ps (-0.0f);
  const __m256i biasv = _mm256_set1_epi32 (bias);
  gboolean mul = isnan (off);

  for (int j = 0; j < n; j += 8)
    {
      __m256 v = mul ? _mm256_mul_ps (_mm256_loadu_ps (x + j), dsv)
                     : _mm256_div_ps (_mm256_add_ps (_mm256_loadu_ps (x + j), offv), dsv);
      __m256 finite = _mm256_cmp_ps (_mm256_andnot_ps (sign, v), inf, _CMP_LT_OQ);
      __m256 c = _mm256_round_ps (_mm256_max_ps (_mm256_min_ps (v, hiv), lov),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __m256i i = _mm256_add_epi32 (_mm256_and_si256 (_mm256_cvtps_epi32 (c), _mm256_castps_si256 (finite)),
                                    biasv);
      __m128i w = _mm_packs_epi32 (_mm256_castsi256_si128 (i), _mm256_extracti128_si256 (i, 1));

      _mm_storel_epi64 ((__m128i *) (q + j), _mm_packs_epi16 (w, w));   /* -128..127 */
    }
}
#endif

static void
codes (const float *x,
       int          n,
       float        off,
       float        ds,
       int          lo,
       int          hi,
       int          bias,
       guint8      *q)
{
#ifdef SY_QUANTIZE_X86
  if (have_avx2 ())
    codes_avx2 (x, n, off, ds, lo, hi, bias, q);
  else
#endif
    codes_scalar (x, n, off, ds, lo, hi, bias, q);
}

static void
quantize_q8_0 (const float *x,
               guint8      *b)
{
  float a4[4] = { 0, 0, 0, 0 }, amax, d, id;

  for (int j = 0; j < QK; j += 4)   /* four chains of comparisons, not one */
    for (int i = 0; i < 4; i++)
      a4[i] = MAX (a4[i], fabsf (x[j + i]));
  amax = MAX (MAX (a4[0], a4[1]), MAX (a4[2], a4[3]));
  d = amax / 127.0f;
  id = d > 0 ? 1.0f / d : 0;
  wr_f16 (b, d);
  codes (x, QK, NAN, id, -128, 127, 0, b + 2);   /* int8 codes */
}

/* the E2M1 code (0..15) nearest to @v (in units of the E2M1 values) */
static int
nearest_e2m1 (float v)
{
  int best = 0;
  float best_err = INFINITY;

  for (int k = 0; k < 16; k++)
    {
      float err = fabsf (v - 0.5f * e2m1_x2[k]);

      if (err < best_err)
        {
          best_err = err;
          best = k;
        }
    }
  return best;
}

/* MXFP4: the scale is a power of two; of the smallest one that keeps the
 * largest magnitude within 6 (the largest E2M1 value) and the one below
 * it (which clips that value), keep the one with the smaller squared
 * error. */
static void
quantize_mxfp4 (const float *x,
                guint8      *b)
{
  float amax = 0, best_err = INFINITY, d;
  int e0, best_e = 0;

  for (int j = 0; j < QK; j++)
    amax = MAX (amax, fabsf (x[j]));
  memset (b, 0, 17);
  if (!(amax > 0) || !isfinite (amax))
    return;
  /* 2^(e - 127) >= amax / 6 */
  e0 = (int) ceilf (log2f (amax / 6.0f)) + 127;
  for (int e = e0 - 1; e <= e0; e++)
    {
      int ec = CLAMP (e, 0, 254);
      float err = 0;

      d = ldexpf (1.0f, ec - 127);
      for (int j = 0; j < QK; j++)
        {
          float r = x[j] - d * 0.5f * e2m1_x2[nearest_e2m1 (x[j] / d)];

          err += r * r;
        }
      if (err < best_err)
        {
          best_err = err;
          best_e = ec;
        }
    }
  b[0] = (guint8) best_e;
  d = ldexpf (1.0f, best_e - 127);
  for (int j = 0; j < QK / 2; j++)
    b[1 + j] = (guint8) (nearest_e2m1 (x[j] / d) | (nearest_e2m1 (x[j + QK / 2] / d) << 4));
}

static void
quantize_q4_0 (const float *x,
               guint8      *b)
{
  /* the value of largest magnitude maps to -8 exactly */
  float d = largest_magnitude (x, QK) / -8.0f, id;

  id = d != 0 ? 1.0f / d : 0;
  wr_f16 (b, d);
  for (int j = 0; j < QK / 2; j++)
    {
      int q0 = round_clamp (x[j] * id, -8, 7) + 8;
      int q1 = round_clamp (x[j + 16] * id, -8, 7) + 8;

      b[2 + j] = (guint8) (q0 | (q1 << 4));
    }
}

static void
quantize_q6_k (const float *x,
               guint8      *b)
{
  float scale[16], d;
  int8_t sc[16];
  guint8 *ql = b, *qh = b + 128;
  guint8 q[QKK];

  /* per 16: x ~ scale * q with q in -32..31 */
  for (int k = 0; k < 16; k++)
    scale[k] = largest_magnitude (x + 16 * k, 16) / -32.0f;
  d = largest_magnitude (scale, 16) / -128.0f;
  wr_f16 (b + 208, d);
  d = rd_f16 (b + 208);
  for (int k = 0; k < 16; k++)
    {
      float ds;

      sc[k] = (int8_t) (d != 0 ? round_clamp (scale[k] / d, -128, 127) : 0);
      ds = d * sc[k];
      if (ds != 0)   /* x + 0 / ds: the same codes as x / ds */
        codes (x + 16 * k, 16, 0.0f, ds, -32, 31, 32, q + 16 * k);
      else
        memset (q + 16 * k, 32, 16);
    }
  memcpy (b + 192, sc, 16);
  for (int h = 0; h < 2; h++)
    for (int l = 0; l < 32; l++)
      {
        const guint8 *v = q + 128 * h;

        ql[64 * h + l] = (guint8) ((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
        ql[64 * h + l + 32] = (guint8) ((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
        qh[32 * h + l] = (guint8) ((v[l] >> 4) | ((v[l + 32] >> 4) << 2)
                                   | ((v[l + 64] >> 4) << 4) | ((v[l + 96] >> 4) << 6));
      }
}

/* fit_affine's candidate scales: q = round ((x - lo) is[k]), is[k] =
 * (nmax + 0.1 (k + FIT_K0)) / (hi - lo), k in 0..FIT_N - 1 (three AVX2
 * vectors). Once k + FIT_K0 was -10..10: on Gaussian-like blocks -10
 * won 9% of the Q4_K sub-blocks, 10 only 0.5%; -14..9 err a little less
 * (0.1%) */
#define FIT_N 24
#define FIT_K0 (-14)

/* Each candidate k's refit from the sums over the n values x of its q,
 * q^2 and q x (@sq, @sqq, @sqx) and of x (@sx): a[k] and o[k], and the
 * fit's squared error less sum x^2 (the same for every fit) in err[k],
 * INFINITY where there is no fit (a <= 0). fit_solve_avx2 does the same
 * operations in the same order, and gets the same bits. */
static void
fit_solve_scalar (const float *sq,
                  const float *sqq,
                  const float *sqx,
                  int          n,
                  double       sx,
                  gboolean     free_offset,
                  double      *err,
                  float       *a_out,
                  float       *o_out)
{
  for (int k = 0; k < FIT_N; k++)
    {
      double q1 = sq[k], q2 = sqq[k], qx = sqx[k];
      double det = n * q2 - q1 * q1;
      double a = (float) ((n * qx - q1 * sx) / det);
      double o = (float) ((q2 * sx - q1 * qx) / det);
      double a0 = (float) (qx / q2);
      double e;

      if (!free_offset && o > 0)   /* the best fit with o = 0 */
        {
          a = a0;
          o = 0;
        }
      e = a * a * q2 + 2 * a * o * q1 + n * o * o - 2 * a * qx - 2 * o * sx;
      err[k] = det > 0 && a > 0 ? e : INFINITY;
      a_out[k] = (float) a;
      o_out[k] = (float) o;
    }
}

/* For each candidate k, its q = min (round ((x - lo) is[k]), nmax) (never
 * below 0: x >= lo) for x[0..n), their sums (float, the same additions
 * in the same order on every path), and from those fit_solve's fit. */
static void
fit_candidates_scalar (const float *x,
                       int          n,
                       float        lo,
                       float        nmax,
                       const float *is,
                       double       sx,
                       gboolean     free_offset,
                       double      *err,
                       float       *a,
                       float       *o)
{
  float sq[FIT_N] = { 0 }, sqq[FIT_N] = { 0 }, sqx[FIT_N] = { 0 };

  for (int j = 0; j < n; j++)
    {
      float v = x[j] - lo;

      for (int k = 0; k < FIT_N; k++)
        {
          float q = rintf (v * is[k]);

          q = q < nmax ? q : nmax;
          sq[k] += q;
          sqq[k] += q * q;
          sqx[k] += q * x[j];
        }
    }
  fit_solve_scalar (sq, sqq, sqx, n, sx, free_offset, err, a, o);
}

#ifdef SY_QUANTIZE_X86
/* fit_solve_scalar four candidates a vector */
__attribute__ ((target ("avx2")))
static inline void
fit_solve_avx2 (const float *sq,
                const float *sqq,
                const float *sqx,
                int          n,
                double       sx,
                gboolean     free_offset,
                double      *err,
                float       *a_out,
                float       *o_out)
{
  const __m256d nd = _mm256_set1_pd (n), sxv = _mm256_set1_pd (sx), zero = _mm256_setzero_pd ();
  const __m256d two = _mm256_set1_pd (2), inf = _mm256_set1_pd (INFINITY);

  for (int k = 0; k < FIT_N; k += 4)
    {
      __m256d q1 = _mm256_cvtps_pd (_mm_loadu_ps (sq + k));
      __m256d q2 = _mm256_cvtps_pd (_mm_loadu_ps (sqq + k));
      __m256d qx = _mm256_cvtps_pd (_mm_loadu_ps (sqx + k));
      __m256d det = _mm256_sub_pd (_mm256_mul_pd (nd, q2), _mm256_mul_pd (q1, q1));
      __m128 af = _mm256_cvtpd_ps (_mm256_div_pd (_mm256_sub_pd (_mm256_mul_pd (nd, qx), _mm256_mul_pd (q1, sxv)), det));
      __m128 of = _mm256_cvtpd_ps (_mm256_div_pd (_mm256_sub_pd (_mm256_mul_pd (q2, sxv), _mm256_mul_pd (q1, qx)), det));
      __m128 a0 = _mm256_cvtpd_ps (_mm256_div_pd (qx, q2));
      __m256d a, o, e, a2, ok;

      if (!free_offset)
        {
          __m128 to_zero = _mm_cmpgt_ps (of, _mm_setzero_ps ());

          af = _mm_blendv_ps (af, a0, to_zero);
          of = _mm_andnot_ps (to_zero, of);
        }
      a = _mm256_cvtps_pd (af);
      o = _mm256_cvtps_pd (of);
      a2 = _mm256_mul_pd (two, a);
      e = _mm256_add_pd (_mm256_mul_pd (_mm256_mul_pd (a, a), q2), _mm256_mul_pd (_mm256_mul_pd (a2, o), q1));
      e = _mm256_add_pd (e, _mm256_mul_pd (_mm256_mul_pd (nd, o), o));
      e = _mm256_sub_pd (e, _mm256_mul_pd (a2, qx));
      e = _mm256_sub_pd (e, _mm256_mul_pd (_mm256_mul_pd (two, o), sxv));
      ok = _mm256_and_pd (_mm256_cmp_pd (det, zero, _CMP_GT_OQ), _mm256_cmp_pd (a, zero, _CMP_GT_OQ));
      _mm256_storeu_pd (err + k, _mm256_blendv_pd (inf, e, ok));
      _mm_storeu_ps (a_out + k, af);
      _mm_storeu_ps (o_out + k, of);
    }
}
/* fit_candidates_scalar with the sums eight candidates a vector: target
 * avx2 only, not fma, so that no multiply and add are fused (the scalar
 * path rounds each) */
__attribute__ ((target ("avx2")))
static void
fit_candidates_avx2 (const float *x,
                     int          n,
                     float        lo,
                     float        nmax,
                     const float *is,
                     double       sx,
                     gboolean     free_offset,
                     double      *err,
                     float       *a,
                     float       *o)
{
  const __m256 is0 = _mm256_loadu_ps (is), is1 = _mm256_loadu_ps (is + 8), is2 = _mm256_loadu_ps (is + 16);
  const __m256 nm = _mm256_set1_ps (nmax);
  __m256 s0 = _mm256_setzero_ps (), s1 = s0, s2 = s0, ss0 = s0, ss1 = s0, ss2 = s0, sx0 = s0, sx1 = s0, sx2 = s0;
  float sq[FIT_N], sqq[FIT_N], sqx[FIT_N];

  for (int j = 0; j < n; j++)
    {
      __m256 v = _mm256_set1_ps (x[j] - lo), xj = _mm256_set1_ps (x[j]), q0, q1, q2;

#define FIT_Q(is) _mm256_min_ps (_mm256_round_ps (_mm256_mul_ps (v, is), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), nm)
      q0 = FIT_Q (is0);
      q1 = FIT_Q (is1);
      q2 = FIT_Q (is2);
#undef FIT_Q
      s0 = _mm256_add_ps (s0, q0);
      s1 = _mm256_add_ps (s1, q1);
      s2 = _mm256_add_ps (s2, q2);
      ss0 = _mm256_add_ps (ss0, _mm256_mul_ps (q0, q0));
      ss1 = _mm256_add_ps (ss1, _mm256_mul_ps (q1, q1));
      ss2 = _mm256_add_ps (ss2, _mm256_mul_ps (q2, q2));
      sx0 = _mm256_add_ps (sx0, _mm256_mul_ps (q0, xj));
      sx1 = _mm256_add_ps (sx1, _mm256_mul_ps (q1, xj));
      sx2 = _mm256_add_ps (sx2, _mm256_mul_ps (q2, xj));
    }
  _mm256_storeu_ps (sq, s0);
  _mm256_storeu_ps (sq + 8, s1);
  _mm256_storeu_ps (sq + 16, s2);
  _mm256_storeu_ps (sqq, ss0);
  _mm256_storeu_ps (sqq + 8, ss1);
  _mm256_storeu_ps (sqq + 16, ss2);
  _mm256_storeu_ps (sqx, sx0);
  _mm256_storeu_ps (sqx + 8, sx1);
  _mm256_storeu_ps (sqx + 16, sx2);
  fit_solve_avx2 (sq, sqq, sqx, n, sx, free_offset, err, a, o);
}

#endif

/* Fits x[0..n) ~ a q + o with q in 0..@nmax (o <= 0 unless @free_offset):
 * rounds against scales around (max - min) / nmax, refits a and o by
 * least squares for each rounding, keeps the fit of least squared error.
 * That error comes from the sums the refit uses (sum (a q + o - x)^2 =
 * a^2 Sqq + 2 a o Sq + n o^2 - 2 a Sqx - 2 o Sx + Sxx), without a second
 * pass over x. */
static void
fit_affine (const float *x,
            int          n,
            int          nmax,
            gboolean     free_offset,
            float       *a_out,
            float       *o_out)
{
  float lo4[4], hi4[4], lo, hi, r, is[FIT_N], a[FIT_N], o[FIT_N];
  double best_err, best4[4], sx4[4] = { 0 }, sx, err[FIT_N];

  /* n is 16 or 32: four chains of additions and comparisons, not one */
  for (int i = 0; i < 4; i++)
    lo4[i] = hi4[i] = x[i];
  for (int j = 0; j < n; j += 4)
    for (int i = 0; i < 4; i++)
      {
        lo4[i] = MIN (lo4[i], x[j + i]);
        hi4[i] = MAX (hi4[i], x[j + i]);
        sx4[i] += x[j + i];
      }
  lo = MIN (MIN (lo4[0], lo4[1]), MIN (lo4[2], lo4[3]));
  hi = MAX (MAX (hi4[0], hi4[1]), MAX (hi4[2], hi4[3]));
  sx = (sx4[0] + sx4[1]) + (sx4[2] + sx4[3]);
  if (!free_offset)
    lo = MIN (lo, 0.0f);
  /* the plain rounding, where no refit is better */
  *a_out = (hi - lo) / nmax;
  *o_out = lo;
  if (!(hi > lo) || !isfinite (*a_out))
    {
      *a_out = 0;
      *o_out = isfinite (lo) ? lo : 0;
      return;
    }
  r = 1.0f / (hi - lo);
  for (int k = 0; k < FIT_N; k++)
    is[k] = (nmax + 0.1f * (k + FIT_K0)) * r;
#ifdef SY_QUANTIZE_X86
  if (have_avx2 ())
    fit_candidates_avx2 (x, n, lo, nmax, is, sx, free_offset, err, a, o);
  else
#endif
    fit_candidates_scalar (x, n, lo, nmax, is, sx, free_offset, err, a, o);
  /* the first candidate of least error (NaN never is): the least error in
   * four chains without branches (which would be mispredicted), then
   * where it is first */
  for (int i = 0; i < 4; i++)
    best4[i] = INFINITY;
  for (int k = 0; k < FIT_N; k += 4)
    for (int i = 0; i < 4; i++)
      best4[i] = err[k + i] < best4[i] ? err[k + i] : best4[i];
  best_err = MIN (MIN (best4[0], best4[1]), MIN (best4[2], best4[3]));
  if (best_err < INFINITY)
    {
      int best = 0;

      for (int k = FIT_N - 1; k >= 0; k--)   /* from the end, no branch */
        best = err[k] == best_err ? k : best;
      *a_out = a[best];
      *o_out = o[best];
    }
}

/* Fits x[0..n) ~ a q with q in -@nlo..@nlo - 1: the value of largest
 * magnitude maps to about -nlo; a few scales around that, each refit by
 * least squares; the one of least squared error. */
static float
fit_symmetric (const float *x,
               int          n,
               int          nlo)
{
  float v = largest_magnitude (x, n), best_a = v / -nlo;
  double best_err = INFINITY;

  if (!(v != 0) || !isfinite (best_a))
    return 0;
  for (int k = -8; k <= 8; k++)
    {
      float a = v / -(nlo + 0.1f * k);
      double sqx = 0, sqq = 0, err = 0;
      int q[QKK];

      for (int j = 0; j < n; j++)
        {
          q[j] = CLAMP ((int) rintf (x[j] / a), -nlo, nlo - 1);
          sqx += (double) q[j] * x[j];
          sqq += (double) q[j] * q[j];
        }
      if (k != 0 && sqq > 0)   /* k = 0: the plain rounding */
        a = (float) (sqx / sqq);
      for (int j = 0; j < n; j++)
        {
          double r = a * CLAMP ((int) rintf (x[j] / a), -nlo, nlo - 1) - x[j];

          err += r * r;
        }
      if (err < best_err)
        {
          best_err = err;
          best_a = a;
        }
    }
  return best_a;
}

/* the IQ4 level nearest to @v (in units of the scale) */
static int
nearest_iq4 (float v)
{
  int k = 0;

  while (k < 15 && v > 0.5f * (iq4_levels[k] + iq4_levels[k + 1]))
    k++;
  return k;
}

/* Fits x[0..n) ~ d level (q): scales that map the value of largest
 * magnitude near the outer levels, each refit by least squares */
static float
fit_iq4 (const float *x,
         int          n)
{
  float v = largest_magnitude (x, n), best_d = 0;
  double best_err = INFINITY;

  if (!(v != 0) || !isfinite (v))
    return 0;
  for (int k = -10; k <= 10; k++)
    {
      float d = v / (iq4_levels[0] + k);
      double sxl = 0, sll = 0, err = 0;

      for (int j = 0; j < n; j++)
        {
          int l = iq4_levels[nearest_iq4 (x[j] / d)];

          sxl += (double) x[j] * l;
          sll += (double) l * l;
        }
      if (sll > 0)
        d = (float) (sxl / sll);
      if (!(d != 0))
        continue;
      for (int j = 0; j < n; j++)
        {
          double r = d * iq4_levels[nearest_iq4 (x[j] / d)] - x[j];

          err += r * r;
        }
      if (err < best_err)
        {
          best_err = err;
          best_d = d;
        }
    }
  return best_d;
}

/* Q4_1 / Q5_1: fits the block as d q + m (q in 0..@nmax), stores d and m
 * in its first 4 bytes and returns them as stored */
static void
store_affine (const float *x,
              int          nmax,
              guint8      *b,
              float       *d,
              float       *m)
{
  float a, o;

  fit_affine (x, QK, nmax, TRUE, &a, &o);
  wr_f16 (b, a);
  wr_f16 (b + 2, o);
  *d = rd_f16 (b);
  *m = rd_f16 (b + 2);
}

static void
quantize_q4_1 (const float *x,
               guint8      *b)
{
  float d, m;

  store_affine (x, 15, b, &d, &m);
  for (int j = 0; j < QK / 2; j++)
    {
      int q0 = d > 0 ? round_clamp ((x[j] - m) / d, 0, 15) : 0;
      int q1 = d > 0 ? round_clamp ((x[j + 16] - m) / d, 0, 15) : 0;

      b[4 + j] = (guint8) (q0 | (q1 << 4));
    }
}

/* Q5_0 / Q5_1: 5-bit codes @q into qh (4 bytes) and the nibbles (16) */
static void
pack_q5 (const int *q,
         guint8    *qh,
         guint8    *qs)
{
  guint32 h = 0;

  for (int j = 0; j < QK; j++)
    h |= (guint32) ((q[j] >> 4) & 1) << j;
  for (int k = 0; k < 4; k++)
    qh[k] = (guint8) (h >> (8 * k));
  for (int j = 0; j < QK / 2; j++)
    qs[j] = (guint8) ((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
}

static void
quantize_q5_0 (const float *x,
               guint8      *b)
{
  int q[QK];
  float d;

  wr_f16 (b, fit_symmetric (x, QK, 16));
  d = rd_f16 (b);
  for (int j = 0; j < QK; j++)
    q[j] = d != 0 ? round_clamp (x[j] / d, -16, 15) + 16 : 16;
  pack_q5 (q, b + 2, b + 6);
}

static void
quantize_q5_1 (const float *x,
               guint8      *b)
{
  int q[QK];
  float d, m;

  store_affine (x, 31, b, &d, &m);
  for (int j = 0; j < QK; j++)
    q[j] = d > 0 ? round_clamp ((x[j] - m) / d, 0, 31) : 0;
  pack_q5 (q, b + 4, b + 8);
}

/* IQ4_NL / IQ4_XS: 32 values at scale @d as 16 bytes of level codes
 * (values j and j + 16 in byte j) */
static void
pack_iq4 (const float *x,
          float        d,
          guint8      *q)
{
  for (int j = 0; j < 16; j++)
    {
      int q0 = d != 0 ? nearest_iq4 (x[j] / d) : 8;
      int q1 = d != 0 ? nearest_iq4 (x[j + 16] / d) : 8;

      q[j] = (guint8) (q0 | (q1 << 4));
    }
}

static void
quantize_iq4_nl (const float *x,
                 guint8      *b)
{
  wr_f16 (b, fit_iq4 (x, QK));
  pack_iq4 (x, rd_f16 (b), b + 2);
}

static void
quantize_iq4_xs (const float *x,
                 guint8      *b)
{
  float s[8], d;
  int ls[8], sh = 0;

  for (int k = 0; k < 8; k++)
    s[k] = fit_iq4 (x + 32 * k, 32);
  memset (b, 0, 136);
  wr_f16 (b, largest_magnitude (s, 8) / -32.0f);
  d = rd_f16 (b);
  for (int k = 0; k < 8; k++)
    {
      ls[k] = d != 0 ? round_clamp (s[k] / d, -32, 31) : 0;
      b[4 + k / 2] |= (guint8) (((ls[k] + 32) & 0xF) << (4 * (k % 2)));
      sh |= ((ls[k] + 32) >> 4) << (2 * k);
      pack_iq4 (x + 32 * k, d * ls[k], b + 8 + 16 * k);
    }
  b[2] = (guint8) (sh & 0xFF);
  b[3] = (guint8) (sh >> 8);
}

/* Q2_K / Q4_K / Q5_K: fits each of @n_groups groups of @size values as
 * scale q - min (q in 0..@nmax); returns the largest scale and min */
static void
fit_groups (const float *x,
            int          n_groups,
            int          size,
            int          nmax,
            float       *scale,
            float       *min,
            float       *max_scale,
            float       *max_min)
{
  *max_scale = 0;
  *max_min = 0;
  for (int g = 0; g < n_groups; g++)
    {
      float o;

      fit_affine (x + size * g, size, nmax, FALSE, &scale[g], &o);
      min[g] = -o;
      *max_scale = MAX (*max_scale, scale[g]);
      *max_min = MAX (*max_min, min[g]);
    }
}

/* Q4_K / Q5_K: fits each sub-block of 32 as scale q - min (q in
 * 0..@nmax), stores d, dmin and the 6-bit scales and mins (12 bytes at
 * b + 4); @sc and @m get the stored values */
static void
k_scales_mins (const float *x,
               int          nmax,
               guint8      *b,
               int         *sc,
               int         *m,
               float       *d_out,
               float       *dmin_out)
{
  float scale[8], min[8], max_scale, max_min, d, dmin;
  guint8 *s = b + 4;

  fit_groups (x, 8, 32, nmax, scale, min, &max_scale, &max_min);
  wr_f16 (b, max_scale / 63.0f);
  wr_f16 (b + 2, max_min / 63.0f);
  d = rd_f16 (b);        /* quantize against the stored scales */
  dmin = rd_f16 (b + 2);
  for (int k = 0; k < 8; k++)
    {
      sc[k] = d > 0 ? round_clamp (scale[k] / d, 0, 63) : 0;
      m[k] = dmin > 0 ? round_clamp (min[k] / dmin, 0, 63) : 0;
    }
  for (int j = 0; j < 4; j++)
    {
      s[j] = (guint8) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
      s[j + 4] = (guint8) ((m[j] & 63) | ((m[j + 4] >> 4) << 6));
      s[j + 8] = (guint8) ((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
  *d_out = d;
  *dmin_out = dmin;
}

/* Q4_K (@five_bits FALSE) / Q5_K: the same scales and nibbles, Q5_K
 * with the fifth bits in 32 bytes (qh) before the nibbles */
static void
quantize_q45_k (const float *x,
                gboolean     five_bits,
                guint8      *b)
{
  int sc[8], m[8], nmax = five_bits ? 31 : 15;
  float d, dmin;
  guint8 c[QKK];
  guint8 *qh = b + 16, *q = five_bits ? b + 48 : b + 16;

  k_scales_mins (x, nmax, b, sc, m, &d, &dmin);
  for (int k = 0; k < 8; k++)
    {
      float ds = d * sc[k], off = dmin * m[k];

      if (ds > 0)
        codes (x + 32 * k, 32, off, ds, 0, nmax, 0, c + 32 * k);
      else
        memset (c + 32 * k, 0, 32);
    }
  if (five_bits)
    memset (qh, 0, 32);
  /* sub-blocks 2 p and 2 p + 1 in the low and high nibbles of 32 bytes */
  for (int p = 0; p < 4; p++)
    for (int l = 0; l < 32; l++)
      {
        const guint8 *v = c + 64 * p + l;

        q[32 * p + l] = (guint8) ((v[0] & 0xF) | ((v[32] & 0xF) << 4));
        if (five_bits)
          qh[l] |= (guint8) (((v[0] >> 4) << (2 * p)) | ((v[32] >> 4) << (2 * p + 1)));
      }
}

static void
quantize_q2_k (const float *x,
               guint8      *b)
{
  float scale[16], min[16], max_scale, max_min, d, dmin;
  int q[QKK];

  fit_groups (x, 16, 16, 3, scale, min, &max_scale, &max_min);
  wr_f16 (b + 80, max_scale / 15.0f);
  wr_f16 (b + 82, max_min / 15.0f);
  d = rd_f16 (b + 80);
  dmin = rd_f16 (b + 82);
  for (int g = 0; g < 16; g++)
    {
      int sc = d > 0 ? round_clamp (scale[g] / d, 0, 15) : 0;
      int m = dmin > 0 ? round_clamp (min[g] / dmin, 0, 15) : 0;
      float ds = d * sc, off = dmin * m;

      b[g] = (guint8) (sc | (m << 4));
      for (int l = 0; l < 16; l++)
        q[16 * g + l] = ds > 0 ? round_clamp ((x[16 * g + l] + off) / ds, 0, 3) : 0;
    }
  for (int h = 0; h < 2; h++)
    for (int l = 0; l < 32; l++)
      {
        const int *v = q + 128 * h + l;

        b[16 + 32 * h + l] = (guint8) (v[0] | (v[32] << 2) | (v[64] << 4) | (v[96] << 6));
      }
}

static void
quantize_q3_k (const float *x,
               guint8      *b)
{
  float scale[16], d;
  int q[QKK];

  for (int g = 0; g < 16; g++)
    scale[g] = fit_symmetric (x + 16 * g, 16, 4);
  memset (b, 0, 110);
  wr_f16 (b + 108, largest_magnitude (scale, 16) / -32.0f);
  d = rd_f16 (b + 108);
  for (int g = 0; g < 16; g++)
    {
      int ls = d != 0 ? round_clamp (scale[g] / d, -32, 31) : 0;
      int u = ls + 32;
      float ds = d * ls;

      /* low 4 bits: nibble g / 8 of byte g % 8; high 2 bits: bits 2 (g / 4) of byte 8 + g % 4 */
      b[96 + g % 8] |= (guint8) ((u & 0xF) << (4 * (g / 8)));
      b[96 + 8 + g % 4] |= (guint8) ((u >> 4) << (2 * (g / 4)));
      for (int l = 0; l < 16; l++)
        q[16 * g + l] = (ds != 0 ? round_clamp (x[16 * g + l] / ds, -4, 3) : 0) + 4;
    }
  for (int j = 0; j < QKK; j++)
    {
      int h = j / 128, k = (j % 128) / 32, l = j % 32;

      /* hmask bit set: no offset, so it holds q >= 4 (q - 4 >= 0) */
      b[32 + 32 * h + l] |= (guint8) ((q[j] & 3) << (2 * k));
      b[l] |= (guint8) ((q[j] >> 2) << (j / 32));
    }
}

void
sy_quantize (SyDType      dtype,
             const float *x,
             int64_t      n,
             void        *out)
{
  int be = sy_dtype_block_elems (dtype);
  gsize bb = sy_dtype_block_bytes (dtype);
  guint8 *b = out;

  g_return_if_fail (sy_dtype_is_quantized (dtype) && n % be == 0);
  for (int64_t i = 0; i < n; i += be, b += bb)
    switch (dtype)
      {
      case SY_DTYPE_Q8_0: quantize_q8_0 (x + i, b); break;
      case SY_DTYPE_Q4_0: quantize_q4_0 (x + i, b); break;
      case SY_DTYPE_Q4_K: quantize_q45_k (x + i, FALSE, b); break;
      case SY_DTYPE_Q6_K: quantize_q6_k (x + i, b); break;
      case SY_DTYPE_MXFP4: quantize_mxfp4 (x + i, b); break;
      case SY_DTYPE_Q4_1: quantize_q4_1 (x + i, b); break;
      case SY_DTYPE_Q5_0: quantize_q5_0 (x + i, b); break;
      case SY_DTYPE_Q5_1: quantize_q5_1 (x + i, b); break;
      case SY_DTYPE_Q2_K: quantize_q2_k (x + i, b); break;
      case SY_DTYPE_Q3_K: quantize_q3_k (x + i, b); break;
      case SY_DTYPE_Q5_K: quantize_q45_k (x + i, TRUE, b); break;
      case SY_DTYPE_IQ4_NL: quantize_iq4_nl (x + i, b); break;
      case SY_DTYPE_IQ4_XS: quantize_iq4_xs (x + i, b); break;
      default: g_return_if_reached ();
      }
}

/* sy_quantize without the vector paths (for the tests: the same bytes) */
void
sy_quantize_generic (SyDType      dtype,
                     const float *x,
                     int64_t      n,
                     void        *out)
{
#ifdef SY_QUANTIZE_X86
  force_generic = TRUE;
#endif
  sy_quantize (dtype, x, n, out);
#ifdef SY_QUANTIZE_X86
  force_generic = FALSE;
#endif
}

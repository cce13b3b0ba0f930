/* sy-kernels.c: the numeric kernels of the forward pass
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Matrix products go through OpenBLAS (cblas_sgemm) with OpenBLAS itself
 * kept single-threaded: the parallelism is ours (SyPool), one row range
 * of the weight matrix per thread, so every product uses both cores the
 * same way whether the weights are F32, BF16 or F16.  Half-precision
 * weights are converted to float32 one panel of rows at a time into a
 * small scratch buffer that stays in cache; for one to three rows of
 * activations (decoding) a fused convert-and-dot kernel reads the weights
 * exactly once.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SY_HAVE_X86 1
#endif

#include "sy-cpu.h"
#include "sy-kernels.h"
#include "sy-quant.h"
#include "sy-quant-matmul.h"
#include "sy-quant-q8.h"
#include "sy-weight-memory.h"

/* Scalar conversions: sy_bf16_to_f32 () etc. of sy-tensor-store.h */

/* ------------------------------------------------------ CPU features */

#ifdef SY_HAVE_X86
static int
have_avx2_fma_f16c (void)
{
  static int cached = -1;

  if (cached < 0)
    {
      __builtin_cpu_init ();
      cached = sy_cpu_has_avx2_fma () && sy_cpu_has_f16c ();
    }
  return cached;
}

__attribute__ ((target ("avx2,fma,f16c")))
static void
row_to_f32_avx2 (const void *src,
                 SyDType     dtype,
                 int         n,
                 float      *out)
{
  const uint16_t *h = src;
  int i = 0;

  if (dtype == SY_DTYPE_BF16)
    for (; i + 8 <= n; i += 8)
      {
        __m256i w = _mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const __m128i *) (h + i)));
        _mm256_storeu_ps (out + i, _mm256_castsi256_ps (_mm256_slli_epi32 (w, 16)));
      }
  else
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps (out + i, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (h + i))));
  for (; i < n; i++)
    out[i] = dtype == SY_DTYPE_BF16 ? sy_bf16_to_f32 (h[i]) : sy_f16_to_f32 (h[i]);
}

__attribute__ ((target ("avx2,fma,f16c")))
static inline __m256
load8_half (const uint16_t *h,
            SyDType         dtype)
{
  __m128i raw = _mm_loadu_si128 ((const __m128i *) h);

  if (dtype == SY_DTYPE_BF16)
    return _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_cvtepu16_epi32 (raw), 16));
  return _mm256_cvtph_ps (raw);
}

/* y[t] = dot (w_row, x[t]) for t < T (T <= 4): the row is read once. */
__attribute__ ((target ("avx2,fma,f16c")))
static void
dot_half_avx2 (const uint16_t *w,
               SyDType         dtype,
               const float    *x,
               int             ldx,
               int             T,
               int             n,
               float          *y,
               int             ldy)
{
  __m256 acc[4][2];
  int i = 0;

  for (int t = 0; t < 4; t++)
    acc[t][0] = acc[t][1] = _mm256_setzero_ps ();
  for (; i + 16 <= n; i += 16)
    {
      __m256 w0 = load8_half (w + i, dtype);
      __m256 w1 = load8_half (w + i + 8, dtype);

      for (int t = 0; t < T; t++)
        {
          acc[t][0] = _mm256_fmadd_ps (w0, _mm256_loadu_ps (x + (gsize) t * ldx + i), acc[t][0]);
          acc[t][1] = _mm256_fmadd_ps (w1, _mm256_loadu_ps (x + (gsize) t * ldx + i + 8), acc[t][1]);
        }
    }
  for (int t = 0; t < T; t++)
    {
      float s = sy_hsum256 (_mm256_add_ps (acc[t][0], acc[t][1]));

      for (int j = i; j < n; j++)
        s += (dtype == SY_DTYPE_BF16 ? sy_bf16_to_f32 (w[j]) : sy_f16_to_f32 (w[j]))
             * x[(gsize) t * ldx + j];
      y[(gsize) t * ldy] = s;
    }
}

/* AVX-512 register tile: R weight rows x TB activation rows, 16 columns
 * per step.  Each converted weight vector serves TB tokens and each
 * activation vector R rows; float32 accumulation (exact products of the
 * stored weights).  R <= 4, TB <= 6: 24 accumulators of the 32 registers.
 * While the first TB block of a tile computes, the next tile's rows are
 * prefetched in address order: each row of a 2048-wide half matrix is one
 * 4 KiB page, where the hardware prefetcher stops, and this took a 1024 x
 * 2048 bf16 product on 2 cores from ~20 to ~40 GB/s at T = 4 and from 117
 * to 196 GFLOP/s at T = 8 (our 2-core Zen 5 VMs). */
static int
have_avx512 (void)
{
  static int cached = -1;

  if (cached < 0)
    {
      __builtin_cpu_init ();
      cached = __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
               && __builtin_cpu_supports ("avx512vl");
    }
  return cached;
}

__attribute__ ((target ("avx512f,avx512bw,avx512vl"), always_inline))
static inline __m512
load16_half (const uint16_t *h,
             SyDType         dtype,
             __mmask16       m)
{
  __m256i raw = _mm256_maskz_loadu_epi16 (m, h);

  if (dtype == SY_DTYPE_BF16)
    return _mm512_castsi512_ps (_mm512_slli_epi32 (_mm512_cvtepu16_epi32 (raw), 16));
  return _mm512_cvtph_ps (raw);
}

__attribute__ ((target ("avx512f,avx512bw,avx512vl"), always_inline))
static inline void
tile_half_512 (const uint16_t *w,
               gsize           ldw,
               SyDType         dtype,
               const float    *x,
               gsize           ldx,
               float          *y,
               gsize           ldy,
               int             K,
               const char     *pf,
               const int       R,
               const int       TB)
{
  __m512 acc[4][6];
  gsize pf_step = (gsize) 2 * R * 16;   /* bytes of the next tile per step */

  /* fully unrolled, so that the accumulators live in registers */
#pragma GCC unroll 4
  for (int r = 0; r < R; r++)
#pragma GCC unroll 6
    for (int t = 0; t < TB; t++)
      acc[r][t] = _mm512_setzero_ps ();

  for (int k = 0; k < K; k += 16)
    {
      __mmask16 m = K - k >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << (K - k)) - 1);
      __m512 wv[4];

      if (pf)
        {
          /* bring the next tile's rows in, in address order, while this
           * one computes: the prefetcher alone restarts at each 4 KiB */
          const char *a = pf + (gsize) (k / 16) * pf_step;

          _mm_prefetch (a, _MM_HINT_T0);
          _mm_prefetch (a + 64, _MM_HINT_T0);
        }

#pragma GCC unroll 4
      for (int r = 0; r < R; r++)
        wv[r] = load16_half (w + r * ldw + k, dtype, m);
#pragma GCC unroll 6
      for (int t = 0; t < TB; t++)
        {
          __m512 xv = _mm512_maskz_loadu_ps (m, x + t * ldx + k);

#pragma GCC unroll 4
          for (int r = 0; r < R; r++)
            acc[r][t] = _mm512_fmadd_ps (wv[r], xv, acc[r][t]);
        }
    }

#pragma GCC unroll 4
  for (int r = 0; r < R; r++)
#pragma GCC unroll 6
    for (int t = 0; t < TB; t++)
      y[t * ldy + r] = _mm512_reduce_add_ps (acc[r][t]);
}

#define TILE_CASE(r, tb) \
  case (r) * 8 + (tb): \
    tile_half_512 (w, ldw, dtype, x, ldx, y, ldy, K, pf, r, tb); \
    break;
#define TILE_ROW(r) \
  TILE_CASE (r, 1) TILE_CASE (r, 2) TILE_CASE (r, 3) \
  TILE_CASE (r, 4) TILE_CASE (r, 5) TILE_CASE (r, 6)

__attribute__ ((target ("avx512f,avx512bw,avx512vl")))
static void
tile_dispatch_512 (const uint16_t *w,
                   gsize           ldw,
                   SyDType         dtype,
                   const float    *x,
                   gsize           ldx,
                   float          *y,
                   gsize           ldy,
                   int             K,
                   const char     *pf,
                   int             R,
                   int             TB)
{
  switch (R * 8 + TB)
    {
      TILE_ROW (1) TILE_ROW (2) TILE_ROW (3) TILE_ROW (4)
    default:
      g_assert_not_reached ();
    }
}

/* rows [r0, r1) of y (T, N) = x (T, K) @ w^T for half weights */
static void
matmul_half_512 (const SyMat *w,
                 const float *x,
                 int          T,
                 float       *y,
                 int          r0,
                 int          r1)
{
  const uint16_t *wd = w->data;
  int K = w->cols, N = w->rows;

  for (int r = r0; r < r1; r += 4)
    {
      int R = MIN (4, r1 - r);

      const char *next = r + 4 < r1 ? (const char *) (wd + (gsize) (r + 4) * K) : NULL;

      for (int t = 0; t < T; t += 6)
        tile_dispatch_512 (wd + (gsize) r * K, K, w->dtype, x + (gsize) t * K, K,
                           y + (gsize) t * N + r, N, K, t == 0 ? next : NULL, R, MIN (6, T - t));
    }
}
#endif

static gsize
dtype_size (SyDType dtype)
{
  return dtype == SY_DTYPE_F32 ? 4 : 2;
}

void
sy_mat_row_to_f32_ref (const SyMat *w,
                       int          row,
                       int          col0,
                       int          n,
                       float       *out)
{
  gsize base = (gsize) row * w->cols + col0;

  if (sy_dtype_is_quantized (w->dtype))
    {
      /* rows are whole blocks: cols is a multiple of the block size */
      sy_quant_to_f32_ref (w->dtype, (const char *) w->data + sy_dtype_n_bytes (w->dtype, (int64_t) row * w->cols),
                           col0, n, out);
      return;
    }

  for (int i = 0; i < n; i++)
    {
      switch (w->dtype)
        {
        case SY_DTYPE_F32:
          out[i] = ((const float *) w->data)[base + i];
          break;
        case SY_DTYPE_BF16:
          out[i] = sy_bf16_to_f32 (((const uint16_t *) w->data)[base + i]);
          break;
        case SY_DTYPE_F16:
          out[i] = sy_f16_to_f32 (((const uint16_t *) w->data)[base + i]);
          break;
        default:
          out[i] = NAN;
          break;
        }
    }
}

void
sy_mat_row_to_f32 (const SyMat *w,
                   int          row,
                   int          col0,
                   int          n,
                   float       *out)
{
  const char *src;

  if (sy_dtype_is_quantized (w->dtype))
    {
      sy_quant_to_f32 (w->dtype, (const char *) w->data + sy_dtype_n_bytes (w->dtype, (int64_t) row * w->cols),
                       col0, n, out);
      return;
    }
  src = (const char *) w->data + ((gsize) row * w->cols + col0) * dtype_size (w->dtype);

  if (w->dtype == SY_DTYPE_F32)
    {
      memcpy (out, src, (gsize) n * sizeof (float));
      return;
    }
#ifdef SY_HAVE_X86
  if (have_avx2_fma_f16c ())
    {
      row_to_f32_avx2 (src, w->dtype, n, out);
      return;
    }
#endif
  sy_mat_row_to_f32_ref (w, row, col0, n, out);
}

/* --------------------------------------------------------- elementwise */

void
sy_rmsnorm_ref (float       *out,
                const float *x,
                const float *w,
                int          n,
                float        eps)
{
  double ss = 0;
  float scale;

  for (int i = 0; i < n; i++)
    ss += (double) x[i] * x[i];
  scale = 1.0f / sqrtf ((float) (ss / n) + eps);
  for (int i = 0; i < n; i++)
    out[i] = (w ? w[i] : 1.0f) * (x[i] * scale);
}

void
sy_rmsnorm (float       *out,
            const float *x,
            const float *w,
            int          n,
            float        eps)
{
  float s[8] = { 0 };
  float ss, scale;
  int i = 0;

  /* Eight independent partial sums: vectorisable, and closer to the
   * pairwise sums of the reference than one long chain. */
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++)
      s[j] += x[i + j] * x[i + j];
  ss = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; i++)
    ss += x[i] * x[i];
  scale = 1.0f / sqrtf (ss / n + eps);
  if (w)
    for (i = 0; i < n; i++)
      out[i] = w[i] * (x[i] * scale);
  else
    for (i = 0; i < n; i++)
      out[i] = x[i] * scale;
}

void
sy_rope_ref (float       *x,
             int          n_heads,
             int          head_dim,
             int          rot_dim,
             const float *cos,
             const float *sin)
{
  int half = rot_dim / 2;

  for (int h = 0; h < n_heads; h++)
    {
      float *v = x + (gsize) h * head_dim;

      for (int i = 0; i < half; i++)
        {
          float a = v[i];
          float b = v[i + half];

          v[i] = a * cos[i] - b * sin[i];
          v[i + half] = b * cos[i] + a * sin[i];
        }
    }
}

void
sy_rope (float       *x,
         int          n_heads,
         int          head_dim,
         int          rot_dim,
         const float *cos,
         const float *sin)
{
  int half = rot_dim / 2;

  for (int h = 0; h < n_heads; h++)
    {
      float *restrict lo = x + (gsize) h * head_dim;
      float *restrict hi = lo + half;

      for (int i = 0; i < half; i++)
        {
          float a = lo[i];
          float b = hi[i];

          lo[i] = a * cos[i] - b * sin[i];
          hi[i] = b * cos[i] + a * sin[i];
        }
    }
}

double
sy_exp_sum_ref (const float *x,
                int          n,
                double      *max)
{
  double sum = 0;

  *max = -INFINITY;
  for (int i = 0; i < n; i++)
    *max = MAX (*max, x[i]);
  for (int i = 0; i < n; i++)
    sum += exp (x[i] - *max);
  return sum;
}

void
sy_softmax_ref (float *x,
                int    n)
{
  double max, sum = sy_exp_sum_ref (x, n, &max);

  for (int i = 0; i < n; i++)
    x[i] = (float) (exp (x[i] - max) / sum);
}

void
sy_softmax (float *x,
            int    n)
{
  float max = -INFINITY, sum = 0, inv;

  for (int i = 0; i < n; i++)
    max = MAX (max, x[i]);
  if (max == -INFINITY)
    {
      /* every entry masked: nothing to attend to */
      for (int i = 0; i < n; i++)
        x[i] = 0;
      return;
    }
  for (int i = 0; i < n; i++)
    {
      x[i] = expf (x[i] - max);
      sum += x[i];
    }
  inv = 1.0f / sum;
  for (int i = 0; i < n; i++)
    x[i] *= inv;
}

/* one query row of attention (decode): s[j] = scale (q . k_j), D values,
 * key j at k + j ldk; then out = sum_j p_j v_j.  Each key and value row
 * is read once, straight from the cache (BLAS packs them first: at one
 * query row that copy is most of the work). */
#ifdef SY_HAVE_X86
__attribute__ ((target ("avx512f,avx512bw,avx512vl,fma")))
static void
attn_scores_512 (float        *s,
                 const float  *q,
                 const SyRows *keys,
                 float         scale)
{
  const float *k = keys->data;
  gsize ldk = keys->ld;
  int n = keys->n, D = keys->D;
  int j = 0;

  for (; j + 4 <= n; j += 4)
    {
      const float *k0 = k + (gsize) j * ldk;
      __m512 a0 = _mm512_setzero_ps (), a1 = a0, a2 = a0, a3 = a0;

      for (int i = 0; i < D; i += 16)
        {
          __m512 qv = _mm512_loadu_ps (q + i);

          a0 = _mm512_fmadd_ps (qv, _mm512_loadu_ps (k0 + i), a0);
          a1 = _mm512_fmadd_ps (qv, _mm512_loadu_ps (k0 + ldk + i), a1);
          a2 = _mm512_fmadd_ps (qv, _mm512_loadu_ps (k0 + 2 * ldk + i), a2);
          a3 = _mm512_fmadd_ps (qv, _mm512_loadu_ps (k0 + 3 * ldk + i), a3);
        }
      s[j] = scale * _mm512_reduce_add_ps (a0);
      s[j + 1] = scale * _mm512_reduce_add_ps (a1);
      s[j + 2] = scale * _mm512_reduce_add_ps (a2);
      s[j + 3] = scale * _mm512_reduce_add_ps (a3);
    }
  for (; j < n; j++)
    {
      const float *kj = k + (gsize) j * ldk;
      __m512 a = _mm512_setzero_ps ();

      for (int i = 0; i < D; i += 16)
        a = _mm512_fmadd_ps (_mm512_loadu_ps (q + i), _mm512_loadu_ps (kj + i), a);
      s[j] = scale * _mm512_reduce_add_ps (a);
    }
}

/* out (D) = sum_j p_j v_j, 128 values of out at a time in registers */
__attribute__ ((target ("avx512f,avx512bw,avx512vl,fma")))
static void
attn_values_512 (float        *out,
                 const float  *p,
                 const SyRows *values)
{
  const float *v = values->data;
  gsize ldv = values->ld;
  int n = values->n, D = values->D;

  for (int i0 = 0; i0 < D; i0 += 128)
    {
      int nv = MIN (128, D - i0) / 16;
      __m512 a[8];

      for (int r = 0; r < 8; r++)
        a[r] = _mm512_setzero_ps ();
      for (int j = 0; j < n; j++)
        {
          const float *vj = v + (gsize) j * ldv + i0;
          __m512 pj = _mm512_set1_ps (p[j]);

          if (nv == 8)
            {
#pragma GCC unroll 8
              for (int r = 0; r < 8; r++)
                a[r] = _mm512_fmadd_ps (pj, _mm512_loadu_ps (vj + 16 * r), a[r]);
            }
          else
            for (int r = 0; r < nv; r++)
              a[r] = _mm512_fmadd_ps (pj, _mm512_loadu_ps (vj + 16 * r), a[r]);
        }
      for (int r = 0; r < nv; r++)
        _mm512_storeu_ps (out + i0 + 16 * r, a[r]);
    }
}
#endif

void
sy_attn_scores_row (float        *s,
                    const float  *q,
                    const SyRows *keys,
                    float         scale)
{
#ifdef SY_HAVE_X86
  if (keys->D % 16 == 0 && have_avx512 ())
    {
      attn_scores_512 (s, q, keys, scale);
      return;
    }
#endif
  for (int j = 0; j < keys->n; j++)
    {
      const float *kj = keys->data + (gsize) j * keys->ld;
      float a = 0;

      for (int i = 0; i < keys->D; i++)
        a += q[i] * kj[i];
      s[j] = scale * a;
    }
}

void
sy_attn_values_row (float        *out,
                    const float  *p,
                    const SyRows *values)
{
#ifdef SY_HAVE_X86
  if (values->D % 16 == 0 && have_avx512 ())
    {
      attn_values_512 (out, p, values);
      return;
    }
#endif
  for (int i = 0; i < values->D; i++)
    out[i] = 0;
  for (int j = 0; j < values->n; j++)
    for (int i = 0; i < values->D; i++)
      out[i] += p[j] * values->data[(gsize) j * values->ld + i];
}

void
sy_silu_mul_ref (float       *out,
                 const float *gate,
                 const float *up,
                 int          n)
{
  for (int i = 0; i < n; i++)
    out[i] = (float) (gate[i] / (1.0 + exp (-(double) gate[i])) * up[i]);
}

void
sy_silu_mul (float       *out,
             const float *gate,
             const float *up,
             int          n)
{
  for (int i = 0; i < n; i++)
    {
      float g = gate[i];

      out[i] = g / (1.0f + expf (-g)) * up[i];
    }
}

/* -------------------------------------------------------------- matmul */

void
sy_matmul_ref (float       *y,
               const float *x,
               int          T,
               const SyMat *w,
               const float *bias)
{
  g_autofree float *row = g_new (float, MAX (w->cols, 1));

  for (int r = 0; r < w->rows; r++)
    {
      sy_mat_row_to_f32_ref (w, r, 0, w->cols, row);
      for (int t = 0; t < T; t++)
        {
          double s = 0;

          for (int i = 0; i < w->cols; i++)
            s += (double) row[i] * x[(gsize) t * w->cols + i];
          y[(gsize) t * w->rows + r] = (float) (s + (bias ? bias[r] : 0));
        }
    }
}

#define PANEL_BYTES (256 * 1024)   /* converted panel: fits in L2 */
/* Up to this many activation rows, half weights go through the AVX-512
 * tile kernel (each weight converted once per 6 rows, in registers);
 * measured on par with or ahead of a converted panel + OpenBLAS at 128. */
#ifndef SY_TILE_MAX_T
#define SY_TILE_MAX_T 256
#endif

typedef struct
{
  float       *y;
  const float *x;
  int          T;
  const SyMat *w;
  int          n_tasks;
  int          panel;        /* rows per converted panel */
  float       *scratch;      /* (n_tasks, panel, cols) */
  const guint8 *xq;          /* --activations q8: x quantized, or NULL */
  gsize        xq_bytes;     /* per row of xq */
} MatmulJob;

/* the activations of this thread's products (sy_matmul_set_activations) */
static _Thread_local SyActivations matmul_activations;

static void
matmul_rows (MatmulJob *job,
             int        task,
             int        r0,
             int        r1)
{
  const SyMat *w = job->w;
  int K = w->cols, N = w->rows, T = job->T;

  if (r1 <= r0)
    return;

  if (job->xq != NULL)
    {
      /* sy-quant-q8.c: integer dot products with 8-bit activations */
      sy_quant_matmul_q8_rows (&(SyQuantProduct) { .dtype = w->dtype, .w = w->data, .K = K, .xq = job->xq,
                                                   .T = T, .y = job->y, .ldy = N }, r0, r1);
      return;
    }

  if (w->dtype == SY_DTYPE_F32)
    {
      const float *wf = (const float *) w->data + (gsize) r0 * K;

      if (T == 1)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, r1 - r0, K, 1.0f, wf, K,
                     job->x, 1, 0.0f, job->y + r0, 1);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, T, r1 - r0, K,
                     1.0f, job->x, K, wf, K, 0.0f, job->y + r0, N);
      return;
    }

  if (sy_dtype_is_quantized (w->dtype)
      && sy_quant_matmul_rows (&(SyQuantProduct) { w->dtype, w->data, K, job->x, T, job->y, N }, r0, r1,
                               job->scratch ? job->scratch + (gsize) task * job->panel * K : NULL,
                               job->panel))
    return;     /* sy-quant-matmul.c: fused decode + dot, or decoded panels */

  if (T <= 2 && sy_dtype_is_quantized (w->dtype))
    {
      /* decode: fused block dot products, the weights never unpacked */
      gsize row_bytes = sy_dtype_n_bytes (w->dtype, K);

      for (int t = 0; t < T; t++)
        for (int r = r0; r < r1; r++)
          job->y[(gsize) t * N + r] = sy_quant_dot (w->dtype, (const char *) w->data + (gsize) r * row_bytes,
                                                    job->x + (gsize) t * K, K);
      return;
    }

#ifdef SY_HAVE_X86
  if (T <= SY_TILE_MAX_T && !sy_dtype_is_quantized (w->dtype) && have_avx512 ())
    {
      matmul_half_512 (w, job->x, T, job->y, r0, r1);
      return;
    }
  if (T <= 4 && !sy_dtype_is_quantized (w->dtype) && have_avx2_fma_f16c ())
    {
      gsize esz = dtype_size (w->dtype);

      for (int r = r0; r < r1; r++)
        dot_half_avx2 ((const uint16_t *) ((const char *) w->data + (gsize) r * K * esz),
                       w->dtype, job->x, K, T, K, job->y + r, N);
      return;
    }
#endif

  {
    float *panel = job->scratch + (gsize) task * job->panel * K;

    for (int p0 = r0; p0 < r1; p0 += job->panel)
      {
        int np = MIN (job->panel, r1 - p0);

        for (int r = 0; r < np; r++)
          sy_mat_row_to_f32 (w, p0 + r, 0, K, panel + (gsize) r * K);
        if (T == 1)
          cblas_sgemv (CblasRowMajor, CblasNoTrans, np, K, 1.0f, panel, K,
                       job->x, 1, 0.0f, job->y + p0, 1);
        else
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, T, np, K,
                       1.0f, job->x, K, panel, K, 0.0f, job->y + p0, N);
      }
  }
}

/* Block-quantized weights at T <= 2 never take the panel path (the fused
 * kernels, or sy_quant_dot per row and token; 8-bit activations have
 * their own), so they need no scratch */
static gboolean
no_scratch (const SyMat *w,
            int          T)
{
  return sy_dtype_is_quantized (w->dtype) && T <= 2;
}

static void
matmul_task (int      task,
             gpointer data)
{
  MatmulJob *job = data;
  int N = job->w->rows;
  /* contiguous row ranges, multiples of 16 rows */
  int per = ((N + job->n_tasks - 1) / job->n_tasks + 15) / 16 * 16;
  int r0 = MIN (N, task * per);
  int r1 = MIN (N, r0 + per);

  matmul_rows (job, task, r0, r1);
}

/* sy_matmul_n: the products of one x, the tasks of all of them in one
 * pool run; task i is rows [r0, r1) of job */
typedef struct
{
  MatmulJob *jobs;
  int       *task_job;     /* (n_tasks) */
  int       *task_r0;
  int       *task_r1;
} MatmulNJob;

static void
matmul_n_task (int      task,
               gpointer data)
{
  MatmulNJob *nj = data;

  matmul_rows (&nj->jobs[nj->task_job[task]], task, nj->task_r0[task], nj->task_r1[task]);
}

SyActivations
sy_matmul_set_activations (SyActivations mode)
{
  SyActivations old = matmul_activations;

  matmul_activations = mode;
  return old;
}

SyActivations
sy_matmul_get_activations (void)
{
  return matmul_activations;
}

void
sy_matmul (SyPool      *pool,
           float       *y,
           const float *x,
           int          T,
           const SyMat *w,
           const float *bias)
{
  MatmulJob job = { y, x, T, w, 1, 0, NULL, NULL, 0 };
  g_autofree float *scratch = NULL;
  gsize work = (gsize) T * w->rows * w->cols;
  guint8 *xq = NULL;

  if (T <= 0 || w->rows <= 0)
    return;
  if (w->cols <= 0)
    {
      for (gsize i = 0; i < (gsize) T * w->rows; i++)
        y[i] = 0;
    }
  else
    {
      /* Small products are not worth waking the other threads for. */
      job.n_tasks = work < 32768 ? 1 : MIN (sy_pool_n_threads (pool), (w->rows + 15) / 16);
      job.n_tasks = MAX (job.n_tasks, 1);
      if (matmul_activations == SY_ACTIVATIONS_Q8
          && (job.xq_bytes = sy_quant_q8_row_bytes (w->dtype, w->cols)) > 0)
        {
          /* each activation row quantized once for the whole product */
          xq = g_aligned_alloc (T, job.xq_bytes, 64);
          sy_quant_q8_quantize (w->dtype, x, w->cols, T, xq);
          job.xq = xq;
        }
      else if (w->dtype != SY_DTYPE_F32 && !no_scratch (w, T))
        {
          job.panel = MAX (16, PANEL_BYTES / (int) (sizeof (float) * w->cols));
          job.panel = MIN (job.panel, w->rows);
          scratch = g_new (float, (gsize) job.n_tasks * job.panel * w->cols);
          job.scratch = scratch;
        }
      sy_pool_run (pool, job.n_tasks, matmul_task, &job);
      g_aligned_free (xq);
    }

  if (bias)
    for (int t = 0; t < T; t++)
      for (int r = 0; r < w->rows; r++)
        y[(gsize) t * w->rows + r] += bias[r];
}

void
sy_matmul_n (SyPool             *pool,
             const float        *x,
             int                 T,
             int                 n,
             const SyMat *const *w,
             float *const       *y,
             const float *const *bias)
{
  int n_threads = sy_pool_n_threads (pool), n_tasks = 0, K = n > 0 ? w[0]->cols : 0;
  MatmulJob jobs[SY_MATMUL_N_MAX];
  int task_job[SY_MATMUL_N_MAX * 64];
  int task_r0[G_N_ELEMENTS (task_job)], task_r1[G_N_ELEMENTS (task_job)];
  MatmulNJob nj = { jobs, task_job, task_r0, task_r1 };
  g_autofree float *scratch = NULL;
  gboolean fuse = T >= 1 && T <= SY_QUANT_FUSED_MAX_T && n <= SY_MATMUL_N_MAX && K > 0
                  && matmul_activations != SY_ACTIVATIONS_Q8 && n_threads <= 64;
  int panel = 0;

  for (int i = 0; fuse && i < n; i++)
    fuse = w[i]->cols == K && w[i]->rows > 0;
  if (!fuse)
    {
      for (int i = 0; i < n; i++)
        sy_matmul (pool, y[i], x, T, w[i], bias ? bias[i] : NULL);
      return;
    }

  /* each product split as sy_matmul splits it (contiguous row ranges,
   * multiples of 16 rows, one per thread); the rows of a product
   * do not depend on how they are split: the results are sy_matmul's */
  for (int i = 0; i < n; i++)
    {
      const SyMat *wi = w[i];
      int parts = (gsize) T * wi->rows * K < 32768 ? 1
                  : MIN (n_threads, (wi->rows + 15) / 16);
      int per = ((wi->rows + parts - 1) / parts + 15) / 16 * 16;

      jobs[i] = (MatmulJob) { y[i], x, T, wi, 0, 0, NULL, NULL, 0 };
      if (wi->dtype != SY_DTYPE_F32 && !no_scratch (wi, T))
        panel = MAX (panel, MIN (MAX (16, PANEL_BYTES / (int) (sizeof (float) * K)), wi->rows));
      for (int r0 = 0; r0 < wi->rows; r0 += per, n_tasks++)
        {
          task_job[n_tasks] = i;
          task_r0[n_tasks] = r0;
          task_r1[n_tasks] = MIN (wi->rows, r0 + per);
        }
    }
  if (panel > 0)
    {
      /* the panel path's scratch (kernels without a fused path), one
       * panel per task as in sy_matmul */
      scratch = g_new (float, (gsize) n_tasks * panel * K);
      for (int i = 0; i < n; i++)
        {
          jobs[i].panel = panel;
          jobs[i].scratch = scratch;
        }
    }
  for (int i = 0; i < n; i++)
    jobs[i].n_tasks = n_tasks;
  sy_pool_run (n_tasks > 1 ? pool : NULL, n_tasks, matmul_n_task, &nj);

  for (int i = 0; bias && i < n; i++)
    if (bias[i])
      for (int t = 0; t < T; t++)
        for (int r = 0; r < w[i]->rows; r++)
          y[i][(gsize) t * w[i]->rows + r] += bias[i][r];
}

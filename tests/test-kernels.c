/* test-kernels.c: every optimised kernel against its naive _ref twin
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-kernels.h"
#include "sy-quant.h"
#include "sy-test-model.h"
#include "sy-test-util.h"
#include "sy-weight-memory.h"

static void
fill_random (GRand *rand,
             float *x,
             gsize  n,
             double scale)
{
  for (gsize i = 0; i < n; i++)
    x[i] = (float) (g_rand_double_range (rand, -1, 1) * scale);
}

/* @n new values, fill_random */
static float *
random_floats (GRand *rand,
               gsize  n,
               double scale)
{
  float *x = g_new (float, n);

  fill_random (rand, x, n, scale);
  return x;
}

static void
test_rmsnorm (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);

  for (int n = 1; n < 300; n += 37)
    {
      g_autofree float *x = random_floats (rand, n, 3);
      g_autofree float *w = random_floats (rand, n, 1);
      g_autofree float *a = g_new (float, n);
      g_autofree float *b = g_new (float, n);

      sy_rmsnorm (a, x, w, n, 1e-5f);
      sy_rmsnorm_ref (b, x, w, n, 1e-5f);
      g_assert_cmpfloat (sy_test_max_rel_diff (a, b, n), <, 1e-5);
      sy_rmsnorm (a, x, NULL, n, 1e-6f);
      sy_rmsnorm_ref (b, x, NULL, n, 1e-6f);
      g_assert_cmpfloat (sy_test_max_rel_diff (a, b, n), <, 1e-5);
      /* in place */
      memcpy (a, x, sizeof (float) * n);
      sy_rmsnorm (a, a, w, n, 1e-5f);
      sy_rmsnorm_ref (b, x, w, n, 1e-5f);
      g_assert_cmpfloat (sy_test_max_rel_diff (a, b, n), <, 1e-5);
    }
  {
    /* known value: x = (3, 4), rms = sqrt (12.5) */
    float x[2] = { 3, 4 }, out[2];

    sy_rmsnorm (out, x, NULL, 2, 0);
    g_assert_cmpfloat_with_epsilon (out[0], 3 / sqrt (12.5), 1e-6);
    g_assert_cmpfloat_with_epsilon (out[1], 4 / sqrt (12.5), 1e-6);
  }
}

static void
test_rope (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);
  int heads = 3, D = 16;
  float x[48], y[48], cs[8], sn[8];

  fill_random (rand, x, 48, 2);
  for (int i = 0; i < 8; i++)
    {
      cs[i] = cosf (0.3f * i);
      sn[i] = sinf (0.3f * i);
    }
  memcpy (y, x, sizeof x);
  sy_rope (x, heads, D, D, cs, sn);
  sy_rope_ref (y, heads, D, D, cs, sn);
  g_assert_cmpfloat (sy_test_max_rel_diff (x, y, 48), <, 1e-6);

  {
    /* rotation by a quarter turn of the pair (x0, x8): (1, 0) -> (0, 1) */
    float v[16] = { 0 }, c1[8], s1[8];

    for (int i = 0; i < 8; i++)
      {
        c1[i] = 0;
        s1[i] = 1;
      }
    v[0] = 1;
    sy_rope (v, 1, 16, 16, c1, s1);
    g_assert_cmpfloat (fabsf (v[0]), <, 1e-7);
    g_assert_cmpfloat_with_epsilon (v[8], 1.0, 1e-7);
  }
}

static void
test_softmax (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);

  for (int n = 1; n < 200; n += 29)
    {
      g_autofree float *a = random_floats (rand, n, 20);
      g_autofree float *b = g_new (float, n);
      double sum = 0;

      memcpy (b, a, sizeof (float) * n);
      sy_softmax (a, n);
      sy_softmax_ref (b, n);
      g_assert_cmpfloat (sy_test_max_rel_diff (a, b, n), <, 1e-6);
      for (int i = 0; i < n; i++)
        sum += a[i];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
}

static void
test_silu_mul (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  float g[100], u[100], a[100], b[100];

  fill_random (rand, g, 100, 8);
  fill_random (rand, u, 100, 2);
  sy_silu_mul (a, g, u, 100);
  sy_silu_mul_ref (b, g, u, 100);
  g_assert_cmpfloat (sy_test_max_rel_diff (a, b, 100), <, 1e-6);
  g[0] = 0;
  sy_silu_mul (a, g, u, 1);
  g_assert_cmpfloat (a[0], ==, 0);
}

static void
test_conversion (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  uint16_t h[77];
  float a[77], b[77];

  for (SyDType dt = SY_DTYPE_F16; dt <= SY_DTYPE_BF16; dt++)
    {
      SyMat m = { h, dt, 1, 77 };

      for (int i = 0; i < 77; i++)
        {
          float f = (float) g_rand_double_range (rand, -100, 100);

          h[i] = dt == SY_DTYPE_BF16 ? sy_f32_to_bf16 (f) : sy_f32_to_f16 (f);
        }
      for (int col0 = 0; col0 < 20; col0 += 3)
        {
          sy_mat_row_to_f32 (&m, 0, col0, 77 - col0, a);
          sy_mat_row_to_f32_ref (&m, 0, col0, 77 - col0, b);
          g_assert_cmpmem (a, sizeof (float) * (77 - col0), b, sizeof (float) * (77 - col0));
        }
    }
}

/* matmul for every dtype, batch sizes around the kernel switch points,
 * with and without a pool and a bias */
static void
test_matmul (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  g_autoptr (SyPool) pool = sy_pool_new (2);
  int shapes[][2] = { { 1, 1 }, { 5, 3 }, { 37, 70 }, { 130, 64 }, { 300, 257 }, { 23, 2048 } };
  int batches[] = { 1, 2, 3, 4, 5, 9, 33, 260 };   /* 260: past the tile kernel, panels */

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (SyDType dt = SY_DTYPE_F32; dt <= SY_DTYPE_BF16; dt++)
      {
        int N = shapes[s][0], K = shapes[s][1];
        g_autofree float *wf = random_floats (rand, (gsize) N * K, 1);
        g_autofree uint16_t *wh = g_new (uint16_t, (gsize) N * K);
        g_autofree float *bias = random_floats (rand, N, 1);
        SyMat m = { dt == SY_DTYPE_F32 ? (const void *) wf : (const void *) wh, dt, N, K };

        for (gsize i = 0; i < (gsize) N * K; i++)
          wh[i] = dt == SY_DTYPE_BF16 ? sy_f32_to_bf16 (wf[i]) : sy_f32_to_f16 (wf[i]);

        for (guint bi = 0; bi < G_N_ELEMENTS (batches); bi++)
          {
            int T = batches[bi];
            g_autofree float *x = random_floats (rand, (gsize) T * K, 1);
            g_autofree float *a = g_new (float, (gsize) T * N);
            g_autofree float *b = g_new (float, (gsize) T * N);

            /* float32 sums of K products against double ones */
            double tol = 1e-5 * MAX (1.0, sqrt (K / 64.0));

            sy_matmul_ref (b, x, T, &m, bias);
            sy_matmul (pool, a, x, T, &m, bias);
            g_assert_cmpfloat (sy_test_max_rel_diff (a, b, (gsize) T * N), <, tol);
            sy_matmul (NULL, a, x, T, &m, NULL);
            sy_matmul_ref (b, x, T, &m, NULL);
            g_assert_cmpfloat (sy_test_max_rel_diff (a, b, (gsize) T * N), <, tol);
          }
      }
}

/* sy_matmul_n: the results of sy_matmul for each product, bit for bit
 * (the same kernels, rows split differently), small and large T, with
 * and without biases, mixed dtypes (half, float, block-quantized) */
static void
test_matmul_n (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autoptr (SyPool) pool = sy_pool_new (2);
  enum { N = 4 };
  int K = 512, rows[N] = { 300, 64, 17, 200 };
  SyDType dts[N] = { SY_DTYPE_BF16, SY_DTYPE_F32, SY_DTYPE_Q4_K, SY_DTYPE_Q6_K };
  int batches[] = { 1, 2, 3, 8, 9 };
  float *wf[N] = { NULL }, *bias[N] = { NULL };
  guint8 *wq[N] = { NULL };   /* arrays: freed one by one at the end */
  SyMat m[N];

  for (int i = 0; i < N; i++)
    {
      gsize n = (gsize) rows[i] * K;

      wf[i] = random_floats (rand, n, 1);
      bias[i] = random_floats (rand, rows[i], 1);
      if (dts[i] == SY_DTYPE_BF16)
        {
          uint16_t *h = g_new (uint16_t, n);

          for (gsize j = 0; j < n; j++)
            h[j] = sy_f32_to_bf16 (wf[i][j]);
          wq[i] = (guint8 *) h;
        }
      else if (dts[i] != SY_DTYPE_F32)
        {
          wq[i] = g_malloc (sy_dtype_n_bytes (dts[i], (int64_t) n));
          sy_quantize (dts[i], wf[i], (int64_t) n, wq[i]);
        }
      m[i] = (SyMat) { dts[i] == SY_DTYPE_F32 ? (const void *) wf[i] : (const void *) wq[i], dts[i],
                       rows[i], K };
    }
  for (guint bi = 0; bi < G_N_ELEMENTS (batches); bi++)
    for (int with_bias = 0; with_bias < 2; with_bias++)
      for (int use_pool = 0; use_pool < 2; use_pool++)
        {
          int T = batches[bi];
          g_autofree float *x = random_floats (rand, (gsize) T * K, 1);
          float *a[N], *b[N];
          const SyMat *w[N] = { &m[0], &m[1], &m[2], &m[3] };
          const float *bs[N] = { bias[0], NULL, bias[2], bias[3] };

          for (int i = 0; i < N; i++)
            {
              a[i] = g_new (float, (gsize) T * rows[i]);
              b[i] = g_new (float, (gsize) T * rows[i]);
              sy_matmul (use_pool ? pool : NULL, b[i], x, T, &m[i], with_bias ? bs[i] : NULL);
            }
          sy_matmul_n (use_pool ? pool : NULL, x, T, N, w, a, with_bias ? bs : NULL);
          for (int i = 0; i < N; i++)
            {
              g_assert_cmpmem (a[i], sizeof (float) * T * rows[i], b[i], sizeof (float) * T * rows[i]);
              g_free (a[i]);
              g_free (b[i]);
            }
        }
  for (int i = 0; i < N; i++)
    {
      g_free (wf[i]);
      g_free (bias[i]);
      g_free (wq[i]);
    }
}

/* one query row of attention against double sums: keys at a stride, D
 * a multiple of 16 (the AVX-512 path) or not, key counts around the
 * 4-key blocks */
static void
test_attn_row (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  int Ds[] = { 16, 64, 128, 256, 24 }, ns[] = { 1, 3, 4, 5, 9, 130 };

  for (guint di = 0; di < G_N_ELEMENTS (Ds); di++)
    for (guint ni = 0; ni < G_N_ELEMENTS (ns); ni++)
      {
        int D = Ds[di], n = ns[ni];
        gsize ld = (gsize) D * 3 + 16;
        g_autofree float *q = random_floats (rand, D, 1), *kv = random_floats (rand, ld * n, 1);
        g_autofree float *s = g_new (float, n), *p = random_floats (rand, n, 1), *out = g_new (float, D);
        SyRows rows = { kv + 16, ld, n, D };
        double pabs = 0;

        sy_attn_scores_row (s, q, &rows, 0.125f);
        for (int j = 0; j < n; j++)
          {
            double e = 0, mag = 0;

            for (int i = 0; i < D; i++)
              {
                e += (double) q[i] * kv[ld * j + 16 + i];
                mag += fabs ((double) q[i] * kv[ld * j + 16 + i]);
              }
            /* float32 sums of D terms */
            g_assert_cmpfloat (fabs (s[j] - 0.125 * e), <=, 0.125 * mag * D * 6e-8 + 1e-30);
          }
        sy_attn_values_row (out, p, &rows);
        for (int j = 0; j < n; j++)
          pabs += fabs (p[j]);
        for (int i = 0; i < D; i++)
          {
            double e = 0;

            for (int j = 0; j < n; j++)
              e += (double) p[j] * kv[ld * j + 16 + i];
            g_assert_cmpfloat (fabs (out[i] - e), <=, pabs * n * 6e-8 + 1e-30);
          }
      }
}

/* the check split over threads names the first bad value even when it
 * lies in a later piece; the arena's alignment */
static void
test_check_parallel (void)
{
  g_autoptr (SyPool) pool = sy_pool_new (2);
  SyWeightArena *arena = sy_weight_arena_new ();
  int64_t n = 3 * 1024 * 1024;   /* 6 MiB of bf16: two pieces */
  uint16_t *h = sy_weight_arena_alloc (arena, n * 2, 64);
  SyTensor t = { "w", "model.safetensors", SY_DTYPE_BF16, 2, { 3 * 1024, 1024 }, h, n * 2 };
  gsize qblocks = 300000, qb = sy_dtype_block_bytes (SY_DTYPE_Q8_0);
  guint8 *q = sy_weight_arena_alloc (arena, qblocks * qb, 4096);
  SyTensor tq = { "q", "model.gguf", SY_DTYPE_Q8_0, 1, { (int64_t) qblocks * 32 }, q, qblocks * qb };
  g_autoptr (GError) error = NULL;
  void *big;

  g_assert_nonnull (h);
  g_assert_cmpuint ((guintptr) h % 64, ==, 0);
  g_assert_cmpuint ((guintptr) q % 4096, ==, 0);
  g_assert_cmpuint (sy_weight_arena_get_n_bytes (arena), ==, n * 2 + qblocks * qb);
  big = sy_weight_arena_alloc (arena, (gsize) 300 << 20, 2 << 20);   /* a chunk of its own */
  g_assert_nonnull (big);
  g_assert_cmpuint ((guintptr) big % (2 << 20), ==, 0);
  memset (big, 1, (gsize) 300 << 20);

  for (int64_t i = 0; i < n; i++)
    h[i] = sy_f32_to_bf16 ((float) (i % 1000) / 1000.0f);
  g_assert_true (sy_tensor_check_finite_parallel (pool, &t, &error));
  g_assert_no_error (error);
  h[2600000] = 0x7f80;   /* +inf */
  h[2500000] = 0x7fc1;   /* NaN, first */
  g_assert_false (sy_tensor_check_finite_parallel (pool, &t, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_NAN, "NaN at element 2500000 [2441, 416]");
  h[2500000] = 0;
  g_assert_false (sy_tensor_check_finite_parallel (NULL, &t, &error));
  g_assert_nonnull (strstr (error->message, "+inf at element 2600000"));
  g_clear_error (&error);

  /* quantized: a NaN scale (f16 0x7e00) in a late block */
  for (gsize b = 0; b < qblocks; b++)
    {
      q[b * qb] = 0x00;
      q[b * qb + 1] = 0x3c;   /* scale 1.0 */
    }
  g_assert_true (sy_tensor_check_finite_parallel (pool, &tq, &error));
  q[250000 * qb] = 0x00;
  q[250000 * qb + 1] = 0x7e;
  g_assert_false (sy_tensor_check_finite_parallel (pool, &tq, &error));
  g_assert_nonnull (strstr (error->message, "block 250000"));
  sy_weight_arena_free (arena);
}

typedef struct
{
  int *hits;
  int  n;
} CountJob;

static void
count_task (int      task,
            gpointer data)
{
  CountJob *job = data;

  g_atomic_int_inc (&job->hits[task]);
}

static void
test_pool (void)
{
  g_autoptr (SyPool) pool = sy_pool_new (3);
  int hits[100] = { 0 };
  CountJob job = { hits, 100 };

  g_assert_cmpint (sy_pool_n_threads (pool), ==, 3);
  /* back to back (workers still spinning) and after pauses (asleep) */
  for (int round = 0; round < 2000; round++)
    {
      sy_pool_run (pool, 100, count_task, &job);
      if (round % 500 == 0)
        g_usleep (2000);
    }
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (hits[i], ==, 2000);
  /* short runs of changing sizes, one job each: a worker that comes late
   * to a run must take nothing of it, nor of the next (every task once,
   * none past the run's end, none in a finished job) */
  for (int round = 0; round < 20000; round++)
    {
      int run_hits[2][12] = { { 0 } };
      CountJob runs[2] = { { run_hits[0], 2 + round % 9 }, { run_hits[1], 1 + round % 5 } };

      sy_pool_run (pool, runs[0].n, count_task, &runs[0]);
      sy_pool_run (pool, runs[1].n, count_task, &runs[1]);
      for (int r = 0; r < 2; r++)
        for (int i = 0; i < 12; i++)
          if (run_hits[r][i] != (i < runs[r].n))
            g_error ("round %d, run %d: task %d ran %d times", round, r, i, run_hits[r][i]);
    }
  sy_pool_run (NULL, 10, count_task, &job);
  g_assert_cmpint (hits[9], ==, 2001);
  g_assert_cmpint (hits[10], ==, 2000);
  /* freed while its workers spin, and right after creation */
  sy_pool_run (pool, 3, count_task, &job);
  g_clear_pointer (&pool, sy_pool_free);
  sy_pool_free (sy_pool_new (4));
}

static const SyTestCase tests[] = {
  { "/engine/kernels/rmsnorm", test_rmsnorm },
  { "/engine/kernels/rope", test_rope },
  { "/engine/kernels/softmax", test_softmax },
  { "/engine/kernels/silu-mul", test_silu_mul },
  { "/engine/kernels/conversion", test_conversion },
  { "/engine/kernels/matmul", test_matmul },
  { "/engine/kernels/matmul-n", test_matmul_n },
  { "/engine/kernels/attn-row", test_attn_row },
  { "/engine/kernels/pool", test_pool },
  { "/engine/kernels/check-parallel", test_check_parallel },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

/* bench-quant-matmul.c: single-thread decode (one token, GEMV) rates of
 * the quantized kernels against the BF16 one, in one run
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark, not a test (`meson test --benchmark bench-quant-matmul`,
 * or run it directly, pinned: `taskset -c 1 build/tests/bench-quant-matmul`).
 * For each shape, sy_matmul (no pool) at T = 1 on a BF16 matrix and on the
 * same weights as Q8_0, Q4_K, Q6_K (and the other types with
 * --all-types): GB/s of weight bytes read, G weights/s, and the time per
 * product against BF16's ("x bf16": BF16 time / this type's time, so
 * > 1 is faster).  Shapes: OLMoE-1B-7B's expert matrices 1024 x 2048
 * (gate, up) and 2048 x 1024 (down), one matrix again and again (it
 * stays in L2 / L3), and "stream": a new matrix each time from a set of
 * copies several times the size of L3, as a decode step reads its
 * experts (from memory).  Best of --repeat rounds; thread CPU time
 * (wall time where it differs by more than 10%, a busy machine).
 * --old: also the T = 1 products without the one-token kernels
 * (sy_quant_matmul_set_level (2): the fused kernels of T = 1..4, what
 * decode ran before), in the same run.  --avx2: also as on a CPU without
 * AVX-512: the AVX2 fused kernels (level 1) and the AVX2 dot per row and
 * token they replace (level 3); --tokens T: T activation rows per product
 * (the AVX2 fused kernels run T = 2..8; up to 128, prefill).  --q8: also
 * each type with 8-bit activations (sy-quant-q8.c, --activations q8:
 * "TYPE q8", the activation rows' quantization included), in the same
 * run; with --avx2 also its AVX2 kernels ("TYPE q8 avx2").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sy-kernels.h"
#include "sy-quant.h"
#include "sy-quant-matmul.h"

static double
now_s (clockid_t c)
{
  struct timespec ts;

  clock_gettime (c, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct
{
  const char *label;
  SyDType     dtype;
  int         level;
  SyActivations activations;
} Kind;

/* A Kind of @dtype at @level with @activations appended to @kinds: its
 * label the type's name, then @suffix (NULL: none; the label is then kept
 * in @labels) */
static void
add_kind (GArray        *kinds,
          GPtrArray     *labels,
          SyDType        dtype,
          const char    *suffix,
          int            level,
          SyActivations  activations)
{
  Kind k = { sy_dtype_name (dtype), dtype, level, activations };

  if (suffix != NULL)
    {
      k.label = g_strconcat (sy_dtype_name (dtype), suffix, NULL);
      g_ptr_array_add (labels, (gpointer) k.label);
    }
  g_array_append_val (kinds, k);
}

/* seconds per product of one round (about 50 MB of weights, at least 16
 * products) over @n_mats copies */
static double
time_round (guint8      **mats,
            int           n_mats,
            SyDType       dtype,
            int           rows,
            int           cols,
            int           T,
            const float  *x,
            float        *y,
            double       *wall_per)
{
  gsize bytes = sy_dtype_n_bytes (dtype, (int64_t) rows * cols);
  int per_round = MAX (16, (int) (5e7 / bytes));
  double c0 = now_s (CLOCK_THREAD_CPUTIME_ID), w0 = now_s (CLOCK_MONOTONIC);

  for (int i = 0; i < per_round; i++)
    {
      SyMat m = { mats[i % n_mats], dtype, rows, cols };

      sy_matmul (NULL, y, x, T, &m, NULL);
    }
  *wall_per = (now_s (CLOCK_MONOTONIC) - w0) / per_round;
  return (now_s (CLOCK_THREAD_CPUTIME_ID) - c0) / per_round;
}

/* the kinds in turn, @repeat times (so that a busy spell of the machine
 * hits them all alike), best of each */
static void
bench_shape (int         rows,
             int         cols,
             int         T,
             gboolean    stream,
             const Kind *kinds,
             int         n_kinds,
             int         repeat)
{
  gsize n = (gsize) rows * cols;
  g_autofree float *w = g_new (float, n);
  g_autofree float *x = g_new (float, (gsize) T * cols);
  g_autofree float *y = g_new (float, (gsize) T * rows);
  g_autofree double *best = g_new (double, n_kinds);
  g_autofree double *best_wall = g_new (double, n_kinds);
  g_autofree int *n_mats = g_new0 (int, n_kinds);
  guint8 ***mats = g_new0 (guint8 **, n_kinds);
  GRand *r = g_rand_new_with_seed (rows * 7 + cols);

  for (gsize i = 0; i < n; i++)
    w[i] = (float) g_rand_double_range (r, -1.0, 1.0) * (i % 5 == 0 ? 2.0f : 0.5f);
  for (int i = 0; i < T * cols; i++)
    x[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  g_rand_free (r);

  for (int k = 0; k < n_kinds; k++)
    {
      SyDType t = kinds[k].dtype;
      gsize bytes = sy_dtype_n_bytes (t, (int64_t) n);

      best[k] = best_wall[k] = G_MAXDOUBLE;
      /* the same matrices as an earlier kind of this type */
      for (int e = 0; e < k; e++)
        if (kinds[e].dtype == t)
          {
            mats[k] = mats[e];
            n_mats[k] = n_mats[e];
          }
      if (mats[k] != NULL)
        continue;
      /* stream: copies filling ~256 MiB (bf16: 512), several times L3 */
      n_mats[k] = stream ? MAX (2, (int) ((t == SY_DTYPE_BF16 ? 512.0 : 256.0) * 1048576 / bytes)) : 1;
      mats[k] = g_new (guint8 *, n_mats[k]);
      mats[k][0] = g_malloc (bytes);
      if (t == SY_DTYPE_BF16)
        {
          guint16 *h = (guint16 *) mats[k][0];

          for (gsize i = 0; i < n; i++)
            {
              guint32 u;

              memcpy (&u, &w[i], 4);
              h[i] = (guint16) (u >> 16);
            }
        }
      else
        sy_quantize (t, w, (int64_t) n, mats[k][0]);
      for (int i = 1; i < n_mats[k]; i++)
        mats[k][i] = g_memdup2 (mats[k][0], bytes);
    }

  for (int rep = 0; rep < repeat; rep++)
    for (int k = 0; k < n_kinds; k++)
      {
        double wall, s;

        sy_quant_matmul_set_level (kinds[k].level);
        sy_matmul_set_activations (kinds[k].activations);
        s = time_round (mats[k], n_mats[k], kinds[k].dtype, rows, cols, T, x, y, &wall);
        sy_matmul_set_activations (SY_ACTIVATIONS_F32);
        sy_quant_matmul_set_level (0);
        best[k] = MIN (best[k], s);
        best_wall[k] = MIN (best_wall[k], wall);
      }

  for (int k = 0; k < n_kinds; k++)
    {
      gsize bytes = sy_dtype_n_bytes (kinds[k].dtype, (int64_t) n);

      printf ("  %-13s %8.1f us %7.2f GB/s %6.2f Gw/s  x bf16 %5.2f%s\n",
              kinds[k].label, best[k] * 1e6, bytes / best[k] * 1e-9, n / best[k] * 1e-9,
              best[0] / best[k], best_wall[k] > 1.1 * best[k] ? "  (wall > cpu: busy)" : "");
    }
  for (int k = 0; k < n_kinds; k++)
    {
      gboolean shared = FALSE;

      for (int e = 0; e < k; e++)
        shared |= mats[e] == mats[k];
      if (shared)
        continue;
      for (int i = 0; i < n_mats[k]; i++)
        g_free (mats[k][i]);
      g_free (mats[k]);
    }
  g_free (mats);
}

int
main (int    argc,
      char **argv)
{
  int repeat = 10, T = 1;
  gboolean all = FALSE, old = FALSE, avx2 = FALSE, q8 = FALSE;
  GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "rounds (best of)", "N" },
    { "all-types", 'a', 0, G_OPTION_ARG_NONE, &all, "every block type with a fast path", NULL },
    { "old", 'o', 0, G_OPTION_ARG_NONE, &old, "also T = 1 without the one-token kernels", NULL },
    { "avx2", 0, 0, G_OPTION_ARG_NONE, &avx2, "also without AVX-512: the AVX2 fused kernels and the AVX2 dot", NULL },
    { "tokens", 't', 0, G_OPTION_ARG_INT, &T, "activation rows per product (1..128; default 1)", "T" },
    { "q8", 0, 0, G_OPTION_ARG_NONE, &q8, "also each type with 8-bit activations (--activations q8)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- quantized GEMV rates, one thread");
  GArray *kinds = g_array_new (FALSE, FALSE, sizeof (Kind));
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  static const struct { int rows, cols; gboolean stream; } shapes[] = {
    { 1024, 2048, FALSE }, { 2048, 1024, FALSE }, { 1024, 2048, TRUE }, { 2048, 1024, TRUE },
  };
  static const SyDType main_types[] = { SY_DTYPE_Q8_0, SY_DTYPE_Q4_K, SY_DTYPE_Q6_K };
  static const SyDType other_types[] = { SY_DTYPE_Q5_K, SY_DTYPE_Q4_0, SY_DTYPE_Q4_1, SY_DTYPE_Q5_0,
                                         SY_DTYPE_Q5_1, SY_DTYPE_IQ4_NL, SY_DTYPE_MXFP4,
                                         SY_DTYPE_Q2_K, SY_DTYPE_Q3_K, SY_DTYPE_IQ4_XS };
  double load[3] = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL))
    return 2;
  /* under `meson test --benchmark`: one quick round */
  if (g_getenv ("MESON_TEST_ITERATION") != NULL)
    repeat = 1;

  add_kind (kinds, labels, SY_DTYPE_BF16, NULL, 0, SY_ACTIVATIONS_F32);
  for (guint i = 0; i < G_N_ELEMENTS (main_types); i++)
    {
      add_kind (kinds, labels, main_types[i], NULL, 0, SY_ACTIVATIONS_F32);
      if (q8)
        add_kind (kinds, labels, main_types[i], " q8", 0, SY_ACTIVATIONS_Q8);
      if (q8 && avx2)
        add_kind (kinds, labels, main_types[i], " q8 avx2", 1, SY_ACTIVATIONS_Q8);
      if (old && main_types[i] != SY_DTYPE_Q8_0)
        add_kind (kinds, labels, main_types[i], " old", 2, SY_ACTIVATIONS_F32);
      if (avx2)
        {
          add_kind (kinds, labels, main_types[i], " avx2", 1, SY_ACTIVATIONS_F32);
          add_kind (kinds, labels, main_types[i], " avx2 dot", 3, SY_ACTIVATIONS_F32);
        }
    }
  for (guint i = 0; all && i < G_N_ELEMENTS (other_types); i++)
    {
      add_kind (kinds, labels, other_types[i], NULL, 0, SY_ACTIVATIONS_F32);
      if (q8)
        add_kind (kinds, labels, other_types[i], " q8", 0, SY_ACTIVATIONS_Q8);
    }

  if (getloadavg (load, 3) < 0)
    load[0] = -1;
  T = CLAMP (T, 1, 128);
  printf ("quantized products, T = %d, one thread, best of %d; load average %.2f %.2f %.2f\n",
          T, repeat, load[0], load[1], load[2]);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      printf ("%d x %d%s\n", shapes[i].rows, shapes[i].cols,
              shapes[i].stream ? ", stream (a new copy each product: from memory)" : ", in cache");
      bench_shape (shapes[i].rows, shapes[i].cols, T, shapes[i].stream, (Kind *) kinds->data,
                   kinds->len, repeat);
    }
  if (getloadavg (load, 3) >= 0)
    printf ("load average after: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  g_array_free (kinds, TRUE);
  return 0;
}

/* sy-test-quant.c: what the quantization tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "sy-quant.h"
#include "sy-test-quant.h"

const SyDType sy_test_block_types[13] = {
  SY_DTYPE_Q8_0, SY_DTYPE_Q4_0, SY_DTYPE_Q4_K, SY_DTYPE_Q6_K,
  SY_DTYPE_MXFP4, SY_DTYPE_Q4_1, SY_DTYPE_Q5_0, SY_DTYPE_Q5_1,
  SY_DTYPE_Q2_K, SY_DTYPE_Q3_K, SY_DTYPE_Q5_K, SY_DTYPE_IQ4_NL,
  SY_DTYPE_IQ4_XS,
};

/* @x[0..@n) as sy_test_random_values() makes them */
static void
fill_random (float   *x,
             int      n,
             guint32  seed)
{
  GRand *r = g_rand_new_with_seed (seed);

  for (int i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, -1.0, 1.0) * (i % 7 == 0 ? 3.0f : 1.0f);
  g_rand_free (r);
}

float *
sy_test_random_values (int     n,
                       guint32 seed)
{
  float *x = g_new (float, n);

  fill_random (x, n, seed);
  return x;
}

void
sy_test_matmul_init (SyTestMatmul *mm,
                     int           rows,
                     int           cols,
                     int           max_T,
                     guint32       seed)
{
  mm->rows = rows;
  mm->cols = cols;
  mm->max_T = max_T;
  /* one allocation: w, x, a, b */
  mm->w = g_new (float, rows * cols + max_T * cols + 2 * max_T * rows);
  mm->x = mm->w + rows * cols;
  mm->a = mm->x + max_T * cols;
  mm->b = mm->a + max_T * rows;
  fill_random (mm->w, rows * cols, seed);
  fill_random (mm->x, max_T * cols, seed + 1);
  mm->pool = sy_pool_new (2);
}

void
sy_test_matmul_clear (SyTestMatmul *mm)
{
  g_free (mm->w);
  sy_pool_free (mm->pool);
}

guint8 *
sy_test_matmul_weights (const SyTestMatmul *mm,
                        SyDType             dtype)
{
  int64_t n = (int64_t) mm->rows * mm->cols;
  guint8 *q = g_malloc (sy_dtype_n_bytes (dtype, n));

  if (dtype == SY_DTYPE_BF16)
    for (int64_t i = 0; i < n; i++)
      ((guint16 *) q)[i] = sy_f32_to_bf16 (mm->w[i]);
  else
    sy_quantize (dtype, mm->w, n, q);
  return q;
}

void
sy_test_matmul_check_ref (SyTestMatmul *mm,
                          const int    *Ts,
                          guint         n_Ts,
                          const float  *bias)
{
  for (guint k = 0; k < G_N_ELEMENTS (sy_test_block_types); k++)
    {
      SyDType t = sy_test_block_types[k];
      g_autofree guint8 *q = sy_test_matmul_weights (mm, t);
      SyMat m = { q, t, mm->rows, mm->cols };

      for (guint ti = 0; ti < n_Ts; ti++)
        {
          int T = Ts[ti];

          g_assert_cmpint (T, <=, mm->max_T);
          sy_matmul (mm->pool, mm->a, mm->x, T, &m, bias);
          sy_matmul_ref (mm->b, mm->x, T, &m, bias);
          for (int i = 0; i < T * mm->rows; i++)
            if (!(fabsf (mm->a[i] - mm->b[i]) <= 1e-4f * MAX (1.0f, fabsf (mm->b[i]))))
              g_error ("%s T %d: y[%d] = %g, ref %g", sy_dtype_name (t), T, i, mm->a[i], mm->b[i]);
        }
    }
}

/* sy-test-quant.c: what the quantization tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-test-quant.h"

const SyDType sy_test_block_types[13] = {
  SY_DTYPE_Q8_0, SY_DTYPE_Q4_0, SY_DTYPE_Q4_K, SY_DTYPE_Q6_K,
  SY_DTYPE_MXFP4, SY_DTYPE_Q4_1, SY_DTYPE_Q5_0, SY_DTYPE_Q5_1,
  SY_DTYPE_Q2_K, SY_DTYPE_Q3_K, SY_DTYPE_Q5_K, SY_DTYPE_IQ4_NL,
  SY_DTYPE_IQ4_XS,
};

float *
sy_test_random_values (int     n,
                       guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *x = g_new (float, n);

  for (int i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, -1.0, 1.0) * (i % 7 == 0 ? 3.0f : 1.0f);
  g_rand_free (r);
  return x;
}

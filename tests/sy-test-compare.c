/* sy-test-compare.c: what the Compare cache tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "sy-test-compare.h"

void
sy_test_assert_compare_close (const SyCompare *got,
                              const SyCompare *want)
{
  g_assert_cmpint (got->n_tokens, ==, want->n_tokens);
  for (int i = 0; i < want->n_tokens; i++)
    {
      g_assert_cmpfloat_with_epsilon (got->kl_row[i], want->kl_row[i],
                                      1e-4 * MAX (1.0, fabs (want->kl_row[i])));
      g_assert_cmpint (got->agree[i], ==, want->agree[i]);
    }
  g_assert_cmpfloat_with_epsilon (got->kl, want->kl, 1e-4 * MAX (1.0, fabs (want->kl)));
  g_assert_cmpfloat (got->greedy_agreement, ==, want->greedy_agreement);
}

/* test-cli-convert.c: switchyard-cli convert
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-tensor-store.h"
#include "sy-test-util.h"

static void
test_convert (void)
{
  g_autofree char *src = sy_test_model_path ("mixtral", "");
  g_autofree char *dst = g_build_filename (sy_test_tmp_dir (), "mixtral-bf16", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) a = NULL;
  g_autoptr (SyTensorStore) b = NULL;
  g_auto (GStrv) names = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (sy_test_cli (NULL, &err, "convert", "--dtype", "bf16", "--shards", "2", src, dst, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  a = sy_tensor_store_open (src, &error);
  g_assert_no_error (error);
  b = sy_tensor_store_open (dst, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_tensor_store_get_n_files (b), ==, 2);
  names = sy_tensor_store_list (a);
  g_assert_cmpint (g_strv_length (names), ==, sy_tensor_store_get_n_tensors (b));
  for (char **n = names; *n; n++)
    {
      const SyTensor *ta = sy_tensor_store_lookup (a, *n);
      const SyTensor *tb = sy_tensor_store_lookup (b, *n);

      g_assert_nonnull (tb);
      g_assert_cmpint (tb->dtype, ==, SY_DTYPE_BF16);
      g_assert_cmpint (sy_tensor_n_elements (ta), ==, sy_tensor_n_elements (tb));
      g_assert_cmpfloat (sy_tensor_get_f32 (tb, 0), ==, sy_bf16_to_f32 (sy_f32_to_bf16 (sy_tensor_get_f32 (ta, 0))));
    }
}

static void
test_errors (void)
{
  g_autofree char *src = sy_test_model_path ("mixtral", "");
  g_autofree char *missing = g_build_filename (sy_test_tmp_dir (), "no-such-model", NULL);
  g_autofree char *dst = g_build_filename (sy_test_tmp_dir (), "out", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (sy_test_cli (NULL, &err, "convert", src, dst, NULL), ==, 1);
  sy_test_assert_cli_error (err, "switchyard-cli: convert: --dtype is required");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert", "--dtype", "q4", src, dst, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unknown dtype 'q4'");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert", "--dtype", "f16", src, NULL), ==, 1);
  sy_test_assert_cli_error (err, "needs a source and a destination");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "convert", "--dtype", "f16", missing, dst, NULL), ==, 1);
  sy_test_assert_cli_error (err, "no-such-model: not a folder");
  sy_test_assert_no_file (dst);
}

static const SyTestCase tests[] = {
  { "/engine/cli/convert", test_convert },
  { "/engine/cli/convert-errors", test_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

/* sy-test-model.c: engine-level helpers the model tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sy-engine-error.h"
#include "sy-model.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

float *
sy_test_ref_tensor (SyTensorStore *ref,
                    const char    *name,
                    int64_t        rows,
                    int64_t        cols)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { rows, cols };
  const SyTensor *t = sy_tensor_store_get (ref, name, 2, shape, &error);
  float *out;

  g_assert_no_error (error);
  out = g_new (float, rows * cols);
  sy_tensor_to_f32 (t, 0, rows * cols, out);
  return out;
}

void
sy_test_assert_load_fails (const char        *dir,
                           int                code,
                           const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, SY_ENGINE_ERROR, code);
  for (int i = 0; needles[i]; i++)
    if (strstr (error->message, needles[i]) == NULL)
      g_error ("error '%s' does not mention '%s'", error->message, needles[i]);
  g_test_message ("%s", error->message);
}

char *
sy_test_model_copy_config (const char     *arch,
                           const char     *tmpl,
                           SyTestEditFunc  edit,
                           gpointer        data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src_config = sy_test_model_path (arch, "config.json");
  g_autofree char *tmp = g_dir_make_tmp (tmpl, &error);
  g_autofree char *dst_config = NULL;
  json_object *config;

  g_assert_no_error (error);
  dst_config = g_build_filename (tmp, "config.json", NULL);
  config = json_object_from_file (src_config);
  g_assert_nonnull (config);
  if (edit)
    edit (config, data);
  g_assert_cmpint (json_object_to_file (dst_config, config), ==, 0);
  json_object_put (config);
  return g_steal_pointer (&tmp);
}

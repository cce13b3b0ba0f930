/* sy-default-model.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sy-default-model.h"
#include "sy-engine-error.h"

static gboolean
is_model_folder (const char *dir)
{
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);

  return g_file_test (config, G_FILE_TEST_IS_REGULAR);
}

char *
sy_default_model_path (GError **error)
{
  const char *env = g_getenv ("SWITCHYARD_MODEL");
  g_autofree char *installed = g_build_filename (PKGDATADIR, "models", SY_DEFAULT_MODEL_NAME, NULL);
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, "models", SY_DEFAULT_MODEL_NAME, NULL);

  if (env != NULL && env[0] != '\0')
    {
      if (is_model_folder (env))
        return g_strdup (env);
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "SWITCHYARD_MODEL=%s is not a model folder (no config.json)", env);
      return NULL;
    }
  if (is_model_folder (installed))
    return g_steal_pointer (&installed);
  if (is_model_folder (source))
    return g_steal_pointer (&source);

  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
               "no default demo model (looked in %s and %s); give --model PATH",
               installed, source);
  return NULL;
}

/* sy-engine-error.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-engine-error.h"

#include <errno.h>

G_DEFINE_QUARK (sy-engine-error-quark, sy_engine_error)

gboolean
sy_engine_fail (GError    **error,
                int         code,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, SY_ENGINE_ERROR, code, message);
  return FALSE;
}

/* @ok, a GLib file call's result; when it failed, the error it set in
 * *@local (freed) becomes an SY_ENGINE_ERROR_IO with GLib's message */
static gboolean
io_result (gboolean   ok,
           GError   **local,
           GError   **error)
{
  if (!ok)
    {
      sy_engine_fail (error, SY_ENGINE_ERROR_IO, "%s", (*local)->message);
      g_clear_error (local);
    }
  return ok;
}

gboolean
sy_engine_get_contents (const char  *path,
                        char       **contents,
                        gsize       *length,
                        GError     **error)
{
  GError *local = NULL;

  return io_result (g_file_get_contents (path, contents, length, &local), &local, error);
}

gboolean
sy_engine_set_contents (const char  *path,
                        const char  *contents,
                        gssize       length,
                        GError     **error)
{
  GError *local = NULL;

  return io_result (g_file_set_contents (path, contents, length, &local), &local, error);
}

gboolean
sy_engine_make_folder (const char  *dir,
                       GError     **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      return sy_engine_fail (error, SY_ENGINE_ERROR_IO, "%s: cannot create the folder: %s",
                             dir, g_strerror (saved));
    }
  return TRUE;
}

static gboolean
fail_write (const char  *path,
            int          saved,
            GError     **error)
{
  return sy_engine_fail (error, SY_ENGINE_ERROR_IO, "%s: cannot write: %s", path,
                         g_strerror (saved));
}

gboolean
sy_engine_write (FILE        *f,
                 const char  *path,
                 const void  *data,
                 gsize        n,
                 GError     **error)
{
  if (n > 0 && fwrite (data, 1, n, f) != n)
    return fail_write (path, errno, error);
  return TRUE;
}

gboolean
sy_engine_close (FILE        *f,
                 const char  *path,
                 gboolean     ok,
                 GError     **error)
{
  if (fclose (f) != 0 && ok)
    return fail_write (path, errno, error);
  return ok;
}

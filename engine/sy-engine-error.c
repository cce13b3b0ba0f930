/* sy-engine-error.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-engine-error.h"

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

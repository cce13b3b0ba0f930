/* sy-signal.c: the signals of the app's objects
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sy-signal.h"

guint
sy_signal_new (gpointer    klass,
               const char *name,
               guint       n_params,
               ...)
{
  va_list params;
  guint id;

  va_start (params, n_params);
  id = g_signal_new_valist (name, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                            NULL, NULL, NULL, NULL, G_TYPE_NONE, n_params, params);
  va_end (params);
  return id;
}

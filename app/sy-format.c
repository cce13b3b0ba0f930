/* sy-format.c: text for switchyard-cli and the windows: durations, names
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-format.h"

char *
sy_format_duration (double                  s,
                    const SyDurationFormat *format)
{
  const char *sp = format->space;

  if (!isfinite (s))
    return g_strdup (format->unknown);
  if (s >= 3600)
    return g_strdup_printf ("%d%s%s%s%02d%s%s", (int) (s / 3600), sp, format->hours, sp,
                            ((int) s % 3600) / 60, sp, format->minutes);
  if (s >= 60)
    return g_strdup_printf ("%d%s%s%s%02d%s%s", (int) (s / 60), sp, format->minutes, sp,
                            (int) s % 60, sp, format->seconds);
  return g_strdup_printf ("%.0f%s%s", s, sp, format->seconds);
}

char *
sy_strip_suffix (const char *name,
                 const char *suffix)
{
  if (g_str_has_suffix (name, suffix))
    return g_strndup (name, strlen (name) - strlen (suffix));
  return g_strdup (name);
}

/* sy-format.h: text for switchyard-cli and the windows: durations, names
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a duration reads: the words for its units, and what stands
 * between a number and its unit and after the unit. */
typedef struct
{
  const char *unknown;   /* not finite (no estimate yet) */
  const char *space;
  const char *hours;
  const char *minutes;
  const char *seconds;
} SyDurationFormat;

/* @s seconds as text in @format's words (free with g_free): whole
 * hours and minutes from an hour, minutes and seconds from a minute. */
char *sy_format_duration (double                  s,
                          const SyDurationFormat *format);

/* @name without @suffix where it ends so, else all of it (free with g_free). */
char *sy_strip_suffix    (const char             *name,
                          const char             *suffix);

G_END_DECLS

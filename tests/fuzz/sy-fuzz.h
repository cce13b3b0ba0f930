/* sy-fuzz.h: what the libFuzzer targets share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each tests/fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput() for one
 * reader of outside data.  It is linked twice: with -fsanitize=fuzzer in
 * the fuzz build (meson -Dfuzz=true, CC=clang), and with fuzz-replay.c,
 * whose main() feeds it the files of tests/fuzz/regress/NAME/ in the
 * ordinary test suite.  A target must not abort on any input; a critical
 * (g_return_if_fail and friends) counts as a crash, as bad input must be
 * turned away with a GError before it reaches one.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
sy_fuzz_log_quiet (const char     *domain,
                   GLogLevelFlags  level,
                   const char     *message,
                   gpointer        user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_printerr ("%s: %s\n", domain ? domain : "", message);
      abort ();
    }
}

/* Quiet warnings (a fuzzed model warns a lot); criticals abort. */
static inline void
sy_fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_default_handler (sy_fuzz_log_quiet, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
}

/* A folder of this process, removed at exit. */
static char *sy_fuzz_dir_path;

static void
sy_fuzz_dir_remove (void)
{
  g_autoptr (GDir) dir = g_dir_open (sy_fuzz_dir_path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (sy_fuzz_dir_path, name, NULL);

      g_unlink (path);
    }
  g_rmdir (sy_fuzz_dir_path);
}

static inline const char *
sy_fuzz_dir (void)
{
  if (sy_fuzz_dir_path == NULL)
    {
      sy_fuzz_dir_path = g_dir_make_tmp ("sy-fuzz-XXXXXX", NULL);
      g_assert (sy_fuzz_dir_path != NULL);
      atexit (sy_fuzz_dir_remove);
    }
  return sy_fuzz_dir_path;
}

/* Writes @data to @name in the process's folder; returns its path (owned
 * by the caller). */
static inline char *
sy_fuzz_write_file (const char    *name,
                    const uint8_t *data,
                    size_t         size)
{
  char *path = g_build_filename (sy_fuzz_dir (), name, NULL);

  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    g_error ("cannot write %s", path);
  return path;
}

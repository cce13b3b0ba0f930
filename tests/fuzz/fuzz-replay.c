/* fuzz-replay.c: the ordinary test suite's side of a fuzz target
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked with one tests/fuzz/fuzz-NAME.c: feeds each file given on the
 * command line (folders: every file in them) to its
 * LLVMFuzzerTestOneInput(), one test case per file.  The inputs are
 * tests/fuzz/regress/NAME/ (every crash the fuzzer found, fixed) and a
 * few fixtures; a crash or a leak (under ASan) fails the test.
 */
#include "sy-fuzz.h"

static void
replay_one (gconstpointer data)
{
  const char *path = data;
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_test_message ("%s (%" G_GSIZE_FORMAT " bytes)", path, len);
  /* a copy of exactly len bytes, so that ASan sees reads past the end */
  {
    g_autofree uint8_t *copy = g_memdup2 (contents, len);

    g_assert_cmpint (LLVMFuzzerTestOneInput (copy, len), ==, 0);
  }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_path (const char *path)
{
  static guint n_added;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)))
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        add_path (g_ptr_array_index (names, i));
    }
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *test = g_strdup_printf ("/fuzz-replay/%03u-%s", n_added++, base);

      g_test_add_data_func_full (test, g_strdup (path), replay_one, g_free);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int i = 1; i < argc; i++)
    add_path (argv[i]);
  return g_test_run ();
}

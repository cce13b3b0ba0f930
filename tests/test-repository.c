/* test-repository.c: the repository stands alone
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A clone of the project must build and pass its tests with nothing beside
 * it: no test or build file may refer to the steering folder next to the
 * project (the parent directory's "shared"), and every fixture the tests
 * read is under tests/fixtures.
 */
#include "config.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "sy-test-util.h"

/* Built from parts so that this file does not match itself. */
static char *
outside_needle (void)
{
  return g_strconcat ("..", "/", "sha", "red", NULL);
}

static gboolean
is_test_or_build_file (const char *name)
{
  static const char *const suffixes[] = { ".c", ".h", ".build", ".sh", ".py", ".js", ".txt", ".in" };

  if (g_str_equal (name, "run") || g_str_equal (name, "meson.build") ||
      g_str_equal (name, "meson_options.txt"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (name, suffixes[i]))
      return TRUE;
  return FALSE;
}

/* Appends to @hits every file under @dir (recursively, skipping @skip
 * folders) whose text contains @needle. */
static void
scan (const char        *dir,
      const char        *needle,
      const char *const *skip,
      gboolean           recurse,
      GPtrArray         *hits,
      guint             *n_files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recurse && !g_strv_contains (skip, name))
            scan (path, needle, skip, recurse, hits, n_files);
          continue;
        }
      if (!is_test_or_build_file (name))
        continue;

      g_autofree char *text = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      (*n_files)++;
      if (g_strstr_len (text, len, needle) != NULL)
        g_ptr_array_add (hits, g_steal_pointer (&path));
    }
}

static void
test_no_outside_paths (void)
{
  const char *root = g_getenv ("SY_SOURCE_ROOT");
  /* build outputs, fetched packages and the fixtures' own provenance notes */
  const char *const skip[] = { ".git", "build-deps", "node_modules", "fixtures", NULL };
  g_autofree char *needle = outside_needle ();
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func (g_free);
  guint n_files = 0;

  g_assert_nonnull (root);
  /* the top-level build files, then every folder that builds or tests */
  scan (root, needle, skip, FALSE, hits, &n_files);
  for (const char *const *sub = (const char *const[]){ "engine", "ui", "app", "data", "po", "tests", "tools", ".ci", NULL };
       *sub != NULL; sub++)
    {
      g_autofree char *dir = g_build_filename (root, *sub, NULL);
      scan (dir, needle, skip, TRUE, hits, &n_files);
    }
  g_assert_cmpuint (n_files, >, 50);
  for (guint i = 0; i < hits->len; i++)
    g_printerr ("refers to the folder outside the project: %s\n", (char *) hits->pdata[i]);
  g_assert_cmpuint (hits->len, ==, 0);
}

static void
test_fixtures_inside (void)
{
  const char *root = g_getenv ("SY_SOURCE_ROOT");
  const char *fixtures = g_getenv ("SY_FIXTURES");
  g_autofree char *inside = NULL;
  g_autofree char *readme = NULL;
  char *real_fixtures, *real_root;

  g_assert_nonnull (root);
  g_assert_nonnull (fixtures);
  real_root = realpath (root, NULL);
  real_fixtures = realpath (fixtures, NULL);
  g_assert_nonnull (real_root);
  g_assert_nonnull (real_fixtures);
  inside = g_strconcat (real_root, "/tests/fixtures", NULL);
  g_assert_cmpstr (real_fixtures, ==, inside);
  free (real_root);
  free (real_fixtures);

  /* the provenance note travels with the files */
  readme = g_build_filename (fixtures, "README.md", NULL);
  g_assert_true (g_file_test (readme, G_FILE_TEST_IS_REGULAR));
}

static const SyTestCase tests[] = {
  { "/repository/no-outside-paths", test_no_outside_paths },
  { "/repository/fixtures-inside", test_fixtures_inside },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

/* sy-test-util.c: helpers the GLib tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sy-test-util.h"

char *
sy_test_fixture_path (const char *first,
                      ...)
{
  const char *root = g_getenv ("SY_FIXTURES");
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
sy_test_model_path (const char *arch,
                    const char *file)
{
  return sy_test_fixture_path ("models", arch, file, NULL);
}

const char *
sy_test_model_dir (const char *arch)
{
  const char *fixtures = g_getenv ("SY_FIXTURES");
  g_autofree char *dir = NULL;
  g_autofree char *absolute = NULL;

  if (fixtures == NULL)
    return NULL;
  dir = g_build_filename (fixtures, "models", arch, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return NULL;
  absolute = g_canonicalize_filename (dir, NULL);
  return g_intern_string (absolute);
}

gboolean
sy_test_have_model (const char  *arch,
                    const char **dir)
{
  g_autofree char *what = g_strdup_printf ("SY_FIXTURES/models/%s", arch);

  *dir = sy_test_model_dir (arch);
  return sy_test_have (*dir, what);
}

void
sy_test_remove_tree (const char *path)
{
  /* a link to a folder is removed, never what it points to */
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          sy_test_remove_tree (child);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

char *
sy_test_copy_model (const char *arch,
                    const char *tmpl)
{
  g_autofree char *src = sy_test_model_path (arch, NULL);
  char *dir = sy_test_make_tmp_dir (tmpl);
  const char *files[] = { "config.json", "model.safetensors", "tokenizer.json",
                          "tokenizer_config.json", "generation_config.json" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (src, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_autofree char *data = NULL;
      gsize len;

      if (g_file_get_contents (from, &data, &len, NULL))
        g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
    }
  return dir;
}

void
sy_test_ensure_brown (void)
{
  const char *brown = g_getenv ("SY_BROWN_CORPUS");
  const char *files[][2] = {
    { "ca10", "\tThe/at jury/nn said/vbd it/pps did/dod not/* find/vb any/dti problems/nns ./.\n" },
    { "cr10", "\tHe/pps laughed/vbd so/ql hard/rb that/cs the/at chair/nn broke/vbd ./.\n" },
    { "ck20", "\tIt/pps was/bedz a/at dark/jj and/cc stormy/jj night/nn ./.\n" },
    { "cj30", "\tThe/at data/nns show/vb a/at clear/jj trend/nn ./.\n" },
  };
  g_autofree char *dir = NULL;

  if (brown != NULL && g_file_test (brown, G_FILE_TEST_IS_DIR))
    return;
  dir = g_build_filename (sy_test_tmp_dir (), "brown", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (dir, files[i][0], NULL);

      g_assert_true (g_file_set_contents (p, files[i][1], -1, NULL));
    }
  g_setenv ("SY_BROWN_CORPUS", dir, TRUE);
}

static const char *
cli_path (void)
{
  const char *cli = g_getenv ("SY_CLI");

  g_assert_nonnull (cli);
  return cli;
}

void
sy_test_cli_line (const char  *args,
                  char       **out,
                  char       **err,
                  int         *wait_status)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cmd = g_strdup_printf ("'%s' %s", cli_path (), args);
  g_autofree char *out_dropped = NULL;
  g_autofree char *err_dropped = NULL;

  g_assert_true (g_spawn_command_line_sync (cmd, out ? out : &out_dropped, err ? err : &err_dropped,
                                            wait_status, &error));
  g_assert_no_error (error);
}

int
sy_test_cli_run (const char  *command,
                 const char  *args,
                 char       **out,
                 char       **err)
{
  g_autofree char *line = command ? g_strconcat (command, " ", args, NULL) : g_strdup (args);
  int status;

  sy_test_cli_line (line, out, err, &status);
  return sy_test_exit_code (status);
}

int
sy_test_exit_code (int wait_status)
{
  if (g_spawn_check_wait_status (wait_status, NULL))
    return 0;
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

/* @first and the arguments after it up to NULL, NULL-terminated */
static GPtrArray *
collect_args (const char *first,
              va_list     args)
{
  GPtrArray *argv = g_ptr_array_new ();

  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  g_ptr_array_add (argv, NULL);
  return argv;
}

int
sy_test_cli (char      **out,
             char      **err,
             const char *first,
             ...)
{
  g_autoptr (GPtrArray) argv = NULL;
  va_list args;

  va_start (args, first);
  argv = collect_args (first, args);
  va_end (args);
  return sy_test_cliv ((const char *const *) argv->pdata, out, err);
}

/* Runs @argv, which must succeed (else the test fails with its stderr):
 * its stdout */
static char *
cliv_ok (GPtrArray *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (sy_test_cliv ((const char *const *) argv->pdata, &out, &err) != 0)
    g_error ("switchyard-cli %s failed: %s", (const char *) argv->pdata[0], err);
  return g_steal_pointer (&out);
}

void
sy_test_cli_succeeds (const char *first,
                      ...)
{
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *out = NULL;
  va_list args;

  va_start (args, first);
  argv = collect_args (first, args);
  va_end (args);
  out = cliv_ok (argv);
}

json_object *
sy_test_cli_json_args (const char *first,
                       ...)
{
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *out = NULL;
  json_object *root;
  va_list args;

  va_start (args, first);
  argv = collect_args (first, args);
  va_end (args);
  out = cliv_ok (argv);
  root = json_tokener_parse (out);
  g_assert_nonnull (root);
  return root;
}

int
sy_test_cliv (const char *const *args,
              char             **out,
              char             **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out_dropped = NULL;
  g_autofree char *err_dropped = NULL;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) cli_path ());
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out ? out : &out_dropped, err ? err : &err_dropped,
                               &status, &error));
  g_assert_no_error (error);
  return sy_test_exit_code (status);
}

void
sy_test_assert_cli_error_at (const char *err,
                             const char *needle,
                             const char *where)
{
  if (err == NULL || !g_str_has_prefix (err, "switchyard-cli: "))
    g_error ("%s: expected 'switchyard-cli: ...' on stderr, got '%s'", where, err ? err : "(null)");
  if (strchr (err, '\n') != err + strlen (err) - 1)
    g_error ("%s: expected one line ending in a newline, got '%s'", where, err);
  if (needle != NULL && strstr (err, needle) == NULL)
    g_error ("%s: '%s' not found in '%s'", where, needle, err);
}

void
sy_test_assert_no_file_at (const char *path,
                           const char *where)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("%s: '%s' exists", where, path);
}

json_object *
sy_test_json_get (json_object *o,
                  const char  *key)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (o, key, &v))
    g_error ("JSON key \"%s\" is missing in %s", key,
             json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  return v;
}

json_object *
sy_test_json_get_nonnull (json_object *o,
                          const char  *key)
{
  json_object *v = sy_test_json_get (o, key);

  if (v == NULL)
    g_error ("JSON key \"%s\" is null in %s", key,
             json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  return v;
}

static void
count_element (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  GHashTable *counts = user_data;

  g_hash_table_insert (counts, g_strdup (element),
                       GINT_TO_POINTER (sy_test_count_of (counts, element) + 1));
}

GHashTable *
sy_test_svg_count_elements (const char *path)
{
  static const GMarkupParser parser = { count_element, NULL, NULL, NULL, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GMarkupParseContext *context;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, 0, counts, NULL);
  g_assert_true (g_markup_parse_context_parse (context, contents, len, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);
  return counts;
}

int
sy_test_count_of (GHashTable *counts,
                  const char *element)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (counts, element));
}

int
sy_test_count_total (GHashTable *counts)
{
  GHashTableIter iter;
  gpointer value;
  int total = 0;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += GPOINTER_TO_INT (value);
  return total;
}

void
sy_test_put_le (GByteArray *out,
                guint64     v,
                guint       size)
{
  for (guint i = 0; i < size; i++)
    {
      guint8 b = (guint8) (v >> (8 * i));

      g_byte_array_append (out, &b, 1);
    }
}

/* max |a - b|, each divided by max (1, |b|) when @relative */
static double
max_diff (const float *a,
          const float *b,
          gsize        n,
          gboolean     relative)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]);

      if (relative)
        d /= MAX (1.0, fabs ((double) b[i]));
      if (isnan (d))
        return INFINITY;
      m = MAX (m, d);
    }
  return m;
}

double
sy_test_max_abs_diff (const float *a,
                      const float *b,
                      gsize        n)
{
  return max_diff (a, b, n, FALSE);
}

double
sy_test_max_rel_diff (const float *a,
                      const float *b,
                      gsize        n)
{
  return max_diff (a, b, n, TRUE);
}

gboolean
sy_test_have (const char *path,
              const char *what)
{
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s not found", what);

      g_test_skip (message);
      return FALSE;
    }
  return TRUE;
}

gpointer
sy_test_assert_ok (gpointer  value,
                   GError  **error)
{
  g_assert_no_error (*error);
  g_assert_nonnull (value);
  return value;
}

char *
sy_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (g_dir_make_tmp (tmpl, &error), &error);
}

void
sy_test_add_each (const char        *prefix,
                  const char *const *names,
                  gssize             n,
                  GTestDataFunc      func)
{
  for (gssize i = 0; n < 0 ? names[i] != NULL : i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix, names[i]);

      g_test_add_data_func (path, names[i], func);
    }
}

static char *scratch_dir;

const char *
sy_test_tmp_dir (void)
{
  if (scratch_dir == NULL)
    {
      g_autofree char *program = g_path_get_basename (g_get_prgname ());
      g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", program);

      scratch_dir = sy_test_make_tmp_dir (tmpl);
    }
  return scratch_dir;
}

int
sy_test_main (int               argc,
              char            **argv,
              const SyTestCase *cases,
              SyTestHook        setup,
              SyTestHook        teardown)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (setup != NULL)
    setup ();
  for (const SyTestCase *c = cases; c != NULL && c->path != NULL; c++)
    {
      if (c->func != NULL)
        g_test_add_func (c->path, c->func);
      else
        sy_test_add_each (c->path, c->each, -1, c->each_func);
    }
  status = g_test_run ();
  if (teardown != NULL)
    teardown ();
  if (scratch_dir != NULL)
    sy_test_remove_tree (scratch_dir);
  g_clear_pointer (&scratch_dir, g_free);
  return status;
}

/* `$SY_CLI ARGS`, asserted to succeed (@ok: its stdout) or to fail (its
 * stderr) */
static char *
cli_expect (const char *args,
            gboolean    ok)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  sy_test_cli_line (args, &out, &err, &status);
  if (ok && !g_spawn_check_wait_status (status, NULL))
    g_error ("switchyard-cli %s failed: %s", args, err);
  if (!ok)
    g_assert_false (g_spawn_check_wait_status (status, NULL));
  return ok ? g_steal_pointer (&out) : g_steal_pointer (&err);
}

char *
sy_test_cli_ok (const char *args)
{
  return cli_expect (args, TRUE);
}

char *
sy_test_cli_fails (const char *args)
{
  return cli_expect (args, FALSE);
}

json_object *
sy_test_cli_json (const char *args)
{
  g_autofree char *out = sy_test_cli_ok (args);
  json_object *root = json_tokener_parse (out);

  g_assert_nonnull (root);
  return root;
}

double
sy_test_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

void
sy_test_sort_doubles (double *v,
                      int     n)
{
  qsort (v, n, sizeof (double), cmp_double);
}

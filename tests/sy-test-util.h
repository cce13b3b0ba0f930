/* sy-test-util.h: helpers the GLib tests share (glib only, no engine)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fixture paths under $SY_FIXTURES, running $SY_CLI and capturing its
 * stdout, stderr and status, removing a temporary tree, comparing float
 * arrays.  Every helper asserts what it relies on (the variables are set,
 * the process could be spawned), so a broken setup fails the test.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* $SY_FIXTURES/first/... (NULL-terminated parts); asserts SY_FIXTURES is set */
char   *sy_test_fixture_path (const char *first,
                              ...) G_GNUC_NULL_TERMINATED;

/* $SY_FIXTURES/models/<arch>/<file> ("" for the folder itself) */
char   *sy_test_model_path   (const char *arch,
                              const char *file);

/* The folder of fixture model @arch ($SY_FIXTURES/models/<arch>),
 * absolute (an interned string); NULL when SY_FIXTURES is not set or the
 * folder is not there */
const char *sy_test_model_dir (const char *arch);
/* TRUE with that folder in *@dir; else skips the current test
 * ("SY_FIXTURES/models/<arch> not found") */
gboolean sy_test_have_model  (const char  *arch,
                              const char **dir);

/* @value, once asserted that *@error is not set and @value is not NULL:
 * return sy_test_assert_ok (make (..., &error), &error); */
gpointer sy_test_assert_ok   (gpointer    value,
                              GError    **error);

/* A new temporary folder (g_dir_make_tmp (@tmpl)), asserted. */
char    *sy_test_make_tmp_dir    (const char *tmpl);
/* This test program's scratch folder: made on the first call
 * (g_dir_make_tmp ("PROGRAM-XXXXXX")), removed with what is in it by
 * sy_test_main after the run. */
const char *sy_test_tmp_dir      (void);

/* One row of a test program's table: the test g_test_add_func (@path,
 * @func); or, when @func is NULL, one test "@path/NAME" of @each_func for
 * each NAME of @each (NULL-terminated; the test's data is NAME).  A table
 * ends with a { NULL, NULL } row. */
typedef struct
{
  const char        *path;
  GTestFunc          func;
  GTestDataFunc      each_func;
  const char *const *each;
} SyTestCase;

/* What a test program does before its table's tests are added (state the
 * tests share, tests of other kinds) or after the run */
typedef void (*SyTestHook) (void);

/* The main () of a test program: g_test_init (), @setup, the tests of
 * @cases, g_test_run (), @teardown (@cases and either hook may be NULL),
 * then its scratch folder removed.  Returns the status of the run. */
int      sy_test_main            (int               argc,
                                  char            **argv,
                                  const SyTestCase *cases,
                                  SyTestHook        setup,
                                  SyTestHook        teardown);

/* g_test_add_data_func ("@prefix/NAME", NAME, @func) for each of the
 * @n names (-1: @names is NULL-terminated) */
void     sy_test_add_each   (const char         *prefix,
                             const char *const  *names,
                             gssize              n,
                             GTestDataFunc       func);

/* TRUE when @path (found at start) is not NULL; else skips the current
 * test: "@what not found". */
gboolean sy_test_have       (const char *path,
                             const char *what);

/* rm -r path (a file or a folder); no error when it does not exist */
void    sy_test_remove_tree  (const char *path);

/* A copy of fixture model @arch (config, weights and the tokenizer files it
 * has) in a new temporary folder (g_dir_make_tmp (@tmpl)), asserted; remove
 * it with sy_test_remove_tree. */
char   *sy_test_copy_model   (const char *arch,
                              const char *tmpl);

/* When $SY_BROWN_CORPUS is not a folder: writes a Brown-shaped corpus
 * (tagged, four files of three genres) into the scratch folder
 * (sy_test_tmp_dir) and points $SY_BROWN_CORPUS at it. */
void    sy_test_ensure_brown (void);

/* Runs "'$SY_CLI' <args>" (args parsed like a shell command line) and
 * stores its stdout, stderr (either may be NULL: captured and dropped)
 * and its raw wait status (for g_spawn_check_wait_status). */
void    sy_test_cli_line     (const char  *args,
                              char       **out,
                              char       **err,
                              int         *wait_status);

/* "'$SY_CLI' @command @args" (as sy_test_cli_line; @command NULL for
 * none): its exit code (sy_test_exit_code) */
int     sy_test_cli_run      (const char  *command,
                              const char  *args,
                              char       **out,
                              char       **err);

/* `$SY_CLI ARGS` (as sy_test_cli_line), which must succeed (else the test
 * fails with its stderr): its stdout. */
char   *sy_test_cli_ok       (const char  *args);
/* `$SY_CLI ARGS` (as sy_test_cli_line), which must fail: its stderr. */
char   *sy_test_cli_fails    (const char  *args);
/* sy_test_cli_ok, its stdout parsed as JSON (asserted to be JSON). */
json_object *sy_test_cli_json (const char *args);

/* $SY_CLI with the NULL-terminated arguments (no quoting), which must
 * succeed: else the test fails with its stderr. */
void         sy_test_cli_succeeds  (const char *first,
                                    ...) G_GNUC_NULL_TERMINATED;
/* The same: its stdout parsed as JSON (asserted to be JSON). */
json_object *sy_test_cli_json_args (const char *first,
                                    ...) G_GNUC_NULL_TERMINATED;

/* Runs $SY_CLI with the NULL-terminated arguments; returns its exit code
 * (0 on success, -1 when it did not exit normally, e.g. a signal). */
int     sy_test_cli          (char      **out,
                              char      **err,
                              const char *first,
                              ...) G_GNUC_NULL_TERMINATED;

/* The same with the arguments as a NULL-terminated array */
int     sy_test_cliv         (const char *const *args,
                              char             **out,
                              char             **err);

/* The exit code of a wait status: 0 on success, the code, or -1 */
int     sy_test_exit_code    (int wait_status);

/* Asserts that err is a switchyard-cli error: exactly one line
 * "switchyard-cli: ...\n" that contains needle (when not NULL) */
#define sy_test_assert_cli_error(err, needle) \
  sy_test_assert_cli_error_at ((err), (needle), G_STRLOC)
void    sy_test_assert_cli_error_at (const char *err,
                                     const char *needle,
                                     const char *where);

/* Asserts that nothing is at path (what a failed command must not have
 * written), naming it when something is */
#define sy_test_assert_no_file(path) \
  sy_test_assert_no_file_at ((path), G_STRLOC)
void    sy_test_assert_no_file_at   (const char *path,
                                     const char *where);

/* The member key of JSON object o (NULL for a JSON null); g_error when
 * it is missing */
json_object *sy_test_json_get      (json_object *o,
                                    const char  *key);

/* The same, and g_error when it is null too */
json_object *sy_test_json_get_nonnull (json_object *o,
                                       const char  *key);

/* Parses the SVG file at path as XML (asserting it is well-formed) and
 * returns element name -> count (free with g_hash_table_unref) */
GHashTable *sy_test_svg_count_elements (const char *path);

/* The count of one element name, 0 when absent */
int     sy_test_count_of     (GHashTable *counts,
                              const char *element);

/* The number of elements of all names */
int     sy_test_count_total  (GHashTable *counts);

/* Appends the @size low bytes of @v to @out, little-endian (the byte
 * order of GGUF and safetensors) */
void    sy_test_put_le       (GByteArray *out,
                              guint64     v,
                              guint       size);

/* max |a - b| over n floats; NaN on either side is an infinite error */
double  sy_test_max_abs_diff (const float *a,
                              const float *b,
                              gsize        n);

/* max |a - b| / max (1, |b|); NaN is an infinite error.  For values of a
 * few units, float32 noise from a different summation order (one row vs
 * a batch) is a few ulp. */
double  sy_test_max_rel_diff (const float *a,
                              const float *b,
                              gsize        n);

/* For the benchmarks: process CPU time (all threads) in ms, less disturbed
 * than wall time by other jobs on a shared machine */
double  sy_test_cpu_ms       (void);

/* Sorts the @n values of @v in ascending order (for medians and
 * percentiles) */
void    sy_test_sort_doubles (double *v,
                              int     n);

G_END_DECLS

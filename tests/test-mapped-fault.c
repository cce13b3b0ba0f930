/* test-mapped-fault.c: a model file that shrinks on disk while a mapped
 * model is open stops the run with an error naming the file, no crash
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sy-kernels.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-test-util.h"
#include "sy-weight-memory.h"

/* Mapped model, truncated after load: the next run fails naming the file. */
static void
test_truncated_after_load (void)
{
  g_autofree char *dir = sy_test_copy_model ("olmoe", "sy-fault-XXXXXX");
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load_full (dir, SY_MODEL_LOAD_MAPPED, NULL, NULL, &error);
  g_autoptr (SySession) session = NULL;
  const int32_t ids[] = { 1, 2, 3, 4 };
  SyTrace *trace;

  g_assert_no_error (error);
  g_assert_false (sy_model_get_info (model)->resident);
  session = sy_session_new (model);
  trace = sy_session_run (session, ids, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  sy_trace_free (trace);

  g_assert_cmpint (truncate (weights, 4096), ==, 0);
  trace = sy_session_run (session, ids, 4, NULL, NULL, &error);
  g_assert_null (trace);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, weights));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* still an error, never a crash, on the next try */
  trace = sy_session_run (session, ids, 4, NULL, NULL, &error);
  g_assert_null (trace);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED);
  sy_test_remove_tree (dir);
}

typedef struct
{
  const volatile guint8 *map;
  gsize                  page;
  volatile guint         sum;
} ReadTask;

static void
read_page (int      i,
           gpointer data)
{
  ReadTask *t = data;

  t->sum += t->map[i * t->page];
}

/* The guard itself: pool tasks reading pages of a mapping whose file was
 * cut end their share of the run; the faults are counted, nothing dies. */
static void
test_guard_sigbus (void)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-fault-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "blob", NULL);
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  g_autofree char *data = g_malloc0 (16 * page);
  g_autoptr (GMappedFile) map = NULL;
  g_autoptr (SyPool) pool = sy_pool_new (2);
  ReadTask t = { 0 };
  guint before;

  g_assert_true (g_file_set_contents (path, data, 16 * page, NULL));
  map = g_mapped_file_new (path, FALSE, NULL);
  g_assert_nonnull (map);
  g_assert_cmpint (truncate (path, page), ==, 0);
  t.map = (const guint8 *) g_mapped_file_get_contents (map);
  t.page = page;

  sy_fault_guard_install ();
  before = sy_fault_guard_n_faults (NULL);
  sy_pool_run (pool, 16, read_page, &t);
  g_assert_cmpuint (sy_fault_guard_n_faults (NULL), >, before);
  g_unlink (path);
  g_rmdir (dir);
}

static const SyTestCase tests[] = {
  { "/engine/mapped-fault/truncated-after-load", test_truncated_after_load },
  { "/engine/mapped-fault/guard-sigbus", test_guard_sigbus },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}

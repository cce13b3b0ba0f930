/* sy-pool.h: a pool of worker threads for data-parallel loops
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A pool of worker threads for data-parallel loops.  The caller's thread
 * takes part, so a pool of n threads starts n - 1 workers. */
typedef struct _SyPool SyPool;

typedef void (*SyParallelFunc) (int task, gpointer data);

SyPool *sy_pool_new          (int             n_threads);
void    sy_pool_free         (SyPool         *self);
int     sy_pool_n_threads    (SyPool         *self);
/* Runs @func (task, data) for task = 0..n_tasks-1 across the threads and
 * returns when all are done.  @self may be NULL (serial).  A call from
 * inside a task runs serially (no nesting). */
void    sy_pool_run          (SyPool         *self,
                              int             n_tasks,
                              SyParallelFunc  func,
                              gpointer        data);
/* The number of CPUs this process may use. */
int     sy_n_cpus            (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyPool, sy_pool_free)

G_END_DECLS

/* sy-weight-memory.h: where a model's weights live once loaded (private)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Weights are either read in place from the read-only file mapping or
 * read, in their stored precision, into an arena of anonymous memory
 * advised to use transparent huge pages.  The arena is what makes the
 * forward pass fast on machines where mapped page cache reads slowly
 * (measured on our 2-core VMs: ~10-40 GB/s mapped, depending on how the
 * page cache was filled, vs ~40 GB/s steadily from the arena; see
 * DEVELOPERS.md).
 */
#pragma once

#include <glib.h>
#include <setjmp.h>

#include "sy-engine-error.h"
#include "sy-pool.h"
#include "sy-progress.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct _SyWeightArena SyWeightArena;

SyWeightArena *sy_weight_arena_new       (void);
void           sy_weight_arena_free      (SyWeightArena *self);
/* @n_bytes of memory aligned to @align (a power of two, 64 to 2 MiB),
 * owned by the arena; NULL when the system has no more. */
void          *sy_weight_arena_alloc     (SyWeightArena *self,
                                          gsize          n_bytes,
                                          gsize          align);
guint64        sy_weight_arena_get_n_bytes (SyWeightArena *self);

/* MemAvailable of /proc/meminfo in bytes, or -1 where unknown (tests
 * set SY_MEM_AVAILABLE to pretend a number of bytes). */
gint64         sy_mem_available          (void);
/* The number after "@key:" in a /proc file such as /proc/meminfo or
 * /proc/self/status (kB there), or -1. */
gint64         sy_proc_kib               (const char    *file,
                                          const char    *key);

/* Reads every file the store maps into @arena (with O_DIRECT where the
 * file system allows, so the file does not also fill the page cache; in
 * pieces over @pool's threads, reporting "reading weights") and moves
 * the store's tensors there; the mappings are released. */
gboolean       sy_tensor_store_read_into (SyTensorStore  *store,
                                          SyWeightArena  *arena,
                                          SyPool         *pool,
                                          SyProgressFunc  progress,
                                          gpointer        user_data,
                                          GError        **error);

/* sy_tensor_check_finite () split over @pool's threads (the error, when
 * there is one, is the same). */
gboolean       sy_tensor_check_finite_parallel (SyPool         *pool,
                                                const SyTensor *t,
                                                GError        **error);

/* Mapped weights whose file shrinks (a re-download, a truncation) make
 * reads of the lost pages raise SIGBUS.  Once installed (a model loads
 * mapped), a SIGBUS on a thread with a guard pushed jumps back to it
 * (sigsetjmp (*jb, 0)), counting the fault; elsewhere it kills the
 * process as before.  The pool guards its tasks, sy_session_run the
 * forward of a mapped model. */
void           sy_fault_guard_install    (void);
/* Makes @jb the guard of this thread; returns the previous one for pop. */
sigjmp_buf    *sy_fault_guard_push       (sigjmp_buf    *jb);
void           sy_fault_guard_pop        (sigjmp_buf    *prev);
/* Faults caught so far (and the address of the last one). */
guint          sy_fault_guard_n_faults   (const void   **addr);

/* SY_ENGINE_ERROR_TRUNCATED naming the file when a mapped file of
 * @store is now shorter than its mapping (or gone). */
gboolean       sy_tensor_store_check_files (SyTensorStore  *store,
                                            GError        **error);
/* The file whose mapping holds @addr, or NULL. */
const char    *sy_tensor_store_file_at   (SyTensorStore  *store,
                                          const void     *addr);

G_END_DECLS

/* sy-weight-memory.h: where a model's weights live once loaded (private)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Weights are either read in place from the read-only file mapping or
 * copied, in their stored precision, into an arena of anonymous memory
 * advised to use transparent huge pages.  The copy is what makes the
 * forward pass fast on machines where mapped page cache reads slowly
 * (measured on our 2-core VMs: ~10-20 GB/s mapped vs ~40 GB/s from the
 * arena, see DEVELOPERS.md); the check for NaN/inf runs on the copy.
 */
#pragma once

#include <glib.h>

#include "sy-kernels.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct _SyWeightArena SyWeightArena;

SyWeightArena *sy_weight_arena_new       (void);
void           sy_weight_arena_free      (SyWeightArena *self);
/* @n_bytes of memory aligned to 64 bytes, owned by the arena; NULL when
 * the system has no more. */
void          *sy_weight_arena_alloc     (SyWeightArena *self,
                                          gsize          n_bytes);
guint64        sy_weight_arena_get_n_bytes (SyWeightArena *self);

/* MemAvailable of /proc/meminfo in bytes, or -1 where unknown. */
gint64         sy_mem_available          (void);

/* Copies @src's bytes to @dst (NULL: copies nothing) and checks the values
 * for NaN/inf, split over @pool's threads.  FALSE with the error of
 * sy_tensor_check_finite () when a value is not finite. */
gboolean       sy_tensor_copy_checked    (SyPool         *pool,
                                          const SyTensor *src,
                                          void           *dst,
                                          GError        **error);

/* Gives back the pages of a read-only mapping whose bytes were copied:
 * unmaps them, and with @drop_cache also asks the kernel to reclaim their
 * page cache (so that a model larger than half the memory does not evict
 * the file pages it has yet to copy). */
void           sy_mapping_release        (const void    *data,
                                          gsize          n_bytes,
                                          gboolean       drop_cache);

G_END_DECLS

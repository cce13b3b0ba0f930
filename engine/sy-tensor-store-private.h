/* sy-tensor-store-private.h: stores built from other containers (GGUF)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A reader that has validated its own file (sy-gguf.c) hands the store
 * the mapping and then one view per tensor, under the names the model
 * binds; lookups, shape checks, the unused list and the messages then
 * work as for safetensors.
 */
#pragma once

#include "sy-tensor-store.h"

G_BEGIN_DECLS

/* A store over one mapped file (a reference to @map is taken); @path
 * names the file in messages. */
SyTensorStore *_sy_tensor_store_new_mapped (const char     *path,
                                            GMappedFile    *map);
/* Another mapped file (the parts of a split GGUF). */
void           _sy_tensor_store_add_mapped (SyTensorStore  *self,
                                            const char     *path,
                                            GMappedFile    *map);
/* Adds @view (its dtype, shape, data and n_bytes; its name and file are
 * not read) under @name: its data must lie inside one of the mappings
 * and hold n_bytes (the caller checked both).  FALSE
 * (SY_ENGINE_ERROR_CORRUPT) on a duplicate name. */
gboolean       _sy_tensor_store_add        (SyTensorStore  *self,
                                            const char     *name,
                                            const SyTensor *view,
                                            GError        **error);
/* Adds a tensor built in memory (@tensor's data, g_malloc'ed, is taken,
 * freed on failure too), e.g. one assembled from others of the file. */
gboolean       _sy_tensor_store_add_owned  (SyTensorStore  *self,
                                            const char     *name,
                                            const SyTensor *tensor,
                                            GError        **error);

/* The shards, for sy-weight-memory.c: the mapping of shard @i (NULL when
 * it is bytes in memory), its path, and moving its tensors to @copy, a
 * copy of the whole file that outlives the store (the mapping is
 * released). */
guint          _sy_tensor_store_get_n_shards (SyTensorStore *self);
const char    *_sy_tensor_store_shard_mapping (SyTensorStore *self,
                                               guint          i,
                                               gsize         *size);
const char    *_sy_tensor_store_shard_path   (SyTensorStore  *self,
                                              guint           i);
void           _sy_tensor_store_shard_move   (SyTensorStore  *self,
                                              guint           i,
                                              const char     *copy);

G_END_DECLS

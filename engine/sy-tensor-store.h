/* sy-tensor-store.h: the tensors of a model, memory-mapped, validated
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store is every tensor of a model folder (model.safetensors, or the
 * shards named by model.safetensors.index.json), or of one file.  Tensors
 * stay in their stored precision inside read-only mappings; nothing is
 * converted to float32 up front.  Every header is validated before any
 * pointer into a mapping is handed out (sy-safetensors.h reads the
 * headers and the shard index; sy-dtype.h has the dtypes and conversions).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-dtype.h"

G_BEGIN_DECLS

typedef struct _SyTensorStore SyTensorStore;

/* @path: a folder (model.safetensors, else model.safetensors.index.json),
 * one .safetensors file, or a *.index.json file (its shards beside it). */
SyTensorStore *sy_tensor_store_open      (const char       *path,
                                          GError          **error);
/* One safetensors file held in memory (an embedded model, a test); @name
 * names it in errors.  The store keeps a reference to @bytes. */
SyTensorStore *sy_tensor_store_new_from_bytes (GBytes      *bytes,
                                               const char  *name,
                                               GError     **error);
void           sy_tensor_store_free      (SyTensorStore    *self);

/* NULL when absent.  Marks the tensor as used. */
const SyTensor *sy_tensor_store_lookup   (SyTensorStore    *self,
                                          const char       *name);
/* The tensor @name with exactly @n_dims dims of @shape; otherwise an error
 * naming the file, the tensor and the expected vs actual shape (or
 * SY_ENGINE_ERROR_MISSING).  Marks the tensor as used. */
const SyTensor *sy_tensor_store_get      (SyTensorStore    *self,
                                          const char       *name,
                                          int               n_dims,
                                          const int64_t    *shape,
                                          GError          **error);
/* Names of the tensors never looked up (NULL-terminated, sorted; free with
 * g_strfreev), to report as warnings after binding a model. */
char         **sy_tensor_store_list_unused (SyTensorStore  *self);
/* All tensor names, sorted (free with g_strfreev). */
char         **sy_tensor_store_list      (SyTensorStore    *self);
guint          sy_tensor_store_get_n_tensors (SyTensorStore *self);
/* Asks the kernel to start reading every mapped file in the background
 * (posix_madvise WILLNEED); returns at once. */
void           sy_tensor_store_prefetch      (SyTensorStore *self);
/* Number of safetensors files mapped (shards). */
guint          sy_tensor_store_get_n_files   (SyTensorStore *self);
/* Sum of the tensors' byte sizes. */
guint64        sy_tensor_store_get_n_bytes   (SyTensorStore *self);
/* The path given to sy_tensor_store_open(). */
const char    *sy_tensor_store_get_path      (SyTensorStore *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTensorStore, sy_tensor_store_free)

G_END_DECLS

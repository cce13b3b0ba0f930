/* sy-safetensors-writer.h: write safetensors files (and sharded folders)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Collect tensors, then write them in the order they were added:
 *
 *   g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
 *   SyTensorDesc desc = { "x.logits", SY_DTYPE_F32, 2, shape };
 *
 *   sy_safetensors_writer_add_f32 (w, &desc, values, error);
 *   sy_safetensors_writer_write (w, "dump.safetensors", error);
 *
 * Small tensors are copied when added.  Large ones are produced while the
 * file is written, chunk by chunk, by a fill function
 * (sy_safetensors_writer_add_generated), so a multi-gigabyte model never
 * sits in memory.  Files are written to PATH.partial and renamed into
 * place when complete.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-progress.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct _SySafetensorsWriter SySafetensorsWriter;

SySafetensorsWriter *sy_safetensors_writer_new          (void);
void                 sy_safetensors_writer_free         (SySafetensorsWriter *self);

/* A "__metadata__" entry (string to string).  "format": "pt" is set by default. */
void                 sy_safetensors_writer_set_metadata (SySafetensorsWriter *self,
                                                         const char          *key,
                                                         const char          *value);

/* @data holds the tensor already in @desc's dtype (n_elements ×
 * sy_dtype_size bytes, any alignment); it is copied.  Fails on a duplicate
 * or empty name, a negative dimension or more than SY_TENSOR_MAX_DIMS dims. */
gboolean             sy_safetensors_writer_add          (SySafetensorsWriter *self,
                                                         const SyTensorDesc  *desc,
                                                         const void          *data,
                                                         GError             **error);
/* @values are float32; they are converted to @desc's dtype (round to
 * nearest even) and the result copied. */
gboolean             sy_safetensors_writer_add_f32      (SySafetensorsWriter *self,
                                                         const SyTensorDesc  *desc,
                                                         const float         *values,
                                                         GError             **error);
/* A copy of @tensor (any stored dtype) converted to @dtype. */
gboolean             sy_safetensors_writer_add_tensor   (SySafetensorsWriter *self,
                                                         const char          *name,
                                                         SyDType              dtype,
                                                         const SyTensor      *tensor,
                                                         GError             **error);
/* Values produced by @fill at write time and converted to @desc's dtype;
 * nothing is held in memory.  @fill is called with increasing offsets
 * covering the whole tensor exactly once, from the thread calling write().
 * @destroy (may be NULL) frees @user_data with the writer.  The same
 * tensor is produced again for each write(). */
gboolean             sy_safetensors_writer_add_generated (SySafetensorsWriter *self,
                                                          const SyTensorDesc  *desc,
                                                          SyTensorFillFunc     fill,
                                                          gpointer             user_data,
                                                          GDestroyNotify       destroy,
                                                          GError             **error);

guint                sy_safetensors_writer_get_n_tensors (SySafetensorsWriter *self);
/* Bytes of tensor data (what the data section will hold). */
guint64              sy_safetensors_writer_get_n_bytes   (SySafetensorsWriter *self);

/* Writes every tensor to one file.  @progress (may be NULL) is called as
 * data is written and may cancel (SY_ENGINE_ERROR_CANCELLED). */
gboolean             sy_safetensors_writer_write         (SySafetensorsWriter *self,
                                                          const char          *path,
                                                          GError             **error);
gboolean             sy_safetensors_writer_write_full    (SySafetensorsWriter *self,
                                                          const char          *path,
                                                          SyProgressFunc       progress,
                                                          gpointer             progress_data,
                                                          GError             **error);

/* Writes the tensors to @folder as @n_shards files named
 * model-0000I-of-0000N.safetensors (in the order added, split at about
 * equal byte counts, each shard holding at least one tensor) and
 * model.safetensors.index.json, the layout save_pretrained uses.
 * @n_shards is clamped to the number of tensors. */
gboolean             sy_safetensors_writer_write_sharded (SySafetensorsWriter *self,
                                                          const char          *folder,
                                                          int                  n_shards,
                                                          SyProgressFunc       progress,
                                                          gpointer             progress_data,
                                                          GError             **error);

/* Writes the tensors into the model folder @folder (which exists) as
 * model.safetensors (@n_shards <= 1) or as sy_safetensors_writer_write_sharded ()
 * does, removing the file of the other layout an earlier write left there. */
gboolean             sy_safetensors_writer_write_folder  (SySafetensorsWriter *self,
                                                          const char          *folder,
                                                          int                  n_shards,
                                                          SyProgressFunc       progress,
                                                          gpointer             progress_data,
                                                          GError             **error);

/* Copies the model folder @src into @dst (created if needed): the weights
 * (model.safetensors or the shards of its index) re-written in @dtype as one
 * file (@n_shards <= 1) or @n_shards shards + index; every other regular
 * file except *.safetensors (config.json, generation_config.json,
 * tokenizer files, ...) copied as is.  @dst must not be @src. */
gboolean             sy_safetensors_convert_folder       (const char          *src,
                                                          const char          *dst,
                                                          SyDType              dtype,
                                                          int                  n_shards,
                                                          SyProgressFunc       progress,
                                                          gpointer             progress_data,
                                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySafetensorsWriter, sy_safetensors_writer_free)

G_END_DECLS

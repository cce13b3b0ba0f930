/* sy-gguf-writer.h: writing GGUF files, and converting HF models to GGUF
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Metadata and tensors are collected in memory, then written in one go:
 * header, metadata, tensor infos, the data section aligned to the
 * alignment (32 unless set).  Tensors are given as float32 values (row-
 * major, HF order) and stored in the requested type, quantized where it
 * is a block format.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-engine-error.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct _SyGgufWriter SyGgufWriter;

/* @version: 2 or 3 */
SyGgufWriter *sy_gguf_writer_new              (guint32              version);
void          sy_gguf_writer_free             (SyGgufWriter        *self);

/* Also writes general.alignment (u32). */
void          sy_gguf_writer_set_alignment    (SyGgufWriter        *self,
                                               guint32              alignment);
void          sy_gguf_writer_add_u32          (SyGgufWriter        *self,
                                               const char          *key,
                                               guint32              value);
void          sy_gguf_writer_add_i32          (SyGgufWriter        *self,
                                               const char          *key,
                                               gint32               value);
void          sy_gguf_writer_add_f32          (SyGgufWriter        *self,
                                               const char          *key,
                                               float                value);
void          sy_gguf_writer_add_bool         (SyGgufWriter        *self,
                                               const char          *key,
                                               gboolean             value);
void          sy_gguf_writer_add_string       (SyGgufWriter        *self,
                                               const char          *key,
                                               const char          *value);
void          sy_gguf_writer_add_string_array (SyGgufWriter        *self,
                                               const char          *key,
                                               const char * const  *values,
                                               guint64              n);
void          sy_gguf_writer_add_i32_array    (SyGgufWriter        *self,
                                               const char          *key,
                                               const int32_t       *values,
                                               guint64              n);
void          sy_gguf_writer_add_f32_array    (SyGgufWriter        *self,
                                               const char          *key,
                                               const float         *values,
                                               guint64              n);
/* A raw metadata entry: @type and already-encoded value bytes (tests). */
void          sy_gguf_writer_add_raw_kv       (SyGgufWriter        *self,
                                               const char          *key,
                                               guint32              type,
                                               const void          *bytes,
                                               gsize                n_bytes);

/* @shape row-major (the file lists it reversed); @values float32. */
gboolean      sy_gguf_writer_add_tensor       (SyGgufWriter        *self,
                                               const char          *name,
                                               SyDType              dtype,
                                               int                  n_dims,
                                               const int64_t       *shape,
                                               const float         *values,
                                               GError             **error);
/* A tensor of ggml type id @ggml_type with the given bytes as its data
 * (any type id, for tests of unsupported types). */
void          sy_gguf_writer_add_raw_tensor   (SyGgufWriter        *self,
                                               const char          *name,
                                               guint32              ggml_type,
                                               int                  n_dims,
                                               const int64_t       *shape,
                                               const void          *bytes,
                                               gsize                n_bytes);

gboolean      sy_gguf_writer_write            (SyGgufWriter        *self,
                                               const char          *path,
                                               GError             **error);

/* Converts the Hugging Face model folder @hf_dir (config.json,
 * safetensors, tokenizer.json when present) to a GGUF file at @out:
 * matrices in @weight_type where their rows are whole blocks (F32
 * otherwise), norms, biases and routers in F32, the tokenizer's vocab
 * and merges as tokenizer.ggml.*.  Architectures: sy_gguf_supported_archs (). */
gboolean      sy_gguf_convert                 (const char          *hf_dir,
                                               const char          *out,
                                               SyDType              weight_type,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyGgufWriter, sy_gguf_writer_free)

G_END_DECLS

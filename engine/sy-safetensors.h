/* sy-safetensors.h: reading safetensors headers and shard indexes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of
 * JSON ({name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__":
 * {...}}), then the data section; offsets are relative to the data section.
 * A sharded model adds model.safetensors.index.json, whose "weight_map"
 * names the shard of every tensor.
 *
 * Everything in a header is checked before anything is handed out: the
 * header length against the file size, the JSON, each dtype, shape ×
 * element size against the byte range, every range inside the data section
 * and no two ranges overlapping.  The tensor store (sy-tensor-store.c) maps
 * the files and turns the descriptions into tensors; the writer twin is
 * sy-safetensors-writer.h.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-dtype.h"

G_BEGIN_DECLS

/* One tensor of a header. */
typedef struct
{
  char     *name;
  SyDType   dtype;
  int       n_dims;
  int64_t   shape[SY_TENSOR_MAX_DIMS];
  uint64_t  begin;        /* byte range inside the data section */
  uint64_t  end;
} SySafetensorsTensor;

typedef struct
{
  uint64_t             data_offset;  /* where the data section starts: 8 + header length */
  uint64_t             data_size;
  guint                n_tensors;
  SySafetensorsTensor *tensors;      /* in the header's order */
} SySafetensorsHeader;

/* Parses and validates the header of a file of @size bytes starting at
 * @contents (NULL when @size is 0); @path names it in errors. */
SySafetensorsHeader *sy_safetensors_header_parse (const char   *path,
                                                  const char   *contents,
                                                  gsize         size,
                                                  GError      **error);
void                 sy_safetensors_header_free  (SySafetensorsHeader *header);

/* model.safetensors.index.json's weight map, in the file's order: tensor
 * @names[i] lives in shard @files[i], a plain file name beside the index
 * (no folder separators, not "." or ".."). */
typedef struct
{
  guint   n;
  char  **names;
  char  **files;
} SySafetensorsIndex;

SySafetensorsIndex  *sy_safetensors_index_load   (const char   *index_path,
                                                  GError      **error);
void                 sy_safetensors_index_free   (SySafetensorsIndex *index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySafetensorsHeader, sy_safetensors_header_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySafetensorsIndex, sy_safetensors_index_free)

G_END_DECLS

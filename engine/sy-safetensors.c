/* sy-safetensors.c: reading safetensors headers and shard indexes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-json.h"
#include "sy-safetensors.h"

#define SY_SAFETENSORS_MAX_HEADER (100 * 1024 * 1024)

/* safetensors dtypes that exist but that the engine does not compute with */
static const char * const other_dtypes[] = {
  "F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL",
  "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
};

static gboolean
is_known_other_dtype (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (other_dtypes); i++)
    if (strcmp (name, other_dtypes[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Reads a JSON integer >= 0 (json-c keeps integers as int64). */
static gboolean
json_nonneg_int (json_object *value,
                 int64_t     *out)
{
  int64_t v;

  if (value == NULL || !json_object_is_type (value, json_type_int))
    return FALSE;
  v = json_object_get_int64 (value);
  if (v < 0)
    return FALSE;
  /* json-c clamps integers beyond int64 to INT64_MAX: still >= 0 and caught
   * as out of range by the caller. */
  *out = v;
  return TRUE;
}

void
sy_safetensors_header_free (SySafetensorsHeader *header)
{
  if (header == NULL)
    return;
  for (guint i = 0; i < header->n_tensors; i++)
    g_free (header->tensors[i].name);
  g_free (header->tensors);
  g_free (header);
}

/* The header's length, checked against the file, and its JSON object. */
static gboolean
parse_header_json (const char   *path,
                   const char   *contents,
                   gsize         size,
                   uint64_t     *header_len_out,
                   json_object **root_out,
                   GError      **error)
{
  g_autoptr (SyJson) root = NULL;
  json_tokener *tok;
  enum json_tokener_error jerr;
  uint64_t header_len = 0;
  const char *header;
  size_t parse_end;

  if (size < 8)
    return sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED,
                           "%s: file is %" G_GSIZE_FORMAT " bytes, too short for a safetensors header",
                           path, size);
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | (guint8) contents[i];

  if (header_len > size - 8)
    return sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED,
                           "%s: header length %" G_GUINT64_FORMAT " exceeds the file size %" G_GSIZE_FORMAT
                           " (truncated file or not a safetensors file)",
                           path, header_len, size);
  if (header_len < 2 || header_len > SY_SAFETENSORS_MAX_HEADER)
    return sy_engine_fail (error, SY_ENGINE_ERROR_BAD_MAGIC,
                           "%s: header length %" G_GUINT64_FORMAT " is not plausible "
                           "(not a safetensors file?)", path, header_len);
  header = contents + 8;
  if (header[0] != '{')
    return sy_engine_fail (error, SY_ENGINE_ERROR_BAD_MAGIC,
                           "%s: header is not a JSON object (it starts with byte 0x%02x)",
                           path, (guint8) header[0]);
  if (memchr (header, '\0', header_len) != NULL)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: header contains a NUL byte at offset %td",
                           path, (const char *) memchr (header, '\0', header_len) - header + 8);

  tok = json_tokener_new_ex (64);
  if (tok == NULL)
    return sy_engine_fail (error, SY_ENGINE_ERROR_FAILED,
                           "%s: cannot create a JSON parser", path);
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  root = json_tokener_parse_ex (tok, header, (int) header_len);
  jerr = json_tokener_get_error (tok);
  parse_end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: header is not valid JSON: %s (near byte %zu of the header)",
                           path,
                           jerr == json_tokener_continue ? "unexpected end of the header"
                                                         : json_tokener_error_desc (jerr),
                           parse_end);
  /* safetensors pads the header with spaces */
  for (size_t i = parse_end; i < header_len; i++)
    if (!g_ascii_isspace (header[i]))
      return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                             "%s: header has unexpected bytes after its JSON object (at byte %zu of the header)",
                             path, i);
  if (!json_object_is_type (root, json_type_object))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: header is not a JSON object", path);
  *header_len_out = header_len;
  *root_out = g_steal_pointer (&root);
  return TRUE;
}

/* A tensor's entry in the header: its name and description, with the
 * file (@path) and the sizes its data must fit, for the checks and their
 * messages */
typedef struct
{
  const char  *path;
  const char  *name;
  json_object *desc;
  uint64_t     data_size;
  gsize        file_size;
} Entry;

static gboolean
parse_dtype (const Entry  *e,
             SyDType      *out,
             GError      **error)
{
  json_object *jdtype;
  const char *dtype_name;

  if (!json_object_object_get_ex (e->desc, "dtype", &jdtype) ||
      !json_object_is_type (jdtype, json_type_string))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s' has no dtype string", e->path, e->name);
  dtype_name = json_object_get_string (jdtype);
  if (strcmp (dtype_name, "F32") == 0)
    *out = SY_DTYPE_F32;
  else if (strcmp (dtype_name, "F16") == 0)
    *out = SY_DTYPE_F16;
  else if (strcmp (dtype_name, "BF16") == 0)
    *out = SY_DTYPE_BF16;
  else
    return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
                           "%s: tensor '%s' has %s dtype '%.32s' (supported: F32, F16, BF16)",
                           e->path, e->name,
                           is_known_other_dtype (dtype_name) ? "unsupported" : "unknown",
                           dtype_name);
  return TRUE;
}

/* The shape and its element count. */
static gboolean
parse_shape (const Entry          *e,
             SySafetensorsTensor  *t,
             int64_t              *n_elements,
             GError              **error)
{
  json_object *jshape;
  size_t n_dims;

  if (!json_object_object_get_ex (e->desc, "shape", &jshape) ||
      !json_object_is_type (jshape, json_type_array))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s' has no shape array", e->path, e->name);
  n_dims = json_object_array_length (jshape);
  if (n_dims > SY_TENSOR_MAX_DIMS)
    return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
                           "%s: tensor '%s' has %zu dimensions (at most %d are supported)",
                           e->path, e->name, n_dims, SY_TENSOR_MAX_DIMS);
  t->n_dims = (int) n_dims;
  *n_elements = 1;
  for (size_t d = 0; d < n_dims; d++)
    {
      if (!json_nonneg_int (json_object_array_get_idx (jshape, d), &t->shape[d]))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s': shape dimension %zu is not a non-negative integer",
                               e->path, e->name, d);
      if (__builtin_mul_overflow (*n_elements, t->shape[d], n_elements))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s': shape overflows the element count",
                               e->path, e->name);
    }
  return TRUE;
}

/* data_offsets, inside the data section and as long as shape × dtype. */
static gboolean
parse_range (const Entry          *e,
             int64_t               n_elements,
             SySafetensorsTensor  *t,
             GError              **error)
{
  json_object *joffsets;
  int64_t begin, end;
  uint64_t expected;

  if (!json_object_object_get_ex (e->desc, "data_offsets", &joffsets) ||
      !json_object_is_type (joffsets, json_type_array) ||
      json_object_array_length (joffsets) != 2 ||
      !json_nonneg_int (json_object_array_get_idx (joffsets, 0), &begin) ||
      !json_nonneg_int (json_object_array_get_idx (joffsets, 1), &end))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s' has no data_offsets pair of non-negative integers",
                           e->path, e->name);
  if (end < begin)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s' data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                           ") ends before it begins", e->path, e->name, begin, end);
  if ((uint64_t) end > e->data_size)
    return sy_engine_fail (error, SY_ENGINE_ERROR_TRUNCATED,
                           "%s: tensor '%s' data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                           ") exceeds the data section of %" G_GUINT64_FORMAT
                           " bytes (file size %" G_GSIZE_FORMAT ")",
                           e->path, e->name, begin, end, e->data_size, e->file_size);
  if (__builtin_mul_overflow ((uint64_t) n_elements, (uint64_t) sy_dtype_size (t->dtype), &expected))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s': shape overflows the byte count", e->path, e->name);
  if (expected != (uint64_t) (end - begin))
    {
      g_autoptr (GString) s = g_string_new (NULL);

      sy_shape_append (s, t->n_dims, t->shape);
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tensor '%s' of shape %s and dtype %s needs %" G_GUINT64_FORMAT
                   " bytes but data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   ") holds %" G_GINT64_FORMAT,
                   e->path, e->name, s->str, sy_dtype_name (t->dtype), expected,
                   begin, end, end - begin);
      return FALSE;
    }
  t->begin = (uint64_t) begin;
  t->end = (uint64_t) end;
  return TRUE;
}

/* One entry of the header: FALSE with @error, or TRUE with *@skip for
 * "__metadata__". */
static gboolean
parse_entry (const Entry          *e,
             SySafetensorsTensor  *t,
             gboolean             *skip,
             GError              **error)
{
  int64_t n_elements = 1;

  *skip = FALSE;
  if (strcmp (e->name, "__metadata__") == 0)
    {
      if (!json_object_is_type (e->desc, json_type_object))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: header entry '__metadata__' is not an object", e->path);
      *skip = TRUE;
      return TRUE;
    }
  if (e->name[0] == '\0')
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: header has a tensor with an empty name", e->path);
  if (!json_object_is_type (e->desc, json_type_object))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s': header entry is not an object", e->path, e->name);
  return parse_dtype (e, &t->dtype, error) &&
         parse_shape (e, t, &n_elements, error) &&
         parse_range (e, n_elements, t, error);
}

static int
compare_by_begin (gconstpointer a,
                  gconstpointer b)
{
  const SySafetensorsTensor *ta = *(const SySafetensorsTensor * const *) a;
  const SySafetensorsTensor *tb = *(const SySafetensorsTensor * const *) b;

  if (ta->begin != tb->begin)
    return ta->begin < tb->begin ? -1 : 1;
  if (ta->end != tb->end)
    return ta->end < tb->end ? -1 : 1;
  return 0;
}

/* No two ranges of a file may overlap (empty tensors overlap nothing). */
static gboolean
check_overlaps (const char                *path,
                const SySafetensorsHeader *header,
                GError                   **error)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (header->n_tensors);
  const SySafetensorsTensor *prev = NULL;

  for (guint i = 0; i < header->n_tensors; i++)
    g_ptr_array_add (sorted, &header->tensors[i]);
  g_ptr_array_sort (sorted, compare_by_begin);
  for (guint i = 0; i < sorted->len; i++)
    {
      const SySafetensorsTensor *t = g_ptr_array_index (sorted, i);

      if (t->begin == t->end)
        continue;
      if (prev != NULL && t->begin < prev->end)
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s' data [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                               ") overlaps tensor '%s' data [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")",
                               path, t->name, t->begin, t->end, prev->name, prev->begin, prev->end);
      prev = t;
    }
  return TRUE;
}

SySafetensorsHeader *
sy_safetensors_header_parse (const char  *path,
                             const char  *contents,
                             gsize        size,
                             GError     **error)
{
  g_autoptr (SySafetensorsHeader) header = NULL;
  g_autoptr (SyJson) root = NULL;
  json_object_iter it;
  uint64_t header_len = 0;

  if (!parse_header_json (path, contents, size, &header_len, &root, error))
    return NULL;
  header = g_new0 (SySafetensorsHeader, 1);
  header->data_offset = 8 + header_len;
  header->data_size = size - 8 - header_len;
  header->tensors = g_new0 (SySafetensorsTensor, MAX (json_object_object_length (root), 1));
  json_object_object_foreachC (root, it)
    {
      SySafetensorsTensor *t = &header->tensors[header->n_tensors];
      gboolean skip;

      Entry e = { path, it.key, it.val, header->data_size, size };

      if (!parse_entry (&e, t, &skip, error))
        return NULL;
      if (skip)
        continue;
      t->name = g_strdup (it.key);
      header->n_tensors++;
    }
  if (!check_overlaps (path, header, error))
    return NULL;
  return g_steal_pointer (&header);
}

/* ---- model.safetensors.index.json ---- */

void
sy_safetensors_index_free (SySafetensorsIndex *index)
{
  if (index == NULL)
    return;
  g_strfreev (index->names);
  g_strfreev (index->files);
  g_free (index);
}

/* The index file's JSON (*@root_out) and its weight map in it. */
static gboolean
read_weight_map (const char   *index_path,
                 json_object **root_out,
                 json_object **weight_map,
                 GError      **error)
{
  g_autoptr (SyJson) root = NULL;
  g_autofree char *text = NULL;
  json_tokener *tok;
  enum json_tokener_error jerr;
  gsize len = 0;

  if (!sy_engine_get_contents (index_path, &text, &len, error))
    return FALSE;
  if (len > G_MAXINT)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: file is too large for an index", index_path);
  tok = json_tokener_new ();
  root = json_tokener_parse_ex (tok, text, (int) len);
  jerr = json_tokener_get_error (tok);
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: not valid JSON: %s", index_path,
                           jerr == json_tokener_continue ? "unexpected end of file"
                                                         : json_tokener_error_desc (jerr));
  if (!json_object_is_type (root, json_type_object) ||
      !json_object_object_get_ex (root, "weight_map", weight_map) ||
      !json_object_is_type (*weight_map, json_type_object))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: has no 'weight_map' object", index_path);
  *root_out = g_steal_pointer (&root);
  return TRUE;
}

static gboolean
is_plain_file_name (const char *file)
{
  return file[0] != '\0' && strchr (file, '/') == NULL && strchr (file, '\\') == NULL &&
         strcmp (file, "..") != 0 && strcmp (file, ".") != 0;
}

/* The weight map's entries into @index, each checked. */
static gboolean
read_entries (SySafetensorsIndex  *index,
              json_object         *weight_map,
              const char          *index_path,
              GError             **error)
{
  json_object_iter it;

  json_object_object_foreachC (weight_map, it)
    {
      const char *file;

      if (!json_object_is_type (it.val, json_type_string))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s' is mapped to something that is not a file name",
                               index_path, it.key);
      file = json_object_get_string (it.val);
      if (!is_plain_file_name (file))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s' is mapped to '%s', which is not a file name in the folder",
                               index_path, it.key, file);
      index->names[index->n] = g_strdup (it.key);
      index->files[index->n] = g_strdup (file);
      index->n++;
    }
  if (index->n == 0)
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: 'weight_map' names no tensors", index_path);
  return TRUE;
}

SySafetensorsIndex *
sy_safetensors_index_load (const char  *index_path,
                           GError     **error)
{
  g_autoptr (SySafetensorsIndex) index = NULL;
  g_autoptr (SyJson) root = NULL;
  json_object *weight_map = NULL;
  gsize n;

  if (!read_weight_map (index_path, &root, &weight_map, error))
    return NULL;
  n = (gsize) json_object_object_length (weight_map);
  index = g_new0 (SySafetensorsIndex, 1);
  index->names = g_new0 (char *, n + 1);
  index->files = g_new0 (char *, n + 1);
  if (!read_entries (index, weight_map, index_path, error))
    return NULL;
  return g_steal_pointer (&index);
}

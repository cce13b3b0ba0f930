/* sy-safetensors-writer.c: write safetensors files (and sharded folders)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sy-safetensors-writer.h"

#define CHUNK_ELEMENTS (1 << 20)         /* float32 values per fill call */
#define FILE_BUFFER    (8 << 20)

typedef struct
{
  char             *name;
  SyDType           dtype;
  int               n_dims;
  int64_t           shape[SY_TENSOR_MAX_DIMS];
  guint64           n_bytes;
  /* either bytes (already in dtype) or a fill function */
  guint8           *bytes;
  SyTensorFillFunc  fill;
  gpointer          user_data;
  GDestroyNotify    destroy;
} SyWriterEntry;

struct _SySafetensorsWriter
{
  GPtrArray  *entries;    /* SyWriterEntry*, owned */
  GHashTable *names;      /* name -> entry, borrowed */
  GPtrArray  *metadata;   /* key, value, key, value ... (owned strings) */
};

static void
sy_writer_entry_free (SyWriterEntry *e)
{
  g_free (e->name);
  g_free (e->bytes);
  if (e->destroy)
    e->destroy (e->user_data);
  g_free (e);
}

SySafetensorsWriter *
sy_safetensors_writer_new (void)
{
  SySafetensorsWriter *self = g_new0 (SySafetensorsWriter, 1);

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_writer_entry_free);
  self->names = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata = g_ptr_array_new_with_free_func (g_free);
  sy_safetensors_writer_set_metadata (self, "format", "pt");
  return self;
}

void
sy_safetensors_writer_free (SySafetensorsWriter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->names);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->metadata);
  g_free (self);
}

void
sy_safetensors_writer_set_metadata (SySafetensorsWriter *self,
                                    const char          *key,
                                    const char          *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL && value != NULL);

  for (guint i = 0; i < self->metadata->len; i += 2)
    if (strcmp (g_ptr_array_index (self->metadata, i), key) == 0)
      {
        g_free (self->metadata->pdata[i + 1]);
        self->metadata->pdata[i + 1] = g_strdup (value);
        return;
      }
  g_ptr_array_add (self->metadata, g_strdup (key));
  g_ptr_array_add (self->metadata, g_strdup (value));
}

/* Validates name and shape, returns a new entry (not yet added). */
static SyWriterEntry *
new_entry (SySafetensorsWriter  *self,
           const SyTensorDesc   *desc,
           GError              **error)
{
  const char *name = desc->name;
  SyDType dtype = desc->dtype;
  int n_dims = desc->n_dims;
  const int64_t *shape = desc->shape;
  SyWriterEntry *e;
  guint64 n = 1;

  if (name == NULL || name[0] == '\0')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "safetensors writer: a tensor needs a name");
      return NULL;
    }
  if (strcmp (name, "__metadata__") == 0 || g_hash_table_contains (self->names, name))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "safetensors writer: tensor '%s' is already added", name);
      return NULL;
    }
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "safetensors writer: a tensor name is not valid UTF-8");
      return NULL;
    }
  if ((int) dtype < 0 || dtype >= SY_N_DTYPES || sy_dtype_is_quantized (dtype))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "safetensors writer: tensor '%s' has a dtype safetensors cannot hold", name);
      return NULL;
    }
  if (n_dims < 0 || n_dims > SY_TENSOR_MAX_DIMS || (n_dims > 0 && shape == NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "safetensors writer: tensor '%s' has %d dimensions (0 to %d allowed)",
                   name, n_dims, SY_TENSOR_MAX_DIMS);
      return NULL;
    }
  for (int d = 0; d < n_dims; d++)
    if (shape[d] < 0 || __builtin_mul_overflow (n, (guint64) shape[d], &n))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                     "safetensors writer: tensor '%s' has an invalid dimension %d", name, d);
        return NULL;
      }
  if (__builtin_mul_overflow (n, (guint64) sy_dtype_size (dtype), &n) || n > (guint64) G_MAXSSIZE)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "safetensors writer: tensor '%s' is too large", name);
      return NULL;
    }

  e = g_new0 (SyWriterEntry, 1);
  e->name = g_strdup (name);
  e->dtype = dtype;
  e->n_dims = n_dims;
  for (int d = 0; d < n_dims; d++)
    e->shape[d] = shape[d];
  e->n_bytes = n;
  return e;
}

static void
append_entry (SySafetensorsWriter *self,
              SyWriterEntry       *e)
{
  g_ptr_array_add (self->entries, e);
  g_hash_table_insert (self->names, e->name, e);
}

/* A tensor copied in now: @data as it is, or (@from_f32) float32 values
 * converted to @desc's dtype. */
static gboolean
add_copy (SySafetensorsWriter  *self,
          const SyTensorDesc   *desc,
          const void           *data,
          gboolean              from_f32,
          GError              **error)
{
  SyWriterEntry *e;

  g_return_val_if_fail (self != NULL, FALSE);

  e = new_entry (self, desc, error);
  if (e == NULL)
    return FALSE;
  e->bytes = g_malloc (MAX (e->n_bytes, 1));
  if (from_f32)
    sy_dtype_from_f32 (e->dtype, data, e->n_bytes / sy_dtype_size (e->dtype), e->bytes);
  else if (e->n_bytes)
    memcpy (e->bytes, data, e->n_bytes);
  append_entry (self, e);
  return TRUE;
}

gboolean
sy_safetensors_writer_add (SySafetensorsWriter  *self,
                           const SyTensorDesc   *desc,
                           const void           *data,
                           GError              **error)
{
  return add_copy (self, desc, data, FALSE, error);
}

gboolean
sy_safetensors_writer_add_f32 (SySafetensorsWriter  *self,
                               const SyTensorDesc   *desc,
                               const float          *values,
                               GError              **error)
{
  return add_copy (self, desc, values, TRUE, error);
}

gboolean
sy_safetensors_writer_add_tensor (SySafetensorsWriter  *self,
                                  const char           *name,
                                  SyDType               dtype,
                                  const SyTensor       *tensor,
                                  GError              **error)
{
  SyTensorDesc desc = { name, dtype, tensor->n_dims, tensor->shape };
  SyWriterEntry *e;
  int64_t n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (tensor != NULL, FALSE);

  if (dtype == tensor->dtype)
    return sy_safetensors_writer_add (self, &desc, tensor->data, error);

  e = new_entry (self, &desc, error);
  if (e == NULL)
    return FALSE;
  n = sy_tensor_n_elements (tensor);
  e->bytes = g_malloc (MAX (e->n_bytes, 1));
  {
    g_autofree float *chunk = g_new (float, CHUNK_ELEMENTS);
    gsize esize = sy_dtype_size (dtype);

    for (int64_t off = 0; off < n; off += CHUNK_ELEMENTS)
      {
        int64_t len = MIN (CHUNK_ELEMENTS, n - off);

        sy_tensor_to_f32 (tensor, off, len, chunk);
        sy_dtype_from_f32 (dtype, chunk, (gsize) len, e->bytes + off * esize);
      }
  }
  append_entry (self, e);
  return TRUE;
}

gboolean
sy_safetensors_writer_add_generated (SySafetensorsWriter  *self,
                                     const SyTensorDesc   *desc,
                                     SyTensorFillFunc      fill,
                                     gpointer              user_data,
                                     GDestroyNotify        destroy,
                                     GError              **error)
{
  SyWriterEntry *e;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (fill != NULL, FALSE);

  e = new_entry (self, desc, error);
  if (e == NULL)
    {
      if (destroy)
        destroy (user_data);
      return FALSE;
    }
  e->fill = fill;
  e->user_data = user_data;
  e->destroy = destroy;
  append_entry (self, e);
  return TRUE;
}

guint
sy_safetensors_writer_get_n_tensors (SySafetensorsWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->entries->len;
}

guint64
sy_safetensors_writer_get_n_bytes (SySafetensorsWriter *self)
{
  guint64 total = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->entries->len; i++)
    total += ((SyWriterEntry *) g_ptr_array_index (self->entries, i))->n_bytes;
  return total;
}

/* ---- writing ---- */

typedef struct
{
  SyProgressFunc  func;
  gpointer        data;
  guint64         done;
  guint64         total;
  const char     *what;
} Progress;

static gboolean
progress_report (Progress  *p,
                 GError   **error)
{
  if (p->func == NULL)
    return TRUE;
  if (!p->func (p->total ? (double) p->done / (double) p->total : 1.0, p->what, p->data))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED,
                   "%s: writing was cancelled", p->what);
      return FALSE;
    }
  return TRUE;
}

static char *
build_header (SySafetensorsWriter *self,
              guint                first,
              guint                last,
              guint64             *header_len)
{
  json_object *root = json_object_new_object ();
  json_object *meta = json_object_new_object ();
  GString *s;
  guint64 offset = 0;

  for (guint i = 0; i < self->metadata->len; i += 2)
    json_object_object_add (meta, g_ptr_array_index (self->metadata, i),
                            json_object_new_string (g_ptr_array_index (self->metadata, i + 1)));
  json_object_object_add (root, "__metadata__", meta);

  for (guint i = first; i < last; i++)
    {
      SyWriterEntry *e = g_ptr_array_index (self->entries, i);
      json_object *desc = json_object_new_object ();
      json_object *shape = json_object_new_array ();
      json_object *offsets = json_object_new_array ();

      for (int d = 0; d < e->n_dims; d++)
        json_object_array_add (shape, json_object_new_int64 (e->shape[d]));
      json_object_array_add (offsets, json_object_new_int64 ((int64_t) offset));
      json_object_array_add (offsets, json_object_new_int64 ((int64_t) (offset + e->n_bytes)));
      json_object_object_add (desc, "dtype", json_object_new_string (sy_dtype_name (e->dtype)));
      json_object_object_add (desc, "shape", shape);
      json_object_object_add (desc, "data_offsets", offsets);
      json_object_object_add (root, e->name, desc);
      offset += e->n_bytes;
    }

  s = g_string_new (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  /* pad with spaces so the data section starts 8-byte aligned */
  while ((8 + s->len) % 8 != 0)
    g_string_append_c (s, ' ');
  *header_len = s->len;
  return g_string_free (s, FALSE);
}

static gboolean
write_range (SySafetensorsWriter  *self,
             guint                 first,
             guint                 last,
             const char           *path,
             Progress             *progress,
             GError              **error)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);
  g_autofree char *header = NULL;
  g_autofree float *chunk = NULL;
  g_autofree guint8 *converted = NULL;
  guint64 header_len = 0;
  guint8 len_bytes[8];
  FILE *f;
  gboolean ok = FALSE;

  header = build_header (self, first, last, &header_len);
  for (int i = 0; i < 8; i++)
    len_bytes[i] = (guint8) (header_len >> (8 * i));

  f = g_fopen (partial, "wb");
  if (f == NULL)
    {
      int saved = errno;

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: cannot create: %s", partial, g_strerror (saved));
      return FALSE;
    }
  setvbuf (f, NULL, _IOFBF, FILE_BUFFER);

  if (!sy_engine_write (f, partial, len_bytes, 8, error) ||
      !sy_engine_write (f, partial, header, header_len, error))
    goto out;

  for (guint i = first; i < last; i++)
    {
      SyWriterEntry *e = g_ptr_array_index (self->entries, i);

      if (e->fill == NULL)
        {
          if (!sy_engine_write (f, partial, e->bytes, e->n_bytes, error))
            goto out;
          progress->done += e->n_bytes;
          if (!progress_report (progress, error))
            goto out;
          continue;
        }

      {
        gsize esize = sy_dtype_size (e->dtype);
        int64_t n = (int64_t) (e->n_bytes / esize);

        if (chunk == NULL)
          {
            chunk = g_new (float, CHUNK_ELEMENTS);
            converted = g_new (guint8, (gsize) CHUNK_ELEMENTS * sizeof (float));
          }
        for (int64_t off = 0; off < n; off += CHUNK_ELEMENTS)
          {
            int64_t len = MIN (CHUNK_ELEMENTS, n - off);
            g_autoptr (GError) fill_error = NULL;

            if (!e->fill (chunk, off, len, e->user_data, &fill_error))
              {
                g_set_error (error, SY_ENGINE_ERROR,
                             fill_error ? fill_error->code : SY_ENGINE_ERROR_FAILED,
                             "%s: tensor '%s': %s", path, e->name,
                             fill_error ? fill_error->message : "could not produce the data");
                goto out;
              }
            sy_dtype_from_f32 (e->dtype, chunk, (gsize) len, converted);
            if (!sy_engine_write (f, partial, converted, (gsize) len * esize, error))
              goto out;
            progress->done += (guint64) len * esize;
            if (!progress_report (progress, error))
              goto out;
          }
      }
    }
  ok = TRUE;

out:
  ok = sy_engine_close (f, partial, ok, error);
  if (ok && g_rename (partial, path) != 0)
    {
      int saved = errno;

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: cannot rename to %s: %s", partial, path, g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (partial);
  return ok;
}

gboolean
sy_safetensors_writer_write_full (SySafetensorsWriter  *self,
                                  const char           *path,
                                  SyProgressFunc        progress,
                                  gpointer              progress_data,
                                  GError              **error)
{
  Progress p = { progress, progress_data, 0, 0, path };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  p.total = sy_safetensors_writer_get_n_bytes (self);
  return write_range (self, 0, self->entries->len, path, &p, error);
}

gboolean
sy_safetensors_writer_write (SySafetensorsWriter  *self,
                             const char           *path,
                             GError              **error)
{
  return sy_safetensors_writer_write_full (self, path, NULL, NULL, error);
}

/* Writes a model.safetensors.index.json at @path: {"metadata": {"total_size":
 * @total_size}, "weight_map": {names[i]: files[i]}} for @n entries. */
static gboolean
write_index (const char          *path,
             guint64              total_size,
             guint                n,
             const char * const  *names,
             const char * const  *files,
             GError             **error)
{
  json_object *root = json_object_new_object ();
  json_object *meta = json_object_new_object ();
  json_object *map = json_object_new_object ();
  const char *text;
  gboolean ok;

  json_object_object_add (meta, "total_size", json_object_new_int64 ((int64_t) total_size));
  json_object_object_add (root, "metadata", meta);
  for (guint i = 0; i < n; i++)
    json_object_object_add (map, names[i], json_object_new_string (files[i]));
  json_object_object_add (root, "weight_map", map);

  text = json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE);
  ok = sy_engine_set_contents (path, text, -1, error);
  json_object_put (root);
  return ok;
}

gboolean
sy_safetensors_writer_write_sharded (SySafetensorsWriter  *self,
                                     const char           *folder,
                                     int                   n_shards,
                                     SyProgressFunc        progress,
                                     gpointer              progress_data,
                                     GError              **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **names = NULL;
  g_autofree const char **name_files = NULL;
  g_autofree char *index_path = NULL;
  Progress p = { progress, progress_data, 0, 0, folder };
  guint n = self->entries->len;
  guint first = 0;
  guint64 total, target, acc = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  if (n == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: no tensors to write", folder);
      return FALSE;
    }
  n_shards = CLAMP (n_shards, 1, (int) n);
  total = sy_safetensors_writer_get_n_bytes (self);
  p.total = total;
  names = g_new0 (const char *, n);
  name_files = g_new0 (const char *, n);

  for (int s = 0; s < n_shards; s++)
    {
      g_autofree char *path = NULL;
      char *file = g_strdup_printf ("model-%05d-of-%05d.safetensors", s + 1, n_shards);
      guint last = first;

      /* take tensors until this shard reaches its share of the bytes,
       * leaving at least one tensor for each later shard */
      target = total / (guint64) n_shards * (guint64) (s + 1);
      do
        {
          acc += ((SyWriterEntry *) g_ptr_array_index (self->entries, last))->n_bytes;
          last++;
        }
      while (last < n - (guint) (n_shards - 1 - s) && (acc < target || s == n_shards - 1));

      g_ptr_array_add (files, file);
      for (guint i = first; i < last; i++)
        {
          names[i] = ((SyWriterEntry *) g_ptr_array_index (self->entries, i))->name;
          name_files[i] = file;
        }
      path = g_build_filename (folder, file, NULL);
      p.what = file;
      if (!write_range (self, first, last, path, &p, error))
        return FALSE;
      first = last;
    }
  g_warn_if_fail (first == n);

  index_path = g_build_filename (folder, "model.safetensors.index.json", NULL);
  return write_index (index_path, total, n, names, name_files, error);
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  return sy_engine_get_contents (from, &contents, &len, error)
         && sy_engine_set_contents (to, contents, (gssize) len, error);
}

/* Streams a tensor of a store that outlives the write. */
static gboolean
fill_from_tensor (float     *out,
                  int64_t    offset,
                  int64_t    n,
                  gpointer   user_data,
                  GError   **error)
{
  sy_tensor_to_f32 (user_data, offset, n, out);
  return TRUE;
}

gboolean
sy_safetensors_writer_write_folder (SySafetensorsWriter  *self,
                                    const char           *folder,
                                    int                   n_shards,
                                    SyProgressFunc        progress,
                                    gpointer              progress_data,
                                    GError              **error)
{
  g_autofree char *single = g_build_filename (folder, "model.safetensors", NULL);
  g_autofree char *index = g_build_filename (folder, "model.safetensors.index.json", NULL);

  /* a weights file of the other layout left from an earlier run would
   * shadow (or be shadowed by) the new one */
  g_unlink (n_shards <= 1 ? index : single);
  if (n_shards <= 1)
    return sy_safetensors_writer_write_full (self, single, progress, progress_data, error);
  return sy_safetensors_writer_write_sharded (self, folder, n_shards, progress, progress_data, error);
}

gboolean
sy_safetensors_convert_folder (const char      *src,
                               const char      *dst,
                               SyDType          dtype,
                               int              n_shards,
                               SyProgressFunc   progress,
                               gpointer         progress_data,
                               GError         **error)
{
  g_autoptr (SyTensorStore) store = NULL;
  g_autoptr (SySafetensorsWriter) w = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) names = NULL;
  GDir *dir;
  const char *entry;
  gboolean ok = TRUE;

  g_return_val_if_fail (src != NULL && dst != NULL, FALSE);

  if (!g_file_test (src, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: not a folder", src);
      return FALSE;
    }
  store = sy_tensor_store_open (src, error);
  if (store == NULL)
    return FALSE;
  if (!sy_engine_make_folder (dst, error))
    return FALSE;
  {
    g_autofree char *a = g_canonicalize_filename (src, NULL);
    g_autofree char *b = g_canonicalize_filename (dst, NULL);

    if (strcmp (a, b) == 0)
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                     "%s: cannot convert a folder into itself", dst);
        return FALSE;
      }
  }

  /* the weights, streamed from the mapping (f16/bf16 -> f32 -> same dtype
   * is exact) */
  w = sy_safetensors_writer_new ();
  names = sy_tensor_store_list (store);
  for (char **n = names; *n; n++)
    {
      const SyTensor *t = sy_tensor_store_lookup (store, *n);
      SyTensorDesc desc = { *n, dtype, t->n_dims, t->shape };

      if (!sy_safetensors_writer_add_generated (w, &desc, fill_from_tensor, (gpointer) t, NULL, error))
        return FALSE;
    }
  if (!sy_safetensors_writer_write_folder (w, dst, n_shards, progress, progress_data, error))
    return FALSE;

  /* everything else */
  dir = g_dir_open (src, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  while (ok && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, entry, NULL);
      g_autofree char *to = g_build_filename (dst, entry, NULL);

      if (g_str_has_suffix (entry, ".safetensors") ||
          strcmp (entry, "model.safetensors.index.json") == 0 ||
          !g_file_test (from, G_FILE_TEST_IS_REGULAR))
        continue;
      ok = copy_file (from, to, error);
    }
  g_dir_close (dir);
  return ok;
}

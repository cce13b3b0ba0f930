/* sy-tensor-store.c: the tensors of a model by name, over mapped or owned bytes
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store maps safetensors files (their headers read and validated by
 * sy-safetensors.c before any pointer is handed out), or takes the views a
 * reader of another container made (sy-gguf.c, through
 * sy-tensor-store-private.h), and answers lookups by name with a shape
 * check.  Nothing assumes the data is aligned: misaligned tensors are
 * copied once.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "sy-engine-error.h"
#include "sy-safetensors.h"
#include "sy-tensor-store-private.h"


typedef struct
{
  char        *path;      /* as opened, for messages */
  char        *base;      /* base name, what SyTensor.file points to */
  GMappedFile *map;       /* either a mapping */
  GBytes      *bytes;     /* or bytes in memory */
  const char  *contents;  /* NULL for an empty file */
  gsize        size;
} SyShard;

typedef struct
{
  SyTensor  tensor;       /* tensor.name and tensor.file point into this entry / its shard */
  char     *name;
  SyShard  *shard;
  uint64_t  begin;        /* byte range inside the data section */
  uint64_t  end;
  gboolean  used;
  void     *copy;         /* owned aligned copy when the file's data is misaligned */
} SyEntry;

struct _SyTensorStore
{
  char       *path;
  GPtrArray  *shards;     /* SyShard*, owned */
  GPtrArray  *entries;    /* SyEntry*, owned */
  GHashTable *by_name;    /* name -> SyEntry*, borrowed */
};

/* ---- the store ---- */

static void
sy_shard_free (SyShard *shard)
{
  g_free (shard->path);
  g_free (shard->base);
  g_clear_pointer (&shard->map, g_mapped_file_unref);
  g_clear_pointer (&shard->bytes, g_bytes_unref);
  g_free (shard);
}

static void
sy_entry_free (SyEntry *entry)
{
  g_free (entry->copy);
  g_free (entry->name);
  g_free (entry);
}

void
sy_tensor_store_free (SyTensorStore *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  g_free (self->path);
  g_free (self);
}

static SyTensorStore *
sy_tensor_store_new (const char *path)
{
  SyTensorStore *self = g_new0 (SyTensorStore, 1);

  self->path = g_strdup (path);
  self->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_shard_free);
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_entry_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

static SyShard *
map_file (const char  *path,
          GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  GMappedFile *map;
  SyShard *shard;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: is a folder, not a safetensors file", path);
      return NULL;
    }
  map = g_mapped_file_new (path, FALSE, &local_error);
  if (map == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s", local_error->message);
      return NULL;
    }
  shard = g_new0 (SyShard, 1);
  shard->path = g_strdup (path);
  shard->base = g_path_get_basename (path);
  shard->map = map;
  shard->size = g_mapped_file_get_length (map);
  shard->contents = shard->size ? g_mapped_file_get_contents (map) : NULL;
  return shard;
}

/* Reads the header of @shard and adds its tensors to @self.  On error
 * nothing of this shard stays in @self. */
static gboolean
parse_shard (SyTensorStore  *self,
             SyShard        *shard,
             GError        **error)
{
  g_autoptr (SySafetensorsHeader) header = NULL;
  guint first = self->entries->len;

  header = sy_safetensors_header_parse (shard->path, shard->contents, shard->size, error);
  if (header == NULL)
    return FALSE;
  for (guint i = 0; i < header->n_tensors; i++)
    {
      const SySafetensorsTensor *t = &header->tensors[i];
      SyEntry *entry = g_hash_table_lookup (self->by_name, t->name);

      if (entry != NULL)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tensor '%s' is also in %s", shard->path, t->name, entry->shard->path);
          while (self->entries->len > first)
            {
              entry = g_ptr_array_index (self->entries, self->entries->len - 1);
              g_hash_table_remove (self->by_name, entry->name);
              g_ptr_array_remove_index (self->entries, self->entries->len - 1);
            }
          return FALSE;
        }
      entry = g_new0 (SyEntry, 1);
      entry->name = g_strdup (t->name);
      entry->shard = shard;
      entry->begin = t->begin;
      entry->end = t->end;
      entry->tensor.name = entry->name;
      entry->tensor.file = shard->base;
      entry->tensor.dtype = t->dtype;
      entry->tensor.n_dims = t->n_dims;
      memcpy (entry->tensor.shape, t->shape, sizeof t->shape);
      entry->tensor.n_bytes = (gsize) (t->end - t->begin);
      entry->tensor.data = shard->contents + header->data_offset + t->begin;
      /* Consumers read tensors as float / uint16_t arrays: give them
       * aligned data.  save_pretrained and our writer always align it; a
       * file that does not gets those tensors copied once. */
      if (entry->tensor.n_bytes > 0 && !sy_tensor_is_aligned (&entry->tensor))
        {
          entry->copy = g_memdup2 (entry->tensor.data, entry->tensor.n_bytes);
          entry->tensor.data = entry->copy;
        }
      g_ptr_array_add (self->entries, entry);
      g_hash_table_insert (self->by_name, entry->name, entry);
    }
  return TRUE;
}

static gboolean
add_file (SyTensorStore  *self,
          const char     *path,
          SyShard       **out_shard,
          GError        **error)
{
  SyShard *shard = map_file (path, error);

  if (shard == NULL)
    return FALSE;
  g_ptr_array_add (self->shards, shard);
  if (!parse_shard (self, shard, error))
    return FALSE;
  if (out_shard)
    *out_shard = shard;
  return TRUE;
}

static gboolean
open_index (SyTensorStore  *self,
            const char     *folder,
            const char     *index_path,
            GError        **error)
{
  g_autoptr (SySafetensorsIndex) index = NULL;
  g_autoptr (GHashTable) shards = g_hash_table_new (g_str_hash, g_str_equal);

  index = sy_safetensors_index_load (index_path, error);
  if (index == NULL)
    return FALSE;
  /* open every shard once, in the order the index names them */
  for (guint i = 0; i < index->n; i++)
    {
      const char *file = index->files[i];
      g_autofree char *path = NULL;
      SyShard *shard = NULL;

      if (g_hash_table_contains (shards, file))
        continue;
      path = g_build_filename (folder, file, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                               "%s: shard '%s' (holding tensor '%s') does not exist",
                               index_path, file, index->names[i]);
      if (!add_file (self, path, &shard, error))
        return FALSE;
      g_hash_table_insert (shards, (gpointer) file, shard);
    }
  /* every tensor the index names is in the shard it names */
  for (guint i = 0; i < index->n; i++)
    {
      const char *file = index->files[i];
      SyEntry *entry = g_hash_table_lookup (self->by_name, index->names[i]);

      if (entry == NULL)
        return sy_engine_fail (error, SY_ENGINE_ERROR_MISSING,
                               "%s: tensor '%s' is named in the index but absent from shard %s",
                               index_path, index->names[i], file);
      if (entry->shard != g_hash_table_lookup (shards, file))
        return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                               "%s: tensor '%s' is mapped to shard %s but lives in %s",
                               index_path, index->names[i], file, entry->shard->base);
    }
  return TRUE;
}

SyTensorStore *
sy_tensor_store_open (const char  *path,
                      GError     **error)
{
  g_autoptr (SyTensorStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = sy_tensor_store_new (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *single = g_build_filename (path, "model.safetensors", NULL);
      g_autofree char *index = g_build_filename (path, "model.safetensors.index.json", NULL);

      if (g_file_test (single, G_FILE_TEST_EXISTS))
        {
          if (!add_file (self, single, NULL, error))
            return NULL;
        }
      else if (g_file_test (index, G_FILE_TEST_EXISTS))
        {
          if (!open_index (self, path, index, error))
            return NULL;
        }
      else
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s: folder has neither model.safetensors nor model.safetensors.index.json",
                       path);
          return NULL;
        }
    }
  else if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO,
                   "%s: no such file or folder", path);
      return NULL;
    }
  else if (g_str_has_suffix (path, ".index.json"))
    {
      g_autofree char *folder = g_path_get_dirname (path);

      if (!open_index (self, folder, path, error))
        return NULL;
    }
  else if (!add_file (self, path, NULL, error))
    return NULL;

  return g_steal_pointer (&self);
}

SyTensorStore *
sy_tensor_store_new_from_bytes (GBytes      *bytes,
                                const char  *name,
                                GError     **error)
{
  g_autoptr (SyTensorStore) self = NULL;
  SyShard *shard;
  gsize size = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self = sy_tensor_store_new (name);
  shard = g_new0 (SyShard, 1);
  shard->path = g_strdup (name);
  shard->base = g_path_get_basename (name);
  shard->bytes = g_bytes_ref (bytes);
  shard->contents = g_bytes_get_data (bytes, &size);
  shard->size = size;
  if (size == 0)
    shard->contents = NULL;
  g_ptr_array_add (self->shards, shard);
  if (!parse_shard (self, shard, error))
    return NULL;
  return g_steal_pointer (&self);
}

SyTensorStore *
_sy_tensor_store_new_mapped (const char  *path,
                             GMappedFile *map)
{
  SyTensorStore *self = sy_tensor_store_new (path);

  _sy_tensor_store_add_mapped (self, path, map);
  return self;
}

void
_sy_tensor_store_add_mapped (SyTensorStore *self,
                             const char    *path,
                             GMappedFile   *map)
{
  SyShard *shard = g_new0 (SyShard, 1);

  shard->path = g_strdup (path);
  shard->base = g_path_get_basename (path);
  shard->map = g_mapped_file_ref (map);
  shard->size = g_mapped_file_get_length (map);
  shard->contents = shard->size ? g_mapped_file_get_contents (map) : NULL;
  g_ptr_array_add (self->shards, shard);
}

/* The shard whose contents hold @data (the first when none does). */
static SyShard *
shard_of (SyTensorStore *self,
          const void    *data)
{
  for (guint i = 0; i < self->shards->len; i++)
    {
      SyShard *shard = g_ptr_array_index (self->shards, i);

      if (shard->contents && (const char *) data >= shard->contents
          && (const char *) data < shard->contents + shard->size)
        return shard;
    }
  return g_ptr_array_index (self->shards, 0);
}

gboolean
_sy_tensor_store_add (SyTensorStore   *self,
                      const char      *name,
                      const SyTensor  *view,
                      GError         **error)
{
  SyShard *shard = shard_of (self, view->data);
  SyEntry *entry;

  g_return_val_if_fail (view->n_dims >= 0 && view->n_dims <= SY_TENSOR_MAX_DIMS, FALSE);
  if (g_hash_table_contains (self->by_name, name))
    return sy_engine_fail (error, SY_ENGINE_ERROR_CORRUPT,
                           "%s: tensor '%s' appears twice", shard->path, name);
  entry = g_new0 (SyEntry, 1);
  entry->name = g_strdup (name);
  entry->shard = shard;
  entry->begin = (uint64_t) ((const char *) view->data - shard->contents);
  entry->end = entry->begin + view->n_bytes;
  entry->tensor.name = entry->name;
  entry->tensor.file = shard->base;
  entry->tensor.dtype = view->dtype;
  entry->tensor.n_dims = view->n_dims;
  for (int d = 0; d < view->n_dims; d++)
    entry->tensor.shape[d] = view->shape[d];
  entry->tensor.n_bytes = view->n_bytes;
  entry->tensor.data = view->data;
  g_ptr_array_add (self->entries, entry);
  g_hash_table_insert (self->by_name, entry->name, entry);
  return TRUE;
}

gboolean
_sy_tensor_store_add_owned (SyTensorStore   *self,
                            const char      *name,
                            const SyTensor  *tensor,
                            GError         **error)
{
  SyEntry *entry;

  if (!_sy_tensor_store_add (self, name, tensor, error))
    {
      g_free ((gpointer) tensor->data);
      return FALSE;
    }
  entry = g_hash_table_lookup (self->by_name, name);
  entry->begin = entry->end = 0;
  entry->copy = (gpointer) tensor->data;
  return TRUE;
}

const SyTensor *
sy_tensor_store_lookup (SyTensorStore *self,
                        const char    *name)
{
  SyEntry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = g_hash_table_lookup (self->by_name, name);
  if (entry == NULL)
    return NULL;
  entry->used = TRUE;
  return &entry->tensor;
}

const SyTensor *
sy_tensor_store_get (SyTensorStore  *self,
                     const char     *name,
                     int             n_dims,
                     const int64_t  *shape,
                     GError        **error)
{
  const SyTensor *t;
  gboolean same;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (n_dims >= 0 && n_dims <= SY_TENSOR_MAX_DIMS, NULL);

  t = sy_tensor_store_lookup (self, name);
  if (t == NULL)
    {
      const char *where = self->path;

      if (self->shards->len == 1)
        where = ((SyShard *) g_ptr_array_index (self->shards, 0))->path;
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: tensor '%s' is missing", where, name);
      return NULL;
    }
  same = t->n_dims == n_dims;
  for (int d = 0; same && d < n_dims; d++)
    same = t->shape[d] == shape[d];
  if (!same)
    {
      g_autoptr (GString) want = g_string_new (NULL);
      g_autoptr (GString) have = g_string_new (NULL);
      SyEntry *entry = g_hash_table_lookup (self->by_name, name);

      sy_shape_append (want, n_dims, shape);
      sy_shape_append (have, t->n_dims, t->shape);
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                   "%s: tensor '%s' has shape %s, expected %s",
                   entry->shard->path, name, have->str, want->str);
      return NULL;
    }
  return t;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
list_names (SyTensorStore *self,
            gboolean       unused_only)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < self->entries->len; i++)
    {
      SyEntry *e = g_ptr_array_index (self->entries, i);

      if (!unused_only || !e->used)
        g_ptr_array_add (names, g_strdup (e->name));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

char **
sy_tensor_store_list_unused (SyTensorStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return list_names (self, TRUE);
}

char **
sy_tensor_store_list (SyTensorStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return list_names (self, FALSE);
}

void
sy_tensor_store_prefetch (SyTensorStore *self)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->shards->len; i++)
    {
      SyShard *shard = g_ptr_array_index (self->shards, i);

      /* a hint only: mappings start on a page boundary */
      if (shard->map != NULL && shard->contents != NULL && shard->size > 0)
        posix_madvise ((void *) shard->contents, shard->size, POSIX_MADV_WILLNEED);
    }
}

guint
_sy_tensor_store_get_n_shards (SyTensorStore *self)
{
  return self->shards->len;
}

const char *
_sy_tensor_store_shard_mapping (SyTensorStore *self,
                                guint          i,
                                gsize         *size)
{
  SyShard *shard = g_ptr_array_index (self->shards, i);

  *size = shard->size;
  return shard->map != NULL ? shard->contents : NULL;
}

const char *
_sy_tensor_store_shard_path (SyTensorStore *self,
                             guint          i)
{
  return ((SyShard *) g_ptr_array_index (self->shards, i))->path;
}

void
_sy_tensor_store_shard_move (SyTensorStore *self,
                             guint          i,
                             const char    *copy)
{
  SyShard *shard = g_ptr_array_index (self->shards, i);

  g_return_if_fail (shard->map != NULL);
  for (guint e = 0; e < self->entries->len; e++)
    {
      SyEntry *entry = g_ptr_array_index (self->entries, e);
      const char *d = entry->tensor.data;

      /* misaligned tensors keep the aligned copy they have */
      if (entry->shard == shard && d >= shard->contents && d < shard->contents + shard->size)
        entry->tensor.data = copy + (d - shard->contents);
    }
  g_clear_pointer (&shard->map, g_mapped_file_unref);
  shard->contents = copy;
}

guint
sy_tensor_store_get_n_tensors (SyTensorStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->entries->len;
}

guint
sy_tensor_store_get_n_files (SyTensorStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->shards->len;
}

guint64
sy_tensor_store_get_n_bytes (SyTensorStore *self)
{
  guint64 total = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->entries->len; i++)
    total += ((SyEntry *) g_ptr_array_index (self->entries, i))->tensor.n_bytes;
  return total;
}

const char *
sy_tensor_store_get_path (SyTensorStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

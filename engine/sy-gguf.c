/* sy-gguf.c: reading GGUF files (the models: sy-gguf-arch.c, the tokenizer:
 * sy-gguf-tokenizer.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Facts of the format (from the GGUF specification): little-endian;
 * strings are a u64 byte length and UTF-8 bytes without a terminator;
 * version 1 used 32-bit counts and is not read; metadata values are typed
 * (scalar types 0-7 and 10-12, 8 string, 9 array of one element type,
 * which may itself be an array); tensor dims are listed innermost first;
 * tensor offsets are relative to the data section and multiples of the
 * alignment.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sy-gguf-private.h"
#include "sy-quant.h"
#include "sy-tensor-store-private.h"

#define GGUF_MAGIC "GGUF"
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_MAX_NESTING 4

typedef struct
{
  char          *key;
  SyGgufType     type;
  guint64        u;        /* unsigned integers, bool */
  gint64         i;        /* signed integers */
  double         f;        /* floats */
  char          *str;      /* STRING */
  SyGgufType     elem;     /* ARRAY: element type, count, first element */
  guint64        n;
  const guint8  *data;
} SyGgufKv;

struct _SyGguf
{
  char          *path;
  GMappedFile   *map;
  const guint8  *bytes;
  gsize          size;
  guint32        version;
  guint64        alignment;
  guint64        data_start;
  GPtrArray     *kvs;        /* SyGgufKv*, owned */
  GHashTable    *by_key;     /* borrowed */
  SyTensor      *tensors;    /* (n_tensors) */
  char         **names;      /* (n_tensors) owned */
  guint64       *offsets;    /* (n_tensors) into the data section */
  guint          n_tensors;
  GHashTable    *by_name;    /* name -> index + 1 */
  GPtrArray     *parts;      /* SyGguf*, owned: the other files of a split
                              * model, whose tensors were merged into this,
                              * its first part; NULL for one file */
};

typedef struct
{
  const guint8 *base;
  const guint8 *p;
  const guint8 *end;
  const char   *path;
} Cursor;

static const struct
{
  guint32     id;
  const char *name;
  SyDType     dtype;      /* SY_N_DTYPES: a type we do not read */
} ggml_types[] = {
  { 0, "F32", SY_DTYPE_F32 }, { 1, "F16", SY_DTYPE_F16 }, { 2, "Q4_0", SY_DTYPE_Q4_0 },
  { 3, "Q4_1", SY_DTYPE_Q4_1 }, { 6, "Q5_0", SY_DTYPE_Q5_0 }, { 7, "Q5_1", SY_DTYPE_Q5_1 },
  { 8, "Q8_0", SY_DTYPE_Q8_0 }, { 9, "Q8_1", SY_N_DTYPES }, { 10, "Q2_K", SY_DTYPE_Q2_K },
  { 11, "Q3_K", SY_DTYPE_Q3_K }, { 12, "Q4_K", SY_DTYPE_Q4_K }, { 13, "Q5_K", SY_DTYPE_Q5_K },
  { 14, "Q6_K", SY_DTYPE_Q6_K }, { 15, "Q8_K", SY_N_DTYPES }, { 16, "IQ2_XXS", SY_N_DTYPES },
  { 17, "IQ2_XS", SY_N_DTYPES }, { 18, "IQ3_XXS", SY_N_DTYPES }, { 19, "IQ1_S", SY_N_DTYPES },
  { 20, "IQ4_NL", SY_DTYPE_IQ4_NL }, { 21, "IQ3_S", SY_N_DTYPES }, { 22, "IQ2_S", SY_N_DTYPES },
  { 23, "IQ4_XS", SY_DTYPE_IQ4_XS }, { 24, "I8", SY_N_DTYPES }, { 25, "I16", SY_N_DTYPES },
  { 26, "I32", SY_N_DTYPES }, { 27, "I64", SY_N_DTYPES }, { 28, "F64", SY_N_DTYPES },
  { 29, "IQ1_M", SY_N_DTYPES }, { 30, "BF16", SY_DTYPE_BF16 }, { 34, "TQ1_0", SY_N_DTYPES },
  { 35, "TQ2_0", SY_N_DTYPES }, { 39, "MXFP4", SY_DTYPE_MXFP4 },
};

static void
kv_free (SyGgufKv *kv)
{
  g_free (kv->key);
  g_free (kv->str);
  g_free (kv);
}

void
sy_gguf_free (SyGguf *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->kvs, g_ptr_array_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  if (self->names)
    for (guint i = 0; i < self->n_tensors; i++)
      g_free (self->names[i]);
  g_free (self->names);
  g_free (self->tensors);
  g_free (self->offsets);
  g_clear_pointer (&self->map, g_mapped_file_unref);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_free (self->path);
  g_free (self);
}

gboolean
sy_gguf_is_gguf (const char *path)
{
  char magic[4];
  FILE *f;
  gboolean ok;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  f = fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  ok = fread (magic, 1, 4, f) == 4 && memcmp (magic, GGUF_MAGIC, 4) == 0;
  fclose (f);
  return ok;
}

/* ------------------------------------------------------------- cursor */

static gboolean
need (Cursor      *c,
      guint64      n,
      const char  *what,
      GError     **error)
{
  if ((guint64) (c->end - c->p) >= n)
    return TRUE;
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
               "%s: the file ends inside %s (at byte %td, %" G_GUINT64_FORMAT " more bytes needed)",
               c->path, what, c->p - c->base, n);
  return FALSE;
}

static gboolean
rd_u32 (Cursor      *c,
        guint32     *out,
        const char  *what,
        GError     **error)
{
  if (!need (c, 4, what, error))
    return FALSE;
  memcpy (out, c->p, 4);
  *out = GUINT32_FROM_LE (*out);
  c->p += 4;
  return TRUE;
}

static gboolean
rd_u64 (Cursor      *c,
        guint64     *out,
        const char  *what,
        GError     **error)
{
  if (!need (c, 8, what, error))
    return FALSE;
  memcpy (out, c->p, 8);
  *out = GUINT64_FROM_LE (*out);
  c->p += 8;
  return TRUE;
}

/* A GGUF string: the bytes stay in the mapping. */
static gboolean
rd_str (Cursor        *c,
        const char   **s,
        guint64       *len,
        const char    *what,
        GError       **error)
{
  if (!rd_u64 (c, len, what, error) || !need (c, *len, what, error))
    return FALSE;
  *s = (const char *) c->p;
  c->p += *len;
  return TRUE;
}

/* A GGUF string that names a metadata key or a tensor (@kind): not empty,
 * valid UTF-8 without NUL; a copy (g_free), or NULL with @error set. */
static char *
rd_name (Cursor      *c,
         const char  *what,
         const char  *kind,
         GError     **error)
{
  const char *s;
  guint64 len;

  if (!rd_str (c, &s, &len, what, error))
    return NULL;
  if (len == 0 || !g_utf8_validate (s, len, NULL) || memchr (s, 0, len))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: %s has an empty or invalid %s", c->path, what, kind);
      return NULL;
    }
  return g_strndup (s, len);
}

static int
scalar_size (guint32 type)
{
  switch (type)
    {
    case SY_GGUF_UINT8: case SY_GGUF_INT8: case SY_GGUF_BOOL: return 1;
    case SY_GGUF_UINT16: case SY_GGUF_INT16: return 2;
    case SY_GGUF_UINT32: case SY_GGUF_INT32: case SY_GGUF_FLOAT32: return 4;
    case SY_GGUF_UINT64: case SY_GGUF_INT64: case SY_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* Skips @n values of @type (checking every length). */
static gboolean
skip_values (Cursor      *c,
             guint32      type,
             guint64      n,
             int          depth,
             const char  *key,
             GError     **error)
{
  int size = scalar_size (type);
  /* every value takes at least this many bytes (a string its length, an
   * array its type and count) */
  guint64 min_size = size > 0 ? (guint64) size : type == SY_GGUF_STRING ? 8 : 12;

  if (type == SY_GGUF_STRING || type == SY_GGUF_ARRAY || size > 0)
    if (n > (guint64) (c->end - c->p) / min_size)
      goto too_long;
  if (size > 0)
    return need (c, n * size, key, error) && (c->p += n * size, TRUE);
  if (type == SY_GGUF_STRING)
    {
      for (guint64 i = 0; i < n; i++)
        {
          const char *s;
          guint64 len;

          if (!rd_str (c, &s, &len, key, error))
            return FALSE;
        }
      return TRUE;
    }
  if (type == SY_GGUF_ARRAY)
    {
      if (depth >= GGUF_MAX_NESTING)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: metadata '%s' nests arrays deeper than %d", c->path, key, GGUF_MAX_NESTING);
          return FALSE;
        }
      for (guint64 i = 0; i < n; i++)
        {
          guint32 elem;
          guint64 m;

          if (!rd_u32 (c, &elem, key, error) || !rd_u64 (c, &m, key, error)
              || !skip_values (c, elem, m, depth + 1, key, error))
            return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
               "%s: metadata '%s' has an unknown value type %u", c->path, key, type);
  return FALSE;

too_long:
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
               "%s: metadata '%s' claims %" G_GUINT64_FORMAT " values, more than the rest "
               "of the file (%td bytes) can hold", c->path, key, n, c->end - c->p);
  return FALSE;
}

static gboolean
read_kv (Cursor     *c,
         SyGguf     *self,
         guint64     index,
         GError    **error)
{
  g_autofree char *what = g_strdup_printf ("metadata entry %" G_GUINT64_FORMAT, index);
  char *key = rd_name (c, what, "key", error);
  guint32 type;
  SyGgufKv *kv;

  if (key == NULL)
    return FALSE;
  kv = g_new0 (SyGgufKv, 1);
  kv->key = key;
  g_ptr_array_add (self->kvs, kv);
  if (g_hash_table_contains (self->by_key, kv->key))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: metadata key '%s' appears twice", c->path, kv->key);
      return FALSE;
    }
  g_hash_table_insert (self->by_key, kv->key, kv);
  if (!rd_u32 (c, &type, kv->key, error))
    return FALSE;
  kv->type = type;

  switch (type)
    {
    case SY_GGUF_UINT8: case SY_GGUF_UINT16: case SY_GGUF_UINT32: case SY_GGUF_UINT64:
    case SY_GGUF_BOOL:
      {
        int size = scalar_size (type);

        if (!need (c, size, kv->key, error))
          return FALSE;
        kv->u = 0;
        for (int b = size - 1; b >= 0; b--)
          kv->u = (kv->u << 8) | c->p[b];
        kv->i = (gint64) kv->u;
        kv->f = (double) kv->u;
        c->p += size;
        if (type == SY_GGUF_BOOL && kv->u > 1)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: metadata '%s' is a bool of value %" G_GUINT64_FORMAT,
                         c->path, kv->key, kv->u);
            return FALSE;
          }
      }
      break;
    case SY_GGUF_INT8: case SY_GGUF_INT16: case SY_GGUF_INT32: case SY_GGUF_INT64:
      {
        int size = scalar_size (type);
        guint64 u = 0;

        if (!need (c, size, kv->key, error))
          return FALSE;
        for (int b = size - 1; b >= 0; b--)
          u = (u << 8) | c->p[b];
        if (size < 8 && (u >> (8 * size - 1)) & 1)
          u |= ~(guint64) 0 << (8 * size);      /* sign-extend */
        kv->i = (gint64) u;
        kv->f = (double) kv->i;
        c->p += size;
      }
      break;
    case SY_GGUF_FLOAT32:
      {
        float f;

        if (!need (c, 4, kv->key, error))
          return FALSE;
        memcpy (&f, c->p, 4);
        kv->f = f;
        c->p += 4;
      }
      break;
    case SY_GGUF_FLOAT64:
      if (!need (c, 8, kv->key, error))
        return FALSE;
      memcpy (&kv->f, c->p, 8);
      c->p += 8;
      break;
    case SY_GGUF_STRING:
      {
        const char *s;
        guint64 len;

        if (!rd_str (c, &s, &len, kv->key, error))
          return FALSE;
        if (!g_utf8_validate (s, len, NULL))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: metadata '%s' is not valid UTF-8", c->path, kv->key);
            return FALSE;
          }
        kv->str = g_strndup (s, len);
      }
      break;
    case SY_GGUF_ARRAY:
      {
        guint32 elem;

        if (!rd_u32 (c, &elem, kv->key, error) || !rd_u64 (c, &kv->n, kv->key, error))
          return FALSE;
        kv->elem = elem;
        kv->data = c->p;
        if (!skip_values (c, elem, kv->n, 1, kv->key, error))
          return FALSE;
      }
      break;
    default:
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: metadata '%s' has an unknown value type %u", c->path, kv->key, type);
      return FALSE;
    }
  return TRUE;
}

static int
compare_by_offset (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const guint64 *off = user_data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  return off[ia] < off[ib] ? -1 : off[ia] > off[ib] ? 1 : 0;
}

static const char *
ggml_type_name (guint32 id)
{
  for (guint i = 0; i < G_N_ELEMENTS (ggml_types); i++)
    if (ggml_types[i].id == id)
      return ggml_types[i].name;
  return NULL;
}

static gboolean
read_tensor_info (Cursor   *c,
                  SyGguf   *self,
                  guint     i,
                  GError  **error)
{
  g_autofree char *what = g_strdup_printf ("tensor info %u", i);
  SyTensor *t = &self->tensors[i];
  guint64 dims[GGUF_MAX_DIMS], n = 1;
  guint32 n_dims, type;
  const char *tname;
  SyDType dtype = SY_N_DTYPES;

  self->names[i] = rd_name (c, what, "name", error);
  if (self->names[i] == NULL)
    return FALSE;
  t->name = self->names[i];
  t->file = self->path;
  if (g_hash_table_contains (self->by_name, t->name))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tensor '%s' appears twice", c->path, t->name);
      return FALSE;
    }
  g_hash_table_insert (self->by_name, self->names[i], GUINT_TO_POINTER (i + 1));

  if (!rd_u32 (c, &n_dims, t->name, error))
    return FALSE;
  if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tensor '%s' has %u dims (1 to %d allowed)", c->path, t->name,
                   n_dims, GGUF_MAX_DIMS);
      return FALSE;
    }
  for (guint d = 0; d < n_dims; d++)
    {
      if (!rd_u64 (c, &dims[d], t->name, error))
        return FALSE;
      if (dims[d] == 0 || dims[d] > G_MAXINT32 || n > (guint64) G_MAXINT64 / dims[d])
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tensor '%s' has an invalid dim %" G_GUINT64_FORMAT, c->path,
                       t->name, dims[d]);
          return FALSE;
        }
      n *= dims[d];
    }
  if (!rd_u32 (c, &type, t->name, error) || !rd_u64 (c, &self->offsets[i], t->name, error))
    return FALSE;

  tname = ggml_type_name (type);
  for (guint k = 0; k < G_N_ELEMENTS (ggml_types); k++)
    if (ggml_types[k].id == type)
      dtype = ggml_types[k].dtype;
  if (dtype == SY_N_DTYPES)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has type %s (%u), which is not supported "
                   "(supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, "
                   "Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS, MXFP4)",
                   c->path, t->name, tname ? tname : "unknown", type);
      return FALSE;
    }
  if (dims[0] % sy_dtype_block_elems (dtype) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tensor '%s' (%s) has rows of %" G_GUINT64_FORMAT
                   " values, not a multiple of its block of %d",
                   c->path, t->name, tname, dims[0], sy_dtype_block_elems (dtype));
      return FALSE;
    }
  t->dtype = dtype;
  t->n_dims = (int) n_dims;
  for (guint d = 0; d < n_dims; d++)
    t->shape[d] = (int64_t) dims[n_dims - 1 - d];
  t->n_bytes = sy_dtype_n_bytes (dtype, (int64_t) n);
  return TRUE;
}

static SyGguf *
open_one (const char  *path,
          GError     **error)
{
  g_autoptr (SyGguf) self = g_new0 (SyGguf, 1);
  g_autoptr (GError) local = NULL;
  g_autofree guint *order = NULL;
  guint64 n_tensors, n_kv, data_size;
  Cursor c;

  self->path = g_strdup (path);
  self->kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) kv_free);
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->map = g_mapped_file_new (path, FALSE, &local);
  if (self->map == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local->message);
      return NULL;
    }
  self->size = g_mapped_file_get_length (self->map);
  self->bytes = (const guint8 *) g_mapped_file_get_contents (self->map);
  if (self->size < 4 || memcmp (self->bytes, GGUF_MAGIC, 4) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: not a GGUF file (it does not start with \"GGUF\")", path);
      return NULL;
    }
  /* after the size check: an empty file maps to NULL (fuzz-gguf) */
  c.base = c.p = self->bytes;
  c.end = self->bytes + self->size;
  c.path = path;
  c.p += 4;
  if (!rd_u32 (&c, &self->version, "the header", error))
    return NULL;
  if (self->version != 2 && self->version != 3)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: GGUF version %u is not supported (supported: 2, 3)", path, self->version);
      return NULL;
    }
  if (!rd_u64 (&c, &n_tensors, "the header", error) || !rd_u64 (&c, &n_kv, "the header", error))
    return NULL;
  /* every entry takes at least 8 bytes: counts beyond the file are lies */
  if (n_tensors > self->size / 8 || n_kv > self->size / 8)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: the header claims %" G_GUINT64_FORMAT " tensors and %" G_GUINT64_FORMAT
                   " metadata entries, more than the file can hold", path, n_tensors, n_kv);
      return NULL;
    }

  for (guint64 i = 0; i < n_kv; i++)
    if (!read_kv (&c, self, i, error))
      return NULL;

  self->alignment = GGUF_DEFAULT_ALIGNMENT;
  {
    SyGgufKv *kv = g_hash_table_lookup (self->by_key, "general.alignment");

    if (kv != NULL)
      {
        if (kv->type != SY_GGUF_UINT32 || kv->u == 0 || (kv->u & (kv->u - 1)) != 0)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: general.alignment must be a power of two (u32)", path);
            return NULL;
          }
        self->alignment = kv->u;
      }
  }

  self->n_tensors = (guint) n_tensors;
  self->tensors = g_new0 (SyTensor, MAX (n_tensors, 1));
  self->names = g_new0 (char *, MAX (n_tensors, 1));
  self->offsets = g_new0 (guint64, MAX (n_tensors, 1));
  for (guint i = 0; i < self->n_tensors; i++)
    if (!read_tensor_info (&c, self, i, error))
      return NULL;

  self->data_start = ((guint64) (c.p - c.base) + self->alignment - 1) / self->alignment * self->alignment;
  if (self->data_start > self->size && self->n_tensors > 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                   "%s: the file ends before its data section (byte %" G_GUINT64_FORMAT ")",
                   path, self->data_start);
      return NULL;
    }
  data_size = self->data_start <= self->size ? self->size - self->data_start : 0;

  order = g_new (guint, MAX (self->n_tensors, 1));
  for (guint i = 0; i < self->n_tensors; i++)
    {
      SyTensor *t = &self->tensors[i];
      guint64 off = self->offsets[i];

      order[i] = i;
      if (off % self->alignment != 0)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tensor '%s' data offset %" G_GUINT64_FORMAT
                       " is not a multiple of the alignment %" G_GUINT64_FORMAT,
                       path, t->name, off, self->alignment);
          return NULL;
        }
      if (off > data_size || t->n_bytes > data_size - off)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                       "%s: tensor '%s' data (%" G_GSIZE_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                       ") runs past the end of the data section (%" G_GUINT64_FORMAT
                       " bytes; truncated file?)",
                       path, t->name, t->n_bytes, off, data_size);
          return NULL;
        }
      t->data = self->bytes + self->data_start + off;
    }
  g_qsort_with_data (order, self->n_tensors, sizeof (guint), compare_by_offset, self->offsets);
  for (guint k = 1; k < self->n_tensors; k++)
    {
      guint a = order[k - 1], b = order[k];

      if (self->offsets[b] < self->offsets[a] + self->tensors[a].n_bytes)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tensor '%s' data overlaps tensor '%s'", path,
                       self->tensors[b].name, self->tensors[a].name);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

/* ----------------------------------------------------- split models */

/* llama.cpp's gguf-split: NAME-00001-of-00003.gguf ... every part has
 * split.no (0-based), split.count and split.tensors.count (all parts);
 * the first holds the model's metadata, each its share of the tensors
 * with offsets into its own data section. */
#define SPLIT_SUFFIX "-%05d-of-%05d.gguf"

static gboolean
split_info (SyGguf   *part,
            int64_t  *no,
            int64_t  *count,
            int64_t  *n_tensors,
            GError  **error)
{
  if (!sy_gguf_get_int (part, "split.count", count))
    {
      *count = 1;
      *no = 0;
      return TRUE;
    }
  if (*count < 1 || *count > 99999
      || !sy_gguf_get_int (part, "split.no", no) || *no < 0 || *no >= *count
      || !sy_gguf_get_int (part, "split.tensors.count", n_tensors) || *n_tensors < 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: invalid split metadata (split.no, split.count and split.tensors.count "
                   "must give a part of a split model)", part->path);
      return FALSE;
    }
  return TRUE;
}

/* Appends @part's tensors to @self's (the data stays in @part's mapping). */
static gboolean
merge_part (SyGguf  *self,
            SyGguf  *part,
            GError **error)
{
  guint n = self->n_tensors + part->n_tensors;

  self->tensors = g_renew (SyTensor, self->tensors, MAX (n, 1));
  self->names = g_renew (char *, self->names, MAX (n, 1));
  self->offsets = g_renew (guint64, self->offsets, MAX (n, 1));
  /* the names moved: the table points at them again */
  g_hash_table_remove_all (self->by_name);
  for (guint i = 0; i < self->n_tensors; i++)
    {
      self->tensors[i].name = self->names[i];
      g_hash_table_insert (self->by_name, self->names[i], GUINT_TO_POINTER (i + 1));
    }
  for (guint k = 0; k < part->n_tensors; k++)
    {
      guint i = self->n_tensors;

      if (g_hash_table_contains (self->by_name, part->names[k]))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tensor '%s' is also in %s", part->path, part->names[k], self->path);
          return FALSE;
        }
      self->tensors[i] = part->tensors[k];
      self->names[i] = g_strdup (part->names[k]);
      self->offsets[i] = part->offsets[k];
      self->tensors[i].name = self->names[i];
      g_hash_table_insert (self->by_name, self->names[i], GUINT_TO_POINTER (i + 1));
      self->n_tensors++;
    }
  return TRUE;
}

char **
sy_gguf_split_paths (const char *path)
{
  gsize len = strlen (path), tail = strlen ("-00001-of-00002.gguf");
  const char *t;
  GPtrArray *out;
  int no, count;

  if (len < tail || !g_str_has_suffix (path, ".gguf"))
    return NULL;
  t = path + len - tail;
  for (int i = 0; i < 5; i++)
    if (!g_ascii_isdigit (t[1 + i]) || !g_ascii_isdigit (t[10 + i]))
      return NULL;
  if (t[0] != '-' || strncmp (t + 6, "-of-", 4) != 0)
    return NULL;
  no = atoi (t + 1);
  count = atoi (t + 10);
  if (no < 1 || no > count)
    return NULL;
  out = g_ptr_array_new ();
  for (int i = 1; i <= count; i++)
    g_ptr_array_add (out, g_strdup_printf ("%.*s" SPLIT_SUFFIX, (int) (t - path), path, i, count));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

SyGguf *
sy_gguf_open (const char  *path,
              GError     **error)
{
  g_autoptr (SyGguf) given = open_one (path, error);
  g_autoptr (GPtrArray) parts = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *suffix = NULL;
  int64_t no, count, n_tensors, total = 0;
  SyGguf *first;

  if (given == NULL || !split_info (given, &no, &count, &n_tensors, error))
    return NULL;
  if (count == 1)
    return g_steal_pointer (&given);

  suffix = g_strdup_printf (SPLIT_SUFFIX, (int) no + 1, (int) count);
  if (!g_str_has_suffix (path, suffix))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: part %d of %d of a split model, but its name does not end in '%s' "
                   "(the parts are found by name)", path, (int) no + 1, (int) count, suffix);
      return NULL;
    }
  prefix = g_strndup (path, strlen (path) - strlen (suffix));
  parts = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_gguf_free);
  for (int64_t i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s" SPLIT_SUFFIX, prefix, (int) i + 1, (int) count);
      SyGguf *part;
      int64_t pno, pcount, pn;

      if (i == no)
        {
          g_ptr_array_add (parts, g_steal_pointer (&given));
          total += ((SyGguf *) g_ptr_array_index (parts, i))->n_tensors;
          continue;
        }
      if (!g_file_test (name, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                       "%s: part %d of %d of the split model %s is missing",
                       name, (int) i + 1, (int) count, path);
          return NULL;
        }
      part = open_one (name, error);
      if (part == NULL)
        return NULL;
      g_ptr_array_add (parts, part);
      if (!split_info (part, &pno, &pcount, &pn, error))
        return NULL;
      if (pno != i || pcount != count || pn != n_tensors)
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: says it is part %d of %d (%d tensors), expected part %d of %d "
                       "(%d tensors) as %s says", name, (int) pno + 1, (int) pcount, (int) pn,
                       (int) i + 1, (int) count, (int) n_tensors, path);
          return NULL;
        }
      total += part->n_tensors;
    }
  if (total != n_tensors)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: the %d parts hold %d tensors, split.tensors.count says %d",
                   path, (int) count, (int) total, (int) n_tensors);
      return NULL;
    }
  /* the first part (the metadata) is the model; the others stay open */
  first = g_ptr_array_steal_index (parts, 0);
  first->parts = g_steal_pointer (&parts);
  for (guint i = 0; i < first->parts->len; i++)
    if (!merge_part (first, g_ptr_array_index (first->parts, i), error))
      {
        sy_gguf_free (first);
        return NULL;
      }
  return first;
}

guint32
sy_gguf_get_version (SyGguf *self)
{
  return self->version;
}

const char *
sy_gguf_get_path (SyGguf *self)
{
  return self->path;
}

guint
sy_gguf_get_n_tensors (SyGguf *self)
{
  return self->n_tensors;
}

const SyTensor *
sy_gguf_get_tensor (SyGguf *self,
                    guint   i)
{
  g_return_val_if_fail (i < self->n_tensors, NULL);
  return &self->tensors[i];
}

const SyTensor *
sy_gguf_find_tensor (SyGguf     *self,
                     const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_name, name));

  return i ? &self->tensors[i - 1] : NULL;
}

/* ----------------------------------------------------------- metadata */

/* @key's entry when it is of @type, else NULL */
static SyGgufKv *
kv_of_type (SyGguf     *self,
            const char *key,
            SyGgufType  type)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  return kv && kv->type == type ? kv : NULL;
}

gboolean
sy_gguf_has_key (SyGguf     *self,
                 const char *key)
{
  return g_hash_table_contains (self->by_key, key);
}

gboolean
sy_gguf_get_int (SyGguf     *self,
                 const char *key,
                 int64_t    *out)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  if (kv == NULL)
    return FALSE;
  switch (kv->type)
    {
    case SY_GGUF_UINT8: case SY_GGUF_UINT16: case SY_GGUF_UINT32: case SY_GGUF_UINT64:
      if (kv->u > (guint64) G_MAXINT64)
        return FALSE;
      *out = (int64_t) kv->u;
      return TRUE;
    case SY_GGUF_INT8: case SY_GGUF_INT16: case SY_GGUF_INT32: case SY_GGUF_INT64:
      *out = kv->i;
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
sy_gguf_get_float (SyGguf     *self,
                   const char *key,
                   double     *out)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  if (kv == NULL || (kv->type != SY_GGUF_FLOAT32 && kv->type != SY_GGUF_FLOAT64))
    return FALSE;
  *out = kv->f;
  return TRUE;
}

gboolean
sy_gguf_get_bool (SyGguf     *self,
                  const char *key,
                  gboolean   *out)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_BOOL);

  if (kv == NULL)
    return FALSE;
  *out = kv->u != 0;
  return TRUE;
}

const char *
sy_gguf_get_string (SyGguf     *self,
                    const char *key)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_STRING);

  return kv ? kv->str : NULL;
}

gboolean
sy_gguf_get_array_info (SyGguf     *self,
                        const char *key,
                        SyGgufType *elem_type,
                        guint64    *n)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_ARRAY);

  if (kv == NULL)
    return FALSE;
  *elem_type = kv->elem;
  *n = kv->n;
  return TRUE;
}

char **
sy_gguf_get_string_array (SyGguf     *self,
                          const char *key)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_ARRAY);
  const guint8 *p;
  char **out;

  if (kv == NULL || kv->elem != SY_GGUF_STRING)
    return NULL;
  out = g_new0 (char *, kv->n + 1);
  p = kv->data;
  /* lengths were checked when the file was opened */
  for (guint64 i = 0; i < kv->n; i++)
    {
      guint64 len;

      memcpy (&len, p, 8);
      len = GUINT64_FROM_LE (len);
      out[i] = g_strndup ((const char *) p + 8, len);
      p += 8 + len;
    }
  return out;
}

int32_t *
sy_gguf_get_int_array (SyGguf     *self,
                       const char *key,
                       guint64    *n)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_ARRAY);
  int size;
  int32_t *out;

  if (kv == NULL)
    return NULL;
  size = scalar_size (kv->elem);
  if (size == 0 || kv->elem == SY_GGUF_FLOAT32 || kv->elem == SY_GGUF_FLOAT64 || size > 4)
    return NULL;
  out = g_new (int32_t, MAX (kv->n, 1));
  for (guint64 i = 0; i < kv->n; i++)
    {
      const guint8 *p = kv->data + i * size;
      guint32 u = 0;

      for (int b = size - 1; b >= 0; b--)
        u = (u << 8) | p[b];
      if (kv->elem == SY_GGUF_INT8 || kv->elem == SY_GGUF_INT16)
        u = (size == 1) ? (guint32) (int32_t) (int8_t) u : (guint32) (int32_t) (int16_t) u;
      out[i] = (int32_t) u;
    }
  *n = kv->n;
  return out;
}

float *
sy_gguf_get_float_array (SyGguf     *self,
                         const char *key,
                         guint64    *n)
{
  SyGgufKv *kv = kv_of_type (self, key, SY_GGUF_ARRAY);
  float *out;

  if (kv == NULL || kv->elem != SY_GGUF_FLOAT32)
    return NULL;
  out = g_new (float, MAX (kv->n, 1));
  for (guint64 i = 0; i < kv->n; i++)
    {
      guint32 u;

      memcpy (&u, kv->data + 4 * i, 4);
      u = GUINT32_FROM_LE (u);
      memcpy (&out[i], &u, 4);
    }
  *n = kv->n;
  return out;
}

guint
_sy_gguf_get_n_files (SyGguf *self)
{
  return 1 + (self->parts ? self->parts->len : 0);
}

GMappedFile *
_sy_gguf_get_file (SyGguf      *self,
                   guint        i,
                   const char **path)
{
  SyGguf *part = i == 0 ? self : g_ptr_array_index (self->parts, i - 1);

  *path = part->path;
  return part->map;
}

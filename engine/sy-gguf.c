/* sy-gguf.c: reading GGUF files, and GGUF models onto our arch table
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
  { 3, "Q4_1", SY_N_DTYPES }, { 6, "Q5_0", SY_N_DTYPES }, { 7, "Q5_1", SY_N_DTYPES },
  { 8, "Q8_0", SY_DTYPE_Q8_0 }, { 9, "Q8_1", SY_N_DTYPES }, { 10, "Q2_K", SY_N_DTYPES },
  { 11, "Q3_K", SY_N_DTYPES }, { 12, "Q4_K", SY_DTYPE_Q4_K }, { 13, "Q5_K", SY_N_DTYPES },
  { 14, "Q6_K", SY_DTYPE_Q6_K }, { 15, "Q8_K", SY_N_DTYPES }, { 16, "IQ2_XXS", SY_N_DTYPES },
  { 17, "IQ2_XS", SY_N_DTYPES }, { 18, "IQ3_XXS", SY_N_DTYPES }, { 19, "IQ1_S", SY_N_DTYPES },
  { 20, "IQ4_NL", SY_N_DTYPES }, { 21, "IQ3_S", SY_N_DTYPES }, { 22, "IQ2_S", SY_N_DTYPES },
  { 23, "IQ4_XS", SY_N_DTYPES }, { 24, "I8", SY_N_DTYPES }, { 25, "I16", SY_N_DTYPES },
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

  if (size > 0)
    {
      if (n > G_MAXUINT64 / size)
        goto too_long;
      return need (c, n * size, key, error) && (c->p += n * size, TRUE);
    }
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
               "%s: metadata '%s' claims %" G_GUINT64_FORMAT " values", c->path, key, n);
  return FALSE;
}

static gboolean
read_kv (Cursor     *c,
         SyGguf     *self,
         guint64     index,
         GError    **error)
{
  g_autofree char *what = g_strdup_printf ("metadata entry %" G_GUINT64_FORMAT, index);
  const char *kbytes;
  guint64 klen;
  guint32 type;
  SyGgufKv *kv;

  if (!rd_str (c, &kbytes, &klen, what, error))
    return FALSE;
  if (klen == 0 || !g_utf8_validate (kbytes, klen, NULL) || memchr (kbytes, 0, klen))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: %s has an empty or invalid key", c->path, what);
      return FALSE;
    }
  kv = g_new0 (SyGgufKv, 1);
  kv->key = g_strndup (kbytes, klen);
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
  const char *nbytes_s;
  guint64 nlen, dims[GGUF_MAX_DIMS], n = 1;
  guint32 n_dims, type;
  const char *tname;
  SyDType dtype = SY_N_DTYPES;

  if (!rd_str (c, &nbytes_s, &nlen, what, error))
    return FALSE;
  if (nlen == 0 || !g_utf8_validate (nbytes_s, nlen, NULL) || memchr (nbytes_s, 0, nlen))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: %s has an empty or invalid name", c->path, what);
      return FALSE;
    }
  self->names[i] = g_strndup (nbytes_s, nlen);
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
                   "(supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, MXFP4)",
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

SyGguf *
sy_gguf_open (const char  *path,
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
  c.base = c.p = self->bytes;
  c.end = self->bytes + self->size;
  c.path = path;

  if (self->size < 4 || memcmp (self->bytes, GGUF_MAGIC, 4) != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: not a GGUF file (it does not start with \"GGUF\")", path);
      return NULL;
    }
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
                       "%s: tensor '%s' data [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                       ") runs past the end of the data section (%" G_GUINT64_FORMAT
                       " bytes; truncated file?)",
                       path, t->name, off, off + t->n_bytes, data_size);
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
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  if (kv == NULL || kv->type != SY_GGUF_BOOL)
    return FALSE;
  *out = kv->u != 0;
  return TRUE;
}

const char *
sy_gguf_get_string (SyGguf     *self,
                    const char *key)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  return kv && kv->type == SY_GGUF_STRING ? kv->str : NULL;
}

gboolean
sy_gguf_get_array_info (SyGguf     *self,
                        const char *key,
                        SyGgufType *elem_type,
                        guint64    *n)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);

  if (kv == NULL || kv->type != SY_GGUF_ARRAY)
    return FALSE;
  *elem_type = kv->elem;
  *n = kv->n;
  return TRUE;
}

char **
sy_gguf_get_string_array (SyGguf     *self,
                          const char *key)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);
  const guint8 *p;
  char **out;

  if (kv == NULL || kv->type != SY_GGUF_ARRAY || kv->elem != SY_GGUF_STRING)
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
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);
  int size;
  int32_t *out;

  if (kv == NULL || kv->type != SY_GGUF_ARRAY)
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

/* ------------------------------------------------------------- models */

#define F(field) offsetof (SyArchSpec, field)
#define C(field) offsetof (SyConfig, field)

/* Tensor names of the llama.cpp conventions for these architectures. */
static const SyGgufNameRule name_rules[] = {
  { "token_embd.weight", F (embed), NULL, SY_GGUF_NAME_GLOBAL },
  { "output_norm.weight", F (final_norm), NULL, SY_GGUF_NAME_GLOBAL },
  { "output.weight", F (lm_head), NULL, SY_GGUF_NAME_GLOBAL },
  { "blk.%d.attn_norm.weight", F (attn_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_norm.weight", F (ffn_norm), NULL, SY_GGUF_NAME_LAYER, "!gpt-oss" },
  { "blk.%d.post_attention_norm.weight", F (ffn_norm), NULL, SY_GGUF_NAME_LAYER, "gpt-oss" },
  { "blk.%d.attn_sinks.weight", F (sinks), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp.bias", F (router_bias), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_exps.bias", F (expert_gate_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_up_exps.bias", F (expert_up_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_down_exps.bias", F (expert_down_bias), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.attn_q.weight", F (q_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k.weight", F (k_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_v.weight", F (v_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_output.weight", F (o_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q.bias", F (q_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k.bias", F (k_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_v.bias", F (v_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_output.bias", F (o_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_norm.weight", F (q_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_k_norm.weight", F (k_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp.weight", F (router), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_exps.weight", F (expert_gate), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_up_exps.weight", F (expert_up), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_down_exps.weight", F (expert_down), NULL, SY_GGUF_NAME_EXPERTS },
  { "blk.%d.ffn_gate_shexp.weight", F (shared_gate), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_up_shexp.weight", F (shared_up), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_down_shexp.weight", F (shared_down), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate_inp_shexp.weight", F (shared_expert_gate), NULL, SY_GGUF_NAME_ROW },
  { "blk.%d.attn_q_a.weight", F (q_a_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_a.bias", F (q_a_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_a_norm.weight", F (q_a_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_q_b.weight", F (q_b_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_mqa.weight", F (kv_a_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_mqa.bias", F (kv_a_proj), "bias", SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_a_norm.weight", F (kv_a_norm), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.attn_kv_b.weight", F (kv_b_proj), "weight", SY_GGUF_NAME_LAYER },
  { "blk.%d.exp_probs_b.bias", F (selection_bias), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_gate.weight", F (mlp_gate), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_up.weight", F (mlp_up), NULL, SY_GGUF_NAME_LAYER },
  { "blk.%d.ffn_down.weight", F (mlp_down), NULL, SY_GGUF_NAME_LAYER },
  { NULL }
};

#define BASE_GGUF_KEYS \
  { "context_length", "max_position_embeddings", SY_KEY_INT, C (max_position_embeddings) }, \
  { "embedding_length", "hidden_size", SY_KEY_INT, C (hidden_size) }, \
  { "block_count", "num_hidden_layers", SY_KEY_INT, C (n_layers) }, \
  { "attention.head_count", "num_attention_heads", SY_KEY_INT, C (n_heads) }, \
  { "attention.head_count_kv", "num_key_value_heads", SY_KEY_INT, C (n_kv_heads) }, \
  { "attention.layer_norm_rms_epsilon", "rms_norm_eps", SY_KEY_FLOAT, C (rms_norm_eps) }, \
  { "rope.freq_base", "rope_theta", SY_KEY_FLOAT, C (rope_theta) }, \
  { "expert_used_count", "num_experts_per_tok", SY_KEY_INT, C (n_experts_per_tok) }, \
  { "expert_weights_norm", "norm_topk_prob", SY_KEY_BOOL, C (norm_topk_prob) }, \
  { "vocab_size", "vocab_size", SY_KEY_INT, C (vocab_size) }

#define COMMON_GGUF_KEYS \
  BASE_GGUF_KEYS, \
  { "attention.key_length", "head_dim", SY_KEY_INT, C (head_dim) }

static const SyGgufKeyRule qwen3moe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { NULL }
};

static const SyGgufKeyRule qwen2moe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { "expert_shared_feed_forward_length", "shared_expert_intermediate_size", SY_KEY_INT, C (shared_ffn) },
  { NULL }
};

static const SyGgufKeyRule olmoe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "attention.clamp_kqv", "clip_qkv", SY_KEY_FLOAT, C (clip_qkv) },
  { NULL }
};

/* Mixtral is GGUF "llama" with experts */
static const SyGgufKeyRule llama_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { NULL }
};

/* DeepSeek-V3 is GGUF "deepseek2" (llama.cpp's layout with attn_kv_b);
 * key_length (qk_nope + qk_rope), q_lora_rank and the gating function
 * are translated in code (deepseek2_to_hf) */
static const SyGgufKeyRule deepseek2_keys[] = {
  BASE_GGUF_KEYS,
  { "expert_count", "n_routed_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "moe_intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (dense_ffn) },
  { "leading_dense_block_count", "first_k_dense_replace", SY_KEY_INT, C (first_k_dense) },
  { "expert_shared_count", "n_shared_experts", SY_KEY_INT, C (n_shared_experts) },
  { "expert_weights_scale", "routed_scaling_factor", SY_KEY_FLOAT, C (routed_scaling_factor) },
  { "expert_group_count", "n_group", SY_KEY_INT, C (n_group) },
  { "expert_group_used_count", "topk_group", SY_KEY_INT, C (topk_group) },
  { "attention.kv_lora_rank", "kv_lora_rank", SY_KEY_INT, C (kv_lora_rank) },
  { "attention.value_length", "v_head_dim", SY_KEY_INT, C (v_head_dim) },
  { "rope.dimension_count", "qk_rope_head_dim", SY_KEY_INT, C (head_dim) },
  { NULL }
};

/* gpt-oss: sliding on even layers (GptOssConfig's default pattern), yarn
 * without truncation (gpt_oss_to_hf) */
static const SyGgufKeyRule gpt_oss_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "expert_feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "attention.sliding_window", "sliding_window", SY_KEY_INT, C (sliding_window) },
  { NULL }
};

/* Granite's multipliers */
static const SyGgufKeyRule granitemoe_keys[] = {
  COMMON_GGUF_KEYS,
  { "expert_count", "num_local_experts", SY_KEY_INT, C (n_experts) },
  { "feed_forward_length", "intermediate_size", SY_KEY_INT, C (expert_ffn) },
  { "embedding_scale", "embedding_multiplier", SY_KEY_FLOAT, C (embedding_multiplier) },
  { "residual_scale", "residual_multiplier", SY_KEY_FLOAT, C (residual_multiplier) },
  { "attention.scale", "attention_multiplier", SY_KEY_FLOAT, C (attention_multiplier) },
  { "logit_scale", "logits_scaling", SY_KEY_FLOAT, C (logits_scaling) },
  { NULL }
};

static const SyGgufArch gguf_archs[] = {
  /* llama-based: q / k rows permuted for pairwise rope as for llama */
  { "granitemoe", "granitemoe", granitemoe_keys, TRUE, TRUE },
  { "gpt-oss", "gpt_oss", gpt_oss_keys, TRUE, FALSE },
  { "deepseek2", "deepseek_v3", deepseek2_keys, TRUE, TRUE },
  { "llama", "mixtral", llama_keys, TRUE, TRUE },
  /* Qwen3-MoE checkpoints renormalise their top-k (llama.cpp always does) */
  { "qwen3moe", "qwen3_moe", qwen3moe_keys, TRUE },
  { "qwen2moe", "qwen2_moe", qwen2moe_keys, FALSE },
  { "olmoe", "olmoe", olmoe_keys, FALSE },
  { NULL }
};

const SyGgufNameRule *
_sy_gguf_name_rules (void)
{
  return name_rules;
}

const SyGgufArch *
_sy_gguf_arch_find (const char *gguf_arch,
                    const char *model_type)
{
  for (int i = 0; gguf_archs[i].gguf_arch; i++)
    if ((gguf_arch && strcmp (gguf_archs[i].gguf_arch, gguf_arch) == 0)
        || (model_type && strcmp (gguf_archs[i].model_type, model_type) == 0))
      return &gguf_archs[i];
  return NULL;
}

gboolean
_sy_gguf_rule_applies (const SyGgufNameRule *rule,
                       const char           *gguf_arch)
{
  if (rule->arch == NULL)
    return TRUE;
  if (rule->arch[0] == '!')
    return g_strcmp0 (rule->arch + 1, gguf_arch) != 0;
  return g_strcmp0 (rule->arch, gguf_arch) == 0;
}

const char *
_sy_gguf_rule_pattern (const SyArchSpec     *arch,
                       const SyGgufNameRule *rule)
{
  return G_STRUCT_MEMBER (const char *, arch, rule->field);
}

const char *
sy_gguf_supported_archs (void)
{
  return "deepseek2 (DeepSeek-V3), gpt-oss, granitemoe, llama (Mixtral), olmoe, qwen2moe, qwen3moe";
}

const SyArchSpec *
sy_gguf_arch_lookup (const char *gguf_arch)
{
  const SyGgufArch *g = _sy_gguf_arch_find (gguf_arch, NULL);

  return g ? sy_arch_lookup (g->model_type, NULL) : NULL;
}

const char *
sy_gguf_arch_name (const char *model_type)
{
  const SyGgufArch *g = _sy_gguf_arch_find (NULL, model_type);

  return g ? g->gguf_arch : NULL;
}

/* gpt-oss: yarn, kept as the HF config has it (no truncation; attention
 * factor and betas at their defaults) */
static void
gpt_oss_to_hf (SyGguf      *self,
               json_object *root)
{
  double factor;
  int64_t orig;

  if (g_strcmp0 (sy_gguf_get_string (self, "gpt-oss.rope.scaling.type"), "yarn") == 0)
    {
      json_object *rs = json_object_new_object ();

      json_object_object_add (rs, "rope_type", json_object_new_string ("yarn"));
      if (sy_gguf_get_float (self, "gpt-oss.rope.scaling.factor", &factor))
        json_object_object_add (rs, "factor", json_object_new_double (factor));
      if (sy_gguf_get_int (self, "gpt-oss.rope.scaling.original_context_length", &orig))
        json_object_object_add (rs, "original_max_position_embeddings", json_object_new_int64 (orig));
      json_object_object_add (rs, "truncate", json_object_new_boolean (FALSE));
      json_object_object_add (root, "rope_scaling", rs);
    }
}

/* deepseek2: the keys that do not map one to one */
static gboolean
deepseek2_to_hf (SyGguf       *self,
                 json_object  *root,
                 GError      **error)
{
  int64_t key_len, rope, q_lora, gating;
  double factor, orig, mult;

  if (!sy_gguf_get_int (self, "deepseek2.attention.key_length", &key_len)
      || !sy_gguf_get_int (self, "deepseek2.rope.dimension_count", &rope) || key_len <= rope)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: deepseek2.attention.key_length and .rope.dimension_count must give "
                   "the query/key head width and its rotary part", self->path);
      return FALSE;
    }
  json_object_object_add (root, "qk_nope_head_dim", json_object_new_int64 (key_len - rope));
  /* no q LoRA when the rank is absent or 0 (q_proj instead) */
  json_object_object_add (root, "q_lora_rank",
                          sy_gguf_get_int (self, "deepseek2.attention.q_lora_rank", &q_lora) && q_lora > 0
                          ? json_object_new_int64 (q_lora) : NULL);
  if (sy_gguf_get_int (self, "deepseek2.expert_gating_func", &gating) && gating != 2)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: deepseek2.expert_gating_func %" G_GINT64_FORMAT
                   " is not supported (DeepSeek-V3 routing is sigmoid, 2)", self->path, gating);
      return FALSE;
    }
  /* the rotary pairs are stored interleaved, as rope_interleave */
  json_object_object_add (root, "rope_interleave", json_object_new_boolean (TRUE));
  if (g_strcmp0 (sy_gguf_get_string (self, "deepseek2.rope.scaling.type"), "yarn") == 0)
    {
      json_object *rs = json_object_new_object ();

      json_object_object_add (rs, "type", json_object_new_string ("yarn"));
      if (sy_gguf_get_float (self, "deepseek2.rope.scaling.factor", &factor))
        json_object_object_add (rs, "factor", json_object_new_double (factor));
      if (sy_gguf_get_int (self, "deepseek2.rope.scaling.original_context_length", &key_len))
        json_object_object_add (rs, "original_max_position_embeddings", json_object_new_int64 (key_len));
      else if (sy_gguf_get_float (self, "deepseek2.rope.scaling.original_context_length", &orig))
        json_object_object_add (rs, "original_max_position_embeddings", json_object_new_double (orig));
      /* yarn_log_multiplier = 0.1 mscale_all_dim (mscale taken equal, as
       * DeepSeek-V3 configs have it) */
      if (sy_gguf_get_float (self, "deepseek2.rope.scaling.yarn_log_multiplier", &mult) && mult > 0)
        {
          json_object_object_add (rs, "mscale_all_dim", json_object_new_double (mult / 0.1));
          json_object_object_add (rs, "mscale", json_object_new_double (mult / 0.1));
        }
      json_object_object_add (root, "rope_scaling", rs);
    }
  return TRUE;
}

json_object *
sy_gguf_model_config (SyGguf            *self,
                      const SyArchSpec **arch,
                      GError           **error)
{
  const char *name = sy_gguf_get_string (self, "general.architecture");
  const SyGgufArch *g;
  json_object *root;
  int64_t iv;
  double fv;
  gboolean bv;

  if (name == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: metadata 'general.architecture' is missing", self->path);
      return NULL;
    }
  g = _sy_gguf_arch_find (name, NULL);
  if (g == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                   "%s: GGUF architecture '%s' is not supported (supported: %s)",
                   self->path, name, sy_gguf_supported_archs ());
      return NULL;
    }
  *arch = sy_arch_lookup (g->model_type, error);
  if (*arch == NULL)
    return NULL;
  {
    g_autofree char *key = g_strdup_printf ("%s.expert_count", name);

    if (!sy_gguf_has_key (self, key))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                     "%s: metadata '%s' is missing: not a Mixture-of-Experts model", self->path, key);
        return NULL;
      }
  }

  root = json_object_new_object ();
  json_object_object_add (root, "model_type", json_object_new_string (g->model_type));
  for (const SyGgufKeyRule *k = g->keys; k->gguf; k++)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s", name, k->gguf);

      if (!sy_gguf_has_key (self, key))
        continue;
      switch (k->type)
        {
        case SY_KEY_INT:
          if (!sy_gguf_get_int (self, key, &iv) || iv < G_MININT || iv > G_MAXINT)
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_int64 (iv));
          break;
        case SY_KEY_FLOAT:
          if (!sy_gguf_get_float (self, key, &fv))
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_double (fv));
          break;
        case SY_KEY_BOOL:
          if (!sy_gguf_get_bool (self, key, &bv))
            goto bad;
          json_object_object_add (root, k->hf, json_object_new_boolean (bv));
          break;
        default:
          break;
        }
      continue;
    bad:
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "%s: metadata '%s' has the wrong type or an out-of-range value", self->path, key);
      json_object_put (root);
      return NULL;
    }
  if (strcmp (name, "gpt-oss") == 0)
    gpt_oss_to_hf (self, root);
  if (strcmp (name, "deepseek2") == 0 && !deepseek2_to_hf (self, root, error))
    {
      json_object_put (root);
      return NULL;
    }
  if (!json_object_object_get_ex (root, "norm_topk_prob", NULL))
    json_object_object_add (root, "norm_topk_prob", json_object_new_boolean (g->norm_topk_default));
  if (!json_object_object_get_ex (root, "vocab_size", NULL))
    {
      SyGgufType et;
      guint64 n;
      const SyTensor *emb = sy_gguf_find_tensor (self, "token_embd.weight");

      if (sy_gguf_get_array_info (self, "tokenizer.ggml.tokens", &et, &n))
        json_object_object_add (root, "vocab_size", json_object_new_int64 ((int64_t) n));
      else if (emb && emb->n_dims == 2)
        json_object_object_add (root, "vocab_size", json_object_new_int64 (emb->shape[0]));
    }
  json_object_object_add (root, "tie_word_embeddings",
                          json_object_new_boolean (sy_gguf_find_tensor (self, "output.weight") == NULL));
  if (sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &iv))
    json_object_object_add (root, "bos_token_id", json_object_new_int64 (iv));
  if (sy_gguf_get_int (self, "tokenizer.ggml.eos_token_id", &iv))
    json_object_object_add (root, "eos_token_id", json_object_new_int64 (iv));
  return root;
}

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Matches @gguf_name against @rule; *layer gets the block number. */
static gboolean
rule_matches (const SyGgufNameRule *rule,
              const char           *gguf_name,
              int                  *layer)
{
  const char *rest;
  char *end;
  long n;

  if (rule->kind == SY_GGUF_NAME_GLOBAL)
    return strcmp (rule->gguf, gguf_name) == 0;
  if (!g_str_has_prefix (gguf_name, "blk."))
    return FALSE;
  n = strtol (gguf_name + 4, &end, 10);
  if (end == gguf_name + 4 || *end != '.' || n < 0 || n > G_MAXINT || !g_ascii_isdigit (gguf_name[4]))
    return FALSE;
  rest = end + 1;
  if (strcmp (rest, rule->gguf + strlen ("blk.%d.")) != 0)
    return FALSE;
  *layer = (int) n;
  return TRUE;
}

static json_object *
byte_level (gboolean use_regex,
            gboolean trim_offsets)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "type", json_object_new_string ("ByteLevel"));
  json_object_object_add (o, "add_prefix_space", json_object_new_boolean (FALSE));
  json_object_object_add (o, "trim_offsets", json_object_new_boolean (trim_offsets));
  json_object_object_add (o, "use_regex", json_object_new_boolean (use_regex));
  return o;
}

/* tokenizer.ggml.scores: a float32 array of @n values, or NULL */
static float *
get_f32_array (SyGguf     *self,
               const char *key,
               guint64    *n)
{
  SyGgufKv *kv = g_hash_table_lookup (self->by_key, key);
  float *out;

  if (kv == NULL || kv->type != SY_GGUF_ARRAY || kv->elem != SY_GGUF_FLOAT32)
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

typedef struct
{
  float score;       /* of the merged piece */
  int   left, right; /* ids */
} SpmMerge;

static int
spm_merge_cmp (gconstpointer a,
               gconstpointer b)
{
  const SpmMerge *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->left != y->left)
    return x->left < y->left ? -1 : 1;
  return (x->right > y->right) - (x->right < y->right);
}

static json_object *
json_string_pattern (const char *s)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "String", json_object_new_string (s));
  return o;
}

/* A SentencePiece BPE vocabulary (tokenizer.ggml.model "llama") as the
 * tokenizer.json that describes the same tokenizer: BPE with byte
 * fallback over "▁"-for-space text (prepended once), no pre-tokenizer.
 * The merges are the file's tokenizer.ggml.merges when it has them (our
 * writer stores them); otherwise they follow from the scores, as for a
 * SentencePiece model: every split of a normal token into two tokens is
 * a merge, ranked by the merged token's score (highest first), then by
 * the ids of the pair. */
static json_object *
spm_tokenizer_json (SyGguf  *self,
                    GError **error)
{
  g_auto (GStrv) tokens = sy_gguf_get_string_array (self, "tokenizer.ggml.tokens");
  g_auto (GStrv) merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  g_autofree int32_t *types = NULL;
  g_autofree float *scores = NULL;
  guint64 n_types = 0, n_scores = 0;
  gboolean add_bos = TRUE;
  gint64 bos = -1;
  const char *unk = NULL;
  json_object *root, *bpe, *vocab, *jmerges, *added, *norm, *norms, *o, *dec, *decs;
  guint n;

  if (tokens == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a llama (SentencePiece) tokenizer needs the string array tokenizer.ggml.tokens",
                   self->path);
      return NULL;
    }
  n = g_strv_length (tokens);
  types = sy_gguf_get_int_array (self, "tokenizer.ggml.token_type", &n_types);
  scores = get_f32_array (self, "tokenizer.ggml.scores", &n_scores);
  if ((types && n_types != n) || (scores && n_scores != n))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.token_type or .scores does not have one entry for each of "
                   "the %u tokens", self->path, n);
      return NULL;
    }
  if (merges == NULL && scores == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a llama (SentencePiece) tokenizer needs tokenizer.ggml.scores "
                   "(or tokenizer.ggml.merges)", self->path);
      return NULL;
    }
  sy_gguf_get_bool (self, "tokenizer.ggml.add_bos_token", &add_bos);
  if (sy_gguf_get_int (self, "tokenizer.ggml.bos_token_id", &bos) && (bos < 0 || bos >= n))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.bos_token_id %" G_GINT64_FORMAT " is not one of the %u tokens",
                   self->path, bos, n);
      return NULL;
    }

  root = json_object_new_object ();
  bpe = json_object_new_object ();
  vocab = json_object_new_object ();
  jmerges = json_object_new_array ();
  added = json_object_new_array ();
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      if (type == 2 && unk == NULL)
        unk = tokens[i];
      if (type == 3 || type == 4)
        {
          json_object *a = json_object_new_object ();

          json_object_object_add (a, "id", json_object_new_int (i));
          json_object_object_add (a, "content", json_object_new_string (tokens[i]));
          json_object_object_add (a, "single_word", json_object_new_boolean (FALSE));
          json_object_object_add (a, "lstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "rstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "normalized", json_object_new_boolean (type == 4));
          json_object_object_add (a, "special", json_object_new_boolean (type == 3));
          json_object_array_add (added, a);
        }
      if (!json_object_object_get_ex (vocab, tokens[i], NULL))
        json_object_object_add (vocab, tokens[i], json_object_new_int (i));
    }
  if (merges)
    for (guint i = 0; merges[i]; i++)
      {
        const char *sp = strchr (merges[i], ' ');
        json_object *pair;

        if (sp == NULL || sp == merges[i] || sp[1] == '\0')
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tokenizer merge %u ('%s') is not two tokens", self->path, i, merges[i]);
            json_object_put (jmerges);
            json_object_put (vocab);
            json_object_put (bpe);
            json_object_put (added);
            json_object_put (root);
            return NULL;
          }
        pair = json_object_new_array ();
        json_object_array_add (pair, json_object_new_string_len (merges[i], (int) (sp - merges[i])));
        json_object_array_add (pair, json_object_new_string (sp + 1));
        json_object_array_add (jmerges, pair);
      }
  else
    {
      g_autoptr (GArray) cand = g_array_new (FALSE, FALSE, sizeof (SpmMerge));
      g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < n; i++)
        if (!g_hash_table_contains (ids, tokens[i]))
          g_hash_table_insert (ids, tokens[i], GUINT_TO_POINTER (i + 1));
      for (guint i = 0; i < n; i++)
        {
          const char *t = tokens[i];
          gsize len = strlen (t);

          if (types && types[i] != 1)
            continue;
          for (const char *c = g_utf8_next_char (t); c < t + len; c = g_utf8_next_char (c))
            {
              g_autofree char *left = g_strndup (t, c - t);
              guint l = GPOINTER_TO_UINT (g_hash_table_lookup (ids, left));
              guint r = GPOINTER_TO_UINT (g_hash_table_lookup (ids, c));

              if (l && r)
                {
                  SpmMerge m = { scores[i], (int) l - 1, (int) r - 1 };

                  g_array_append_val (cand, m);
                }
            }
        }
      g_array_sort (cand, spm_merge_cmp);
      for (guint k = 0; k < cand->len; k++)
        {
          const SpmMerge *m = &g_array_index (cand, SpmMerge, k);
          json_object *pair = json_object_new_array ();

          json_object_array_add (pair, json_object_new_string (tokens[m->left]));
          json_object_array_add (pair, json_object_new_string (tokens[m->right]));
          json_object_array_add (jmerges, pair);
        }
    }
  json_object_object_add (bpe, "type", json_object_new_string ("BPE"));
  json_object_object_add (bpe, "unk_token", unk ? json_object_new_string (unk) : NULL);
  json_object_object_add (bpe, "fuse_unk", json_object_new_boolean (TRUE));
  json_object_object_add (bpe, "byte_fallback", json_object_new_boolean (TRUE));
  json_object_object_add (bpe, "vocab", vocab);
  json_object_object_add (bpe, "merges", jmerges);
  json_object_object_add (root, "model", bpe);
  json_object_object_add (root, "added_tokens", added);

  /* normalizer: "▁" prepended, spaces as "▁" */
  norms = json_object_new_array ();
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Prepend"));
  json_object_object_add (o, "prepend", json_object_new_string ("\u2581"));
  json_object_array_add (norms, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Replace"));
  json_object_object_add (o, "pattern", json_string_pattern (" "));
  json_object_object_add (o, "content", json_object_new_string ("\u2581"));
  json_object_array_add (norms, o);
  norm = json_object_new_object ();
  json_object_object_add (norm, "type", json_object_new_string ("Sequence"));
  json_object_object_add (norm, "normalizers", norms);
  json_object_object_add (root, "normalizer", norm);
  json_object_object_add (root, "pre_tokenizer", NULL);

  /* BOS in front when the file says so */
  if (add_bos && bos >= 0)
    {
      json_object *single = json_object_new_array (), *st, *seq, *special, *entry, *idl, *tl;

      st = json_object_new_object ();
      o = json_object_new_object ();
      json_object_object_add (o, "id", json_object_new_string (tokens[bos]));
      json_object_object_add (o, "type_id", json_object_new_int (0));
      json_object_object_add (st, "SpecialToken", o);
      json_object_array_add (single, st);
      seq = json_object_new_object ();
      o = json_object_new_object ();
      json_object_object_add (o, "id", json_object_new_string ("A"));
      json_object_object_add (o, "type_id", json_object_new_int (0));
      json_object_object_add (seq, "Sequence", o);
      json_object_array_add (single, seq);
      special = json_object_new_object ();
      entry = json_object_new_object ();
      idl = json_object_new_array ();
      tl = json_object_new_array ();
      json_object_array_add (idl, json_object_new_int ((int) bos));
      json_object_array_add (tl, json_object_new_string (tokens[bos]));
      json_object_object_add (entry, "id", json_object_new_string (tokens[bos]));
      json_object_object_add (entry, "ids", idl);
      json_object_object_add (entry, "tokens", tl);
      json_object_object_add (special, tokens[bos], entry);
      o = json_object_new_object ();
      json_object_object_add (o, "type", json_object_new_string ("TemplateProcessing"));
      json_object_object_add (o, "single", single);
      json_object_object_add (o, "special_tokens", special);
      json_object_object_add (root, "post_processor", o);
    }
  else
    json_object_object_add (root, "post_processor", NULL);

  /* decoder: "▁" back to spaces, <0xXX> pieces to bytes, the first space off */
  decs = json_object_new_array ();
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Replace"));
  json_object_object_add (o, "pattern", json_string_pattern ("\u2581"));
  json_object_object_add (o, "content", json_object_new_string (" "));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("ByteFallback"));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Fuse"));
  json_object_array_add (decs, o);
  o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string ("Strip"));
  json_object_object_add (o, "content", json_object_new_string (" "));
  json_object_object_add (o, "start", json_object_new_int (1));
  json_object_object_add (o, "stop", json_object_new_int (0));
  json_object_array_add (decs, o);
  dec = json_object_new_object ();
  json_object_object_add (dec, "type", json_object_new_string ("Sequence"));
  json_object_object_add (dec, "decoders", decs);
  json_object_object_add (root, "decoder", dec);
  return root;
}

json_object *
sy_gguf_tokenizer_json (SyGguf  *self,
                        GError **error)
{
  const char *model = sy_gguf_get_string (self, "tokenizer.ggml.model");
  const char *pre = sy_gguf_get_string (self, "tokenizer.ggml.pre");
  const char *regex = NULL;
  g_auto (GStrv) tokens = NULL;
  g_auto (GStrv) merges = NULL;
  g_autofree int32_t *types = NULL;
  guint64 n_types = 0;
  json_object *root, *bpe, *vocab, *jmerges, *added, *pre_tok;
  guint n;

  if (model == NULL)
    return NULL;
  if (strcmp (model, "llama") == 0)
    return spm_tokenizer_json (self, error);
  if (strcmp (model, "gpt2") != 0)
    {
      g_warning ("%s: tokenizer kind '%s' (tokenizer.ggml.model) is not supported "
                 "(supported: gpt2, llama); the model loads without a tokenizer", self->path, model);
      return NULL;
    }
  if (pre == NULL || strcmp (pre, "gpt-2") == 0 || strcmp (pre, "olmo") == 0
      || strcmp (pre, "default") == 0)
    regex = NULL;
  else if (strcmp (pre, "llama-bpe") == 0 || strcmp (pre, "llama3") == 0)
    regex = SY_GGUF_REGEX_LLAMA3;
  else if (strcmp (pre, "qwen2") == 0)
    regex = SY_GGUF_REGEX_QWEN2;
  else
    {
      g_warning ("%s: tokenizer kind gpt2 with pre-tokenizer '%s' (tokenizer.ggml.pre) is not "
                 "supported; the model loads without a tokenizer", self->path, pre);
      return NULL;
    }
  tokens = sy_gguf_get_string_array (self, "tokenizer.ggml.tokens");
  merges = sy_gguf_get_string_array (self, "tokenizer.ggml.merges");
  if (tokens == NULL || merges == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                   "%s: a gpt2 tokenizer needs string arrays tokenizer.ggml.tokens and .merges",
                   self->path);
      return NULL;
    }
  n = g_strv_length (tokens);
  types = sy_gguf_get_int_array (self, "tokenizer.ggml.token_type", &n_types);
  if (types && n_types != n)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tokenizer.ggml.token_type has %" G_GUINT64_FORMAT " entries for %u tokens",
                   self->path, n_types, n);
      return NULL;
    }

  root = json_object_new_object ();
  bpe = json_object_new_object ();
  vocab = json_object_new_object ();
  jmerges = json_object_new_array ();
  added = json_object_new_array ();
  json_object_object_add (bpe, "type", json_object_new_string ("BPE"));
  json_object_object_add (bpe, "byte_fallback", json_object_new_boolean (FALSE));
  for (guint i = 0; i < n; i++)
    {
      int type = types ? types[i] : 1;

      /* 3 control, 4 user-defined: matched whole before the model runs */
      if (type == 3 || type == 4)
        {
          json_object *a = json_object_new_object ();

          json_object_object_add (a, "id", json_object_new_int (i));
          json_object_object_add (a, "content", json_object_new_string (tokens[i]));
          json_object_object_add (a, "single_word", json_object_new_boolean (FALSE));
          json_object_object_add (a, "lstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "rstrip", json_object_new_boolean (FALSE));
          json_object_object_add (a, "normalized", json_object_new_boolean (type == 4));
          json_object_object_add (a, "special", json_object_new_boolean (type == 3));
          json_object_array_add (added, a);
        }
      if (!json_object_object_get_ex (vocab, tokens[i], NULL))
        json_object_object_add (vocab, tokens[i], json_object_new_int (i));
    }
  for (guint i = 0; merges[i]; i++)
    {
      /* "a b": the pair, split at the first space */
      const char *sp = strchr (merges[i], ' ');
      json_object *pair = json_object_new_array ();

      if (sp == NULL || sp == merges[i] || sp[1] == '\0')
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                       "%s: tokenizer merge %u ('%s') is not two tokens", self->path, i, merges[i]);
          json_object_put (pair);
          json_object_put (jmerges);
          json_object_put (vocab);
          json_object_put (bpe);
          json_object_put (added);
          json_object_put (root);
          return NULL;
        }
      json_object_array_add (pair, json_object_new_string_len (merges[i], (int) (sp - merges[i])));
      json_object_array_add (pair, json_object_new_string (sp + 1));
      json_object_array_add (jmerges, pair);
    }
  json_object_object_add (bpe, "vocab", vocab);
  json_object_object_add (bpe, "merges", jmerges);
  json_object_object_add (root, "model", bpe);
  json_object_object_add (root, "added_tokens", added);
  if (regex)
    {
      json_object *seq = json_object_new_array (), *split = json_object_new_object ();
      json_object *pat = json_object_new_object ();

      json_object_object_add (pat, "Regex", json_object_new_string (regex));
      json_object_object_add (split, "type", json_object_new_string ("Split"));
      json_object_object_add (split, "pattern", pat);
      json_object_object_add (split, "behavior", json_object_new_string ("Isolated"));
      json_object_object_add (split, "invert", json_object_new_boolean (FALSE));
      json_object_array_add (seq, split);
      json_object_array_add (seq, byte_level (FALSE, TRUE));
      pre_tok = json_object_new_object ();
      json_object_object_add (pre_tok, "type", json_object_new_string ("Sequence"));
      json_object_object_add (pre_tok, "pretokenizers", seq);
    }
  else
    pre_tok = byte_level (TRUE, TRUE);
  json_object_object_add (root, "pre_tokenizer", pre_tok);
  json_object_object_add (root, "post_processor", byte_level (TRUE, FALSE));
  json_object_object_add (root, "decoder", byte_level (TRUE, TRUE));
  return root;
}

gboolean
sy_gguf_model_rope_pairs (SyGguf *self)
{
  const SyGgufArch *g = _sy_gguf_arch_find (sy_gguf_get_string (self, "general.architecture"), NULL);

  return g != NULL && g->qk_pairs;
}

SyTensorStore *
sy_gguf_model_store (SyGguf            *self,
                     const SyArchSpec  *arch,
                     GError           **error)
{
  g_autoptr (SyTensorStore) store = _sy_tensor_store_new_mapped (self->path, self->map);
  const char *gguf_arch = sy_gguf_get_string (self, "general.architecture");

  for (guint i = 0; i < self->n_tensors; i++)
    {
      const SyTensor *t = &self->tensors[i];
      const SyGgufNameRule *rule = NULL;
      const char *pattern = NULL;
      int layer = -1;

      for (const SyGgufNameRule *r = name_rules; r->gguf; r++)
        if (_sy_gguf_rule_applies (r, gguf_arch) && rule_matches (r, t->name, &layer))
          {
            rule = r;
            break;
          }
      if (rule)
        pattern = _sy_gguf_rule_pattern (arch, rule);
      if (pattern == NULL)
        {
          /* not something this arch binds: kept, reported as unused */
          if (!_sy_tensor_store_add (store, t->name, t->dtype, t->n_dims, t->shape,
                                     t->data, t->n_bytes, error))
            return NULL;
          continue;
        }
      switch (rule->kind)
        {
        case SY_GGUF_NAME_GLOBAL:
          if (!_sy_tensor_store_add (store, pattern, t->dtype, t->n_dims, t->shape,
                                     t->data, t->n_bytes, error))
            return NULL;
          break;
        case SY_GGUF_NAME_LAYER:
          {
            g_autofree char *hf = g_strdup_printf (pattern, layer, rule->suffix);

            if (!_sy_tensor_store_add (store, hf, t->dtype, t->n_dims, t->shape,
                                       t->data, t->n_bytes, error))
              return NULL;
          }
          break;
        case SY_GGUF_NAME_ROW:
          {
            g_autofree char *hf = g_strdup_printf (pattern, layer, rule->suffix);
            int64_t shape[2] = { 1, t->shape[t->n_dims - 1] };

            if (t->n_dims != 1)
              goto bad_shape;
            if (!_sy_tensor_store_add (store, hf, t->dtype, 2, shape, t->data, t->n_bytes, error))
              return NULL;
          }
          break;
        case SY_GGUF_NAME_EXPERTS:
          {
            gsize per;
            int64_t inner = 1;

            /* (E, rows, cols) matrices or (E, n) biases, split per expert */
            if (t->n_dims != 3 && t->n_dims != 2)
              goto bad_shape;
            for (int d = 1; d < t->n_dims; d++)
              inner *= t->shape[d];
            per = sy_dtype_n_bytes (t->dtype, inner);
            for (int64_t e = 0; e < t->shape[0]; e++)
              {
                g_autofree char *hf = g_strdup_printf (pattern, layer, (int) e);

                if (!_sy_tensor_store_add (store, hf, t->dtype, t->n_dims - 1, t->shape + 1,
                                           (const guint8 *) t->data + e * per, per, error))
                  return NULL;
              }
          }
          break;
        }
      continue;

    bad_shape:
      {
        g_autofree char *s = sy_tensor_shape_string (t);

        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH,
                     "%s: tensor '%s' has shape %s, expected %s", self->path, t->name, s,
                     rule->kind == SY_GGUF_NAME_ROW ? "1 dim" : "2 or 3 dims (experts first)");
        return NULL;
      }
    }
  return g_steal_pointer (&store);
}

/* sy-gguf-writer.c: GGUF files from float32 tensors (HF models to GGUF
 * are in sy-gguf-convert.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sy-gguf-private.h"
#include "sy-gguf-writer.h"
#include "sy-pool.h"
#include "sy-quant.h"

/* Values a ranged tensor is made and stored in per step (in whole rows):
 * 16 MiB of float32 however large the tensor */
#define CHUNK_VALUES ((int64_t) 1 << 22)

typedef struct
{
  char          *name;
  guint32        type;       /* ggml type id */
  SyDType        dtype;      /* for @fill: what its values are stored as */
  int            n_dims;
  int64_t        shape[SY_TENSOR_MAX_DIMS];
  guint64        n_bytes;
  GBytes        *data;       /* the stored bytes, or NULL: made by @fill or @fill_range */
  SyGgufFillFunc fill;
  SyTensorFillFunc fill_range;
  gpointer       fill_data;
  GDestroyNotify fill_destroy;
} WTensor;

struct _SyGgufWriter
{
  guint32         version;
  guint32         alignment;
  GByteArray     *kv;          /* encoded metadata entries */
  guint64         n_kv;
  GPtrArray      *tensors;     /* WTensor* */
  int             n_threads;   /* that make and store deferred tensors; 0: one per CPU */
  SyProgressFunc  progress;
  gpointer        progress_data;
};

static void
wtensor_free (WTensor *t)
{
  g_free (t->name);
  g_clear_pointer (&t->data, g_bytes_unref);
  if (t->fill_destroy)
    t->fill_destroy (t->fill_data);
  g_free (t);
}

SyGgufWriter *
sy_gguf_writer_new (guint32 version)
{
  SyGgufWriter *self = g_new0 (SyGgufWriter, 1);

  self->version = version;
  self->alignment = 32;
  self->kv = g_byte_array_new ();
  self->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) wtensor_free);
  return self;
}

void
sy_gguf_writer_free (SyGgufWriter *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->kv);
  g_ptr_array_unref (self->tensors);
  g_free (self);
}

void
sy_gguf_writer_set_threads (SyGgufWriter *self,
                            int           n_threads)
{
  self->n_threads = MAX (n_threads, 0);
}

void
sy_gguf_writer_set_progress (SyGgufWriter   *self,
                             SyProgressFunc  progress,
                             gpointer        progress_data)
{
  self->progress = progress;
  self->progress_data = progress_data;
}

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
put_u64 (GByteArray *b,
         guint64     v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 8);
}

static void
put_str (GByteArray *b,
         const char *s)
{
  put_u64 (b, strlen (s));
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

static void
kv_head (SyGgufWriter *self,
         const char   *key,
         guint32       type)
{
  put_str (self->kv, key);
  put_u32 (self->kv, type);
  self->n_kv++;
}

void
sy_gguf_writer_set_alignment (SyGgufWriter *self,
                              guint32       alignment)
{
  self->alignment = alignment;
  sy_gguf_writer_add_u32 (self, "general.alignment", alignment);
}

void
sy_gguf_writer_add_u32 (SyGgufWriter *self,
                        const char   *key,
                        guint32       value)
{
  kv_head (self, key, SY_GGUF_UINT32);
  put_u32 (self->kv, value);
}

void
sy_gguf_writer_add_i32 (SyGgufWriter *self,
                        const char   *key,
                        gint32        value)
{
  kv_head (self, key, SY_GGUF_INT32);
  put_u32 (self->kv, (guint32) value);
}

void
sy_gguf_writer_add_f32 (SyGgufWriter *self,
                        const char   *key,
                        float         value)
{
  guint32 bits;

  memcpy (&bits, &value, 4);
  kv_head (self, key, SY_GGUF_FLOAT32);
  put_u32 (self->kv, bits);
}

void
sy_gguf_writer_add_bool (SyGgufWriter *self,
                         const char   *key,
                         gboolean      value)
{
  guint8 b = value ? 1 : 0;

  kv_head (self, key, SY_GGUF_BOOL);
  g_byte_array_append (self->kv, &b, 1);
}

void
sy_gguf_writer_add_string (SyGgufWriter *self,
                           const char   *key,
                           const char   *value)
{
  kv_head (self, key, SY_GGUF_STRING);
  put_str (self->kv, value);
}

void
sy_gguf_writer_add_string_array (SyGgufWriter       *self,
                                 const char         *key,
                                 const char * const *values,
                                 guint64             n)
{
  kv_head (self, key, SY_GGUF_ARRAY);
  put_u32 (self->kv, SY_GGUF_STRING);
  put_u64 (self->kv, n);
  for (guint64 i = 0; i < n; i++)
    put_str (self->kv, values[i]);
}

/* an array of @n 4-byte values of @type (their bits as they are) */
static void
add_array32 (SyGgufWriter *self,
             const char   *key,
             guint32       type,
             const void   *values,
             guint64       n)
{
  kv_head (self, key, SY_GGUF_ARRAY);
  put_u32 (self->kv, type);
  put_u64 (self->kv, n);
  for (guint64 i = 0; i < n; i++)
    {
      guint32 u;

      memcpy (&u, (const guint8 *) values + 4 * i, 4);
      put_u32 (self->kv, u);
    }
}

void
sy_gguf_writer_add_i32_array (SyGgufWriter  *self,
                              const char    *key,
                              const int32_t *values,
                              guint64        n)
{
  add_array32 (self, key, SY_GGUF_INT32, values, n);
}

void
sy_gguf_writer_add_f32_array (SyGgufWriter *self,
                              const char   *key,
                              const float  *values,
                              guint64       n)
{
  add_array32 (self, key, SY_GGUF_FLOAT32, values, n);
}

void
sy_gguf_writer_add_raw_kv (SyGgufWriter *self,
                           const char   *key,
                           guint32       type,
                           const void   *bytes,
                           gsize         n_bytes)
{
  kv_head (self, key, type);
  g_byte_array_append (self->kv, bytes, n_bytes);
}

/* Our types and their ggml type ids, for the types the writer stores */
static const struct
{
  SyDType dtype;
  guint32 ggml;
} ggml_ids[] = {
  { SY_DTYPE_F32, SY_GGML_F32 },
  { SY_DTYPE_F16, SY_GGML_F16 },
  { SY_DTYPE_BF16, SY_GGML_BF16 },
  { SY_DTYPE_Q8_0, SY_GGML_Q8_0 },
  { SY_DTYPE_Q4_0, SY_GGML_Q4_0 },
  { SY_DTYPE_Q4_K, SY_GGML_Q4_K },
  { SY_DTYPE_Q6_K, SY_GGML_Q6_K },
  { SY_DTYPE_Q4_1, SY_GGML_Q4_1 },
  { SY_DTYPE_Q5_0, SY_GGML_Q5_0 },
  { SY_DTYPE_Q5_1, SY_GGML_Q5_1 },
  { SY_DTYPE_Q2_K, SY_GGML_Q2_K },
  { SY_DTYPE_Q3_K, SY_GGML_Q3_K },
  { SY_DTYPE_Q5_K, SY_GGML_Q5_K },
  { SY_DTYPE_IQ4_NL, SY_GGML_IQ4_NL },
  { SY_DTYPE_IQ4_XS, SY_GGML_IQ4_XS },
  { SY_DTYPE_MXFP4, SY_GGML_MXFP4 },
};

static guint32
ggml_id (SyDType dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ggml_ids); i++)
    if (ggml_ids[i].dtype == dtype)
      return ggml_ids[i].ggml;
  return G_MAXUINT32;
}

gboolean
sy_gguf_writer_can_store (SyDType dtype)
{
  return ggml_id (dtype) != G_MAXUINT32;
}

static WTensor *
wtensor_new (const SyTensorDesc *desc,
             guint32             ggml_type)
{
  WTensor *t = g_new0 (WTensor, 1);

  t->name = g_strdup (desc->name);
  t->type = ggml_type;
  t->dtype = desc->dtype;
  t->n_dims = desc->n_dims;
  memcpy (t->shape, desc->shape, sizeof (int64_t) * desc->n_dims);
  return t;
}

void
sy_gguf_writer_add_raw_tensor (SyGgufWriter   *self,
                               const SyTensor *tensor,
                               guint32         ggml_type)
{
  SyTensorDesc desc = { tensor->name, tensor->dtype, tensor->n_dims, tensor->shape };
  WTensor *t = wtensor_new (&desc, ggml_type);

  t->data = g_bytes_new (tensor->data, tensor->n_bytes);
  t->n_bytes = tensor->n_bytes;
  g_ptr_array_add (self->tensors, t);
}

/* The byte size of @desc's tensor stored as its dtype, or 0 (and @error)
 * when it cannot be: no ggml id, or rows that are not whole blocks. */
static gsize
check_tensor (const SyTensorDesc  *desc,
              GError             **error)
{
  SyDType dtype = desc->dtype;
  int n_dims = desc->n_dims;
  const int64_t *shape = desc->shape;
  int64_t n = 1;
  gsize n_bytes = 0;

  if (n_dims >= 1 && n_dims <= SY_TENSOR_MAX_DIMS && ggml_id (dtype) != G_MAXUINT32
      && shape[n_dims - 1] % sy_dtype_block_elems (dtype) == 0)
    {
      for (int d = 0; d < n_dims; d++)
        n *= shape[d];
      n_bytes = sy_dtype_n_bytes (dtype, n);
    }
  if (n_bytes == 0)
    g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                 "GGUF writer: tensor '%s' cannot be stored as %s (rows of %" G_GINT64_FORMAT ")",
                 desc->name, sy_dtype_name (dtype), n_dims > 0 ? shape[n_dims - 1] : 0);
  return n_bytes;
}

/* @values (@n of them) as @dtype into @out (sy_dtype_n_bytes (dtype, n)) */
static void
encode (SyDType      dtype,
        const float *values,
        int64_t      n,
        guint8      *out)
{
  if (sy_dtype_is_quantized (dtype))
    sy_quantize (dtype, values, n, out);
  else
    sy_dtype_from_f32 (dtype, values, n, out);
}

gboolean
sy_gguf_writer_add_tensor (SyGgufWriter        *self,
                           const SyTensorDesc  *desc,
                           const float         *values,
                           GError             **error)
{
  SyDType dtype = desc->dtype;
  gsize n_bytes = check_tensor (desc, error);
  WTensor *t;
  guint8 *buf;

  if (n_bytes == 0)
    return FALSE;
  buf = g_malloc (n_bytes);
  encode (dtype, values, (int64_t) (n_bytes / sy_dtype_block_bytes (dtype)) * sy_dtype_block_elems (dtype), buf);
  t = wtensor_new (desc, ggml_id (dtype));
  t->data = g_bytes_new_take (buf, n_bytes);
  t->n_bytes = n_bytes;
  g_ptr_array_add (self->tensors, t);
  return TRUE;
}

gboolean
sy_gguf_writer_add_tensor_deferred (SyGgufWriter        *self,
                                    const SyTensorDesc  *desc,
                                    SyGgufFillFunc       fill,
                                    gpointer             fill_data,
                                    GDestroyNotify       fill_destroy,
                                    GError             **error)
{
  gsize n_bytes = check_tensor (desc, error);
  WTensor *t;

  if (n_bytes == 0)
    {
      if (fill_destroy)
        fill_destroy (fill_data);
      return FALSE;
    }
  t = wtensor_new (desc, ggml_id (desc->dtype));
  t->n_bytes = n_bytes;
  t->fill = fill;
  t->fill_data = fill_data;
  t->fill_destroy = fill_destroy;
  g_ptr_array_add (self->tensors, t);
  return TRUE;
}

gboolean
sy_gguf_writer_add_tensor_ranged (SyGgufWriter        *self,
                                  const SyTensorDesc  *desc,
                                  SyTensorFillFunc     fill_range,
                                  gpointer             fill_data,
                                  GDestroyNotify       fill_destroy,
                                  GError             **error)
{
  if (!sy_gguf_writer_add_tensor_deferred (self, desc, NULL, fill_data, fill_destroy, error))
    return FALSE;
  ((WTensor *) g_ptr_array_index (self->tensors, self->tensors->len - 1))->fill_range = fill_range;
  return TRUE;
}

static void
pad_to (GByteArray *b,
        guint32     alignment)
{
  static const guint8 zeros[64] = { 0 };

  while (b->len % alignment)
    g_byte_array_append (b, zeros, MIN (sizeof zeros, alignment - b->len % alignment));
}

/* Zeros after @n bytes of data up to the alignment */
static gboolean
write_padding (FILE        *f,
               const char  *path,
               guint64      n,
               guint32      alignment,
               GError     **error)
{
  g_autofree guint8 *zeros = g_malloc0 (alignment);
  guint64 pad = (alignment - n % alignment) % alignment;

  return sy_engine_write (f, path, zeros, pad, error);
}

/* One step of making and storing a deferred tensor on the pool: the
 * values [@first, @first + @n) of @t, in whole @unit (rows when @t is
 * made by ranges, else blocks); task k of @n_tasks makes (by ranges) and
 * stores its share */
typedef struct
{
  WTensor  *t;
  float    *values;       /* values[0] is value @first */
  guint8   *bytes;        /* their stored bytes (NULL for F32: written as they are) */
  int64_t   first, n, unit;
  int       n_tasks;
  GError  **errors;       /* one per task */
} Step;

static void
step_task (int      k,
           gpointer data)
{
  Step *s = data;
  int64_t units = s->n / s->unit;
  int64_t off = units * k / s->n_tasks * s->unit, len = units * (k + 1) / s->n_tasks * s->unit - off;

  if (len == 0)
    return;
  if (s->t->fill_range && !s->t->fill_range (s->values + off, s->first + off, len, s->t->fill_data, &s->errors[k]))
    return;
  if (s->bytes)
    encode (s->t->dtype, s->values + off, len, s->bytes + sy_dtype_n_bytes (s->t->dtype, off));
}

/* Makes the deferred tensor @t and writes it: a whole-tensor fill at once
 * then stored in parallel, or a ranged one CHUNK_VALUES at a time, made
 * and stored in parallel.  The bytes do not depend on the threads. */
static gboolean
write_made (SyGgufWriter  *self,
            WTensor       *t,
            SyPool        *pool,
            FILE          *f,
            const char    *path,
            GError       **error)
{
  int64_t n = (int64_t) (t->n_bytes / sy_dtype_block_bytes (t->dtype)) * sy_dtype_block_elems (t->dtype);
  int64_t cols = t->shape[t->n_dims - 1], step_n;
  int n_tasks = 4 * sy_pool_n_threads (pool);
  g_autofree float *values = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autofree GError **errors = g_new0 (GError *, n_tasks);
  gboolean ok = TRUE;

  step_n = t->fill_range && cols > 0 ? MAX (CHUNK_VALUES / cols, 1) * cols : n;
  step_n = MIN (step_n, n);
  values = g_try_new (float, MAX (step_n, 1));
  if (t->dtype != SY_DTYPE_F32)
    bytes = g_try_malloc (MAX (sy_dtype_n_bytes (t->dtype, step_n), 1));
  if (values == NULL || (t->dtype != SY_DTYPE_F32 && bytes == NULL))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                   "GGUF writer: not enough memory for tensor '%s' (%" G_GINT64_FORMAT " values)",
                   t->name, step_n);
      return FALSE;
    }
  if (t->fill_range == NULL && !t->fill (values, n, t->fill_data, error))
    return FALSE;
  for (int64_t first = 0; ok && first < n; first += step_n)
    {
      Step s = { t, values, bytes, first, MIN (step_n, n - first),
                 t->fill_range ? cols : sy_dtype_block_elems (t->dtype), n_tasks, errors };

      if (t->fill_range || bytes)
        sy_pool_run (pool, n_tasks, step_task, &s);
      for (int k = 0; k < n_tasks; k++)
        if (errors[k] != NULL)
          {
            if (ok)
              g_propagate_error (error, g_steal_pointer (&errors[k]));
            g_clear_error (&errors[k]);
            ok = FALSE;
          }
      if (ok)
        ok = sy_engine_write (f, path, bytes ? (const void *) bytes : (const void *) values,
                          bytes ? sy_dtype_n_bytes (t->dtype, s.n) : sizeof (float) * s.n, error);
    }
  return ok;
}

/* The head (magic, counts, metadata, tensor infos with the offsets that
 * follow from the sizes) and then each tensor in turn: made by its fill
 * function where it has one, stored, written and freed, so that at most
 * one tensor is held at a time.  Written to a temporary file beside
 * @path, renamed over it at the end. */
gboolean
sy_gguf_writer_write (SyGgufWriter *self,
                      const char   *path,
                      GError      **error)
{
  g_autoptr (GByteArray) head = g_byte_array_new ();
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  guint64 off = 0, total = 0, done = 0;
  g_autoptr (SyPool) pool = NULL;
  gboolean ok = TRUE;
  FILE *f;
  int fd;

  g_byte_array_append (head, (const guint8 *) "GGUF", 4);
  put_u32 (head, self->version);
  put_u64 (head, self->tensors->len);
  put_u64 (head, self->n_kv);
  g_byte_array_append (head, self->kv->data, self->kv->len);
  for (guint i = 0; i < self->tensors->len; i++)
    {
      WTensor *t = g_ptr_array_index (self->tensors, i);

      put_str (head, t->name);
      put_u32 (head, t->n_dims);
      for (int d = t->n_dims - 1; d >= 0; d--)
        put_u64 (head, (guint64) t->shape[d]);
      put_u32 (head, t->type);
      put_u64 (head, off);
      off += t->n_bytes;
      off = (off + self->alignment - 1) / self->alignment * self->alignment;
      total += t->n_bytes;
    }
  pad_to (head, self->alignment);

  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0 || (f = fdopen (fd, "wb")) == NULL)
    {
      int saved = errno;

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot create it: %s",
                   path, g_strerror (saved));
      if (fd >= 0)
        {
          close (fd);
          g_unlink (tmp);
        }
      return FALSE;
    }
  ok = sy_engine_write (f, path, head->data, head->len, error);
  for (guint i = 0; i < self->tensors->len && pool == NULL; i++)
    if (((WTensor *) g_ptr_array_index (self->tensors, i))->data == NULL)
      pool = sy_pool_new (self->n_threads);
  for (guint i = 0; ok && i < self->tensors->len; i++)
    {
      WTensor *t = g_ptr_array_index (self->tensors, i);

      if (t->data)
        ok = sy_engine_write (f, path, g_bytes_get_data (t->data, NULL), t->n_bytes, error);
      else
        ok = write_made (self, t, pool, f, path, error);
      if (ok)
        ok = write_padding (f, path, t->n_bytes, self->alignment, error);
      done += t->n_bytes;
      if (ok && self->progress && !self->progress (total ? (double) done / total : 1.0, "Writing GGUF",
                                                   self->progress_data))
        {
          g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED, "%s: cancelled", path);
          ok = FALSE;
        }
    }
  ok = sy_engine_close (f, path, ok, error);
  if (ok && g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot rename %s to it: %s",
                   path, tmp, g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}

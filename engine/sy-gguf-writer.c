/* sy-gguf-writer.c: GGUF files from float32 tensors, HF models to GGUF
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "sy-gguf-private.h"
#include "sy-gguf-writer.h"
#include "sy-quant.h"

typedef struct
{
  char     *name;
  guint32   type;
  int       n_dims;
  int64_t   shape[SY_TENSOR_MAX_DIMS];
  GBytes   *data;
} WTensor;

struct _SyGgufWriter
{
  guint32     version;
  guint32     alignment;
  GByteArray *kv;          /* encoded metadata entries */
  guint64     n_kv;
  GPtrArray  *tensors;     /* WTensor* */
};

static void
wtensor_free (WTensor *t)
{
  g_free (t->name);
  g_bytes_unref (t->data);
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

void
sy_gguf_writer_add_i32_array (SyGgufWriter  *self,
                              const char    *key,
                              const int32_t *values,
                              guint64        n)
{
  kv_head (self, key, SY_GGUF_ARRAY);
  put_u32 (self->kv, SY_GGUF_INT32);
  put_u64 (self->kv, n);
  for (guint64 i = 0; i < n; i++)
    put_u32 (self->kv, (guint32) values[i]);
}

void
sy_gguf_writer_add_f32_array (SyGgufWriter *self,
                              const char   *key,
                              const float  *values,
                              guint64       n)
{
  kv_head (self, key, SY_GGUF_ARRAY);
  put_u32 (self->kv, SY_GGUF_FLOAT32);
  put_u64 (self->kv, n);
  for (guint64 i = 0; i < n; i++)
    {
      guint32 u;

      memcpy (&u, &values[i], 4);
      put_u32 (self->kv, u);
    }
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

static guint32
ggml_id (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_F32: return SY_GGML_F32;
    case SY_DTYPE_F16: return SY_GGML_F16;
    case SY_DTYPE_BF16: return SY_GGML_BF16;
    case SY_DTYPE_Q8_0: return SY_GGML_Q8_0;
    case SY_DTYPE_Q4_0: return SY_GGML_Q4_0;
    case SY_DTYPE_Q4_K: return SY_GGML_Q4_K;
    case SY_DTYPE_Q6_K: return SY_GGML_Q6_K;
    case SY_DTYPE_Q4_1: return SY_GGML_Q4_1;
    case SY_DTYPE_Q5_0: return SY_GGML_Q5_0;
    case SY_DTYPE_Q5_1: return SY_GGML_Q5_1;
    case SY_DTYPE_Q2_K: return SY_GGML_Q2_K;
    case SY_DTYPE_Q3_K: return SY_GGML_Q3_K;
    case SY_DTYPE_Q5_K: return SY_GGML_Q5_K;
    case SY_DTYPE_IQ4_NL: return SY_GGML_IQ4_NL;
    case SY_DTYPE_IQ4_XS: return SY_GGML_IQ4_XS;
    case SY_DTYPE_MXFP4: return SY_GGML_MXFP4;
    default: return G_MAXUINT32;
    }
}

void
sy_gguf_writer_add_raw_tensor (SyGgufWriter  *self,
                               const char    *name,
                               guint32        ggml_type,
                               int            n_dims,
                               const int64_t *shape,
                               const void    *bytes,
                               gsize          n_bytes)
{
  WTensor *t = g_new0 (WTensor, 1);

  t->name = g_strdup (name);
  t->type = ggml_type;
  t->n_dims = n_dims;
  memcpy (t->shape, shape, sizeof (int64_t) * n_dims);
  t->data = g_bytes_new (bytes, n_bytes);
  g_ptr_array_add (self->tensors, t);
}

gboolean
sy_gguf_writer_add_tensor (SyGgufWriter  *self,
                           const char    *name,
                           SyDType        dtype,
                           int            n_dims,
                           const int64_t *shape,
                           const float   *values,
                           GError       **error)
{
  int64_t n = 1;
  gsize n_bytes;
  guint8 *buf;

  for (int d = 0; d < n_dims; d++)
    n *= shape[d];
  n_bytes = sy_dtype_n_bytes (dtype, n);
  if (n_dims < 1 || n_dims > SY_TENSOR_MAX_DIMS || ggml_id (dtype) == G_MAXUINT32
      || shape[n_dims - 1] % sy_dtype_block_elems (dtype) != 0 || n_bytes == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "GGUF writer: tensor '%s' cannot be stored as %s (rows of %" G_GINT64_FORMAT ")",
                   name, sy_dtype_name (dtype), n_dims > 0 ? shape[n_dims - 1] : 0);
      return FALSE;
    }
  buf = g_malloc (n_bytes);
  switch (dtype)
    {
    case SY_DTYPE_F32:
      memcpy (buf, values, n_bytes);
      break;
    case SY_DTYPE_F16:
    case SY_DTYPE_BF16:
      for (int64_t i = 0; i < n; i++)
        {
          uint16_t h = dtype == SY_DTYPE_F16 ? sy_f32_to_f16 (values[i]) : sy_f32_to_bf16 (values[i]);

          memcpy (buf + 2 * i, &h, 2);
        }
      break;
    default:
      sy_quantize (dtype, values, n, buf);
      break;
    }
  sy_gguf_writer_add_raw_tensor (self, name, ggml_id (dtype), n_dims, shape, buf, n_bytes);
  g_free (buf);
  return TRUE;
}

gboolean
sy_gguf_writer_write (SyGgufWriter *self,
                      const char   *path,
                      GError      **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) local = NULL;
  guint64 off = 0;
  static const guint8 zeros[64] = { 0 };

  g_byte_array_append (out, (const guint8 *) "GGUF", 4);
  put_u32 (out, self->version);
  put_u64 (out, self->tensors->len);
  put_u64 (out, self->n_kv);
  g_byte_array_append (out, self->kv->data, self->kv->len);
  for (guint i = 0; i < self->tensors->len; i++)
    {
      WTensor *t = g_ptr_array_index (self->tensors, i);

      put_str (out, t->name);
      put_u32 (out, t->n_dims);
      for (int d = t->n_dims - 1; d >= 0; d--)
        put_u64 (out, (guint64) t->shape[d]);
      put_u32 (out, t->type);
      put_u64 (out, off);
      off += g_bytes_get_size (t->data);
      off = (off + self->alignment - 1) / self->alignment * self->alignment;
    }
  while (out->len % self->alignment)
    g_byte_array_append (out, zeros, MIN (sizeof zeros, self->alignment - out->len % self->alignment));
  for (guint i = 0; i < self->tensors->len; i++)
    {
      WTensor *t = g_ptr_array_index (self->tensors, i);
      gsize n;
      const guint8 *d = g_bytes_get_data (t->data, &n);

      g_byte_array_append (out, d, n);
      while (out->len % self->alignment)
        g_byte_array_append (out, zeros, MIN (sizeof zeros, self->alignment - out->len % self->alignment));
    }
  if (!g_file_set_contents (path, (const char *) out->data, out->len, &local))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------- converting */

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Rows of each head of @head_dim from halves (HF rotate_half order) to
 * pairs: row j * D/2 + i goes to 2 i + j (what llama.cpp's converter does
 * for its pairwise rope).  @cols = 1 for biases. */
static void
permute_pairs (float   *v,
               int64_t  rows,
               int64_t  cols,
               int      head_dim)
{
  g_autofree float *tmp = g_memdup2 (v, sizeof (float) * rows * cols);
  int half = head_dim / 2;

  for (int64_t r = 0; r < rows; r++)
    {
      int64_t h = r / head_dim, k = r % head_dim;
      int64_t dst = h * head_dim + 2 * (k % half) + k / half;

      memcpy (v + dst * cols, tmp + r * cols, sizeof (float) * cols);
    }
}

static gboolean
add_from_store (SyGgufWriter    *w,
                const char      *gguf_name,
                const SyTensor  *t,
                SyDType          wanted,
                int              pair_head_dim,   /* > 0: permute rows for pairwise rope */
                GError         **error)
{
  int64_t n = sy_tensor_n_elements (t);
  g_autofree float *v = g_new (float, MAX (n, 1));
  SyDType dtype = wanted;

  sy_tensor_to_f32 (t, 0, n, v);
  if (pair_head_dim > 0)
    permute_pairs (v, t->shape[0], t->n_dims == 2 ? t->shape[1] : 1, pair_head_dim);
  if (t->n_dims < 2 || t->shape[t->n_dims - 1] % sy_dtype_block_elems (wanted) != 0
      || strstr (gguf_name, "ffn_gate_inp") != NULL)
    dtype = SY_DTYPE_F32;
  return sy_gguf_writer_add_tensor (w, gguf_name, dtype, t->n_dims, t->shape, v, error);
}

/* gpt-oss: gate_up (E, H, 2 I) with gate / up in the even / odd columns
 * and down (E, I, H), both used as x @ W, to GGUF's ffn_gate_exps,
 * ffn_up_exps (E, I, H) and ffn_down_exps (E, H, I), biases split alike. */
static gboolean
add_interleaved_experts (SyGgufWriter    *w,
                         SyTensorStore   *store,
                         const SyArchSpec *arch,
                         const SyConfig  *c,
                         int              l,
                         SyDType          weight_type,
                         GError         **error)
{
  int E = c->n_experts, H = c->hidden_size, I = c->expert_ffn;
  int64_t in_shape[3] = { E, H, 2 * I }, out_shape[3] = { E, I, H };
  int64_t inb_shape[2] = { E, 2 * I }, outb_shape[2] = { E, H };
  g_autofree char *in_name = g_strdup_printf (arch->experts_in, l);
  g_autofree char *out_name = g_strdup_printf (arch->experts_out, l);
  g_autofree char *inb_name = g_strdup_printf (arch->experts_in_bias, l);
  g_autofree char *outb_name = g_strdup_printf (arch->experts_out_bias, l);
  const SyTensor *in, *out, *inb, *outb;
  g_autofree float *vin = NULL, *vout = NULL, *vinb = NULL, *voutb = NULL;
  g_autofree float *gate = g_new (float, (gsize) E * I * H);
  g_autofree float *up = g_new (float, (gsize) E * I * H);
  g_autofree float *down = g_new (float, (gsize) E * H * I);
  g_autofree float *gb = g_new (float, (gsize) E * I);
  g_autofree float *ub = g_new (float, (gsize) E * I);
  int64_t eih[3] = { E, I, H }, ehi[3] = { E, H, I }, ei[2] = { E, I };
  SyDType wt_in = H % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;
  SyDType wt_out = I % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;
  char name[128];

  if ((in = sy_tensor_store_get (store, in_name, 3, in_shape, error)) == NULL
      || (out = sy_tensor_store_get (store, out_name, 3, out_shape, error)) == NULL
      || (inb = sy_tensor_store_get (store, inb_name, 2, inb_shape, error)) == NULL
      || (outb = sy_tensor_store_get (store, outb_name, 2, outb_shape, error)) == NULL)
    return FALSE;
  vin = g_new (float, (gsize) E * H * 2 * I);
  vout = g_new (float, (gsize) E * I * H);
  vinb = g_new (float, (gsize) E * 2 * I);
  voutb = g_new (float, (gsize) E * H);
  sy_tensor_to_f32 (in, 0, (int64_t) E * H * 2 * I, vin);
  sy_tensor_to_f32 (out, 0, (int64_t) E * I * H, vout);
  sy_tensor_to_f32 (inb, 0, (int64_t) E * 2 * I, vinb);
  sy_tensor_to_f32 (outb, 0, (int64_t) E * H, voutb);
  for (gsize e = 0; e < (gsize) E; e++)
    {
      for (gsize i = 0; i < (gsize) I; i++)
        {
          for (gsize h = 0; h < (gsize) H; h++)
            {
              gate[(e * I + i) * H + h] = vin[(e * H + h) * 2 * I + 2 * i];
              up[(e * I + i) * H + h] = vin[(e * H + h) * 2 * I + 2 * i + 1];
              down[(e * H + h) * I + i] = vout[(e * I + i) * H + h];
            }
          gb[e * I + i] = vinb[e * 2 * I + 2 * i];
          ub[e * I + i] = vinb[e * 2 * I + 2 * i + 1];
        }
    }
  g_snprintf (name, sizeof name, "blk.%d.ffn_gate_exps.weight", l);
  if (!sy_gguf_writer_add_tensor (w, name, wt_in, 3, eih, gate, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_up_exps.weight", l);
  if (!sy_gguf_writer_add_tensor (w, name, wt_in, 3, eih, up, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_down_exps.weight", l);
  if (!sy_gguf_writer_add_tensor (w, name, wt_out, 3, ehi, down, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_gate_exps.bias", l);
  if (!sy_gguf_writer_add_tensor (w, name, SY_DTYPE_F32, 2, ei, gb, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_up_exps.bias", l);
  if (!sy_gguf_writer_add_tensor (w, name, SY_DTYPE_F32, 2, ei, ub, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_down_exps.bias", l);
  return sy_gguf_writer_add_tensor (w, name, SY_DTYPE_F32, 2, outb_shape, voutb, error);
}

/* Granite: input_linear (E, 2 I, H) = [gate; up] rows per expert, output
 * (E, H, I) to ffn_gate_exps, ffn_up_exps (E, I, H), ffn_down_exps. */
static gboolean
add_fused_experts (SyGgufWriter    *w,
                   SyTensorStore   *store,
                   const SyArchSpec *arch,
                   const SyConfig  *c,
                   int              l,
                   SyDType          weight_type,
                   GError         **error)
{
  int E = c->n_experts, H = c->hidden_size, I = c->expert_ffn;
  int64_t in_shape[3] = { E, 2 * I, H }, out_shape[3] = { E, H, I }, eih[3] = { E, I, H };
  g_autofree char *in_name = g_strdup_printf (arch->experts_in, l);
  g_autofree char *out_name = g_strdup_printf (arch->experts_out, l);
  const SyTensor *in, *out;
  g_autofree float *vin = NULL, *vout = NULL;
  g_autofree float *gate = g_new (float, (gsize) E * I * H);
  g_autofree float *up = g_new (float, (gsize) E * I * H);
  SyDType wt_in = H % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;
  SyDType wt_out = I % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;
  char name[128];

  if ((in = sy_tensor_store_get (store, in_name, 3, in_shape, error)) == NULL
      || (out = sy_tensor_store_get (store, out_name, 3, out_shape, error)) == NULL)
    return FALSE;
  vin = g_new (float, (gsize) E * 2 * I * H);
  vout = g_new (float, (gsize) E * H * I);
  sy_tensor_to_f32 (in, 0, (int64_t) E * 2 * I * H, vin);
  sy_tensor_to_f32 (out, 0, (int64_t) E * H * I, vout);
  for (gsize e = 0; e < (gsize) E; e++)
    {
      memcpy (gate + e * I * H, vin + e * 2 * I * H, sizeof (float) * I * H);
      memcpy (up + e * I * H, vin + e * 2 * I * H + (gsize) I * H, sizeof (float) * I * H);
    }
  g_snprintf (name, sizeof name, "blk.%d.ffn_gate_exps.weight", l);
  if (!sy_gguf_writer_add_tensor (w, name, wt_in, 3, eih, gate, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_up_exps.weight", l);
  if (!sy_gguf_writer_add_tensor (w, name, wt_in, 3, eih, up, error))
    return FALSE;
  g_snprintf (name, sizeof name, "blk.%d.ffn_down_exps.weight", l);
  return sy_gguf_writer_add_tensor (w, name, wt_out, 3, out_shape, vout, error);
}

/* tokenizer.json (BPE) → tokenizer.ggml.*: the vocabulary by id, merges,
 * token types (control for special added tokens). */
static gboolean
add_tokenizer (SyGgufWriter    *w,
               const char      *hf_dir,
               const SyConfig  *c,
               GError         **error)
{
  g_autofree char *file = g_build_filename (hf_dir, "tokenizer.json", NULL);
  json_object *root, *model = NULL, *vocab = NULL, *merges = NULL, *added = NULL, *v;
  const char *kind = "gpt2", *pre = NULL;
  gboolean add_bos = FALSE;
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) merge_strs = g_ptr_array_new_with_free_func (g_free);
  g_autofree int32_t *types = NULL;
  int n = c->vocab_size;

  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    return TRUE;
  root = json_object_from_file (file);
  if (root == NULL || !json_object_object_get_ex (root, "model", &model)
      || !json_object_object_get_ex (model, "vocab", &vocab)
      || json_object_get_type (vocab) != json_type_object)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: not a BPE tokenizer.json with a vocab", file);
      json_object_put (root);
      return FALSE;
    }
  /* which pre-tokenizer: GGUF names it (tokenizer.ggml.pre) */
  if (json_object_object_get_ex (model, "byte_fallback", &v) && json_object_get_boolean (v))
    {
      json_object *pp = NULL, *single = NULL;

      kind = "llama";   /* SentencePiece-style BPE: not a gpt2 vocabulary */
      /* BOS added when the post-processor's single template starts with it */
      if (json_object_object_get_ex (root, "post_processor", &pp) && pp
          && json_object_object_get_ex (pp, "single", &single)
          && json_object_get_type (single) == json_type_array && json_object_array_length (single) > 0
          && json_object_object_get_ex (json_object_array_get_idx (single, 0), "SpecialToken", NULL))
        add_bos = TRUE;
    }
  else if (json_object_object_get_ex (root, "pre_tokenizer", &v) && v)
    {
      json_object *type = NULL, *list = NULL;
      const char *regex = NULL;

      if (json_object_object_get_ex (v, "pretokenizers", &list)
          && json_object_get_type (list) == json_type_array)
        for (size_t i = 0; i < json_object_array_length (list); i++)
          {
            json_object *pt = json_object_array_get_idx (list, i), *pat = NULL, *re = NULL;

            if (json_object_object_get_ex (pt, "pattern", &pat) && pat
                && json_object_object_get_ex (pat, "Regex", &re) && re)
              regex = json_object_get_string (re);
          }
      if (g_strcmp0 (regex, SY_GGUF_REGEX_LLAMA3) == 0)
        pre = "llama-bpe";
      else if (g_strcmp0 (regex, SY_GGUF_REGEX_QWEN2) == 0)
        pre = "qwen2";
      else if (regex == NULL && json_object_object_get_ex (v, "type", &type)
               && g_strcmp0 (json_object_get_string (type), "ByteLevel") == 0)
        pre = "gpt-2";
      else
        pre = "unknown";   /* readers must not guess GPT-2's regex */
    }
  g_ptr_array_set_size (tokens, n);
  types = g_new (int32_t, n);
  for (int i = 0; i < n; i++)
    types[i] = 1;   /* normal */
  {
    json_object_object_foreach (vocab, tok, idv)
      {
        int id = json_object_get_int (idv);

        if (id >= 0 && id < n && tokens->pdata[id] == NULL)
          tokens->pdata[id] = g_strdup (tok);
      }
  }
  if (json_object_object_get_ex (root, "added_tokens", &added)
      && json_object_get_type (added) == json_type_array)
    for (size_t i = 0; i < json_object_array_length (added); i++)
      {
        json_object *a = json_object_array_get_idx (added, i);
        int id = json_object_object_get_ex (a, "id", &v) ? json_object_get_int (v) : -1;

        if (id < 0 || id >= n)
          continue;
        if (json_object_object_get_ex (a, "content", &v))
          {
            g_free (tokens->pdata[id]);
            tokens->pdata[id] = g_strdup (json_object_get_string (v));
          }
        if (json_object_object_get_ex (a, "special", &v) && json_object_get_boolean (v))
          types[id] = 3;   /* control */
      }
  for (int i = 0; i < n; i++)
    if (tokens->pdata[i] == NULL)
      {
        tokens->pdata[i] = g_strdup_printf ("[PAD%d]", i);
        types[i] = 5;      /* unused */
      }
  if (json_object_object_get_ex (model, "merges", &merges)
      && json_object_get_type (merges) == json_type_array)
    for (size_t i = 0; i < json_object_array_length (merges); i++)
      {
        json_object *m = json_object_array_get_idx (merges, i);

        if (json_object_get_type (m) == json_type_array && json_object_array_length (m) == 2)
          g_ptr_array_add (merge_strs, g_strdup_printf ("%s %s",
                                                        json_object_get_string (json_object_array_get_idx (m, 0)),
                                                        json_object_get_string (json_object_array_get_idx (m, 1))));
        else
          g_ptr_array_add (merge_strs, g_strdup (json_object_get_string (m)));
      }
  json_object_put (root);

  if (strcmp (kind, "llama") == 0)
    {
      /* SentencePiece scores: a token made by merge r scores -r, so that
       * ranking the merges by score keeps their order; others score 0
       * (readers that have the merges use them) */
      g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree float *scores = g_new0 (float, n);
      g_autofree gboolean *made = g_new0 (gboolean, n);

      for (int i = 0; i < n; i++)
        if (!g_hash_table_contains (ids, tokens->pdata[i]))
          g_hash_table_insert (ids, tokens->pdata[i], GINT_TO_POINTER (i + 1));
      for (guint r = 0; r < merge_strs->len; r++)
        {
          g_autofree char *joined = g_strdup (merge_strs->pdata[r]);
          char *sp = strchr (joined, ' ');
          int id;

          if (sp == NULL)
            continue;
          memmove (sp, sp + 1, strlen (sp + 1) + 1);
          id = GPOINTER_TO_INT (g_hash_table_lookup (ids, joined)) - 1;
          if (id >= 0 && !made[id])
            {
              made[id] = TRUE;
              scores[id] = -(float) r;
            }
        }
      sy_gguf_writer_add_f32_array (w, "tokenizer.ggml.scores", scores, n);
      sy_gguf_writer_add_bool (w, "tokenizer.ggml.add_bos_token", add_bos);
    }
  sy_gguf_writer_add_string (w, "tokenizer.ggml.model", kind);
  if (pre)
    sy_gguf_writer_add_string (w, "tokenizer.ggml.pre", pre);
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.tokens",
                                   (const char * const *) tokens->pdata, tokens->len);
  sy_gguf_writer_add_i32_array (w, "tokenizer.ggml.token_type", types, n);
  sy_gguf_writer_add_string_array (w, "tokenizer.ggml.merges",
                                   (const char * const *) merge_strs->pdata, merge_strs->len);
  if (c->bos_token_id >= 0)
    sy_gguf_writer_add_u32 (w, "tokenizer.ggml.bos_token_id", c->bos_token_id);
  if (c->eos_token_id >= 0)
    sy_gguf_writer_add_u32 (w, "tokenizer.ggml.eos_token_id", c->eos_token_id);
  return TRUE;
}

gboolean
sy_gguf_convert (const char  *hf_dir,
                 const char  *out,
                 SyDType      weight_type,
                 GError     **error)
{
  g_autofree char *config_file = g_build_filename (hf_dir, "config.json", NULL);
  g_autoptr (SyGgufWriter) w = sy_gguf_writer_new (3);
  g_autoptr (SyTensorStore) store = NULL;
  g_auto (GStrv) unused = NULL;
  g_autofree char *base = g_path_get_basename (hf_dir);
  const SyGgufArch *g;
  const SyArchSpec *arch;
  json_object *root, *v = NULL;
  SyConfig c;
  gboolean ok, gpt_oss;

  root = json_object_from_file (config_file);
  if (root == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s: cannot read it as JSON", config_file);
      return FALSE;
    }
  g = json_object_object_get_ex (root, "model_type", &v)
      ? _sy_gguf_arch_find (NULL, json_object_get_string (v)) : NULL;
  if (g == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH,
                   "%s: model_type '%s' has no GGUF mapping (supported: %s)", config_file,
                   v ? json_object_get_string (v) : "(none)", sy_gguf_supported_archs ());
      json_object_put (root);
      return FALSE;
    }
  arch = sy_arch_lookup (g->model_type, error);
  ok = arch && sy_config_parse (arch, root, config_file, &c, error);
  gpt_oss = arch && arch->expert_layout == SY_EXPERTS_FUSED_INTERLEAVED;
  json_object_put (root);
  if (!ok)
    return FALSE;
  for (int l = 0; l < c.n_layers; l++)
    if ((!sy_config_layer_is_moe (&c, l) && l >= c.first_k_dense)
        || (c.rope_type != SY_ROPE_DEFAULT && !gpt_oss)
        || (gpt_oss && (c.rope_type != SY_ROPE_YARN || c.rope_truncate || c.rope_attention_factor != 0
                        || c.rope_beta_fast != 32 || c.rope_beta_slow != 1))
        || (sy_config_layer_window (&c, l) != 0 && !gpt_oss)
        || (gpt_oss && (c.layer_sliding == NULL || c.layer_sliding[l] != (l + 1) % 2))
        || (arch->attn == SY_ATTN_MLA && !c.rope_interleave))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                     "%s: layer %d: its dense MLP, rope scaling or attention window has no "
                     "GGUF keys here", config_file, l);
        sy_config_clear (&c);
        return FALSE;
      }

  sy_gguf_writer_add_string (w, "general.architecture", g->gguf_arch);
  sy_gguf_writer_add_string (w, "general.name", base);
  for (const SyGgufKeyRule *k = g->keys; k->gguf; k++)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s", g->gguf_arch, k->gguf);
      const char *field = (const char *) &c + k->offset;

      switch (k->type)
        {
        case SY_KEY_INT:
          sy_gguf_writer_add_u32 (w, key, (guint32) *(const int *) field);
          break;
        case SY_KEY_FLOAT:
          if (*(const double *) field != 0)
            sy_gguf_writer_add_f32 (w, key, (float) *(const double *) field);
          break;
        case SY_KEY_BOOL:
          sy_gguf_writer_add_bool (w, key, *(const int *) field != 0);
          break;
        default:
          break;
        }
    }
  if (arch->attn == SY_ATTN_MLA)
    {
      g_autofree char *kl = g_strdup_printf ("%s.attention.key_length", g->gguf_arch);
      g_autofree char *ql = g_strdup_printf ("%s.attention.q_lora_rank", g->gguf_arch);
      g_autofree char *gf = g_strdup_printf ("%s.expert_gating_func", g->gguf_arch);

      sy_gguf_writer_add_u32 (w, kl, c.qk_nope_head_dim + c.head_dim);
      if (c.q_lora_rank > 0)
        sy_gguf_writer_add_u32 (w, ql, c.q_lora_rank);
      sy_gguf_writer_add_u32 (w, gf, 2);   /* sigmoid */
    }
  if (gpt_oss)
    {
      g_autofree char *t = g_strdup_printf ("%s.rope.scaling.type", g->gguf_arch);
      g_autofree char *f = g_strdup_printf ("%s.rope.scaling.factor", g->gguf_arch);
      g_autofree char *o = g_strdup_printf ("%s.rope.scaling.original_context_length", g->gguf_arch);

      sy_gguf_writer_add_string (w, t, "yarn");
      sy_gguf_writer_add_f32 (w, f, (float) c.rope_factor);
      sy_gguf_writer_add_u32 (w, o, c.rope_original_max_pos);
    }
  if (!add_tokenizer (w, hf_dir, &c, error))
    {
      sy_config_clear (&c);
      return FALSE;
    }

  store = sy_tensor_store_open (hf_dir, error);
  if (store == NULL)
    {
      sy_config_clear (&c);
      return FALSE;
    }
  for (const SyGgufNameRule *r = _sy_gguf_name_rules (); r->gguf; r++)
    {
      const char *pattern = _sy_gguf_rule_pattern (arch, r);
      int n_layers = r->kind == SY_GGUF_NAME_GLOBAL ? 1 : c.n_layers;

      if (pattern == NULL || !_sy_gguf_rule_applies (r, g->gguf_arch))
        continue;
      for (int l = 0; l < n_layers; l++)
        {
          g_autofree char *gguf = g_strdup_printf (r->gguf, l);
          g_autofree char *hf = g_strdup_printf (pattern, l, r->kind == SY_GGUF_NAME_EXPERTS ? 0 : 0,
                                                 r->suffix);
          const SyTensor *t;

          if (r->kind == SY_GGUF_NAME_GLOBAL)
            {
              g_free (hf);
              hf = g_strdup (pattern);
            }
          else if (r->kind == SY_GGUF_NAME_LAYER || r->kind == SY_GGUF_NAME_ROW)
            {
              g_free (hf);
              hf = g_strdup_printf (pattern, l, r->suffix);
            }
          t = sy_tensor_store_lookup (store, hf);
          if (t == NULL)
            continue;
          if (r->kind == SY_GGUF_NAME_EXPERTS)
            {
              /* stack the E experts' (rows, cols) into (E, rows, cols) */
              int E = c.n_experts;
              int64_t per = sy_tensor_n_elements (t);
              int64_t shape[3] = { E, t->shape[0], t->shape[1] };
              g_autofree float *v3 = g_new (float, E * per);
              SyDType dtype = shape[2] % sy_dtype_block_elems (weight_type) == 0 ? weight_type : SY_DTYPE_F32;

              for (int e = 0; e < E; e++)
                {
                  g_autofree char *name = g_strdup_printf (pattern, l, e);
                  const SyTensor *te = sy_tensor_store_get (store, name, 2, t->shape, error);

                  if (te == NULL)
                    {
                      sy_config_clear (&c);
                      return FALSE;
                    }
                  sy_tensor_to_f32 (te, 0, per, v3 + e * per);
                }
              if (!sy_gguf_writer_add_tensor (w, gguf, dtype, 3, shape, v3, error))
                {
                  sy_config_clear (&c);
                  return FALSE;
                }
            }
          else if (r->kind == SY_GGUF_NAME_ROW)
            {
              int64_t n = sy_tensor_n_elements (t);
              g_autofree float *row = g_new (float, n);

              sy_tensor_to_f32 (t, 0, n, row);
              if (!sy_gguf_writer_add_tensor (w, gguf, SY_DTYPE_F32, 1, &n, row, error))
                {
                  sy_config_clear (&c);
                  return FALSE;
                }
            }
          else if (!add_from_store (w, gguf, t, weight_type,
                                    g->qk_pairs && arch->attn == SY_ATTN_GQA && (g_str_has_suffix (r->gguf, "attn_q.weight")
                                                    || g_str_has_suffix (r->gguf, "attn_k.weight")
                                                    || g_str_has_suffix (r->gguf, "attn_q.bias")
                                                    || g_str_has_suffix (r->gguf, "attn_k.bias"))
                                    ? c.head_dim : 0, error))
            {
              sy_config_clear (&c);
              return FALSE;
            }
        }
    }
  if (gpt_oss || arch->expert_layout == SY_EXPERTS_FUSED)
    for (int l = 0; l < c.n_layers; l++)
      if (!(gpt_oss ? add_interleaved_experts (w, store, arch, &c, l, weight_type, error)
                    : add_fused_experts (w, store, arch, &c, l, weight_type, error)))
        {
          sy_config_clear (&c);
          return FALSE;
        }
  sy_config_clear (&c);
  unused = sy_tensor_store_list_unused (store);
  if (unused[0] != NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has no GGUF name", hf_dir, unused[0]);
      return FALSE;
    }
  return sy_gguf_writer_write (w, out, error);
}

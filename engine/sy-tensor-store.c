/* sy-tensor-store.c: safetensors files and sharded folders, memory-mapped
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of
 * JSON ({name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__":
 * {...}}), then the data section; offsets are relative to the data section.
 *
 * Everything in a header is checked before the store hands out a pointer:
 * the header length against the file size, the JSON, each dtype, shape ×
 * element size against the byte range, every range inside the data section
 * and no two ranges overlapping.  Nothing assumes the data is aligned: the
 * accessors read elements with memcpy.
 */
#include "config.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include "sy-cpu.h"
#include "sy-engine-error.h"
#include "sy-quant.h"
#include "sy-tensor-store-private.h"

#define SY_SAFETENSORS_MAX_HEADER (100 * 1024 * 1024)

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

static const struct
{
  const char *name;
  gsize       size;         /* bytes per element, 0 for block formats */
  int         block_elems;
  gsize       block_bytes;
} dtype_info[SY_N_DTYPES] = {
  [SY_DTYPE_F32]  = { "F32", 4, 1, 4 },
  [SY_DTYPE_F16]  = { "F16", 2, 1, 2 },
  [SY_DTYPE_BF16] = { "BF16", 2, 1, 2 },
  /* GGUF block layouts: Q8_0 f16 d + 32 int8; Q4_0 f16 d + 16 bytes of
   * nibbles; Q4_K f16 d, f16 dmin, 12 bytes of 6-bit scales / mins, 128
   * bytes of nibbles; Q6_K 128 bytes low nibbles, 64 bytes high bits, 16
   * int8 scales, f16 d */
  [SY_DTYPE_Q8_0] = { "Q8_0", 0, 32, 34 },
  [SY_DTYPE_Q4_0] = { "Q4_0", 0, 32, 18 },
  [SY_DTYPE_Q4_K] = { "Q4_K", 0, 256, 144 },
  [SY_DTYPE_Q6_K] = { "Q6_K", 0, 256, 210 },
  /* MXFP4 (OCP MX): E8M0 scale byte + 16 bytes of E2M1 nibbles */
  [SY_DTYPE_MXFP4] = { "MXFP4", 0, 32, 17 },
  /* more of GGUF's (sy-quant.h has every layout) */
  [SY_DTYPE_Q4_1] = { "Q4_1", 0, 32, 20 },
  [SY_DTYPE_Q5_0] = { "Q5_0", 0, 32, 22 },
  [SY_DTYPE_Q5_1] = { "Q5_1", 0, 32, 24 },
  [SY_DTYPE_Q2_K] = { "Q2_K", 0, 256, 84 },
  [SY_DTYPE_Q3_K] = { "Q3_K", 0, 256, 110 },
  [SY_DTYPE_Q5_K] = { "Q5_K", 0, 256, 176 },
  [SY_DTYPE_IQ4_NL] = { "IQ4_NL", 0, 32, 18 },
  [SY_DTYPE_IQ4_XS] = { "IQ4_XS", 0, 256, 136 },
};

/* safetensors dtypes that exist but that the engine does not compute with */
static const char * const other_dtypes[] = {
  "F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL",
  "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
};

const char *
sy_dtype_name (SyDType dtype)
{
  if ((int) dtype < 0 || dtype >= SY_N_DTYPES)
    return "invalid";
  return dtype_info[dtype].name;
}

gsize
sy_dtype_size (SyDType dtype)
{
  if ((int) dtype < 0 || dtype >= SY_N_DTYPES)
    return 0;
  return dtype_info[dtype].size;
}

gboolean
sy_dtype_is_quantized (SyDType dtype)
{
  return (int) dtype >= 0 && dtype < SY_N_DTYPES && dtype_info[dtype].block_elems > 1;
}

int
sy_dtype_block_elems (SyDType dtype)
{
  if ((int) dtype < 0 || dtype >= SY_N_DTYPES)
    return 0;
  return dtype_info[dtype].block_elems;
}

gsize
sy_dtype_block_bytes (SyDType dtype)
{
  if ((int) dtype < 0 || dtype >= SY_N_DTYPES)
    return 0;
  return dtype_info[dtype].block_bytes;
}

gsize
sy_dtype_n_bytes (SyDType dtype,
                  int64_t n)
{
  int be = sy_dtype_block_elems (dtype);

  if (be <= 0 || n < 0 || n % be != 0)
    return 0;
  return (gsize) (n / be) * dtype_info[dtype].block_bytes;
}

/* Names of the safetensors dtypes only: the block formats exist in GGUF
 * files, never in a safetensors header. */
gboolean
sy_dtype_from_name (const char *name,
                    SyDType    *out)
{
  for (int i = 0; i < SY_N_DTYPES; i++)
    if (dtype_info[i].block_elems == 1 && g_ascii_strcasecmp (name, dtype_info[i].name) == 0)
      {
        *out = (SyDType) i;
        return TRUE;
      }
  return FALSE;
}

int64_t
sy_tensor_n_elements (const SyTensor *tensor)
{
  int64_t n = 1;

  g_return_val_if_fail (tensor != NULL, 0);
  for (int i = 0; i < tensor->n_dims; i++)
    n *= tensor->shape[i];
  return n;
}

/* ---- float conversions ---- */

static inline float
bits_to_f32 (uint32_t bits)
{
  float f;
  memcpy (&f, &bits, sizeof f);
  return f;
}

static inline uint32_t
f32_to_bits (float f)
{
  uint32_t bits;
  memcpy (&bits, &f, sizeof bits);
  return bits;
}

static inline float
bf16_to_f32 (uint16_t h)
{
  return bits_to_f32 ((uint32_t) h << 16);
}

static inline float
f16_to_f32 (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;

  if (exponent == 0x1f)                   /* inf, nan (payload kept) */
    return bits_to_f32 (sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0)                      /* normal: rebias 15 -> 127 */
    return bits_to_f32 (sign | ((exponent + 112u) << 23) | (mantissa << 13));
  /* zero and subnormal: mantissa × 2^-24, exact in float32 */
  return bits_to_f32 (sign | f32_to_bits ((float) mantissa * 0x1p-24f));
}

/* ---- vector paths (x86-64 with AVX2 + F16C, chosen at run time) ---- */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SY_X86_SIMD 1

static gboolean
have_avx2_f16c (void)
{
  static int have = -1;

  if (have < 0)
    have = __builtin_cpu_supports ("avx2") && sy_cpu_has_f16c ();
  return have;
}

__attribute__ ((target ("avx2,f16c")))
static int64_t
bf16_to_f32_avx2 (const guint8 *p,
                  float        *out,
                  int64_t       n)
{
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m128i h = _mm_loadu_si128 ((const __m128i *) (p + 2 * i));
      __m256i w = _mm256_slli_epi32 (_mm256_cvtepu16_epi32 (h), 16);

      _mm256_storeu_ps (out + i, _mm256_castsi256_ps (w));
    }
  return i;
}

__attribute__ ((target ("avx2,f16c")))
static int64_t
f16_to_f32_f16c (const guint8 *p,
                 float        *out,
                 int64_t       n)
{
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (out + i, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (p + 2 * i))));
  return i;
}

/* Index of the first block of 16 half-width elements whose exponent field
 * (@mask) is all ones, scanning from 0; the caller finishes with scalar code
 * from the returned index. */
__attribute__ ((target ("avx2")))
static int64_t
skip_finite_16_avx2 (const guint8 *p,
                     int64_t       n,
                     uint16_t      mask)
{
  const __m256i m = _mm256_set1_epi16 ((short) mask);
  int64_t i = 0;

  for (; i + 16 <= n; i += 16)
    {
      __m256i v = _mm256_and_si256 (_mm256_loadu_si256 ((const __m256i *) (p + 2 * i)), m);
      __m256i e = _mm256_cmpeq_epi16 (v, m);

      if (!_mm256_testz_si256 (e, e))
        break;
    }
  return i;
}

__attribute__ ((target ("avx2")))
static int64_t
skip_finite_32_avx2 (const guint8 *p,
                     int64_t       n)
{
  const __m256i m = _mm256_set1_epi32 (0x7f800000);
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256i v = _mm256_and_si256 (_mm256_loadu_si256 ((const __m256i *) (p + 4 * i)), m);
      __m256i e = _mm256_cmpeq_epi32 (v, m);

      if (!_mm256_testz_si256 (e, e))
        break;
    }
  return i;
}
#endif

float
sy_bf16_to_f32 (uint16_t h)
{
  return bf16_to_f32 (h);
}

float
sy_f16_to_f32 (uint16_t h)
{
  return f16_to_f32 (h);
}

uint16_t
sy_f32_to_bf16 (float f)
{
  uint32_t bits = f32_to_bits (f);

  if ((bits & 0x7fffffffu) > 0x7f800000u)   /* NaN: keep it a quiet NaN */
    return (uint16_t) ((bits >> 16) | 0x0040u);
  /* round to nearest, ties to even; overflow rounds to inf as it should */
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t) (bits >> 16);
}

uint16_t
sy_f32_to_f16 (float f)
{
  uint32_t bits = f32_to_bits (f);
  uint16_t sign = (uint16_t) ((bits >> 16) & 0x8000u);
  uint32_t a = bits & 0x7fffffffu;

  if (a >= 0x7f800000u)                     /* inf or NaN */
    return sign | (a > 0x7f800000u ? (uint16_t) (0x7e00u | ((a >> 13) & 0x3ffu)) : 0x7c00u);
  if (a >= 0x477ff000u)                     /* >= 65520 rounds past 65504 */
    return sign | 0x7c00u;
  if (a < 0x38800000u)                      /* below 2^-14: subnormal or zero */
    {
      /* a value × 2^24 is exact; rintf rounds half to even (default mode).
       * 1024 is the smallest normal, which is also the right encoding. */
      return sign | (uint16_t) rintf (bits_to_f32 (a) * 0x1p24f);
    }
  a += 0xfffu + ((a >> 13) & 1u);           /* round mantissa to 10 bits, ties to even */
  return sign | (uint16_t) ((a - (112u << 23)) >> 13);
}

void
sy_tensor_to_f32 (const SyTensor *tensor,
                  int64_t         offset,
                  int64_t         n,
                  float          *out)
{
  const guint8 *p;

  g_return_if_fail (tensor != NULL);
  g_return_if_fail (offset >= 0 && n >= 0);
  g_return_if_fail (offset + n <= sy_tensor_n_elements (tensor));

  if (sy_dtype_is_quantized (tensor->dtype))
    {
      sy_quant_to_f32 (tensor->dtype, tensor->data, offset, n, out);
      return;
    }
  p = (const guint8 *) tensor->data + offset * (int64_t) sy_dtype_size (tensor->dtype);
  switch (tensor->dtype)
    {
    case SY_DTYPE_F32:
      memcpy (out, p, (size_t) n * sizeof (float));
      break;

    case SY_DTYPE_BF16:
      {
        int64_t i = 0;

#ifdef SY_X86_SIMD
        if (have_avx2_f16c ())
          i = bf16_to_f32_avx2 (p, out, n);
#endif
        for (; i < n; i++)
          {
            uint16_t h;
            memcpy (&h, p + 2 * i, 2);
            out[i] = bf16_to_f32 (h);
          }
      }
      break;

    case SY_DTYPE_F16:
      {
        int64_t i = 0;

#ifdef SY_X86_SIMD
        if (have_avx2_f16c ())
          i = f16_to_f32_f16c (p, out, n);
#endif
        for (; i < n; i++)
          {
            uint16_t h;
            memcpy (&h, p + 2 * i, 2);
            out[i] = f16_to_f32 (h);
          }
      }
      break;

    case SY_N_DTYPES:
    default:
      g_return_if_reached ();
    }
}

gboolean
sy_tensor_is_aligned (const SyTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, FALSE);
  return ((guintptr) tensor->data % sy_dtype_size (tensor->dtype)) == 0;
}

float
sy_tensor_get_f32 (const SyTensor *tensor,
                   int64_t         index)
{
  float value = NAN;

  sy_tensor_to_f32 (tensor, index, 1, &value);
  return value;
}

static void
format_index (GString        *s,
              const SyTensor *tensor,
              int64_t         flat)
{
  int64_t idx[SY_TENSOR_MAX_DIMS] = { 0 };

  for (int d = tensor->n_dims - 1; d >= 0; d--)
    {
      if (tensor->shape[d] > 0)
        {
          idx[d] = flat % tensor->shape[d];
          flat /= tensor->shape[d];
        }
    }
  g_string_append_c (s, '[');
  for (int d = 0; d < tensor->n_dims; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", idx[d]);
  g_string_append_c (s, ']');
}

int64_t
sy_tensor_find_nonfinite (const SyTensor *tensor)
{
  int64_t n = sy_tensor_n_elements (tensor);
  const guint8 *p = tensor->data;
  int64_t i = 0;
  uint32_t mask32 = 0x7f800000u;
  uint16_t mask16 = tensor->dtype == SY_DTYPE_F16 ? 0x7c00u : 0x7f80u;

  if (sy_dtype_is_quantized (tensor->dtype))
    {
      int64_t be = sy_dtype_block_elems (tensor->dtype);
      int64_t blk = sy_quant_find_nonfinite (tensor->dtype, tensor->data, n / be);

      return blk < 0 ? -1 : blk * be;
    }

#ifdef SY_X86_SIMD
  if (have_avx2_f16c ())
    {
      if (tensor->dtype == SY_DTYPE_F32)
        i = skip_finite_32_avx2 (p, n);
      else if (tensor->dtype == SY_DTYPE_BF16 || tensor->dtype == SY_DTYPE_F16)
        i = skip_finite_16_avx2 (p, n, mask16);
    }
#endif

  if (tensor->dtype == SY_DTYPE_F32)
    {
      for (; i < n; i++)
        {
          uint32_t bits;

          memcpy (&bits, p + 4 * i, 4);
          if ((bits & mask32) == mask32)
            return i;
        }
      return -1;
    }
  if (tensor->dtype == SY_DTYPE_BF16 || tensor->dtype == SY_DTYPE_F16)
    {
      for (; i < n; i++)
        {
          uint16_t h;

          memcpy (&h, p + 2 * i, 2);
          if ((h & mask16) == mask16)
            return i;
        }
      return -1;
    }
  return 0;   /* an invalid dtype: nothing in it is a number */
}

gboolean
sy_tensor_check_finite (const SyTensor  *tensor,
                        GError         **error)
{
  int64_t bad;
  float bad_value;
  g_autoptr (GString) where = NULL;

  if (tensor->dtype >= SY_N_DTYPES)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has an invalid dtype",
                   tensor->file ? tensor->file : "?", tensor->name ? tensor->name : "?");
      return FALSE;
    }
  bad = sy_tensor_find_nonfinite (tensor);
  if (bad < 0)
    return TRUE;
  if (sy_dtype_is_quantized (tensor->dtype))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_NAN,
                   "%s: tensor '%s' has a NaN or infinite scale in block %" G_GINT64_FORMAT,
                   tensor->file ? tensor->file : "?", tensor->name ? tensor->name : "?",
                   bad / sy_dtype_block_elems (tensor->dtype));
      return FALSE;
    }
  bad_value = sy_tensor_get_f32 (tensor, bad);
  where = g_string_new (NULL);
  format_index (where, tensor, bad);
  g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_NAN,
               "%s: tensor '%s' holds %s at element %" G_GINT64_FORMAT " %s",
               tensor->file ? tensor->file : "?", tensor->name ? tensor->name : "?",
               isnan (bad_value) ? "NaN" : (bad_value > 0 ? "+inf" : "-inf"),
               bad, where->str);
  return FALSE;
}

/* ---- shapes ---- */

static void
format_shape (GString       *s,
              int            n_dims,
              const int64_t *shape)
{
  g_string_append_c (s, '[');
  for (int d = 0; d < n_dims; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  g_string_append_c (s, ']');
}

char *
sy_tensor_shape_string (const SyTensor *tensor)
{
  GString *s = g_string_new (NULL);

  format_shape (s, tensor->n_dims, tensor->shape);
  return g_string_free (s, FALSE);
}

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

static int
compare_entries_by_begin (gconstpointer a,
                          gconstpointer b)
{
  const SyEntry *ea = *(const SyEntry * const *) a;
  const SyEntry *eb = *(const SyEntry * const *) b;

  if (ea->begin != eb->begin)
    return ea->begin < eb->begin ? -1 : 1;
  if (ea->end != eb->end)
    return ea->end < eb->end ? -1 : 1;
  return 0;
}

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

/* Parses and validates the header of @shard and adds its tensors to @self.
 * On error nothing of this shard stays in @self->by_name. */
static gboolean
parse_shard (SyTensorStore  *self,
             SyShard        *shard,
             GError        **error)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  json_tokener *tok = NULL;
  json_object *root = NULL;
  enum json_tokener_error jerr;
  uint64_t header_len = 0;
  uint64_t data_size;
  const char *header;
  size_t parse_end;
  gboolean ok = FALSE;

  if (shard->size < 8)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                   "%s: file is %" G_GSIZE_FORMAT " bytes, too short for a safetensors header",
                   shard->path, shard->size);
      return FALSE;
    }
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | (guint8) shard->contents[i];

  if (header_len > shard->size - 8)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                   "%s: header length %" G_GUINT64_FORMAT " exceeds the file size %" G_GSIZE_FORMAT
                   " (truncated file or not a safetensors file)",
                   shard->path, header_len, shard->size);
      return FALSE;
    }
  if (header_len < 2 || header_len > SY_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: header length %" G_GUINT64_FORMAT " is not plausible "
                   "(not a safetensors file?)", shard->path, header_len);
      return FALSE;
    }
  header = shard->contents + 8;
  data_size = shard->size - 8 - header_len;

  if (header[0] != '{')
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_BAD_MAGIC,
                   "%s: header is not a JSON object (it starts with byte 0x%02x)",
                   shard->path, (guint8) header[0]);
      return FALSE;
    }
  if (memchr (header, '\0', header_len) != NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: header contains a NUL byte at offset %td",
                   shard->path, (const char *) memchr (header, '\0', header_len) - header + 8);
      return FALSE;
    }

  tok = json_tokener_new_ex (64);
  if (tok == NULL)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_FAILED,
                   "%s: cannot create a JSON parser", shard->path);
      return FALSE;
    }
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  root = json_tokener_parse_ex (tok, header, (int) header_len);
  jerr = json_tokener_get_error (tok);
  parse_end = json_tokener_get_parse_end (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: header is not valid JSON: %s (near byte %zu of the header)",
                   shard->path,
                   jerr == json_tokener_continue ? "unexpected end of the header"
                                                 : json_tokener_error_desc (jerr),
                   parse_end);
      goto out;
    }
  /* safetensors pads the header with spaces */
  for (size_t i = parse_end; i < header_len; i++)
    if (!g_ascii_isspace (header[i]))
      {
        g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                     "%s: header has unexpected bytes after its JSON object (at byte %zu of the header)",
                     shard->path, i);
        goto out;
      }
  if (!json_object_is_type (root, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: header is not a JSON object", shard->path);
      goto out;
    }

  {
    json_object_iter it;

    json_object_object_foreachC (root, it)
      {
        const char *name = it.key;
        json_object *desc = it.val;
        json_object *jdtype, *jshape, *joffsets;
        const char *dtype_name;
        SyDType dtype = SY_DTYPE_F32;
        int64_t shape[SY_TENSOR_MAX_DIMS] = { 0 };
        int64_t n_elements = 1;
        int64_t begin, end;
        uint64_t expected;
        size_t n_dims;
        SyEntry *entry;

        if (strcmp (name, "__metadata__") == 0)
          {
            if (!json_object_is_type (desc, json_type_object))
              {
                g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                             "%s: header entry '__metadata__' is not an object", shard->path);
                goto out;
              }
            continue;
          }
        if (name[0] == '\0')
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: header has a tensor with an empty name", shard->path);
            goto out;
          }
        if (!json_object_is_type (desc, json_type_object))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s': header entry is not an object", shard->path, name);
            goto out;
          }
        if (!json_object_object_get_ex (desc, "dtype", &jdtype) ||
            !json_object_is_type (jdtype, json_type_string))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' has no dtype string", shard->path, name);
            goto out;
          }
        dtype_name = json_object_get_string (jdtype);
        if (strcmp (dtype_name, "F32") == 0)
          dtype = SY_DTYPE_F32;
        else if (strcmp (dtype_name, "F16") == 0)
          dtype = SY_DTYPE_F16;
        else if (strcmp (dtype_name, "BF16") == 0)
          dtype = SY_DTYPE_BF16;
        else
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                         "%s: tensor '%s' has %s dtype '%.32s' (supported: F32, F16, BF16)",
                         shard->path, name,
                         is_known_other_dtype (dtype_name) ? "unsupported" : "unknown",
                         dtype_name);
            goto out;
          }

        if (!json_object_object_get_ex (desc, "shape", &jshape) ||
            !json_object_is_type (jshape, json_type_array))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' has no shape array", shard->path, name);
            goto out;
          }
        n_dims = json_object_array_length (jshape);
        if (n_dims > SY_TENSOR_MAX_DIMS)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED,
                         "%s: tensor '%s' has %zu dimensions (at most %d are supported)",
                         shard->path, name, n_dims, SY_TENSOR_MAX_DIMS);
            goto out;
          }
        for (size_t d = 0; d < n_dims; d++)
          {
            if (!json_nonneg_int (json_object_array_get_idx (jshape, d), &shape[d]))
              {
                g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                             "%s: tensor '%s': shape dimension %zu is not a non-negative integer",
                             shard->path, name, d);
                goto out;
              }
            if (__builtin_mul_overflow (n_elements, shape[d], &n_elements))
              {
                g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                             "%s: tensor '%s': shape overflows the element count",
                             shard->path, name);
                goto out;
              }
          }

        if (!json_object_object_get_ex (desc, "data_offsets", &joffsets) ||
            !json_object_is_type (joffsets, json_type_array) ||
            json_object_array_length (joffsets) != 2 ||
            !json_nonneg_int (json_object_array_get_idx (joffsets, 0), &begin) ||
            !json_nonneg_int (json_object_array_get_idx (joffsets, 1), &end))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' has no data_offsets pair of non-negative integers",
                         shard->path, name);
            goto out;
          }
        if (end < begin)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                         ") ends before it begins", shard->path, name, begin, end);
            goto out;
          }
        if ((uint64_t) end > data_size)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED,
                         "%s: tensor '%s' data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                         ") exceeds the data section of %" G_GUINT64_FORMAT
                         " bytes (file size %" G_GSIZE_FORMAT ")",
                         shard->path, name, begin, end, data_size, shard->size);
            goto out;
          }
        if (__builtin_mul_overflow ((uint64_t) n_elements, (uint64_t) dtype_info[dtype].size, &expected))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s': shape overflows the byte count", shard->path, name);
            goto out;
          }
        if (expected != (uint64_t) (end - begin))
          {
            g_autoptr (GString) s = g_string_new (NULL);

            format_shape (s, (int) n_dims, shape);
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' of shape %s and dtype %s needs %" G_GUINT64_FORMAT
                         " bytes but data [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                         ") holds %" G_GINT64_FORMAT,
                         shard->path, name, s->str, dtype_info[dtype].name, expected,
                         begin, end, end - begin);
            goto out;
          }
        if (g_hash_table_contains (self->by_name, name))
          {
            SyEntry *other = g_hash_table_lookup (self->by_name, name);

            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' is also in %s", shard->path, name, other->shard->path);
            goto out;
          }

        entry = g_new0 (SyEntry, 1);
        entry->name = g_strdup (name);
        entry->shard = shard;
        entry->begin = (uint64_t) begin;
        entry->end = (uint64_t) end;
        entry->tensor.name = entry->name;
        entry->tensor.file = shard->base;
        entry->tensor.dtype = dtype;
        entry->tensor.n_dims = (int) n_dims;
        memcpy (entry->tensor.shape, shape, sizeof shape);
        entry->tensor.n_bytes = (gsize) (end - begin);
        entry->tensor.data = header + header_len + begin;
        g_ptr_array_add (self->entries, entry);
        g_ptr_array_add (added, entry);
        g_hash_table_insert (self->by_name, entry->name, entry);
      }
  }

  /* No two ranges of this file may overlap (empty tensors overlap nothing). */
  g_ptr_array_sort (added, compare_entries_by_begin);
  {
    const SyEntry *prev = NULL;

    for (guint i = 0; i < added->len; i++)
      {
        const SyEntry *e = g_ptr_array_index (added, i);

        if (e->begin == e->end)
          continue;
        if (prev != NULL && e->begin < prev->end)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' data [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                         ") overlaps tensor '%s' data [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")",
                         shard->path, e->name, e->begin, e->end, prev->name, prev->begin, prev->end);
            goto out;
          }
        prev = e;
      }
  }

  /* Consumers read tensors as float / uint16_t arrays: give them aligned
   * data.  save_pretrained and our writer always align it; a file that does
   * not gets those tensors copied once. */
  for (guint i = 0; i < added->len; i++)
    {
      SyEntry *e = g_ptr_array_index (added, i);

      if (e->tensor.n_bytes > 0 &&
          (guintptr) e->tensor.data % dtype_info[e->tensor.dtype].size != 0)
        {
          e->copy = g_malloc (e->tensor.n_bytes);
          memcpy (e->copy, e->tensor.data, e->tensor.n_bytes);
          e->tensor.data = e->copy;
        }
    }
  ok = TRUE;

out:
  if (!ok)
    {
      for (guint i = 0; i < added->len; i++)
        {
          SyEntry *e = g_ptr_array_index (added, i);

          g_hash_table_remove (self->by_name, e->name);
          g_ptr_array_remove_fast (self->entries, e);
        }
    }
  if (root != NULL)
    json_object_put (root);
  json_tokener_free (tok);
  return ok;
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
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GHashTable) shards = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL;
  json_object *root = NULL, *weight_map = NULL;
  json_tokener *tok = NULL;
  gsize len = 0;
  gboolean ok = FALSE;

  if (!g_file_get_contents (index_path, &text, &len, &local_error))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  if (len > G_MAXINT)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: file is too large for an index", index_path);
      return FALSE;
    }
  tok = json_tokener_new ();
  root = json_tokener_parse_ex (tok, text, (int) len);
  if (root == NULL || json_tokener_get_error (tok) != json_tokener_success)
    {
      enum json_tokener_error jerr = json_tokener_get_error (tok);

      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: not valid JSON: %s", index_path,
                   jerr == json_tokener_continue ? "unexpected end of file"
                                                 : json_tokener_error_desc (jerr));
      goto out;
    }
  if (!json_object_is_type (root, json_type_object) ||
      !json_object_object_get_ex (root, "weight_map", &weight_map) ||
      !json_object_is_type (weight_map, json_type_object))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: has no 'weight_map' object", index_path);
      goto out;
    }

  {
    json_object_iter it;

    /* open every shard once, in the order the index names them */
    json_object_object_foreachC (weight_map, it)
      {
        const char *file;
        g_autofree char *path = NULL;
        SyShard *shard = NULL;

        if (!json_object_is_type (it.val, json_type_string))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' is mapped to something that is not a file name",
                         index_path, it.key);
            goto out;
          }
        file = json_object_get_string (it.val);
        if (g_hash_table_contains (shards, file))
          continue;
        if (file[0] == '\0' || strchr (file, '/') != NULL || strchr (file, '\\') != NULL ||
            strcmp (file, "..") == 0 || strcmp (file, ".") == 0)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' is mapped to '%s', which is not a file name in the folder",
                         index_path, it.key, file);
            goto out;
          }
        path = g_build_filename (folder, file, NULL);
        if (!g_file_test (path, G_FILE_TEST_EXISTS))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                         "%s: shard '%s' (holding tensor '%s') does not exist",
                         index_path, file, it.key);
            goto out;
          }
        if (!add_file (self, path, &shard, error))
          goto out;
        g_hash_table_insert (shards, (gpointer) file, shard);
      }

    /* every tensor the index names is in the shard it names */
    json_object_object_foreachC (weight_map, it)
      {
        const char *file = json_object_get_string (it.val);
        SyEntry *entry = g_hash_table_lookup (self->by_name, it.key);

        if (entry == NULL)
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_MISSING,
                         "%s: tensor '%s' is named in the index but absent from shard %s",
                         index_path, it.key, file);
            goto out;
          }
        if (entry->shard != g_hash_table_lookup (shards, file))
          {
            g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                         "%s: tensor '%s' is mapped to shard %s but lives in %s",
                         index_path, it.key, file, entry->shard->base);
            goto out;
          }
      }
  }
  if (self->shards->len == 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: 'weight_map' names no tensors", index_path);
      goto out;
    }
  ok = TRUE;

out:
  if (root)
    json_object_put (root);
  if (tok)
    json_tokener_free (tok);
  return ok;
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
_sy_tensor_store_add (SyTensorStore  *self,
                      const char     *name,
                      SyDType         dtype,
                      int             n_dims,
                      const int64_t  *shape,
                      const void     *data,
                      gsize           n_bytes,
                      GError        **error)
{
  SyShard *shard = shard_of (self, data);
  SyEntry *entry;

  g_return_val_if_fail (n_dims >= 0 && n_dims <= SY_TENSOR_MAX_DIMS, FALSE);
  if (g_hash_table_contains (self->by_name, name))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CORRUPT,
                   "%s: tensor '%s' appears twice", shard->path, name);
      return FALSE;
    }
  entry = g_new0 (SyEntry, 1);
  entry->name = g_strdup (name);
  entry->shard = shard;
  entry->begin = (uint64_t) ((const char *) data - shard->contents);
  entry->end = entry->begin + n_bytes;
  entry->tensor.name = entry->name;
  entry->tensor.file = shard->base;
  entry->tensor.dtype = dtype;
  entry->tensor.n_dims = n_dims;
  for (int d = 0; d < n_dims; d++)
    entry->tensor.shape[d] = shape[d];
  entry->tensor.n_bytes = n_bytes;
  entry->tensor.data = data;
  g_ptr_array_add (self->entries, entry);
  g_hash_table_insert (self->by_name, entry->name, entry);
  return TRUE;
}

gboolean
_sy_tensor_store_add_owned (SyTensorStore  *self,
                            const char     *name,
                            SyDType         dtype,
                            int             n_dims,
                            const int64_t  *shape,
                            void           *data,
                            gsize           n_bytes,
                            GError        **error)
{
  SyEntry *entry;

  if (!_sy_tensor_store_add (self, name, dtype, n_dims, shape, data, n_bytes, error))
    {
      g_free (data);
      return FALSE;
    }
  entry = g_hash_table_lookup (self->by_name, name);
  entry->begin = entry->end = 0;
  entry->copy = data;
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

      format_shape (want, n_dims, shape);
      format_shape (have, t->n_dims, t->shape);
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

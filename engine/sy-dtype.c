/* sy-dtype.c: element types and their conversions to float32
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-cpu.h"
#include "sy-dtype.h"
#include "sy-engine-error.h"
#include "sy-quant.h"

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
sy_dtype_from_f32 (SyDType      dtype,
                   const float *values,
                   gsize        n,
                   guint8      *out)
{
  switch (dtype)
    {
    case SY_DTYPE_F32:
      memcpy (out, values, n * sizeof (float));
      break;
    case SY_DTYPE_F16:
    case SY_DTYPE_BF16:
      for (gsize i = 0; i < n; i++)
        {
          uint16_t h = dtype == SY_DTYPE_F16 ? sy_f32_to_f16 (values[i]) : sy_f32_to_bf16 (values[i]);

          memcpy (out + 2 * i, &h, 2);
        }
      break;
    default:
      g_return_if_reached ();
    }
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
    return sy_engine_fail (error, SY_ENGINE_ERROR_UNSUPPORTED,
                           "%s: tensor '%s' has an invalid dtype",
                           tensor->file ? tensor->file : "?", tensor->name ? tensor->name : "?");
  bad = sy_tensor_find_nonfinite (tensor);
  if (bad < 0)
    return TRUE;
  if (sy_dtype_is_quantized (tensor->dtype))
    return sy_engine_fail (error, SY_ENGINE_ERROR_NAN,
                           "%s: tensor '%s' has a NaN or infinite scale in block %" G_GINT64_FORMAT,
                           tensor->file ? tensor->file : "?", tensor->name ? tensor->name : "?",
                           bad / sy_dtype_block_elems (tensor->dtype));
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

void
sy_shape_append (GString       *s,
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

  sy_shape_append (s, tensor->n_dims, tensor->shape);
  return g_string_free (s, FALSE);
}

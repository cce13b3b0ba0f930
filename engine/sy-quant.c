/* sy-quant.c: decoding, dot products and quantization of GGUF blocks
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fast paths decode a whole block at a time into registers-sized
 * local arrays; the _ref twins find each element's bits from its index.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-quant.h"

#define QK 32     /* Q8_0 / Q4_0 block */
#define QKK 256   /* K-quant super-block */

static inline float
rd_f16 (const guint8 *p)
{
  uint16_t h;

  memcpy (&h, p, 2);
  return sy_f16_to_f32 (h);
}

static inline void
wr_f16 (guint8 *p,
        float   f)
{
  uint16_t h = sy_f32_to_f16 (f);

  memcpy (p, &h, 2);
}

/* Q4_K: the 6-bit scale and min of sub-block @j (0..7) from the 12 bytes */
static inline void
k4_scale_min (const guint8 *q,
              int           j,
              int          *sc,
              int          *m)
{
  if (j < 4)
    {
      *sc = q[j] & 63;
      *m = q[j + 4] & 63;
    }
  else
    {
      *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
      *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* --------------------------------------------------------- block decode */

static void
block_q8_0 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b);
  const int8_t *q = (const int8_t *) (b + 2);

  for (int j = 0; j < QK; j++)
    y[j] = d * q[j];
}

static void
block_q4_0 (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b);
  const guint8 *q = b + 2;

  for (int j = 0; j < QK / 2; j++)
    {
      y[j] = d * ((q[j] & 0xF) - 8);
      y[j + QK / 2] = d * ((q[j] >> 4) - 8);
    }
}

static void
block_q4_k (const guint8 *b,
            float        *y)
{
  float d = rd_f16 (b), dmin = rd_f16 (b + 2);
  const guint8 *scales = b + 4, *q = b + 16;

  for (int p = 0; p < 4; p++)
    {
      int sc0, m0, sc1, m1;
      float d0, d1, o0, o1;

      k4_scale_min (scales, 2 * p, &sc0, &m0);
      k4_scale_min (scales, 2 * p + 1, &sc1, &m1);
      d0 = d * sc0;
      o0 = dmin * m0;
      d1 = d * sc1;
      o1 = dmin * m1;
      for (int l = 0; l < 32; l++)
        {
          y[64 * p + l] = d0 * (q[32 * p + l] & 0xF) - o0;
          y[64 * p + 32 + l] = d1 * (q[32 * p + l] >> 4) - o1;
        }
    }
}

static void
block_q6_k (const guint8 *b,
            float        *y)
{
  const guint8 *ql = b, *qh = b + 128;
  const int8_t *sc = (const int8_t *) (b + 192);
  float d = rd_f16 (b + 208);

  for (int h = 0; h < 2; h++)
    {
      for (int l = 0; l < 32; l++)
        {
          int is = l / 16;
          int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
          int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
          int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;

          y[l] = d * sc[is] * q1;
          y[l + 32] = d * sc[is + 2] * q2;
          y[l + 64] = d * sc[is + 4] * q3;
          y[l + 96] = d * sc[is + 6] * q4;
        }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
}

typedef void (*BlockFunc) (const guint8 *b, float *y);

static BlockFunc
block_func (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: return block_q8_0;
    case SY_DTYPE_Q4_0: return block_q4_0;
    case SY_DTYPE_Q4_K: return block_q4_k;
    case SY_DTYPE_Q6_K: return block_q6_k;
    default: return NULL;
    }
}

void
sy_quant_to_f32 (SyDType      dtype,
                 const void  *data,
                 int64_t      offset,
                 int64_t      n,
                 float       *out)
{
  BlockFunc f = block_func (dtype);
  int be = sy_dtype_block_elems (dtype);
  gsize bb = sy_dtype_block_bytes (dtype);
  float tmp[QKK];
  int64_t i = 0;

  g_return_if_fail (f != NULL);
  while (i < n)
    {
      int64_t e = offset + i, blk = e / be;
      int j0 = (int) (e % be);
      int take = (int) MIN (be - j0, n - i);

      if (j0 == 0 && take == be)
        f ((const guint8 *) data + blk * bb, out + i);
      else
        {
          f ((const guint8 *) data + blk * bb, tmp);
          memcpy (out + i, tmp + j0, sizeof (float) * take);
        }
      i += take;
    }
}

/* One element, from its index alone. */
static float
element_ref (SyDType       dtype,
             const guint8 *data,
             int64_t       e)
{
  int be = sy_dtype_block_elems (dtype);
  const guint8 *b = data + (e / be) * sy_dtype_block_bytes (dtype);
  int j = (int) (e % be);

  switch (dtype)
    {
    case SY_DTYPE_Q8_0:
      return rd_f16 (b) * (float) (int8_t) b[2 + j];
    case SY_DTYPE_Q4_0:
      {
        int q = j < 16 ? (b[2 + j] & 0xF) : (b[2 + j - 16] >> 4);

        return rd_f16 (b) * (float) (q - 8);
      }
    case SY_DTYPE_Q4_K:
      {
        int s = j / 32, l = j % 32, sc, m;
        int q = (b[16 + 32 * (s / 2) + l] >> (4 * (s % 2))) & 0xF;

        k4_scale_min (b + 4, s, &sc, &m);
        return rd_f16 (b) * (float) sc * (float) q - rd_f16 (b + 2) * (float) m;
      }
    case SY_DTYPE_Q6_K:
      {
        int h = j / 128, r = j % 128, k = r / 32, l = r % 32;
        int lo = (b[64 * h + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
        int hi = (b[128 + 32 * h + l] >> (2 * k)) & 3;
        int8_t sc = (int8_t) b[192 + 8 * h + l / 16 + 2 * k];

        return rd_f16 (b + 208) * (float) sc * (float) ((lo | (hi << 4)) - 32);
      }
    default:
      return NAN;
    }
}

void
sy_quant_to_f32_ref (SyDType      dtype,
                     const void  *data,
                     int64_t      offset,
                     int64_t      n,
                     float       *out)
{
  for (int64_t i = 0; i < n; i++)
    out[i] = element_ref (dtype, data, offset + i);
}

/* ------------------------------------------------------------------ dot */

float
sy_quant_dot (SyDType      dtype,
              const void  *row,
              const float *x,
              int          n)
{
  const guint8 *b = row;
  float sum = 0;

  switch (dtype)
    {
    case SY_DTYPE_Q8_0:
      for (int i = 0; i < n; i += QK, b += 34)
        {
          const int8_t *q = (const int8_t *) (b + 2);
          float s = 0;

          for (int j = 0; j < QK; j++)
            s += q[j] * x[i + j];
          sum += rd_f16 (b) * s;
        }
      return sum;
    case SY_DTYPE_Q4_0:
      for (int i = 0; i < n; i += QK, b += 18)
        {
          float s = 0;

          for (int j = 0; j < QK / 2; j++)
            s += ((b[2 + j] & 0xF) - 8) * x[i + j] + ((b[2 + j] >> 4) - 8) * x[i + j + 16];
          sum += rd_f16 (b) * s;
        }
      return sum;
    default:
      {
        BlockFunc f = block_func (dtype);
        gsize bb = sy_dtype_block_bytes (dtype);
        float y[QKK];

        g_return_val_if_fail (f != NULL, NAN);
        for (int i = 0; i < n; i += QKK, b += bb)
          {
            float s = 0;

            f (b, y);
            for (int j = 0; j < QKK; j++)
              s += y[j] * x[i + j];
            sum += s;
          }
        return sum;
      }
    }
}

float
sy_quant_dot_ref (SyDType      dtype,
                  const void  *row,
                  const float *x,
                  int          n)
{
  double sum = 0;

  for (int i = 0; i < n; i++)
    sum += (double) element_ref (dtype, row, i) * x[i];
  return (float) sum;
}

/* ------------------------------------------------------------ quantize */

static void
quantize_q8_0 (const float *x,
               guint8      *b)
{
  float amax = 0, d, id;

  for (int j = 0; j < QK; j++)
    amax = MAX (amax, fabsf (x[j]));
  d = amax / 127.0f;
  id = d > 0 ? 1.0f / d : 0;
  wr_f16 (b, d);
  for (int j = 0; j < QK; j++)
    b[2 + j] = (guint8) (int8_t) lrintf (x[j] * id);
}

static void
quantize_q4_0 (const float *x,
               guint8      *b)
{
  float max = 0, amax = 0, d, id;

  /* the value of largest magnitude maps to -8 exactly */
  for (int j = 0; j < QK; j++)
    if (fabsf (x[j]) > amax)
      {
        amax = fabsf (x[j]);
        max = x[j];
      }
  d = max / -8.0f;
  id = d != 0 ? 1.0f / d : 0;
  wr_f16 (b, d);
  for (int j = 0; j < QK / 2; j++)
    {
      int q0 = CLAMP ((int) lrintf (x[j] * id) + 8, 0, 15);
      int q1 = CLAMP ((int) lrintf (x[j + 16] * id) + 8, 0, 15);

      b[2 + j] = (guint8) (q0 | (q1 << 4));
    }
}

static void
quantize_q4_k (const float *x,
               guint8      *b)
{
  float scale[8], min[8], max_scale = 0, max_min = 0, d, dmin;
  int sc[8], m[8];
  guint8 *s = b + 4, *q = b + 16;

  /* per 32: x ~ scale * q - min with q in 0..15, min >= 0 */
  for (int k = 0; k < 8; k++)
    {
      float lo = 0, hi = -INFINITY;

      for (int l = 0; l < 32; l++)
        {
          lo = MIN (lo, x[32 * k + l]);
          hi = MAX (hi, x[32 * k + l]);
        }
      scale[k] = (hi - lo) / 15.0f;
      min[k] = -lo;
      max_scale = MAX (max_scale, scale[k]);
      max_min = MAX (max_min, min[k]);
    }
  d = max_scale / 63.0f;
  dmin = max_min / 63.0f;
  wr_f16 (b, d);
  wr_f16 (b + 2, dmin);
  d = rd_f16 (b);        /* quantize against the stored scales */
  dmin = rd_f16 (b + 2);
  for (int k = 0; k < 8; k++)
    {
      sc[k] = d > 0 ? CLAMP ((int) lrintf (scale[k] / d), 0, 63) : 0;
      m[k] = dmin > 0 ? CLAMP ((int) lrintf (min[k] / dmin), 0, 63) : 0;
    }
  for (int j = 0; j < 4; j++)
    {
      s[j] = (guint8) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
      s[j + 4] = (guint8) ((m[j] & 63) | ((m[j + 4] >> 4) << 6));
      s[j + 8] = (guint8) ((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
  for (int p = 0; p < 4; p++)
    for (int l = 0; l < 32; l++)
      {
        int qq[2];

        for (int h = 0; h < 2; h++)
          {
            int k = 2 * p + h;
            float ds = d * sc[k], off = dmin * m[k];

            qq[h] = ds > 0 ? CLAMP ((int) lrintf ((x[32 * k + l] + off) / ds), 0, 15) : 0;
          }
        q[32 * p + l] = (guint8) (qq[0] | (qq[1] << 4));
      }
}

static void
quantize_q6_k (const float *x,
               guint8      *b)
{
  float scale[16], max_abs_scale = 0, max_scale = 0, d;
  int8_t sc[16];
  guint8 *ql = b, *qh = b + 128;
  int q[QKK];

  /* per 16: x ~ scale * q with q in -32..31 */
  for (int k = 0; k < 16; k++)
    {
      float amax = 0, v = 0;

      for (int l = 0; l < 16; l++)
        if (fabsf (x[16 * k + l]) > amax)
          {
            amax = fabsf (x[16 * k + l]);
            v = x[16 * k + l];
          }
      scale[k] = v / -32.0f;
      if (fabsf (scale[k]) > max_abs_scale)
        {
          max_abs_scale = fabsf (scale[k]);
          max_scale = scale[k];
        }
    }
  d = max_scale / -128.0f;
  wr_f16 (b + 208, d);
  d = rd_f16 (b + 208);
  for (int k = 0; k < 16; k++)
    {
      float ds;

      sc[k] = (int8_t) (d != 0 ? CLAMP ((int) lrintf (scale[k] / d), -128, 127) : 0);
      ds = d * sc[k];
      for (int l = 0; l < 16; l++)
        q[16 * k + l] = ds != 0 ? CLAMP ((int) lrintf (x[16 * k + l] / ds), -32, 31) + 32 : 32;
    }
  memcpy (b + 192, sc, 16);
  for (int h = 0; h < 2; h++)
    for (int l = 0; l < 32; l++)
      {
        const int *v = q + 128 * h;

        ql[64 * h + l] = (guint8) ((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
        ql[64 * h + l + 32] = (guint8) ((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
        qh[32 * h + l] = (guint8) ((v[l] >> 4) | ((v[l + 32] >> 4) << 2)
                                   | ((v[l + 64] >> 4) << 4) | ((v[l + 96] >> 4) << 6));
      }
}

void
sy_quantize (SyDType      dtype,
             const float *x,
             int64_t      n,
             void        *out)
{
  int be = sy_dtype_block_elems (dtype);
  gsize bb = sy_dtype_block_bytes (dtype);
  guint8 *b = out;

  g_return_if_fail (sy_dtype_is_quantized (dtype) && n % be == 0);
  for (int64_t i = 0; i < n; i += be, b += bb)
    switch (dtype)
      {
      case SY_DTYPE_Q8_0: quantize_q8_0 (x + i, b); break;
      case SY_DTYPE_Q4_0: quantize_q4_0 (x + i, b); break;
      case SY_DTYPE_Q4_K: quantize_q4_k (x + i, b); break;
      case SY_DTYPE_Q6_K: quantize_q6_k (x + i, b); break;
      default: g_return_if_reached ();
      }
}

int64_t
sy_quant_find_nonfinite (SyDType      dtype,
                         const void  *data,
                         int64_t      n_blocks)
{
  gsize bb = sy_dtype_block_bytes (dtype);

  for (int64_t i = 0; i < n_blocks; i++)
    {
      const guint8 *b = (const guint8 *) data + i * bb;
      float a, c = 0;

      switch (dtype)
        {
        case SY_DTYPE_Q4_K:
          a = rd_f16 (b);
          c = rd_f16 (b + 2);
          break;
        case SY_DTYPE_Q6_K:
          a = rd_f16 (b + 208);
          break;
        default:
          a = rd_f16 (b);
          break;
        }
      if (!isfinite (a) || !isfinite (c))
        return i;
    }
  return -1;
}

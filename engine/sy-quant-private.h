/* sy-quant-private.h: what the block decoders and the quantizers share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

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

/* IQ4_NL / IQ4_XS: the 16 non-linear levels a 4-bit code stands for */
static const int8_t iq4_levels[16] = {
  -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
};

/* MXFP4: E2M1 values times two (sign bit 3, exponent bits 2..1, mantissa
 * bit 0: 0, 0.5, 1, 1.5, 2, 3, 4, 6), so that they are integers */
static const int8_t e2m1_x2[16] = { 0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12 };

/* Q3_K: the 6-bit scale (biased by 32) of group @i (0..15, 16 values
 * each) from its 12 bytes: the low 4 bits are nibble i / 8 of byte i % 8,
 * the high 2 bits are bits 2 (i / 4) of byte 8 + i % 4 */
static inline int
k3_scale (const guint8 *s,
          int           i)
{
  int lo = i < 8 ? s[i] & 0xF : s[i - 8] >> 4;

  return lo | (((s[8 + i % 4] >> (2 * (i / 4))) & 3) << 4);
}

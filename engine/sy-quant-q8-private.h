/* sy-quant-q8-private.h: the 8-bit activations' layout, shared by the
 * quantizer (sy-quant-q8-quantize.c) and the kernels (sy-quant-q8.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-quant-matmul-private.h"
#include "sy-quant-private.h"

G_BEGIN_DECLS

#define Q8_UNIT_BYTES 320   /* one unit of activations, either layout */
#define OFF_BSUMS 256       /* K layout: int16 sums of each 16 */
#define OFF_D 288           /* K layout: float scale */
#define OFF_DX 256          /* B layout: float scale per 32 */
#define OFF_DXS 288         /* B layout: scale times the block's sum */

/* The two shapes weights are read in (see sy-quant-q8.c): K-quants as
 * unsigned codes with integer scales per 16, the others as signed codes
 * with a float scale per 32. */
static inline gboolean
q8_k_family (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q2_K: case SY_DTYPE_Q3_K: case SY_DTYPE_Q4_K: case SY_DTYPE_Q5_K:
    case SY_DTYPE_Q6_K:
      return TRUE;
    default:
      return FALSE;
    }
}

static inline gboolean
q8_b_family (SyDType dtype)
{
  switch (dtype)
    {
    case SY_DTYPE_Q8_0: case SY_DTYPE_Q4_0: case SY_DTYPE_Q4_1: case SY_DTYPE_Q5_0:
    case SY_DTYPE_Q5_1: case SY_DTYPE_IQ4_NL: case SY_DTYPE_MXFP4: case SY_DTYPE_IQ4_XS:
      return TRUE;
    default:
      return FALSE;
    }
}

G_END_DECLS

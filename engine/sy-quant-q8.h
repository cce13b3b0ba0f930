/* sy-quant-q8.h: block-quantized weights x activations quantized to 8 bits
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The optional, inexact path (`--activations q8`): each activation row is
 * rounded once per product to int8 in blocks with a float scale, and the
 * products are integer dot products of the weights' codes with those
 * int8 values (AVX-512 VNNI, AVX2 maddubs), scaled per block in float.
 * Two layouts, 320 bytes per 256 activation values:
 *
 * - for the K-quants (Q2_K .. Q6_K): one scale per 256 values (amax / 127),
 *   256 int8, and the sums of each 16 (for the mins and offsets);
 * - for the 32-value types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4)
 *   and IQ4_XS (scales per 32): one scale per 32 values, the 256 values
 *   stored plus 128 (unsigned bytes, for vpdpbusd with signed weights) and
 *   per block scale times the sum of its values (for Q4_1 / Q5_1's mins).
 *
 * The exact path (float32 activations) stays the default: this one is
 * only taken where asked for (SY_ACTIVATIONS_Q8).
 */
#pragma once

#include <glib.h>

#include "sy-quant-matmul.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef enum
{
  SY_ACTIVATIONS_F32 = 0,   /* exact: float32 activations (the default) */
  SY_ACTIVATIONS_Q8  = 1,   /* activations rounded to 8 bits per block */
} SyActivations;

/* "f32" / "q8" */
const char *sy_activations_to_string   (SyActivations  mode);
/* FALSE where @text is neither "f32" nor "q8" */
gboolean    sy_activations_from_string (const char    *text,
                                        SyActivations *mode);

/* Bytes of one activation row of @K values quantized for weights of
 * @dtype (a multiple of 64), or 0 where @dtype has no q8 kernel or @K is
 * not a multiple of 256 (the product takes the exact path then). */
gsize       sy_quant_q8_row_bytes      (SyDType        dtype,
                                        int            K);
/* @T rows of @x (T, K) into @xq (T rows of sy_quant_q8_row_bytes bytes;
 * 64-byte aligned for the kernels) */
void        sy_quant_q8_quantize       (SyDType        dtype,
                                        const float   *x,
                                        int            K,
                                        int            T,
                                        void          *xq);
/* the scalar twin: the same bytes */
void        sy_quant_q8_quantize_ref   (SyDType        dtype,
                                        const float   *x,
                                        int            K,
                                        int            T,
                                        void          *xq);

/* Rows [r0, r1) of @m's y, from its q8 rows @m->xq.  The scalar twin
 * decodes each block to integers and does the same integer dot products
 * and the same float products per block (double accumulation): the kernel equals it up to
 * the order of the float sums. */
void        sy_quant_matmul_q8_rows     (const SyQuantProduct *m,
                                         int                   r0,
                                         int                   r1);
void        sy_quant_matmul_q8_rows_ref (const SyQuantProduct *m,
                                         int                   r0,
                                         int                   r1);

/* Which q8 kernel this CPU runs for @dtype, for `bench`: "avx512 vnni",
 * "avx2 maddubs", "scalar" (no SIMD), or "none" (not quantized: exact). */
const char *sy_quant_matmul_q8_path    (SyDType        dtype);

G_END_DECLS

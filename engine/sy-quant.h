/* sy-quant.h: GGUF block-quantized weights (Q8_0, Q4_0, Q4_K, Q6_K)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The block layouts are those of the GGUF format (little-endian, f16
 * scales):
 *
 *   Q8_0  32 values, 34 bytes: d (f16), q[32] (int8);           x = d q
 *   Q4_0  32 values, 18 bytes: d (f16), 16 bytes, value j < 16 in the
 *         low nibble of byte j, value 16 + j in its high nibble; x = d (q - 8)
 *   Q4_K  256 values, 144 bytes: d, dmin (f16), 12 bytes packing eight
 *         6-bit scales and mins, 128 bytes of nibbles; sub-block s (32
 *         values) of pair p = s / 2 sits in the low (s even) or high
 *         nibbles of bytes 32 p .. 32 p + 31;  x = d sc_s q - dmin m_s
 *   Q6_K  256 values, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2
 *         bits), sc[16] (int8, one per 16 values), d (f16);
 *         x = d sc (q - 32)
 *
 * Weights stay in these blocks in memory; the kernels decode them on the
 * fly.  Every kernel has a naive _ref twin (element by element) that the
 * tests compare it with.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sy-tensor-store.h"

G_BEGIN_DECLS

/* @out[i] = element @offset + i of the block array @data (starting at a
 * block boundary), for i < @n. */
void     sy_quant_to_f32        (SyDType        dtype,
                                 const void    *data,
                                 int64_t        offset,
                                 int64_t        n,
                                 float         *out);
void     sy_quant_to_f32_ref    (SyDType        dtype,
                                 const void    *data,
                                 int64_t        offset,
                                 int64_t        n,
                                 float         *out);

/* sum_i row[i] x[i] over @n values (a multiple of the block size) of the
 * blocks at @row, float32 accumulation per block. */
float    sy_quant_dot           (SyDType        dtype,
                                 const void    *row,
                                 const float   *x,
                                 int            n);
float    sy_quant_dot_ref       (SyDType        dtype,
                                 const void    *row,
                                 const float   *x,
                                 int            n);

/* Quantizes @n values (a multiple of the block size) into @out
 * (sy_dtype_n_bytes (dtype, n) bytes): round to nearest with per-block
 * scales (Q4_K: scales and mins per 32, Q6_K: scales per 16). */
void     sy_quantize            (SyDType        dtype,
                                 const float   *x,
                                 int64_t        n,
                                 void          *out);

/* Index of the first block whose f16 scales are NaN or infinite, or -1. */
int64_t  sy_quant_find_nonfinite (SyDType       dtype,
                                  const void   *data,
                                  int64_t       n_blocks);

G_END_DECLS

/* sy-quant.h: GGUF block-quantized weights (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
 * Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS, MXFP4)
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
 *   Q4_1  32 values, 20 bytes: d, m (f16), nibbles as Q4_0;     x = d q + m
 *   Q5_0  32 values, 22 bytes: d (f16), qh (u32: bit j is the fifth bit of
 *         value j), nibbles as Q4_0 (the low 4 bits);            x = d (q - 16)
 *   Q5_1  32 values, 24 bytes: d, m (f16), qh, nibbles as Q5_0; x = d q + m
 *   IQ4_NL 32 values, 18 bytes: d (f16), nibbles as Q4_0, each picking one
 *         of 16 non-linear levels L (-127 .. 113);               x = d L[q]
 *
 * K-quants: super-blocks of 256 values in groups of 16 or 32:
 *
 *   Q2_K  84 bytes: sc[16] (per 16 values: scale in the low nibble, min
 *         in the high one), qs[64] (2 bits: value j = 128 h + 32 k + l
 *         sits at bits 2 k of qs[32 h + l]), d, dmin (f16);
 *         x = d sc q - dmin m
 *   Q3_K  110 bytes: hmask[32] (bit j / 32 of hmask[j % 32]), qs[64] (the
 *         low 2 bits, placed as Q2_K's), 12 bytes packing sixteen 6-bit
 *         scales (group g: low 4 bits in nibble g / 8 of byte g % 8, high
 *         2 bits at bit 2 (g / 4) of byte 8 + g % 4), d (f16);
 *         x = d (s - 32) (q - (hmask bit ? 0 : 4))
 *   Q4_K  256 values, 144 bytes: d, dmin (f16), 12 bytes packing eight
 *         6-bit scales and mins, 128 bytes of nibbles; sub-block s (32
 *         values) of pair p = s / 2 sits in the low (s even) or high
 *         nibbles of bytes 32 p .. 32 p + 31;  x = d sc_s q - dmin m_s
 *   Q5_K  256 values, 176 bytes: d, dmin, 12 scale / min bytes as Q4_K,
 *         qh[32] (bit s of qh[l]: the fifth bit of element l of sub-block
 *         s), 128 bytes of nibbles as Q4_K;     x = d sc_s q - dmin m_s
 *   Q6_K  256 values, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2
 *         bits), sc[16] (int8, one per 16 values), d (f16);
 *         x = d sc (q - 32)
 *   IQ4_XS 256 values, 136 bytes: d (f16), scales_h (u16: 2 high bits of
 *         sub-block s's 6-bit scale at bit 2 s), scales_l[4] (its low 4 bits
 *         in nibble s % 2 of byte s / 2), 128 bytes: sub-block s (32 values)
 *         in bytes 16 s .. 16 s + 15 placed as Q4_0's;  x = d (ls - 32) L[q]
 *
 *   MXFP4 32 values, 17 bytes: e (E8M0, scale 2^(e - 127)), 16 bytes of
 *         E2M1 codes (sign, 2-bit exponent, 1-bit mantissa: 0, 0.5, 1,
 *         1.5, 2, 3, 4, 6) placed like Q4_0's nibbles; x = 2^(e - 127) v;
 *         e = 0xFF (NaN) is rejected
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
 * scales (Q4_K / Q5_K: scales and mins per 32, Q2_K / Q3_K / Q6_K: per
 * 16).  Q4_1, Q5_1 and the K-quants with mins fit each group's scale and
 * min by a search around max - min with a least-squares refit; Q5_0,
 * Q3_K, IQ4_NL, IQ4_XS likewise for their scale. */
void     sy_quantize            (SyDType        dtype,
                                 const float   *x,
                                 int64_t        n,
                                 void          *out);

/* Index of the first block whose scales are NaN or infinite, or -1. */
int64_t  sy_quant_find_nonfinite (SyDType       dtype,
                                  const void   *data,
                                  int64_t       n_blocks);

G_END_DECLS

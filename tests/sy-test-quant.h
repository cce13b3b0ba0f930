/* sy-test-quant.h: what the quantization tests share (test-quant*.c)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The block types, in one order, and the seeded random values they are
 * quantized from.
 */
#pragma once

#include "sy-dtype.h"

G_BEGIN_DECLS

/* Every block type: each has a quantizer, a dot and fused kernels
 * (f32 and q8 activations). */
extern const SyDType sy_test_block_types[13];

/* @n values in [-1, 1] (every seventh in [-3, 3]) from a generator
 * seeded @seed; free with g_free. */
float *sy_test_random_values (int     n,
                              guint32 seed);

G_END_DECLS

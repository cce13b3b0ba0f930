/* sy-quantize-private.h: what the tests ask of the quantizer
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-quant.h"

/* sy_quantize on the generic path, without the vector code that
 * sy_quantize uses where the CPU has it: the same bytes (what
 * test-quant checks) */
void sy_quantize_generic (SyDType      dtype,
                          const float *x,
                          int64_t      n,
                          void        *out);

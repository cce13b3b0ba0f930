/* sy-test-compare.h: what the Compare cache tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-compare.h"

G_BEGIN_DECLS

/* @got (a comparison through the KL cache) against @want (two fresh
 * sessions): the same positions and greedy agreement, each position's KL
 * and the mean KL within 1e-4 relative (the engine's logits agree to
 * ~1e-5, not bit for bit, after a cached prefix). */
void sy_test_assert_compare_close (const SyCompare *got,
                                   const SyCompare *want);

G_END_DECLS

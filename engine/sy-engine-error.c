/* sy-engine-error.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sy-engine-error.h"

G_DEFINE_QUARK (sy-engine-error-quark, sy_engine_error)

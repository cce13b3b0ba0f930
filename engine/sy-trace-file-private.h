/* sy-trace-file-private.h: what the trace file's writer and reader share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-trace-file.h"

/* the names the file gives its enums */
static const char * const values_names[] = {
  [SY_TRACE_ROUTER_NONE] = "none",
  [SY_TRACE_ROUTER_LOGITS] = "logits",
  [SY_TRACE_ROUTER_PROBS] = "probs",
  [SY_TRACE_ROUTER_TOP] = "top",
};

static const char * const activation_names[] = {
  [SY_ROUTER_SOFTMAX] = "softmax",
  [SY_ROUTER_SIGMOID] = "sigmoid",
};

static const char * const native_weights_names[] = {
  [SY_NATIVE_WEIGHTS_RENORM] = "renorm",
  [SY_NATIVE_WEIGHTS_RAW] = "raw",
  [SY_NATIVE_WEIGHTS_SIGMOID] = "sigmoid",
};

/* Points tf->info at the file's native policy and selection bias rows. */
void _sy_trace_file_link_info (SyTraceFile *self);

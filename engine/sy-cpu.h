/* sy-cpu.h: CPU features the vector paths check at run time
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * __builtin_cpu_supports () names most features; clang 14 (fuzz builds
 * use clang) knows no "f16c", so that one is asked of CPUID (leaf 1, ECX
 * bit 29) there.
 */
#pragma once

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
static inline int
sy_cpu_has_f16c (void)
{
  unsigned a, b, c, d;

  return __get_cpuid (1, &a, &b, &c, &d) && (c & bit_F16C);
}
#elif defined(__x86_64__)
#define sy_cpu_has_f16c() __builtin_cpu_supports ("f16c")
#endif

/* sy-cpu.h: CPU features the vector paths check at run time
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * __builtin_cpu_supports () names most features; clang 14 (fuzz builds
 * use clang) knows no "f16c", so that one is asked of CPUID (leaf 1, ECX
 * bit 29) there.  The feature sets several kernels share are asked once
 * per translation unit (each keeps its answer).  Also the horizontal sum
 * the AVX2 and AVX-512 kernels end their products with.
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

#if defined(__x86_64__)
#include <immintrin.h>

/* AVX2 and FMA: the target of the AVX2 kernels */
static inline int
sy_cpu_has_avx2_fma (void)
{
  static int cached = -1;

  if (cached < 0)
    {
      __builtin_cpu_init ();
      cached = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    }
  return cached;
}

/* AVX-512 F, BW and VL with F16C and FMA: the target of the AVX-512
 * block-quantized kernels */
static inline int
sy_cpu_has_avx512_f16c_fma (void)
{
  static int cached = -1;

  if (cached < 0)
    {
      __builtin_cpu_init ();
      cached = __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
               && __builtin_cpu_supports ("avx512vl") && sy_cpu_has_f16c ()
               && __builtin_cpu_supports ("fma");
    }
  return cached;
}

/* ... and AVX-512 VNNI and DQ: the target of the one-token (T = 1) and
 * 8-bit-activation kernels */
static inline int
sy_cpu_has_avx512_vnni (void)
{
  static int cached = -1;

  if (cached < 0)
    cached = sy_cpu_has_avx512_f16c_fma () && __builtin_cpu_supports ("avx512dq")
             && __builtin_cpu_supports ("avx512vnni");
  return cached;
}

/* The sum of @v's eight floats: the halves added, then the pairs (one
 * order, so every kernel's sums are bit-identical) */
__attribute__ ((target ("avx"), always_inline)) static inline float
sy_hsum256 (__m256 v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));

  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}
#endif

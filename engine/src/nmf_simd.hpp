#pragma once
/// \file nmf_simd.hpp
/// AVX2 helpers shared by the KL objective sums (nmf_divergence_fast.cpp) and the KL
/// kernel's fused objective (nmf_kl_kernel.cpp). Include only where __AVX2__ and __FMA__
/// are defined (every TU of the engine is built with the same flags).

#include <immintrin.h>

namespace demix::nmf_detail::simd {

/// Natural log of 8 positive normal floats: x = m·2^e with m in [√½, √2),
/// log m = 2 atanh(s), s = (m − 1)/(m + 1), by its series to s⁹ (error < 1e-8 relative).
inline __m256 log8(__m256 x)
{
    const __m256i bits = _mm256_castps_si256(x);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                                   _mm256_set1_epi32(0x3f800000)));
    const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    e = _mm256_add_epi32(e, _mm256_and_si256(_mm256_castps_si256(big), _mm256_set1_epi32(1)));
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 s = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
    const __m256 z = _mm256_mul_ps(s, s);
    __m256 p = _mm256_set1_ps(1.0f / 9.0f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.0f / 7.0f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.0f / 5.0f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.0f / 3.0f));
    p = _mm256_mul_ps(p, z);
    const __m256 twoS = _mm256_add_ps(s, s);
    const __m256 logm = _mm256_fmadd_ps(twoS, p, twoS);
    const __m256 ef = _mm256_cvtepi32_ps(e);
    // e·ln2 split in a high part exact in float and a low correction.
    return _mm256_fmadd_ps(ef, _mm256_set1_ps(0.693145751953125f),
                           _mm256_fmadd_ps(ef, _mm256_set1_ps(1.428606765330187e-06f), logm));
}

inline void addTo(__m256d& lo, __m256d& hi, __m256 t)
{
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(t)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(t, 1)));
}

inline double reduce(__m256d lo, __m256d hi)
{
    alignas(32) double a[4], b[4];
    _mm256_store_pd(a, lo);
    _mm256_store_pd(b, hi);
    return ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
}

}  // namespace demix::nmf_detail::simd

// Fast d_β sums for the objective curve inside factorize (evaluated on every block of
// WH while it is in cache): KL and Frobenius terms in float with AVX2 (own vectorised
// log, about 1 ulp), summed in double lanes in a fixed order. Other β use the exact
// double path. The public divergence() always uses the exact path.
#include "nmf_internal.hpp"

#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include "nmf_simd.hpp"
#define DEMIX_NMF_AVX2 1
#endif

namespace demix::nmf_detail {

#ifdef DEMIX_NMF_AVX2
using simd::addTo;
using simd::log8;
using simd::reduce;
#endif

double divergenceSumFast(const float* v, const float* y, std::size_t n, double beta)
{
#ifdef DEMIX_NMF_AVX2
    if (beta == 1.0 || beta == 2.0) {
        __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
        std::size_t i = 0;
        if (beta == 1.0) {
            // y·(r log r − (r − 1)), r = v / max(y, ε); v = 0 gives y (0·log tiny = 0).
            const __m256 eps = _mm256_set1_ps(kEpsilon);
            const __m256 tiny = _mm256_set1_ps(1.17549435e-38f);
            const __m256 one = _mm256_set1_ps(1.0f);
            for (; i + 8 <= n; i += 8) {
                const __m256 vv = _mm256_loadu_ps(v + i);
                const __m256 yy = _mm256_max_ps(_mm256_loadu_ps(y + i), eps);
                const __m256 r = _mm256_div_ps(vv, yy);
                const __m256 rl = _mm256_mul_ps(r, log8(_mm256_max_ps(r, tiny)));
                const __m256 t = _mm256_mul_ps(yy, _mm256_sub_ps(rl, _mm256_sub_ps(r, one)));
                addTo(lo, hi, t);
            }
        } else {
            for (; i + 8 <= n; i += 8) {
                // Difference in float (exact enough), square in double (no overflow).
                const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(v + i), _mm256_loadu_ps(y + i));
                const __m256d dl = _mm256_cvtps_pd(_mm256_castps256_ps128(d));
                const __m256d dh = _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1));
                lo = _mm256_fmadd_pd(dl, dl, lo);
                hi = _mm256_fmadd_pd(dh, dh, hi);
            }
        }
        double sum = reduce(lo, hi);
        if (beta == 2.0) sum *= 0.5;
        return sum + divergenceSum(v + i, y + i, n - i, beta);
    }
#endif
    return divergenceSum(v, y, n, beta);
}

}  // namespace demix::nmf_detail

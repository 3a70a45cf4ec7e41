#include "frame_analysis.hpp"

#include "stft_internal.hpp"

#include <algorithm>
#include <cmath>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace demix::detail {

struct FrameAnalyzer::Impl {
    StftTables tables;
    FftrPlan plan;
    std::vector<float> padded, frame;
};

FrameAnalyzer::FrameAnalyzer(const StftSettings& settings) : impl_(std::make_unique<Impl>()) {
    impl_->tables = makeTables(settings);
    impl_->plan = FftrPlan(settings.fftSize, false);
    impl_->padded.resize(static_cast<std::size_t>(settings.fftSize));
    impl_->frame.resize(static_cast<std::size_t>(settings.fftSize));
}

FrameAnalyzer::~FrameAnalyzer() = default;
FrameAnalyzer::FrameAnalyzer(FrameAnalyzer&&) noexcept = default;
FrameAnalyzer& FrameAnalyzer::operator=(FrameAnalyzer&&) noexcept = default;

void FrameAnalyzer::analyse(const float* x, std::size_t length, long long t, std::complex<float>* out) noexcept {
    Impl& s = *impl_;
    ScopedFlushDenormals ftz;  // as the streaming analyzer and the offline STFT do
    windowedFrame(s.tables, x, static_cast<long long>(length), t, s.padded.data(), s.frame.data());
    s.plan.forward(s.frame.data(), out);
}

namespace {

inline float magnitude(std::complex<float> v) noexcept {
    const double re = v.real(), im = v.imag();
    const auto m = static_cast<float>(std::sqrt(re * re + im * im));
    return std::isfinite(m) ? m : std::abs(v);  // inf/NaN: the library's own rules
}

}  // namespace

void addMagnitudes(const std::complex<float>* X, float* out, std::ptrdiff_t n, bool accumulate) noexcept {
    std::ptrdiff_t i = 0;
#if defined(__AVX2__)
    // 4 values at a time in double: re² and im² are exact in double, so the sum, the
    // square root and the final rounding are exactly glibc's hypotf.
    const float* p = reinterpret_cast<const float*>(X);
    const __m256d inf = _mm256_set1_pd(HUGE_VAL);
    for (; i + 4 <= n; i += 4) {
        const __m256 v = _mm256_loadu_ps(p + 2 * i);  // re0 im0 re1 im1 re2 im2 re3 im3
        const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));    // re0 im0 re1 im1
        const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));  // re2 im2 re3 im3
        const __m256d sqLo = _mm256_mul_pd(lo, lo), sqHi = _mm256_mul_pd(hi, hi);
        // hadd: [lo0+lo1, hi0+hi1, lo2+lo3, hi2+hi3] = |X|² of values 0, 2, 1, 3
        const __m256d sum = _mm256_permute4x64_pd(_mm256_hadd_pd(sqLo, sqHi), 0xD8);
        const __m256d root = _mm256_sqrt_pd(sum);
        if (_mm256_movemask_pd(_mm256_cmp_pd(root, inf, _CMP_NLT_UQ)) != 0) break;  // inf/NaN: scalar path
        __m128 m = _mm256_cvtpd_ps(root);
        if (accumulate) m = _mm_add_ps(_mm_loadu_ps(out + i), m);
        _mm_storeu_ps(out + i, m);
    }
#endif
    for (; i < n; ++i) out[i] = accumulate ? out[i] + magnitude(X[i]) : magnitude(X[i]);
}

}  // namespace demix::detail

#pragma once
// Direct access to single STFT frames and their magnitudes (internal header).

#include "demix/stft.hpp"

#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

namespace demix::detail {

/// Computes frame t of the offline STFT of one channel straight from its samples
/// (window, zeros outside [0, length), real FFT): bit-identical to Stft::forward and to
/// the streaming analyzer's frame t, but any frame can be asked for in any order, so
/// ranges of frames can be split over threads. One object per thread (FFT scratch).
class FrameAnalyzer {
public:
    explicit FrameAnalyzer(const StftSettings& settings);  // allocates; throws
    ~FrameAnalyzer();
    FrameAnalyzer(FrameAnalyzer&&) noexcept;
    FrameAnalyzer& operator=(FrameAnalyzer&&) noexcept;

    /// out (bins values) = frame t of x (length samples). Never allocates.
    void analyse(const float* x, std::size_t length, long long t, std::complex<float>* out) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// out[i] (+)= |X[i]| for i < n: `accumulate` false stores, true adds. The magnitude is
/// the one std::abs(std::complex<float>) gives (glibc's hypotf: the correctly rounded
/// double sqrt(re² + im²)), bit for bit, several times faster.
void addMagnitudes(const std::complex<float>* X, float* out, std::ptrdiff_t n, bool accumulate) noexcept;

}  // namespace demix::detail

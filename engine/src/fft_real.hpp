#pragma once
// A fast real FFT for the power-of-two sizes the STFT uses (internal header).
//
// KissFFT is portable and handles every size, but it is scalar, and a `demix separate`
// of a 3-minute song runs ≈ 100 000 real FFTs of 4096 points. This one vectorises with
// AVX2 + FMA:
// the N-point real transform is an N/2-point complex FFT (split re/im arrays,
// Stockham autosort, radix 4 with one radix-2 stage when log2(N/2) is odd) plus the
// usual even/odd recombination (timings: docs/performance.md).
//
// Conventions are KissFFT's (kiss_fftr / kiss_fftri), so FftrPlan can use either:
//   forward: X[k] = Σ_n x[n] e^{−2πikn/N}, k = 0 … N/2 (N/2 + 1 complex values);
//   inverse: x[n] = Σ_k X[k] e^{+2πikn/N} over the full Hermitian spectrum, unnormalised
//            (inverse(forward(x)) = N·x); the imaginary parts of X[0] and X[N/2] are
//            ignored.
// Results agree with KissFFT to float rounding, not bit for bit.
//
// Thread safety: a RealFft owns its scratch, so one object must not be used by two
// threads at once (like a kiss_fftr configuration). forward/inverse never allocate.

#include <complex>
#include <memory>
#include <vector>

namespace demix::detail {

class RealFft {
public:
    /// True when this build has the vectorised transform and n is a power of two
    /// >= kMinSize (smaller or other sizes use KissFFT).
    static bool supports(int n) noexcept;
    static constexpr int kMinSize = 256;

    /// Plans the transform of size n (supports(n) must be true). Allocates; throws
    /// std::bad_alloc.
    explicit RealFft(int n);

    /// time: n floats → freq: n/2 + 1 values. Never allocates.
    void forward(const float* time, std::complex<float>* freq) noexcept;
    /// freq: n/2 + 1 values → time: n floats, scaled by n. Never allocates.
    void inverse(const std::complex<float>* freq, float* time) noexcept;

    int size() const noexcept { return n_; }

private:
    /// One radix-4 pass: length `len` sub-transforms at stride `stride`
    /// (len · stride = n/2); twiddles w^{r·p}, r = 1..3, laid out for its loop.
    struct Pass {
        int len = 0, stride = 0;
        std::vector<float> twiddles;  // [w1re, w1im, w2re, w2im, w3re, w3im] blocks
    };
    /// The complex FFT of re/im (n/2 points) in place of whichever buffer it ends in;
    /// returns the buffer holding the result (re, im pointers).
    void complexForward(float*& re, float*& im) noexcept;

    int n_ = 0;
    int half_ = 0;  // n/2 complex points
    std::vector<Pass> passes_;
    bool finalRadix2_ = false;
    std::vector<float> postRe_, postIm_;  // e^{−2πik/n}, k < n/2
    std::vector<float> bufA_, bufB_;      // 2 × half_ each: re then im
};

}  // namespace demix::detail

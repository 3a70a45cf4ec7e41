#pragma once
// Internal helpers shared by the offline and streaming STFT (not part of the public API).
// Offline and streaming use exactly these kernels, so their results are bit-identical.

#include "demix/stft.hpp"
#include "fft_real.hpp"

#include <kiss_fftr.h>

#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

#if defined(__SSE__) || defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define DEMIX_STFT_HAVE_MXCSR 1
#endif

namespace demix::detail {

/// RAII: enables flush-to-zero and denormals-are-zero on this thread, restores on exit.
class ScopedFlushDenormals {
public:
    ScopedFlushDenormals() noexcept {
#ifdef DEMIX_STFT_HAVE_MXCSR
        saved_ = _mm_getcsr();
        _mm_setcsr(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#endif
    }
    ~ScopedFlushDenormals() {
#ifdef DEMIX_STFT_HAVE_MXCSR
        _mm_setcsr(saved_);
#endif
    }
    ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
    ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

private:
    unsigned saved_ = 0;
};

/// Asks the OS to back a large, not yet touched buffer with transparent huge pages
/// (Linux, THP in "madvise" mode): for spectrograms of whole songs this removes most
/// of the page-fault cost of first touching hundreds of MB. A hint only; no-op elsewhere.
void adviseHugePages(void* data, std::size_t bytes) noexcept;

/// v = n zeros, with huge pages advised before the memory is first touched.
inline void allocateZeroed(std::vector<float>& v, std::size_t n) {
    v.clear();
    v.reserve(n);
    adviseHugePages(v.data(), n * sizeof(float));
    v.resize(n, 0.0f);
}

/// One real FFT plan (forward or inverse) of size nfft: the vectorised RealFft for the
/// power-of-two sizes it supports, a kiss_fftr configuration otherwise (same conventions,
/// equal to float rounding). Not thread-safe: both keep scratch inside the plan.
class FftrPlan {
public:
    FftrPlan() = default;
    FftrPlan(int nfft, bool inverse);  // throws std::bad_alloc
    ~FftrPlan();
    FftrPlan(FftrPlan&& other) noexcept : cfg_(other.cfg_), fast_(std::move(other.fast_)) { other.cfg_ = nullptr; }
    FftrPlan& operator=(FftrPlan&& other) noexcept;
    FftrPlan(const FftrPlan&) = delete;
    FftrPlan& operator=(const FftrPlan&) = delete;

    /// time: nfft floats -> freq: nfft/2+1 bins.
    void forward(const float* time, std::complex<float>* freq) const noexcept {
        if (fast_) {
            fast_->forward(time, freq);
        } else {
            kiss_fftr(cfg_, time, reinterpret_cast<kiss_fft_cpx*>(freq));
        }
    }
    /// freq: nfft/2+1 bins -> time: nfft floats, unnormalised (scaled by nfft).
    void inverse(const std::complex<float>* freq, float* time) const noexcept {
        if (fast_) {
            fast_->inverse(freq, time);
        } else {
            kiss_fftri(cfg_, reinterpret_cast<const kiss_fft_cpx*>(freq), time);
        }
    }

private:
    kiss_fftr_cfg cfg_ = nullptr;
    std::unique_ptr<RealFft> fast_;
};

/// Everything derived from validated settings, shared by offline and streaming.
struct StftTables {
    int fftSize = 0;
    int hop = 0;
    int bins = 0;
    std::vector<float> window;     ///< analysis window w, length fftSize
    std::vector<float> synthesis;  ///< w[j] / fftSize (undoes the inverse FFT's gain)
    std::vector<float> invNorm;    ///< 1 / sum_m w[i + m*hop]^2, length hop
};

/// Validates and builds the tables. Throws InvalidArgument.
StftTables makeTables(const StftSettings& settings);

/// out[j] = w[j] * in[j], j < n.
inline void applyWindow(const float* in, const float* w, float* out, int n) noexcept {
    for (int j = 0; j < n; ++j) out[j] = w[j] * in[j];
}

/// Frame t of the offline STFT of x (len samples), windowed into `frame` (fftSize
/// floats): samples (t + 1)·hop − fftSize … (t + 1)·hop − 1, zeros outside [0, len).
/// `padded` (fftSize floats) is scratch for the frames that reach past either end.
inline void windowedFrame(const StftTables& tables, const float* x, long long len, long long t,
                          float* padded, float* frame) noexcept {
    const int N = tables.fftSize;
    const long long start = (t + 1) * tables.hop - N;
    const float* src = padded;  // x + start only where it is in range (no pointer before x)
    if (start >= 0 && start + N <= len) {
        src = x + start;
    } else {
        for (int j = 0; j < N; ++j) {
            const long long i = start + j;
            padded[j] = (i >= 0 && i < len) ? x[i] : 0.0f;
        }
    }
    applyWindow(src, tables.window.data(), frame, N);
}

/// acc[j] += s[j] * frame[j], j < n.
inline void overlapAdd(const float* frame, const float* s, float* acc, int n) noexcept {
    for (int j = 0; j < n; ++j) acc[j] += s[j] * frame[j];
}

// The inverse STFT by ranges of output samples. Output sample n sits at position
// n + fftSize − hop of the padded signal; frame t covers positions [t·hop, t·hop + fftSize).

/// The frames [first, last] (of `frames`) that touch output samples [begin, end), begin < end.
struct FrameSpan {
    long long first, last;
};
inline FrameSpan framesTouching(const StftTables& tables, long long begin, long long end,
                                long long frames) noexcept {
    const long long N = tables.fftSize, hop = tables.hop, offset = N - hop;
    // ceil((begin + offset − N + 1) / hop), begin + offset >= N − hop
    return {std::max(0LL, (begin + offset - N + hop) / hop),
            std::min(frames - 1, (end - 1 + offset) / hop)};
}

/// Overlap-adds the synthesis-windowed inverse FFT `frame` of frame t into out, only its
/// samples in [begin, end). Returns the first sample this frame covers.
inline long long addFrameInRange(const StftTables& tables, const float* frame, long long t,
                                 long long begin, long long end, float* out) noexcept {
    const long long N = tables.fftSize, hop = tables.hop;
    const long long s0 = t * hop - (N - hop);  // sample at frame position 0
    const long long lo = std::max(begin, s0) - s0;
    const long long hi = std::min(end, s0 + N) - s0;
    if (lo < hi)
        overlapAdd(frame + lo, tables.synthesis.data() + lo, out + s0 + lo, static_cast<int>(hi - lo));
    return s0;
}

/// Divides the finished output samples [begin, end) by the steady-state summed squared
/// window (periodic with period hop).
inline void normaliseOverlap(const StftTables& tables, float* out, long long begin, long long end) noexcept {
    const long long hop = tables.hop;
    const float* inv = tables.invNorm.data();
    long long r = (begin + tables.fftSize - hop) % hop;
    for (long long i = begin; i < end;) {
        const long long run = std::min(hop - r, end - i);
        float* o = out + i;
        const float* g = inv + r;
        for (long long k = 0; k < run; ++k) o[k] *= g[k];
        i += run;
        r = 0;
    }
}

}  // namespace demix::detail

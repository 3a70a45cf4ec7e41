// Offline STFT / inverse STFT (KissFFT real FFT) and the magnitude spectrogram.

#include "stft_internal.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

namespace demix {

using detail::FftrPlan;

struct Stft::Impl {
    StftSettings settings;
    detail::StftTables tables;

    // kiss_fftr configurations are not reentrant (internal scratch), so concurrent
    // calls each lease their own from this pool; plans are created at most once per
    // concurrently running transform and then reused.
    mutable std::mutex poolMutex;
    mutable std::vector<FftrPlan> forwardPool;
    mutable std::vector<FftrPlan> inversePool;

    FftrPlan lease(bool inverse) const {
        {
            std::lock_guard<std::mutex> lock(poolMutex);
            auto& pool = inverse ? inversePool : forwardPool;
            if (!pool.empty()) {
                FftrPlan plan = std::move(pool.back());
                pool.pop_back();
                return plan;
            }
        }
        return FftrPlan(tables.fftSize, inverse);
    }
    void giveBack(FftrPlan&& plan, bool inverse) const {
        std::lock_guard<std::mutex> lock(poolMutex);
        (inverse ? inversePool : forwardPool).push_back(std::move(plan));
    }

    class PlanLease {
    public:
        PlanLease(const Impl& impl, bool inverse)
            : impl_(impl), inverse_(inverse), plan_(impl.lease(inverse)) {}
        ~PlanLease() {
            try {
                impl_.giveBack(std::move(plan_), inverse_);
            } catch (...) {
                // Out of memory while returning the plan: it is simply freed.
            }
        }
        const FftrPlan& get() const { return plan_; }

    private:
        const Impl& impl_;
        bool inverse_;
        FftrPlan plan_;
    };

    /// Frames [tBegin, tEnd) of x (n samples) into the matching columns of `out`.
    void forwardFrames(const float* x, std::size_t n, ComplexMatrix& out, long long tBegin,
                       long long tEnd) const;
    /// Output samples [begin, end) of the inverse (n samples in all) into out[begin, end),
    /// which must arrive zeroed. Each sample sums its frames in ascending order, so any
    /// split into ranges gives bit-identical results.
    void inverseSamples(const ComplexMatrix& spectrum, std::size_t n, float* out, long long begin,
                        long long end) const;
};

namespace {

int resolveThreads(int threads) {
    if (threads < 0) throw InvalidArgument("threads must be >= 0 (got " + std::to_string(threads) + ")");
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return threads;
}

/// Work split: each channel is cut into `parts` ranges so that all threads have work
/// even when there are fewer channels than threads.
struct Split {
    std::size_t parts = 1;
    std::size_t units = 0;  ///< channels * parts
    int threads = 1;

    Split(std::size_t channels, int requestedThreads, long long length) {
        const std::size_t t = static_cast<std::size_t>(resolveThreads(requestedThreads));
        if (channels > 0) parts = (t + channels - 1) / channels;
        parts = std::max<std::size_t>(1, std::min<std::size_t>(parts, static_cast<std::size_t>(std::max(length, 1LL))));
        units = channels * parts;
        threads = static_cast<int>(std::min<std::size_t>(t, std::max<std::size_t>(units, 1)));
    }
    std::size_t channel(std::size_t unit) const { return unit / parts; }
    long long begin(std::size_t unit, long long length) const {
        return length * static_cast<long long>(unit % parts) / static_cast<long long>(parts);
    }
    long long end(std::size_t unit, long long length) const {
        return length * static_cast<long long>(unit % parts + 1) / static_cast<long long>(parts);
    }
};

/// Runs job(c) for c < jobs on `threads` threads (job c on thread c % threads).
/// Rethrows the first exception.
template <typename Job>
void parallelFor(std::size_t jobs, int threads, const Job& job) {
    if (threads <= 1 || jobs <= 1) {
        for (std::size_t c = 0; c < jobs; ++c) job(c);
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    auto worker = [&](int id) {
        try {
            for (std::size_t c = static_cast<std::size_t>(id); c < jobs; c += static_cast<std::size_t>(threads))
                job(c);
        } catch (...) {
            errors[static_cast<std::size_t>(id)] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    int started = 1;
    try {
        pool.reserve(static_cast<std::size_t>(threads - 1));
        for (; started < threads; ++started) pool.emplace_back(worker, started);
    } catch (...) {
        // Could not start a thread: this thread does the remaining shares itself.
    }
    worker(0);
    for (int id = started; id < threads; ++id) worker(id);
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace

void Stft::Impl::forwardFrames(const float* x, std::size_t n, ComplexMatrix& out, long long tBegin,
                               long long tEnd) const {
    const int N = tables.fftSize;
    if (tBegin >= tEnd) return;
    PlanLease plan(*this, false);
    std::vector<float> padded(static_cast<std::size_t>(N));
    std::vector<float> frame(static_cast<std::size_t>(N));
    const long long len = static_cast<long long>(n);
    detail::ScopedFlushDenormals ftz;
    for (long long t = tBegin; t < tEnd; ++t) {
        detail::windowedFrame(tables, x, len, t, padded.data(), frame.data());
        plan.get().forward(frame.data(), out.data() + t * tables.bins);
    }
}

void Stft::Impl::inverseSamples(const ComplexMatrix& spectrum, std::size_t n, float* out, long long begin,
                                long long end) const {
    const long long len = static_cast<long long>(n);
    end = std::min(end, len);
    if (begin >= end) return;
    PlanLease plan(*this, true);
    std::vector<float> frame(static_cast<std::size_t>(tables.fftSize));
    const detail::FrameSpan span = detail::framesTouching(tables, begin, end, spectrum.cols());
    detail::ScopedFlushDenormals ftz;
    for (long long t = span.first; t <= span.last; ++t) {
        plan.get().inverse(spectrum.data() + t * tables.bins, frame.data());
        detail::addFrameInRange(tables, frame.data(), t, begin, end, out);
    }
    detail::normaliseOverlap(tables, out, begin, end);
}

Stft::Stft(StftSettings settings) : impl_(std::make_unique<Impl>()) {
    impl_->tables = detail::makeTables(settings);  // validates
    impl_->settings = std::move(settings);
}

Stft::~Stft() = default;
Stft::Stft(Stft&&) noexcept = default;
Stft& Stft::operator=(Stft&&) noexcept = default;

const StftSettings& Stft::settings() const { return impl_->settings; }
const std::vector<float>& Stft::window() const { return impl_->tables.window; }

int Stft::frameCount(std::size_t numSamples) const {
    if (numSamples == 0) return 0;
    const std::size_t N = static_cast<std::size_t>(impl_->tables.fftSize);
    const std::size_t hop = static_cast<std::size_t>(impl_->tables.hop);
    if (numSamples > static_cast<std::size_t>(LLONG_MAX) / 2)
        throw InvalidArgument("signal too long for the STFT");
    const std::size_t frames = (numSamples - 1 + N) / hop;
    if (frames > static_cast<std::size_t>(INT_MAX))
        throw InvalidArgument("signal too long: " + std::to_string(frames) + " STFT frames exceed INT_MAX");
    return static_cast<int>(frames);
}

ComplexMatrix Stft::forward(const float* samples, std::size_t numSamples) const {
    if (samples == nullptr && numSamples > 0) throw InvalidArgument("Stft::forward: null samples");
    ComplexMatrix out(impl_->tables.bins, frameCount(numSamples));
    detail::adviseHugePages(out.data(), static_cast<std::size_t>(out.size()) * sizeof(std::complex<float>));
    impl_->forwardFrames(samples, numSamples, out, 0, out.cols());
    return out;
}

Spectrogram Stft::forward(const AudioBuffer& audio, int threads) const {
    const std::size_t n = audio.numSamples();
    for (std::size_t c = 0; c < audio.channels.size(); ++c)
        if (audio.channels[c].size() != n)
            throw InvalidArgument("Stft::forward: channel " + std::to_string(c) + " has " +
                                  std::to_string(audio.channels[c].size()) +
                                  " samples, channel 0 has " + std::to_string(n));
    const int frames = frameCount(n);
    const std::size_t channels = audio.channels.size();
    const Split split(channels, threads, frames);
    Spectrogram spec;
    spec.channels.resize(channels);
    for (ComplexMatrix& m : spec.channels) {
        m.resize(impl_->tables.bins, frames);  // not touched yet: pages fault in the workers
        detail::adviseHugePages(m.data(), static_cast<std::size_t>(m.size()) * sizeof(std::complex<float>));
    }
    parallelFor(split.units, split.threads, [&](std::size_t unit) {
        const std::size_t c = split.channel(unit);
        impl_->forwardFrames(audio.channels[c].data(), n, spec.channels[c], split.begin(unit, frames),
                             split.end(unit, frames));
    });
    return spec;
}

std::vector<float> Stft::inverse(const ComplexMatrix& spectrum, std::size_t numSamples) const {
    const int frames = frameCount(numSamples);
    if (spectrum.rows() != impl_->tables.bins || spectrum.cols() != frames)
        throw InvalidArgument("Stft::inverse: spectrum is " + std::to_string(spectrum.rows()) + " x " +
                              std::to_string(spectrum.cols()) + ", expected bins x frames = " +
                              std::to_string(impl_->tables.bins) + " x " + std::to_string(frames) +
                              " for " + std::to_string(numSamples) + " samples");
    std::vector<float> out;
    detail::allocateZeroed(out, numSamples);
    impl_->inverseSamples(spectrum, numSamples, out.data(), 0, static_cast<long long>(numSamples));
    return out;
}

AudioBuffer Stft::inverse(const Spectrogram& spectrogram, std::size_t numSamples, double sampleRate,
                          int threads) const {
    const int frames = frameCount(numSamples);
    for (std::size_t c = 0; c < spectrogram.channels.size(); ++c) {
        const ComplexMatrix& m = spectrogram.channels[c];
        if (m.rows() != impl_->tables.bins || m.cols() != frames)
            throw InvalidArgument("Stft::inverse: channel " + std::to_string(c) + " is " +
                                  std::to_string(m.rows()) + " x " + std::to_string(m.cols()) +
                                  ", expected bins x frames = " + std::to_string(impl_->tables.bins) +
                                  " x " + std::to_string(frames) + " for " +
                                  std::to_string(numSamples) + " samples");
    }
    const std::size_t channels = spectrogram.channels.size();
    const long long len = static_cast<long long>(numSamples);
    const Split split(channels, threads, len);
    AudioBuffer audio;
    audio.sampleRate = sampleRate;
    audio.channels.resize(channels);
    for (auto& channel : audio.channels) detail::allocateZeroed(channel, numSamples);
    parallelFor(split.units, split.threads, [&](std::size_t unit) {
        const std::size_t c = split.channel(unit);
        impl_->inverseSamples(spectrogram.channels[c], numSamples, audio.channels[c].data(),
                              split.begin(unit, len), split.end(unit, len));
    });
    return audio;
}

Matrix magnitude(const Spectrogram& spectrogram) {
    const auto& chans = spectrogram.channels;
    if (chans.empty()) return Matrix();
    const Eigen::Index rows = chans[0].rows();
    const Eigen::Index cols = chans[0].cols();
    for (std::size_t c = 1; c < chans.size(); ++c)
        if (chans[c].rows() != rows || chans[c].cols() != cols)
            throw InvalidArgument("magnitude: channel " + std::to_string(c) + " is " +
                                  std::to_string(chans[c].rows()) + " x " + std::to_string(chans[c].cols()) +
                                  ", channel 0 is " + std::to_string(rows) + " x " + std::to_string(cols));
    Matrix v(rows, cols);
    detail::adviseHugePages(v.data(), static_cast<std::size_t>(v.size()) * sizeof(float));
    const Eigen::Index size = rows * cols;
    float* out = v.data();
    // Fast path: sqrt(re^2 + im^2) in float (vectorises). If |X|^2 overflowed anywhere
    // (|X| > ~1.8e19, or non-finite input), redo everything with std::hypot.
    bool overflow = false;
    for (std::size_t c = 0; c < chans.size(); ++c) {
        const float* x = reinterpret_cast<const float*>(chans[c].data());  // re, im pairs
        for (Eigen::Index i = 0; i < size; ++i) {
            const float re = x[2 * i];
            const float im = x[2 * i + 1];
            const float m = std::sqrt(re * re + im * im);
            overflow |= !(m <= std::numeric_limits<float>::max());
            out[i] = c == 0 ? m : out[i] + m;
        }
    }
    if (overflow) {
        for (std::size_t c = 0; c < chans.size(); ++c) {
            const std::complex<float>* x = chans[c].data();
            for (Eigen::Index i = 0; i < size; ++i) {
                const float m = std::hypot(x[i].real(), x[i].imag());
                out[i] = c == 0 ? m : out[i] + m;
            }
        }
    }
    if (chans.size() > 1) v /= static_cast<float>(chans.size());
    return v;
}

}  // namespace demix

// Streaming STFT analysis / synthesis for one channel (real-time safe after prepare).
// Uses the same tables and kernels as the offline Stft, so frames are bit-identical and
// the synthesised output equals the offline inverse delayed by fftSize samples (by the
// synthesis span L with low-delay windows).

#include "stft_internal.hpp"

#include <algorithm>
#include <cstring>

namespace demix {

// ---------------------------------------------------------------- analyzer

struct StreamingStftAnalyzer::Impl {
    detail::StftTables tables;
    detail::FftrPlan plan;
    std::vector<float> history;  ///< the frame being assembled: N samples, newest last
    std::vector<float> frame;    ///< windowed scratch
    int fill = 0;                ///< samples pushed into the current frame's last hop
};

StreamingStftAnalyzer::StreamingStftAnalyzer() = default;
StreamingStftAnalyzer::~StreamingStftAnalyzer() = default;
StreamingStftAnalyzer::StreamingStftAnalyzer(StreamingStftAnalyzer&&) noexcept = default;
StreamingStftAnalyzer& StreamingStftAnalyzer::operator=(StreamingStftAnalyzer&&) noexcept = default;

void StreamingStftAnalyzer::prepare(const StftSettings& settings, int maxBlockSize) {
    if (maxBlockSize < 1)
        throw InvalidArgument("StreamingStftAnalyzer: maxBlockSize must be >= 1 (got " +
                              std::to_string(maxBlockSize) + ")");
    auto impl = std::make_unique<Impl>();
    impl->tables = detail::makeTables(settings);
    impl->plan = detail::FftrPlan(settings.fftSize, false);
    impl->history.assign(static_cast<std::size_t>(settings.fftSize), 0.0f);
    impl->frame.assign(static_cast<std::size_t>(settings.fftSize), 0.0f);
    impl_ = std::move(impl);
}

void StreamingStftAnalyzer::reset() noexcept {
    if (!impl_) return;
    std::fill(impl_->history.begin(), impl_->history.end(), 0.0f);
    impl_->fill = 0;
}

int StreamingStftAnalyzer::bins() const noexcept { return impl_ ? impl_->tables.bins : 0; }
int StreamingStftAnalyzer::hop() const noexcept { return impl_ ? impl_->tables.hop : 0; }

int StreamingStftAnalyzer::push(const float* samples, int numSamples) noexcept {
    if (numSamples <= 0) return 0;
    if (!impl_) return numSamples;
    Impl& s = *impl_;
    const int hop = s.tables.hop;
    const int take = std::min(numSamples, hop - s.fill);
    if (take <= 0 || samples == nullptr) return 0;
    // The current hop's samples go to the last `hop` slots of the history.
    std::memcpy(s.history.data() + (s.tables.fftSize - hop + s.fill), samples,
                static_cast<std::size_t>(take) * sizeof(float));
    s.fill += take;
    return take;
}

bool StreamingStftAnalyzer::popFrame(std::complex<float>* spectrum) noexcept {
    if (!impl_ || spectrum == nullptr) return false;
    Impl& s = *impl_;
    const int N = s.tables.fftSize;
    const int hop = s.tables.hop;
    if (s.fill < hop) return false;
    {
        detail::ScopedFlushDenormals ftz;
        detail::applyWindow(s.history.data(), s.tables.window.data(), s.frame.data(), N);
        s.plan.forward(s.frame.data(), spectrum);
    }
    // Keep the newest N - hop samples as history for the next frame.
    if (N > hop)
        std::memmove(s.history.data(), s.history.data() + hop, static_cast<std::size_t>(N - hop) * sizeof(float));
    s.fill = 0;
    return true;
}

// ---------------------------------------------------------------- synthesizer

struct StreamingStftSynthesizer::Impl {
    detail::StftTables tables;
    detail::FftrPlan plan;
    std::vector<float> frame;  ///< inverse FFT scratch, N
    /// Overlap-add accumulator over the synthesis span L (the frame's last L samples;
    /// L == N for the usual windows): acc[0] = the next output sample.
    std::vector<float> acc;
    std::vector<float> invNorm;  ///< per emitted sample i < hop: 1 / summed window product
    int span = 0;                ///< L
    int offset = 0;              ///< N − L: frame position of acc[0]
    std::vector<float> fifo;   ///< output ring buffer
    int readPos = 0;
    int count = 0;         ///< samples in the FIFO
    int padRemaining = 0;  ///< left-padding samples still to be replaced by zeros

    void write(float v) noexcept {
        const int cap = static_cast<int>(fifo.size());
        if (count == cap) {  // overflow: drop the oldest sample
            readPos = readPos + 1 == cap ? 0 : readPos + 1;
            --count;
        }
        int w = readPos + count;
        if (w >= cap) w -= cap;
        fifo[static_cast<std::size_t>(w)] = v;
        ++count;
    }
};

StreamingStftSynthesizer::StreamingStftSynthesizer() = default;
StreamingStftSynthesizer::~StreamingStftSynthesizer() = default;
StreamingStftSynthesizer::StreamingStftSynthesizer(StreamingStftSynthesizer&&) noexcept = default;
StreamingStftSynthesizer& StreamingStftSynthesizer::operator=(StreamingStftSynthesizer&&) noexcept = default;

void StreamingStftSynthesizer::prepare(const StftSettings& settings, int maxBlockSize) {
    if (maxBlockSize < 0)
        throw InvalidArgument("StreamingStftSynthesizer: maxBlockSize must be >= 0 (got " +
                              std::to_string(maxBlockSize) + ")");
    auto impl = std::make_unique<Impl>();
    impl->tables = detail::makeTables(settings);
    impl->plan = detail::FftrPlan(settings.fftSize, true);
    const std::size_t N = static_cast<std::size_t>(settings.fftSize);
    impl->frame.assign(N, 0.0f);
    impl->span = settings.synthesisSpan();
    impl->offset = settings.fftSize - impl->span;
    impl->acc.assign(static_cast<std::size_t>(impl->span), 0.0f);
    // Emitted sample i sits at frame position offset + i: its normalisation is the
    // tables' entry for that position modulo hop.
    const int hop = settings.hop;
    impl->invNorm.resize(static_cast<std::size_t>(hop));
    for (int i = 0; i < hop; ++i)
        impl->invNorm[static_cast<std::size_t>(i)] =
            impl->tables.invNorm[static_cast<std::size_t>((impl->offset + i) % hop)];
    impl->fifo.assign(static_cast<std::size_t>(std::max(maxBlockSize, settings.fftSize) + 2 * settings.hop), 0.0f);
    impl_ = std::move(impl);
    reset();
}

void StreamingStftSynthesizer::reset() noexcept {
    if (!impl_) return;
    Impl& s = *impl_;
    std::fill(s.acc.begin(), s.acc.end(), 0.0f);
    std::fill(s.fifo.begin(), s.fifo.end(), 0.0f);
    s.readPos = 0;
    s.count = s.tables.hop;  // hop zeros up front: total latency == L (fftSize usually)
    s.padRemaining = s.span - s.tables.hop;
}

void StreamingStftSynthesizer::pushFrame(const std::complex<float>* spectrum) noexcept {
    if (!impl_ || spectrum == nullptr) return;
    Impl& s = *impl_;
    const int L = s.span;
    const int hop = s.tables.hop;
    {
        detail::ScopedFlushDenormals ftz;
        s.plan.inverse(spectrum, s.frame.data());
        // The synthesis window is zero before frame position offset (low-delay windows).
        detail::overlapAdd(s.frame.data() + s.offset, s.tables.synthesis.data() + s.offset, s.acc.data(), L);
        // acc[0, hop) is now complete: no later frame reaches it.
        const float* inv = s.invNorm.data();
        for (int i = 0; i < hop; ++i) {
            float v = s.acc[static_cast<std::size_t>(i)] * inv[i];
            if (s.padRemaining > 0) {
                v = 0.0f;
                --s.padRemaining;
            }
            s.write(v);
        }
    }
    if (L > hop)
        std::memmove(s.acc.data(), s.acc.data() + hop, static_cast<std::size_t>(L - hop) * sizeof(float));
    std::fill(s.acc.begin() + (L - hop), s.acc.end(), 0.0f);
}

int StreamingStftSynthesizer::available() const noexcept { return impl_ ? impl_->count : 0; }
int StreamingStftSynthesizer::capacity() const noexcept { return impl_ ? static_cast<int>(impl_->fifo.size()) : 0; }

int StreamingStftSynthesizer::pull(float* out, int numSamples) noexcept {
    if (!impl_ || out == nullptr || numSamples <= 0) return 0;
    Impl& s = *impl_;
    const int n = std::min(numSamples, s.count);
    const int cap = static_cast<int>(s.fifo.size());
    const int first = std::min(n, cap - s.readPos);
    std::memcpy(out, s.fifo.data() + s.readPos, static_cast<std::size_t>(first) * sizeof(float));
    std::memcpy(out + first, s.fifo.data(), static_cast<std::size_t>(n - first) * sizeof(float));
    s.readPos += n;
    if (s.readPos >= cap) s.readPos -= cap;
    s.count -= n;
    return n;
}

}  // namespace demix

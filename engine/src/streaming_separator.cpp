// StreamingSeparator: per-frame activation solve with fixed templates, masks, resynthesis.

#include "demix/streaming_separator.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#define DEMIX_SEPARATOR_HAVE_MXCSR 1
#endif

namespace demix {
namespace {

/// Flushes denormals to zero on this thread while alive (the solver's ratios would
/// otherwise crawl through subnormal arithmetic on decaying tails).
class FlushDenormals {
public:
    FlushDenormals() noexcept {
#ifdef DEMIX_SEPARATOR_HAVE_MXCSR
        saved_ = _mm_getcsr();
        _mm_setcsr(saved_ | 0x8040u);  // FTZ | DAZ
#endif
    }
    ~FlushDenormals() {
#ifdef DEMIX_SEPARATOR_HAVE_MXCSR
        _mm_setcsr(saved_);
#endif
    }
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;

private:
    unsigned saved_ = 0;
};

using ComplexVector = Eigen::Matrix<std::complex<float>, Eigen::Dynamic, 1>;

constexpr int kDefaultIterations = 16;
constexpr int kMaxIterations = 1000;

/// The MM exponent γ(β) of Févotte & Idier (2011) that makes MU monotone.
float mmExponent(float beta) {
    if (beta < 1.0f) return 1.0f / (2.0f - beta);
    if (beta > 2.0f) return 1.0f / (beta - 1.0f);
    return 1.0f;
}

bool fits(const StreamingTemplates& t, const StreamingConfig& config) {
    return t.bins() == config.stft.bins() && t.components() <= config.maxComponents &&
           t.sources() <= config.maxSources;
}

}  // namespace

struct StreamingSeparator::Impl {
    StreamingConfig config;
    int bins = 0;
    int channels = 0;
    int maxSources = 0;
    float beta = 1.0f;
    float gamma = 1.0f;

    std::unique_ptr<StreamingStftAnalyzer[]> analyzers;    // [channel]
    std::unique_ptr<StreamingStftSynthesizer[]> synths;    // [source * channels + channel]
    std::vector<std::vector<float>> input;                 // sanitised input, per channel
    ComplexMatrix spectra;                                 // F × C, this frame
    ComplexVector masked;                                  // F
    ComplexVector silence;                                 // F zeros
    Vector v, wh, ratio, den;                              // F
    Vector h, num, denK;                                   // maxComponents
    Matrix estimates;                                      // F × maxSources

    std::unique_ptr<StreamingTemplates> owned;
    const StreamingTemplates* active = nullptr;
    std::atomic<float> alpha{1.0f};
    std::atomic<int> iterations{kDefaultIterations};

    StreamingStftSynthesizer& synth(int source, int channel) {
        return synths[static_cast<std::size_t>(source * channels + channel)];
    }

    void solveActivations(const StreamingTemplates& t) noexcept;
    void processFrame() noexcept;
};

void StreamingSeparator::Impl::solveActivations(const StreamingTemplates& t) noexcept {
    const Eigen::Index K = t.W_.cols();
    auto hk = h.head(K);
    const float level = v.sum();
    if (!(level > 0.0f)) {  // silence: nothing to explain
        hk.setZero();
        return;
    }
    // Warm start from the previous frame, floored so no component is stuck at zero
    // (MU cannot revive a zero), then scaled so Σ(W h) equals the frame's level.
    const float columnTotal = std::max(t.columnSums_.sum(), kEpsilon);
    hk = hk.cwiseMax(1e-4f * level / columnTotal);
    const float total = hk.dot(t.columnSums_);
    if (total > 0.0f) hk *= level / total;

    auto numK = num.head(K);
    auto denKk = denK.head(K);
    const Matrix& W = t.W_;
    // Products are written as per-column dot products and axpys: Eigen evaluates these
    // without temporaries, so the solve provably never touches the heap.
    const auto multiplyW = [&]() {  // wh = max(W h, ε)
        wh.setZero();
        for (Eigen::Index k = 0; k < K; ++k) {
            if (hk(k) != 0.0f) wh.noalias() += hk(k) * W.col(k);
        }
        wh = wh.cwiseMax(kEpsilon);
    };
    const auto multiplyWt = [&](const Vector& x, Eigen::Ref<Vector> out) {  // out = Wᵀ x
        for (Eigen::Index k = 0; k < K; ++k) out(k) = W.col(k).dot(x);
    };
    const int count = iterations.load(std::memory_order_relaxed);
    if (beta == 2.0f) multiplyWt(v, numK);  // Wᵀv is constant over the iterations
    for (int it = 0; it < count; ++it) {
        if (beta == 1.0f) {
            multiplyW();
            ratio = v.cwiseQuotient(wh);
            multiplyWt(ratio, numK);
            hk = hk.cwiseProduct(numK).cwiseQuotient(t.columnSums_.cwiseMax(kEpsilon));
        } else if (beta == 2.0f) {
            for (Eigen::Index k = 0; k < K; ++k) denKk(k) = t.gram_.col(k).dot(hk);
            hk = hk.cwiseProduct(numK).cwiseQuotient(denKk.cwiseMax(kEpsilon));
        } else {
            multiplyW();
            ratio = v.cwiseProduct(wh.array().pow(beta - 2.0f).matrix());
            den = wh.array().pow(beta - 1.0f).matrix();
            multiplyWt(ratio, numK);
            multiplyWt(den, denKk);
            if (gamma == 1.0f) {
                hk = hk.cwiseProduct(numK).cwiseQuotient(denKk.cwiseMax(kEpsilon));
            } else {
                hk = hk.cwiseProduct(
                    numK.cwiseQuotient(denKk.cwiseMax(kEpsilon)).array().pow(gamma).matrix());
            }
        }
    }
    hk.array() = (hk.array() < kTiny || !hk.array().isFinite()).select(0.0f, hk.array());
}

void StreamingSeparator::Impl::processFrame() noexcept {
    // |X| as sqrt(re² + im²): vectorised, unlike hypot (audio never nears overflow).
    v = spectra.col(0).cwiseAbs2().cwiseSqrt();
    for (int c = 1; c < channels; ++c) v += spectra.col(c).cwiseAbs2().cwiseSqrt();
    if (channels > 1) v /= static_cast<float>(channels);

    int sources = 1;
    if (active == nullptr) {
        for (int c = 0; c < channels; ++c) synth(0, c).pushFrame(spectra.col(c).data());
    } else {
        const StreamingTemplates& t = *active;
        sources = t.sources();
        solveActivations(t);
        auto masks = estimates.leftCols(sources);
        masks.setZero();
        for (Eigen::Index k = 0; k < t.W_.cols(); ++k) {
            const int s = t.source_[static_cast<std::size_t>(k)];
            if (s >= 0 && h(k) > 0.0f) masks.col(s) += h(k) * t.W_.col(k);
        }
        wienerMaskColumn(masks, alpha.load(std::memory_order_relaxed));
        for (int s = 0; s < sources; ++s) {
            for (int c = 0; c < channels; ++c) {
                masked = spectra.col(c).cwiseProduct(masks.col(s).cast<std::complex<float>>());
                synth(s, c).pushFrame(masked.data());
            }
        }
    }
    // Unused sources keep running on silence: their outputs fade out the tail of a
    // previous template set and stay aligned for later use.
    for (int s = sources; s < maxSources; ++s) {
        for (int c = 0; c < channels; ++c) synth(s, c).pushFrame(silence.data());
    }
}

StreamingSeparator::StreamingSeparator() = default;
StreamingSeparator::~StreamingSeparator() = default;

void StreamingSeparator::prepare(const StreamingConfig& config) {
    config.stft.validate();
    const auto require = [](bool ok, const std::string& message) {
        if (!ok) throw InvalidArgument("streaming separator: " + message);
    };
    require(config.numChannels >= 1 && config.numChannels <= 64,
            "numChannels must be 1..64, got " + std::to_string(config.numChannels));
    require(config.maxBlockSize >= 1,
            "maxBlockSize must be >= 1, got " + std::to_string(config.maxBlockSize));
    require(config.maxComponents >= 1,
            "maxComponents must be >= 1, got " + std::to_string(config.maxComponents));
    require(config.maxSources >= 1,
            "maxSources must be >= 1, got " + std::to_string(config.maxSources));
    const float beta = betaOf(config.objective, config.beta);
    require(std::isfinite(beta), "beta must be finite");

    auto impl = std::make_unique<Impl>();
    Impl& s = *impl;
    s.config = config;
    s.bins = config.stft.bins();
    s.channels = config.numChannels;
    s.maxSources = config.maxSources;
    s.beta = beta;
    s.gamma = mmExponent(beta);
    s.analyzers = std::make_unique<StreamingStftAnalyzer[]>(static_cast<std::size_t>(s.channels));
    for (int c = 0; c < s.channels; ++c) s.analyzers[c].prepare(config.stft, config.maxBlockSize);
    s.synths = std::make_unique<StreamingStftSynthesizer[]>(
        static_cast<std::size_t>(s.channels * s.maxSources));
    for (int i = 0; i < s.channels * s.maxSources; ++i) {
        s.synths[static_cast<std::size_t>(i)].prepare(config.stft, config.maxBlockSize);
    }
    s.input.assign(static_cast<std::size_t>(s.channels),
                   std::vector<float>(static_cast<std::size_t>(config.maxBlockSize)));
    s.spectra = ComplexMatrix::Zero(s.bins, s.channels);
    s.masked = ComplexVector::Zero(s.bins);
    s.silence = ComplexVector::Zero(s.bins);
    s.v = Vector::Zero(s.bins);
    s.wh = Vector::Zero(s.bins);
    s.ratio = Vector::Zero(s.bins);
    s.den = Vector::Zero(s.bins);
    s.h = Vector::Zero(config.maxComponents);
    s.num = Vector::Zero(config.maxComponents);
    s.denK = Vector::Zero(config.maxComponents);
    s.estimates = Matrix::Zero(s.bins, config.maxSources);
    if (impl_) {
        s.alpha.store(impl_->alpha.load());
        s.iterations.store(impl_->iterations.load());
        if (impl_->owned && fits(*impl_->owned, config)) s.owned = std::move(impl_->owned);
        if (impl_->active != nullptr && fits(*impl_->active, config)) {
            s.active = impl_->active;
        } else if (s.owned) {
            s.active = s.owned.get();
        }
    }
    impl_ = std::move(impl);
    reset();
}

void StreamingSeparator::setTemplates(const Matrix& W, const ComponentGroups& groups) {
    if (!impl_) throw InvalidArgument("streaming separator: call prepare() before setTemplates()");
    auto templates = std::make_unique<StreamingTemplates>(W, groups);
    const StreamingConfig& config = impl_->config;
    if (templates->bins() != config.stft.bins()) {
        throw InvalidArgument("templates have " + std::to_string(templates->bins()) +
                              " bins, FFT size " + std::to_string(config.stft.fftSize) +
                              " needs " + std::to_string(config.stft.bins()));
    }
    if (templates->components() > config.maxComponents) {
        throw InvalidArgument(std::to_string(templates->components()) +
                              " templates exceed the capacity of " +
                              std::to_string(config.maxComponents));
    }
    if (templates->sources() > config.maxSources) {
        throw InvalidArgument(std::to_string(templates->sources()) +
                              " sources exceed the capacity of " +
                              std::to_string(config.maxSources));
    }
    useTemplates(templates.get());
    impl_->owned = std::move(templates);  // the previous owned set is freed here
}

bool StreamingSeparator::useTemplates(const StreamingTemplates* templates) noexcept {
    if (!impl_) return false;
    Impl& s = *impl_;
    if (templates != nullptr && !fits(*templates, s.config)) return false;
    const int before = s.active != nullptr ? s.active->components() : 0;
    const int after = templates != nullptr ? templates->components() : 0;
    if (before != after) s.h.setZero();  // a different model: restart the activations
    s.active = templates;
    return true;
}

const StreamingTemplates* StreamingSeparator::templates() const noexcept {
    return impl_ ? impl_->active : nullptr;
}

void StreamingSeparator::setAlpha(float alpha) noexcept {
    if (impl_ && alpha > 0.0f && std::isfinite(alpha)) impl_->alpha.store(alpha, std::memory_order_relaxed);
}

void StreamingSeparator::setIterationsPerFrame(int iterations) noexcept {
    if (impl_) {
        impl_->iterations.store(std::clamp(iterations, 1, kMaxIterations), std::memory_order_relaxed);
    }
}

void StreamingSeparator::reset() noexcept {
    if (!impl_) return;
    Impl& s = *impl_;
    for (int c = 0; c < s.channels; ++c) s.analyzers[c].reset();
    for (int i = 0; i < s.channels * s.maxSources; ++i) s.synths[static_cast<std::size_t>(i)].reset();
    s.h.setZero();
}

int StreamingSeparator::latencySamples() const noexcept {
    return impl_ ? impl_->config.stft.synthesisSpan() : 0;
}

int StreamingSeparator::numSources() const noexcept {
    if (!impl_) return 0;
    return impl_->active != nullptr ? impl_->active->sources() : 1;
}

const float* StreamingSeparator::lastActivations() const noexcept {
    return impl_ ? impl_->h.data() : nullptr;
}

void StreamingSeparator::process(const float* const* input, float* const* const* outputs,
                                 int numSamples) noexcept {
    if (!impl_ || numSamples <= 0 || input == nullptr || outputs == nullptr) return;
    Impl& s = *impl_;
    FlushDenormals ftz;
    int done = 0;
    while (done < numSamples) {
        const int chunk = std::min(numSamples - done, s.config.maxBlockSize);
        for (int c = 0; c < s.channels; ++c) {
            const float* in = input[c];
            float* clean = s.input[static_cast<std::size_t>(c)].data();
            for (int n = 0; n < chunk; ++n) {
                const float x = in != nullptr ? in[done + n] : 0.0f;
                clean[n] = std::isfinite(x) ? x : 0.0f;
            }
        }
        int position = 0;
        while (position < chunk) {
            const int taken = s.analyzers[0].push(s.input[0].data() + position, chunk - position);
            if (taken <= 0) break;  // cannot happen after prepare; never spin
            for (int c = 1; c < s.channels; ++c) {
                s.analyzers[c].push(s.input[static_cast<std::size_t>(c)].data() + position, taken);
            }
            while (s.analyzers[0].popFrame(s.spectra.col(0).data())) {
                for (int c = 1; c < s.channels; ++c) s.analyzers[c].popFrame(s.spectra.col(c).data());
                s.processFrame();
            }
            // Every synthesiser holds at least `taken` samples now (see StreamingStftSynthesizer).
            for (int src = 0; src < s.maxSources; ++src) {
                for (int c = 0; c < s.channels; ++c) {
                    float* out = outputs[src][c] + done + position;
                    const int got = s.synth(src, c).pull(out, taken);
                    std::fill(out + got, out + taken, 0.0f);
                }
            }
            position += taken;
        }
        done += chunk;
    }
}

}  // namespace demix

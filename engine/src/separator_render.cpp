// renderStems: α-Wiener mask per source × STFT of each channel → iSTFT, frame by frame;
// for stereo mixes a spatial (multichannel) Wiener filter built on the masks.
//
// The mix is analysed and the stems are synthesised with the streaming STFT (whose frames
// are the offline frames and whose output is the offline inverse delayed by fftSize), so
// neither a complex spectrogram nor a full mask is ever stored: memory is the stems plus
// one block of masks, and each block of masks is computed once for all channels.

#include "masks_block.hpp"
#include "separator_common.hpp"
#include "spatial_wiener.hpp"

#include <algorithm>

namespace demix {
namespace {

constexpr Eigen::Index kMaskBlockFrames = 64;

/// Streams the STFT frames of every channel of a mix (zeros after its end, as the offline
/// STFT pads) together with the masks of each frame, computed a block of frames at a time.
class MaskedFrames {
public:
    MaskedFrames(const AudioBuffer& mix, const Decomposition& d, float alpha)
        : mix_(mix), d_(d), alpha_(alpha), hop_(d.analysis.stft.hop),
          zeros_(static_cast<std::size_t>(hop_), 0.0f),
          spectra_(d.analysis.stft.bins(), static_cast<Eigen::Index>(mix.numChannels())),
          analyzers_(mix.numChannels()) {
        for (StreamingStftAnalyzer& a : analyzers_) a.prepare(d.analysis.stft, hop_);
    }

    /// Analyses frame t (frames come in order 0, 1, …). Then spectra() is bins × channels
    /// and masks()[s](f, column()) is source s's mask of this frame.
    void next(Eigen::Index t) {
        const Eigen::Index frames = d_.H.cols();
        if (t % kMaskBlockFrames == 0) {
            blockStart_ = t;
            detail::wienerMasksBlock(d_.W, d_.H, d_.groups, alpha_, t,
                                     std::min(kMaskBlockFrames, frames - t), masks_);
        }
        const std::size_t length = mix_.numSamples();
        const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(hop_),
                                                       fed_ < length ? length - fed_ : 0);
        for (std::size_t c = 0; c < analyzers_.size(); ++c) {
            if (take > 0) analyzers_[c].push(mix_.channels[c].data() + fed_, static_cast<int>(take));
            if (take < static_cast<std::size_t>(hop_)) {
                analyzers_[c].push(zeros_.data(), hop_ - static_cast<int>(take));
            }
            analyzers_[c].popFrame(spectra_.col(static_cast<Eigen::Index>(c)).data());
        }
        fed_ += take;
        column_ = t - blockStart_;
    }

    const ComplexMatrix& spectra() const { return spectra_; }
    const std::vector<Matrix>& masks() const { return masks_; }
    Eigen::Index column() const { return column_; }

private:
    const AudioBuffer& mix_;
    const Decomposition& d_;
    float alpha_;
    int hop_;
    std::vector<float> zeros_;
    ComplexMatrix spectra_;
    std::vector<StreamingStftAnalyzer> analyzers_;
    std::vector<Matrix> masks_;
    std::size_t fed_ = 0;
    Eigen::Index blockStart_ = 0;
    Eigen::Index column_ = 0;
};

}  // namespace

std::vector<Stem> renderStems(const AudioBuffer& mix, const Decomposition& decomposition,
                              const SeparationSettings& settings,
                              const ProgressCallback& progress) {
    const Decomposition& d = decomposition;
    detail::checkAudio(mix, "the mix");
    detail::checkMaskInputs(d.W, d.H, d.groups, settings.alpha);
    if (settings.spatialPasses < 0) {
        throw InvalidArgument("spatial passes must be >= 0 (0 = masks only), got " +
                              std::to_string(settings.spatialPasses));
    }
    if (mix.sampleRate != d.analysis.sampleRate) {
        throw InvalidArgument("the decomposition was made at " +
                              std::to_string(d.analysis.sampleRate) + " Hz, the mix is " +
                              std::to_string(mix.sampleRate) + " Hz");
    }
    const StftSettings& stftSettings = d.analysis.stft;
    const Stft stft(stftSettings);
    const std::size_t length = mix.numSamples();
    const Eigen::Index frames = stft.frameCount(length);
    const Eigen::Index bins = stftSettings.bins();
    if (d.W.rows() != bins || d.H.cols() != frames) {
        throw InvalidArgument("the decomposition (" + std::to_string(d.W.rows()) + " bins, " +
                              std::to_string(d.H.cols()) + " frames) does not fit the mix (" +
                              std::to_string(bins) + " bins, " + std::to_string(frames) +
                              " frames)");
    }

    const std::size_t sources = d.groups.size();
    const std::size_t channels = mix.numChannels();
    const int hop = stftSettings.hop;
    const std::size_t latency = static_cast<std::size_t>(stftSettings.fftSize);

    std::vector<Stem> stems(sources);
    for (std::size_t s = 0; s < sources; ++s) {
        stems[s].name = s < d.sourceNames.size() && !d.sourceNames[s].empty()
                            ? d.sourceNames[s]
                            : "source-" + std::to_string(s + 1);
        stems[s].audio.sampleRate = mix.sampleRate;
        stems[s].audio.channels.assign(channels, std::vector<float>(length));
    }
    std::vector<StreamingStftSynthesizer> synths(sources * channels);  // [s * channels + c]
    for (StreamingStftSynthesizer& s : synths) s.prepare(stftSettings, hop);

    Eigen::Matrix<std::complex<float>, Eigen::Dynamic, 1> masked(bins);
    std::vector<float> scratch(static_cast<std::size_t>(hop) * 2 + latency);
    std::size_t pulled = 0;  // samples pulled from each synthesiser (the first `latency` dropped)

    // Moves what the synthesisers hold into the stems.
    const auto drain = [&]() {
        const int available = synths.front().available();
        for (std::size_t s = 0; s < sources; ++s) {
            for (std::size_t c = 0; c < channels; ++c) {
                synths[s * channels + c].pull(scratch.data(), available);
                std::vector<float>& out = stems[s].audio.channels[c];
                for (int i = 0; i < available; ++i) {
                    const std::size_t n = pulled + static_cast<std::size_t>(i);
                    if (n >= latency && n - latency < length) out[n - latency] = scratch[static_cast<std::size_t>(i)];
                }
            }
        }
        pulled += static_cast<std::size_t>(available);
    };

    // Stereo: the spatial model of every source is estimated in spatialPasses passes over
    // the mix before the stems are rendered with it (spatial_wiener.hpp).
    const int passes = channels == 2 ? settings.spatialPasses : 0;
    const double passShare = 1.0 / static_cast<double>(passes + 1);
    const detail::StageProgress rendering(progress, "rendering", 0.0, 1.0);
    detail::StereoSpatialModel spatial(passes > 0 ? static_cast<int>(sources) : 0, bins);
    std::vector<ComplexMatrix> estimates;
    for (int pass = 0; pass < passes; ++pass) {
        MaskedFrames frame(mix, d, settings.alpha);
        for (Eigen::Index t = 0; t < frames; ++t) {
            if (t % kMaskBlockFrames == 0)
                rendering.report(passShare * (pass + static_cast<double>(t) / static_cast<double>(frames)));
            frame.next(t);
            if (spatial.isIdentity()) {
                spatial.accumulateMasked(frame.spectra(), frame.masks(), frame.column());
            } else {
                spatial.filter(frame.spectra(), frame.masks(), frame.column(), estimates);
                spatial.accumulate(estimates);
            }
        }
        spatial.update();
    }

    MaskedFrames frame(mix, d, settings.alpha);
    for (Eigen::Index t = 0; t < frames; ++t) {
        if (t % kMaskBlockFrames == 0)
            rendering.report(passShare * (passes + static_cast<double>(t) / static_cast<double>(frames)));
        frame.next(t);
        const ComplexMatrix& spectra = frame.spectra();
        if (passes > 0) {
            spatial.filter(spectra, frame.masks(), frame.column(), estimates);
            for (std::size_t s = 0; s < sources; ++s)
                for (std::size_t c = 0; c < channels; ++c)
                    synths[s * channels + c].pushFrame(estimates[s].col(static_cast<Eigen::Index>(c)).data());
        } else {
            for (std::size_t s = 0; s < sources; ++s) {
                const auto mask = frame.masks()[s].col(frame.column()).cast<std::complex<float>>();
                for (std::size_t c = 0; c < channels; ++c) {
                    masked = spectra.col(static_cast<Eigen::Index>(c)).cwiseProduct(mask);
                    synths[s * channels + c].pushFrame(masked.data());
                }
            }
        }
        drain();
    }
    // The tail: later frames are zero, exactly as in the offline inverse.
    masked.setZero();
    while (pulled < latency + length) {
        for (StreamingStftSynthesizer& s : synths) s.pushFrame(masked.data());
        drain();
    }
    rendering.report(1.0);
    return stems;
}

}  // namespace demix

// renderStems: α-Wiener mask per source × STFT of each channel → iSTFT.
//
// Memory: one source's F × T mask and one channel's complex spectrogram are alive at a
// time (plus the stems themselves); masks are computed in blocks of frames.

#include "masks_block.hpp"
#include "separator_common.hpp"

namespace demix {
namespace {

constexpr Eigen::Index kMaskBlockFrames = 256;

/// The mask of source `source` for all frames, computed block by block.
Matrix sourceMask(const Decomposition& d, std::size_t source, float alpha) {
    Matrix mask(d.W.rows(), d.H.cols());
    std::vector<Matrix> block;
    for (Eigen::Index t = 0; t < d.H.cols(); t += kMaskBlockFrames) {
        const Eigen::Index count = std::min(kMaskBlockFrames, d.H.cols() - t);
        detail::wienerMasksBlock(d.W, d.H, d.groups, alpha, t, count, block);
        mask.middleCols(t, count) = block[source];
    }
    return mask;
}

}  // namespace

std::vector<Stem> renderStems(const AudioBuffer& mix, const Decomposition& decomposition,
                              const SeparationSettings& settings,
                              const ProgressCallback& progress) {
    const Decomposition& d = decomposition;
    detail::checkAudio(mix, "the mix");
    detail::checkMaskInputs(d.W, d.H, d.groups, settings.alpha);
    if (mix.sampleRate != d.analysis.sampleRate) {
        throw InvalidArgument("the decomposition was made at " +
                              std::to_string(d.analysis.sampleRate) + " Hz, the mix is " +
                              std::to_string(mix.sampleRate) + " Hz");
    }
    const Stft stft(d.analysis.stft);
    const std::size_t length = mix.numSamples();
    if (d.W.rows() != d.analysis.stft.bins() || d.H.cols() != stft.frameCount(length)) {
        throw InvalidArgument("the decomposition (" + std::to_string(d.W.rows()) + " bins, " +
                              std::to_string(d.H.cols()) + " frames) does not fit the mix (" +
                              std::to_string(d.analysis.stft.bins()) + " bins, " +
                              std::to_string(stft.frameCount(length)) + " frames)");
    }

    const std::size_t sources = d.groups.size();
    const std::size_t channels = mix.numChannels();
    const detail::StageProgress rendering(progress, "rendering", 0.0, 1.0);
    std::vector<Stem> stems(sources);
    for (std::size_t s = 0; s < sources; ++s) {
        stems[s].name = s < d.sourceNames.size() && !d.sourceNames[s].empty()
                            ? d.sourceNames[s]
                            : "source-" + std::to_string(s + 1);
        stems[s].audio.sampleRate = mix.sampleRate;
        stems[s].audio.channels.resize(channels);
        const Matrix mask = sourceMask(d, s, settings.alpha);
        for (std::size_t c = 0; c < channels; ++c) {
            rendering.report(static_cast<double>(s * channels + c) / (sources * channels));
            ComplexMatrix X = stft.forward(mix.channels[c].data(), length);
            X.array() *= mask.array().cast<std::complex<float>>();
            stems[s].audio.channels[c] = stft.inverse(X, length);
        }
    }
    rendering.report(1.0);
    return stems;
}

}  // namespace demix

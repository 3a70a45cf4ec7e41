// renderStems: α-Wiener mask per source × STFT of each channel → iSTFT, frame by frame.
//
// The mix is analysed and the stems are synthesised with the streaming STFT (whose frames
// are the offline frames and whose output is the offline inverse delayed by fftSize), so
// neither a complex spectrogram nor a full mask is ever stored: memory is the stems plus
// one block of masks, and each block of masks is computed once for all channels.

#include "masks_block.hpp"
#include "separator_common.hpp"

#include <algorithm>

namespace demix {
namespace {

constexpr Eigen::Index kMaskBlockFrames = 64;

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
    std::vector<StreamingStftAnalyzer> analyzers(channels);
    for (StreamingStftAnalyzer& a : analyzers) a.prepare(stftSettings, hop);
    std::vector<StreamingStftSynthesizer> synths(sources * channels);  // [s * channels + c]
    for (StreamingStftSynthesizer& s : synths) s.prepare(stftSettings, hop);

    const std::vector<float> zeros(static_cast<std::size_t>(hop), 0.0f);
    ComplexMatrix spectra(bins, static_cast<Eigen::Index>(channels));
    Eigen::Matrix<std::complex<float>, Eigen::Dynamic, 1> masked(bins);
    std::vector<float> scratch(static_cast<std::size_t>(hop) * 2 + latency);
    std::vector<Matrix> masks;
    std::size_t fed = 0;     // input samples pushed into the analyzers
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

    const detail::StageProgress rendering(progress, "rendering", 0.0, 1.0);
    Eigen::Index blockStart = 0;
    for (Eigen::Index t = 0; t < frames; ++t) {
        if (t % kMaskBlockFrames == 0) {
            rendering.report(static_cast<double>(t) / static_cast<double>(frames));
            blockStart = t;
            detail::wienerMasksBlock(d.W, d.H, d.groups, settings.alpha, t,
                                     std::min(kMaskBlockFrames, frames - t), masks);
        }
        // Analyse frame t of every channel (zeros after the end of the mix).
        const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(hop),
                                                       fed < length ? length - fed : 0);
        for (std::size_t c = 0; c < channels; ++c) {
            if (take > 0) analyzers[c].push(mix.channels[c].data() + fed, static_cast<int>(take));
            if (take < static_cast<std::size_t>(hop)) {
                analyzers[c].push(zeros.data(), hop - static_cast<int>(take));
            }
            analyzers[c].popFrame(spectra.col(static_cast<Eigen::Index>(c)).data());
        }
        fed += take;
        for (std::size_t s = 0; s < sources; ++s) {
            const auto mask = masks[s].col(t - blockStart).cast<std::complex<float>>();
            for (std::size_t c = 0; c < channels; ++c) {
                masked = spectra.col(static_cast<Eigen::Index>(c)).cwiseProduct(mask);
                synths[s * channels + c].pushFrame(masked.data());
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

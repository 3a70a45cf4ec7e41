// renderStems: α-Wiener mask per source × STFT of each channel → iSTFT, frame by frame;
// for stereo mixes a spatial (multichannel) Wiener filter built on the masks.
//
// Frames are analysed straight from the mix (FrameAnalyzer) and the stems are
// overlap-added in place, so neither a complex spectrogram nor a full mask is ever
// stored: memory is the stems plus one block of masks per worker, and each block of
// masks is computed once for all channels. Every frame can be computed alone, so the
// frames are split over up to two workers:
//  - the spatial passes sum statistics over frames: the frames are cut into kSegments
//    fixed segments whose sums are added in order at the end, whoever computed them;
//  - the final pass gives each worker a range of output samples and every frame that
//    touches it (the frames on a boundary are computed by both; each adds only the part
//    in its own range), and each sample sums its frames in ascending order, exactly as
//    the offline inverse STFT does.
// Hence the stems are the same bits for one thread or two.

#include "frame_analysis.hpp"
#include "masks_block.hpp"
#include "separator_common.hpp"
#include "spatial_wiener.hpp"
#include "stft_internal.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <thread>

namespace demix {
namespace {

constexpr Eigen::Index kMaskBlockFrames = 64;
constexpr int kSegments = 2;  // fixed split of the spatial statistics (see above)

/// The masks of the block of frames [64b, 64b + 64) holding frame t, computed when t
/// enters a new block (the same blocks whoever asks, so the same values).
class BlockMasks {
public:
    BlockMasks(const Matrix& W, const Matrix& H, const ComponentGroups& groups, float alpha)
        : W_(W), H_(H), groups_(groups), alpha_(alpha) {}

    /// masks()[s](f, column) is source s's mask of frame t after this call.
    Eigen::Index select(Eigen::Index t) {
        const Eigen::Index block = t / kMaskBlockFrames;
        if (block != block_) {
            const Eigen::Index first = block * kMaskBlockFrames;
            detail::wienerMasksBlock(W_, H_, groups_, alpha_, first,
                                     std::min(kMaskBlockFrames, H_.cols() - first), masks_);
            block_ = block;
        }
        return t - block * kMaskBlockFrames;
    }
    const std::vector<Matrix>& masks() const { return masks_; }

private:
    const Matrix& W_;
    const Matrix& H_;
    const ComponentGroups& groups_;
    float alpha_;
    std::vector<Matrix> masks_;
    Eigen::Index block_ = -1;
};

/// Both channels' frame t of the mix (bins × channels).
class MixFrames {
public:
    MixFrames(const AudioBuffer& mix, const StftSettings& stft)
        : mix_(mix), analyzer_(stft), spectra_(stft.bins(), static_cast<Eigen::Index>(mix.numChannels())) {}
    const ComplexMatrix& at(Eigen::Index t) {
        for (std::size_t c = 0; c < mix_.numChannels(); ++c)
            analyzer_.analyse(mix_.channels[c].data(), mix_.numSamples(), t,
                              spectra_.col(static_cast<Eigen::Index>(c)).data());
        return spectra_;
    }

private:
    const AudioBuffer& mix_;
    detail::FrameAnalyzer analyzer_;
    ComplexMatrix spectra_;
};

}  // namespace

std::vector<Stem> renderStems(const AudioBuffer& mix, const Decomposition& decomposition,
                              const SeparationSettings& settings,
                              const ProgressCallback& progress) {
    std::vector<Stem> stems;
    detail::renderStemsInto(mix, decomposition, settings, progress, stems);
    return stems;
}

void detail::renderStemsInto(const AudioBuffer& mix, const Decomposition& decomposition,
                             const SeparationSettings& settings, const ProgressCallback& progress,
                             std::vector<Stem>& stems) {
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
    const long long N = stftSettings.fftSize;
    const long long hop = stftSettings.hop;

    // The stems' buffers are reused when given (no fresh pages to fault in), and zeroed:
    // the synthesis adds every frame into them.
    stems.resize(sources);
    for (std::size_t s = 0; s < sources; ++s) {
        stems[s].name = s < d.sourceNames.size() && !d.sourceNames[s].empty()
                            ? d.sourceNames[s]
                            : "source-" + std::to_string(s + 1);
        stems[s].audio.sampleRate = mix.sampleRate;
        stems[s].audio.channels.resize(channels);
        for (std::vector<float>& channel : stems[s].audio.channels) {
            if (channel.capacity() >= length) {
                channel.resize(length);
                std::fill(channel.begin(), channel.end(), 0.0f);
            } else {
                channel = std::vector<float>();  // release first: never two copies alive
                detail::allocateZeroed(channel, length);  // huge pages: far fewer faults
            }
        }
    }

    // Stereo: the spatial model of every source is estimated in spatialPasses passes over
    // the mix before the stems are rendered with it (spatial_wiener.hpp).
    const int passes = channels == 2 ? settings.spatialPasses : 0;
    const double passShare = 1.0 / static_cast<double>(passes + 1);
    const detail::StageProgress rendering(progress, "rendering", 0.0, 1.0);
    detail::StereoSpatialModel spatial(passes > 0 ? static_cast<int>(sources) : 0, bins);
    const int workers = settings.threads != 1 && frames >= 2 * kMaskBlockFrames ? 2 : 1;
    std::atomic<bool> stop{false};

    // The spatial statistics are sums over frames; frames overlapping by more than half
    // repeat each other's samples, so the passes use every stride-th frame only (half the
    // work at the usual 75 % overlap): frame t of an analysis with a stride times larger
    // hop is frame stride·t + stride − 1 of the decomposition's, and Hstrided holds those
    // columns.
    const int stride = std::max(1, stftSettings.fftSize / (2 * stftSettings.hop));
    StftSettings strided = stftSettings;
    strided.hop = stftSettings.hop * stride;
    Matrix Hstrided;
    if (passes > 0) Hstrided = d.H(Eigen::all, Eigen::seq(stride - 1, frames - 1, stride));
    const Eigen::Index stridedFrames = Hstrided.cols();
    const Eigen::Index stridedBlocks = (stridedFrames + kMaskBlockFrames - 1) / kMaskBlockFrames;
    for (int pass = 0; pass < passes; ++pass) {
        std::vector<detail::StereoSpatialModel::Statistics> parts(kSegments);
        for (auto& p : parts) p = spatial.newStatistics();
        runWorkers(workers, stop, [&](int w) {
            MixFrames mixFrames(mix, strided);
            BlockMasks masks(d.W, Hstrided, d.groups, settings.alpha);
            detail::StereoSpatialModel::Scratch scratch = spatial.newScratch();
            std::vector<ComplexMatrix> estimates;
            for (int segment = w; segment < kSegments; segment += workers) {
                const Eigen::Index first = stridedBlocks * segment / kSegments * kMaskBlockFrames;
                const Eigen::Index last =
                    std::min(stridedFrames, stridedBlocks * (segment + 1) / kSegments * kMaskBlockFrames);
                for (Eigen::Index t = first; t < last; ++t) {
                    if ((t - first) % kMaskBlockFrames == 0) {
                        if (stop.load(std::memory_order_relaxed)) return;
                        if (w == 0)
                            rendering.report(passShare * (pass + static_cast<double>(t) / static_cast<double>(stridedFrames)));
                    }
                    const Eigen::Index column = masks.select(t);
                    const ComplexMatrix& x = mixFrames.at(t);
                    if (spatial.isIdentity()) {
                        spatial.accumulateMasked(x, masks.masks(), column, parts[static_cast<std::size_t>(segment)], scratch);
                    } else {
                        spatial.filter(x, masks.masks(), column, estimates, scratch);
                        spatial.accumulate(estimates, parts[static_cast<std::size_t>(segment)]);
                    }
                }
            }
        });
        spatial.update(parts);
    }

    // The final pass: worker w writes output samples [from, to), from every frame that
    // touches them (stft_internal.hpp: framesTouching, addFrameInRange).
    const detail::StftTables tables = detail::makeTables(stftSettings);
    const long long len = static_cast<long long>(length);
    const Eigen::Index blocks = (frames + kMaskBlockFrames - 1) / kMaskBlockFrames;
    runWorkers(workers, stop, [&](int w) {
        const long long from = w == 0 ? 0 : std::min(len, blocks * w / workers * kMaskBlockFrames * hop);
        const long long to = w + 1 == workers ? len : std::min(len, blocks * (w + 1) / workers * kMaskBlockFrames * hop);
        if (from >= to) return;
        const detail::FrameSpan span = detail::framesTouching(tables, from, to, frames);
        const Eigen::Index tFirst = span.first, tLast = span.last;
        const detail::FftrPlan inverse(stftSettings.fftSize, true);
        std::vector<float> frame(static_cast<std::size_t>(N));
        MixFrames mixFrames(mix, stftSettings);
        BlockMasks masks(d.W, d.H, d.groups, settings.alpha);
        detail::StereoSpatialModel::Scratch scratch = spatial.newScratch();
        std::vector<ComplexMatrix> estimates(sources, ComplexMatrix(bins, static_cast<Eigen::Index>(channels)));
        Eigen::Matrix<std::complex<float>, Eigen::Dynamic, 1> masked(bins);
        long long normalised = from;  // samples [from, normalised) are final
        // Divides the finished samples [normalised, upTo) by the summed squared window.
        const auto normalise = [&](long long upTo) {
            if (upTo <= normalised) return;
            for (std::size_t s = 0; s < sources; ++s)
                for (std::size_t c = 0; c < channels; ++c)
                    detail::normaliseOverlap(tables, stems[s].audio.channels[c].data(), normalised, upTo);
            normalised = upTo;
        };
        for (Eigen::Index t = tFirst; t <= tLast; ++t) {
            if ((t - tFirst) % kMaskBlockFrames == 0) {
                if (stop.load(std::memory_order_relaxed)) return;
                if (w == 0)
                    rendering.report(passShare * (passes + static_cast<double>(t - tFirst) /
                                                               static_cast<double>(tLast - tFirst + 1)));
            }
            const Eigen::Index column = masks.select(t);
            const ComplexMatrix& x = mixFrames.at(t);
            if (passes > 0) {
                spatial.filter(x, masks.masks(), column, estimates, scratch);
            } else {
                for (std::size_t s = 0; s < sources; ++s) {
                    const auto mask = masks.masks()[s].col(column).cast<std::complex<float>>();
                    for (std::size_t c = 0; c < channels; ++c) {
                        // Through an aligned vector, as the masks' stems always were made.
                        masked = x.col(static_cast<Eigen::Index>(c)).cwiseProduct(mask);
                        estimates[s].col(static_cast<Eigen::Index>(c)) = masked;
                    }
                }
            }
            {
                detail::ScopedFlushDenormals ftz;  // as the streaming synthesiser
                long long s0 = 0;  // the frame's first sample (only its part in [from, to) is added)
                for (std::size_t s = 0; s < sources; ++s)
                    for (std::size_t c = 0; c < channels; ++c) {
                        inverse.inverse(estimates[s].col(static_cast<Eigen::Index>(c)).data(), frame.data());
                        s0 = detail::addFrameInRange(tables, frame.data(), t, from, to,
                                                     stems[s].audio.channels[c].data());
                    }
                // Later frames start at or after s0 + hop: the samples before are final.
                normalise(std::min(to, s0 + hop));
            }
        }
        detail::ScopedFlushDenormals ftz;
        normalise(to);
    });
    rendering.report(1.0);
}

}  // namespace demix

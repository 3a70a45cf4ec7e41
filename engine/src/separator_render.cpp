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
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace demix {
namespace {

constexpr Eigen::Index kMaskBlockFrames = 64;

/// Streams the STFT frames of every channel of a mix (zeros after its end, as the offline
/// STFT pads) together with the masks of each frame, computed a block of frames at a time.
/// `stft` is the decomposition's analysis, or the same with a hop `stride` times larger:
/// then frame t is frame stride·t + stride − 1 of the decomposition's STFT (the streaming
/// analyzer's frame t ends at sample (t + 1)·hop), and H must hold just those columns.
class MaskedFrames {
public:
    MaskedFrames(const AudioBuffer& mix, const Matrix& W, const Matrix& H,
                 const ComponentGroups& groups, float alpha, const StftSettings& stft)
        : mix_(mix), W_(W), H_(H), groups_(groups), alpha_(alpha),
          zeros_(static_cast<std::size_t>(stft.hop), 0.0f),
          spectra_(stft.bins(), static_cast<Eigen::Index>(mix.numChannels())),
          analyzers_(mix.numChannels()) {
        for (StreamingStftAnalyzer& a : analyzers_) a.prepare(stft, stft.hop);
    }

    /// Analyses frame t (frames come in order 0, 1, …, H.cols() − 1). Then spectra() is
    /// bins × channels and masks()[s](f, column()) is source s's mask of this frame.
    void next(Eigen::Index t) {
        const Eigen::Index frames = H_.cols();
        if (t % kMaskBlockFrames == 0) {
            blockStart_ = t;
            detail::wienerMasksBlock(W_, H_, groups_, alpha_, t,
                                     std::min(kMaskBlockFrames, frames - t), masks_);
        }
        std::size_t take = 0;  // the same for every channel
        for (std::size_t c = 0; c < analyzers_.size(); ++c) {
            take = detail::analyseNextHop(analyzers_[c], mix_.channels[c].data(), mix_.numSamples(),
                                          fed_, zeros_, spectra_.col(static_cast<Eigen::Index>(c)).data());
        }
        fed_ += take;
        column_ = t - blockStart_;
    }

    const ComplexMatrix& spectra() const { return spectra_; }
    const std::vector<Matrix>& masks() const { return masks_; }
    Eigen::Index column() const { return column_; }

private:
    const AudioBuffer& mix_;
    const Matrix& W_;
    const Matrix& H_;
    const ComponentGroups& groups_;
    float alpha_;
    std::vector<float> zeros_;
    ComplexMatrix spectra_;
    std::vector<StreamingStftAnalyzer> analyzers_;
    std::vector<Matrix> masks_;
    std::size_t fed_ = 0;
    Eigen::Index blockStart_ = 0;
    Eigen::Index column_ = 0;
};

/// What one block of frames hands from the producer to the consumer: the mix spectra and
/// masks (spatial passes) or every source's estimate of each channel (the final pass).
struct FrameBlock {
    Eigen::Index first = 0, count = 0;
    std::vector<ComplexMatrix> spectra;                 ///< [j]: bins × channels
    std::vector<Matrix> masks;                          ///< [s]: bins × count
    std::vector<std::vector<ComplexMatrix>> estimates;  ///< [j][s]: bins × channels
};

/// Runs produce(block) for the frame blocks of a pass in order, on a helper thread when
/// `threaded` (two blocks in flight), and consume(block) in the same order on the calling
/// thread. Both see every block in frame order, so the result does not depend on
/// `threaded`. An exception on either side stops both and is rethrown here.
void runBlocks(Eigen::Index frames, bool threaded,
               const std::function<void(FrameBlock&)>& produce,
               const std::function<void(FrameBlock&)>& consume) {
    const Eigen::Index blocks = (frames + kMaskBlockFrames - 1) / kMaskBlockFrames;
    const auto prepare = [&](FrameBlock& b, Eigen::Index i) {
        b.first = i * kMaskBlockFrames;
        b.count = std::min(kMaskBlockFrames, frames - b.first);
    };
    if (!threaded) {
        FrameBlock block;
        for (Eigen::Index i = 0; i < blocks; ++i) {
            prepare(block, i);
            produce(block);
            consume(block);
        }
        return;
    }
    FrameBlock slots[2];
    bool ready[2] = {false, false};
    bool stop = false;
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable changed;
    std::thread producer([&] {
        try {
            for (Eigen::Index i = 0; i < blocks; ++i) {
                const int k = static_cast<int>(i % 2);
                {
                    std::unique_lock<std::mutex> lock(mutex);
                    changed.wait(lock, [&] { return stop || !ready[k]; });
                    if (stop) return;
                }
                prepare(slots[k], i);
                produce(slots[k]);
                const std::lock_guard<std::mutex> lock(mutex);
                ready[k] = true;
                changed.notify_all();
            }
        } catch (...) {
            const std::lock_guard<std::mutex> lock(mutex);
            error = std::current_exception();
            stop = true;
            changed.notify_all();
        }
    });
    const auto halt = [&] {
        {
            const std::lock_guard<std::mutex> lock(mutex);
            stop = true;
            changed.notify_all();
        }
        producer.join();
    };
    try {
        for (Eigen::Index i = 0; i < blocks; ++i) {
            const int k = static_cast<int>(i % 2);
            {
                std::unique_lock<std::mutex> lock(mutex);
                changed.wait(lock, [&] { return stop || ready[k]; });
                if (error) std::rethrow_exception(error);
            }
            consume(slots[k]);
            const std::lock_guard<std::mutex> lock(mutex);
            ready[k] = false;
            changed.notify_all();
        }
    } catch (...) {
        halt();
        throw;
    }
    halt();
}

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
    // The spatial statistics are sums over frames; frames overlapping by more than half
    // repeat each other's samples, so the passes use every stride-th frame only (half the
    // work at the usual 75 % overlap) through an analyzer with a stride times larger hop.
    const int stride = std::max(1, stftSettings.fftSize / (2 * hop));
    StftSettings strided = stftSettings;
    strided.hop = hop * stride;
    Matrix Hstrided;
    if (passes > 0) Hstrided = d.H(Eigen::all, Eigen::seq(stride - 1, frames - 1, stride));
    // Each pass runs in two stages over blocks of frames (runBlocks): the mix's analysis
    // and masks (and, in the final pass, the filtered estimates) on a helper thread, the
    // model statistics or the synthesis on this one.
    const bool threaded = settings.threads != 1 && frames >= 2 * kMaskBlockFrames;
    for (int pass = 0; pass < passes; ++pass) {
        MaskedFrames frame(mix, d.W, Hstrided, d.groups, settings.alpha, strided);
        const Eigen::Index count = Hstrided.cols();
        runBlocks(
            count, threaded,
            [&](FrameBlock& b) {
                b.spectra.resize(static_cast<std::size_t>(b.count));
                for (Eigen::Index j = 0; j < b.count; ++j) {
                    frame.next(b.first + j);
                    b.spectra[static_cast<std::size_t>(j)] = frame.spectra();
                }
                b.masks = frame.masks();
            },
            [&](FrameBlock& b) {
                rendering.report(passShare * (pass + static_cast<double>(b.first) / static_cast<double>(count)));
                for (Eigen::Index j = 0; j < b.count; ++j) {
                    const ComplexMatrix& spectra = b.spectra[static_cast<std::size_t>(j)];
                    if (spatial.isIdentity()) {
                        spatial.accumulateMasked(spectra, b.masks, j);
                    } else {
                        spatial.filter(spectra, b.masks, j, estimates);
                        spatial.accumulate(estimates);
                    }
                }
            });
        spatial.update();
    }

    MaskedFrames frame(mix, d.W, d.H, d.groups, settings.alpha, stftSettings);
    runBlocks(
        frames, threaded,
        [&](FrameBlock& b) {
            b.estimates.resize(static_cast<std::size_t>(b.count));
            for (Eigen::Index j = 0; j < b.count; ++j) {
                frame.next(b.first + j);
                std::vector<ComplexMatrix>& out = b.estimates[static_cast<std::size_t>(j)];
                if (passes > 0) {
                    spatial.filter(frame.spectra(), frame.masks(), frame.column(), out);
                    continue;
                }
                out.resize(sources);
                for (std::size_t s = 0; s < sources; ++s) {
                    const auto mask = frame.masks()[s].col(frame.column()).cast<std::complex<float>>();
                    out[s].resize(bins, static_cast<Eigen::Index>(channels));
                    for (std::size_t c = 0; c < channels; ++c) {
                        // Through an aligned vector, as the masks' stems always were made.
                        masked = frame.spectra().col(static_cast<Eigen::Index>(c)).cwiseProduct(mask);
                        out[s].col(static_cast<Eigen::Index>(c)) = masked;
                    }
                }
            }
        },
        [&](FrameBlock& b) {
            rendering.report(passShare * (passes + static_cast<double>(b.first) / static_cast<double>(frames)));
            for (Eigen::Index j = 0; j < b.count; ++j) {
                const std::vector<ComplexMatrix>& out = b.estimates[static_cast<std::size_t>(j)];
                for (std::size_t s = 0; s < sources; ++s)
                    for (std::size_t c = 0; c < channels; ++c)
                        synths[s * channels + c].pushFrame(out[s].col(static_cast<Eigen::Index>(c)).data());
                drain();
            }
        });
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

// separateSupervisedChunked, separateGroupedByLibraryChunked, separateUnsupervisedChunked:
// long mixes in bounded memory, chunk by chunk with crossfades (one driver, separateChunked;
// only the decomposition of a chunk differs, and anonymous sources are put in the previous
// chunk's order).
//
// Layout for chunk length L, context O (both whole hops) and crossfade half-width X = O/2:
//
//   nominal spans     |---- chunk 0 ----|---- chunk 1 ----|---- chunk 2 ----|
//   chunk 1 reads                  [b1-O ................... b2+O)
//   chunk 1 writes                   [b1-X, b1+X) faded with chunk 0's tail, then
//                                    [b1+X, b2-X) alone; [b2-X, b2+X) is kept as tail
//
// Every written sample lies >= X from the edges of the chunk it comes from, so the STFT
// edge frames of a chunk never reach the output except at the file's own ends.

#include "separator_common.hpp"
#include "stft_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace demix {
namespace {

constexpr std::size_t kWriteBlock = 1 << 16;  // samples per writer call

std::size_t roundToHops(double samples, std::size_t hop) {
    return static_cast<std::size_t>(std::llround(samples / static_cast<double>(hop))) * hop;
}

/// One chunk rendered on a helper thread (renderStems). Its progress is published through
/// an atomic and its errors are handed back by wait(); the caller's callbacks are never
/// called from the helper. Cancelling makes the render throw Cancelled at its next
/// progress report.
class RenderJob {
public:
    RenderJob() = default;
    RenderJob(RenderJob&& o) noexcept { *this = std::move(o); }
    RenderJob& operator=(RenderJob&& o) noexcept {
        cancel();
        index = o.index;
        start = o.start;
        stems = std::move(o.stems);
        mix = std::move(o.mix);
        finished_ = o.finished_;
        state_ = std::move(o.state_);
        o.finished_ = false;
        return *this;
    }
    RenderJob(const RenderJob&) = delete;
    RenderJob& operator=(const RenderJob&) = delete;
    ~RenderJob() { cancel(); }

    /// Starts rendering chunk `i` (whose samples begin at `first`) of `block` into the
    /// buffers of `recycled` (stems of a chunk already written; may be empty).
    /// `settings.threads` decides whether the render itself uses a second thread.
    void launch(std::size_t i, std::size_t first, AudioBuffer block, Decomposition d,
                SeparationSettings settings, std::vector<Stem> recycled) {
        index = i;
        start = first;
        finished_ = false;
        state_ = std::make_unique<State>();
        State& st = *state_;
        st.mix = std::move(block);
        st.stems = std::move(recycled);
        st.decomposition = std::move(d);
        st.settings = std::move(settings);
        st.thread = std::thread([&st] {
            try {
                detail::renderStemsInto(st.mix, st.decomposition, st.settings,
                                        [&st](double f, const std::string&) {
                                            st.fraction.store(f, std::memory_order_relaxed);
                                            return !st.cancelled.load(std::memory_order_relaxed);
                                        },
                                        st.stems);
            } catch (...) {
                st.error = std::current_exception();
            }
            const std::lock_guard<std::mutex> lock(st.mutex);
            st.finishedFlag.store(true, std::memory_order_release);
            st.wake.notify_all();
        });
    }
    bool running() const { return state_ != nullptr; }
    bool done() const { return finished_; }
    double fraction() const { return state_ ? state_->fraction.load(std::memory_order_relaxed) : 0.0; }

    /// Waits for the render, calling `report(fraction)` on this thread about every 50 ms
    /// (false = cancel: throws Cancelled); rethrows the render's error. Then `stems`
    /// holds the chunk's stems, `mix` its mix block (for reuse), and the decomposition
    /// is freed.
    void wait(const std::function<bool(double)>& report) {
        if (!state_) return;
        State& st = *state_;
        while (!st.finishedFlag.load(std::memory_order_acquire)) {
            if (!report(fraction())) throw Cancelled();
            std::unique_lock<std::mutex> lock(st.mutex);
            st.wake.wait_for(lock, std::chrono::milliseconds(50),
                             [&st] { return st.finishedFlag.load(std::memory_order_acquire); });
        }
        st.thread.join();
        std::unique_ptr<State> owned = std::move(state_);
        if (owned->error) std::rethrow_exception(owned->error);
        stems = std::move(owned->stems);
        mix = std::move(owned->mix);
        finished_ = true;
    }
    /// Asks a running render to stop and joins it (its result is dropped).
    void cancel() noexcept {
        if (!state_) return;
        state_->cancelled.store(true, std::memory_order_relaxed);
        if (state_->thread.joinable()) state_->thread.join();
        state_.reset();
    }

    std::size_t index = 0, start = 0;
    std::vector<Stem> stems;
    AudioBuffer mix;

private:
    struct State {
        AudioBuffer mix;
        Decomposition decomposition;
        SeparationSettings settings;
        std::vector<Stem> stems;
        std::exception_ptr error;
        std::atomic<double> fraction{0.0};
        std::atomic<bool> cancelled{false}, finishedFlag{false};
        std::mutex mutex;
        std::condition_variable wake;
        std::thread thread;
    };
    bool finished_ = false;
    std::unique_ptr<State> state_;
};

/// Decomposes one chunk of the mix (its own STFT, NMF and grouping); the sources must
/// come out with the same names in the same order in every chunk.
using ChunkDecomposer = std::function<Decomposition(const AudioBuffer& block, const ProgressCallback&)>;

/// Anonymous sources (blind grouping): what is kept of chunk i − 1 to put chunk i's sources
/// in its order. Both chunks analyse the audio around their boundary b (chunk starts are
/// whole hops, so their frames there are the same frames of the file); over the frames
/// inside the crossfade [b − X, b + X) the two decompositions model the same sound, and
/// chunk i's sources are matched to chunk i − 1's by the cosine similarity of their models
/// there (detail::matchSources).
struct BoundaryModel {
    detail::Solved previous;  // chunk i − 1's W, H over the boundary frames, and groups

    /// The columns of H (a chunk starting at sample `start`, frame t covering samples
    /// [start + (t+1)·hop − N, start + (t+1)·hop)) of the frames wholly inside [from, to).
    static Matrix framesWithin(const Matrix& H, std::size_t start, std::size_t from, std::size_t to,
                               std::size_t hop, std::size_t N) {
        // first: the smallest t with start + (t+1)·hop − N >= from; last: the largest t with
        // start + (t+1)·hop <= to (from >= start and to <= the chunk's end by construction).
        const auto first = static_cast<Eigen::Index>((from - start + N + hop - 1) / hop) - 1;
        const Eigen::Index last = std::min(static_cast<Eigen::Index>((to - start) / hop) - 1, H.cols() - 1);
        return last >= first ? Matrix(H.middleCols(first, last - first + 1)) : Matrix(H.rows(), 0);
    }

    /// Puts the sources of `d` (the chunk starting at sample `start`, whose seam with the
    /// previous chunk is at b0 and with the next at b1, crossfades ±X) in the previous
    /// chunk's order, then keeps what the next chunk is matched against.
    void alignAndKeep(Decomposition& d, std::size_t start, std::size_t b0, std::size_t b1,
                      std::size_t X, std::size_t hop, std::size_t N) {
        if (!previous.groups.empty()) {  // not the first chunk
            detail::Solved current;
            current.result.W = d.W;
            current.result.H = framesWithin(d.H, start, b0 - X, b0 + X, hop, N);
            current.groups = d.groups;
            // Both sides cover the same frames of the file (none if the crossfade is
            // shorter than a frame: then there is nothing to match on).
            if (current.result.H.cols() > 0 && current.result.H.cols() == previous.result.H.cols()) {
                ComponentGroups reordered;
                for (int source : detail::matchSources(previous, current))
                    reordered.push_back(d.groups[static_cast<std::size_t>(source)]);
                d.groups = std::move(reordered);
            }
        }
        previous.result.W = d.W;
        previous.result.H = framesWithin(d.H, start, b1 - X, b1 + X, hop, N);
        previous.groups = d.groups;
    }
};

ChunkedSeparation separateChunked(std::size_t numSamples, int numChannels, double sampleRate,
                                  const ChunkDecomposer& decompose, bool anonymousSources,
                                  const SeparationSettings& settings, const MixBlockReader& read,
                                  const StemBlockWriter& write, const ChunkSettings& chunks,
                                  const ProgressCallback& progress) {
    if (numSamples == 0) throw InvalidArgument("the mix has no samples");
    if (numChannels < 1) throw InvalidArgument("the mix needs at least one channel");
    if (!(sampleRate > 0.0) || !std::isfinite(sampleRate))
        throw InvalidArgument("the sample rate must be positive, got " + std::to_string(sampleRate));
    if (!(chunks.chunkSeconds > 0.0) || !std::isfinite(chunks.chunkSeconds))
        throw InvalidArgument("chunk length must be positive seconds, got " +
                              std::to_string(chunks.chunkSeconds));
    if (!(chunks.overlapSeconds >= 0.0) || !std::isfinite(chunks.overlapSeconds))
        throw InvalidArgument("chunk overlap must be >= 0 seconds, got " +
                              std::to_string(chunks.overlapSeconds));
    if (!read || !write) throw InvalidArgument("chunked separation needs a reader and a writer");
    settings.stft.validate();

    const auto hop = static_cast<std::size_t>(settings.stft.hop);
    const std::size_t L = std::max(hop, roundToHops(chunks.chunkSeconds * sampleRate, hop));
    const std::size_t O = std::min(L, roundToHops(chunks.overlapSeconds * sampleRate, hop));
    const std::size_t X = O / 2;
    // The last chunk absorbs a remainder shorter than L/2 (no tiny chunks).
    const std::size_t count = std::max<std::size_t>(1, (numSamples + L / 2) / L);
    const auto boundary = [&](std::size_t i) { return i >= count ? numSamples : i * L; };

    const auto channels = static_cast<std::size_t>(numChannels);
    std::vector<Stem> tail;  // previous chunk's stems over [b - X, b + X)
    std::vector<Stem> out;   // what is handed to the writer
    std::vector<float> weights;  // crossfade weights of one block
    ChunkedSeparation result;
    std::vector<std::string> firstNames;  // the sources of chunk 0, in order
    BoundaryModel edge;                   // anonymous sources: chunk i − 1 at its end

    // Progress: each chunk is 0.85 decomposition and 0.15 rendering, and the overall
    // fraction is what all chunks have done (renders run behind the decompositions, so
    // the sum of both, not the chunk index, is what grows monotonically).
    double decomposed = 0.0, rendered = 0.0;  // finished fractions, in chunks
    const auto report = [&](double decomposing, double rendering, const std::string& stage) {
        if (!progress) return true;
        const double done = 0.85 * (decomposed + decomposing) + 0.15 * (rendered + rendering);
        return progress(std::min(1.0, done / static_cast<double>(count)), stage);
    };

    // Emits [from, to) (absolute samples) of chunk i (stems starting at sample `start`),
    // crossfaded with the tail where `fade` is set: tail·(1 − w) + chunk·w, w a raised
    // cosine over 2X samples.
    const auto emitChunk = [&](std::size_t i, std::size_t start, const std::vector<Stem>& stems) {
        const std::size_t b0 = boundary(i), b1 = boundary(i + 1);
        if (result.stemNames.empty())
            for (const Stem& s : stems) result.stemNames.push_back(s.name);
        if (out.empty()) {
            out.resize(stems.size());
            for (std::size_t s = 0; s < stems.size(); ++s) {
                out[s].name = stems[s].name;
                out[s].audio.sampleRate = sampleRate;
                out[s].audio.channels.assign(channels, {});
            }
        }
        const auto emit = [&](std::size_t from, std::size_t to, bool fade) {
            for (std::size_t pos = from; pos < to; pos += kWriteBlock) {
                const std::size_t n = std::min(kWriteBlock, to - pos);
                if (fade) {  // the block's crossfade weights, once for all stems and channels
                    weights.resize(n);
                    for (std::size_t j = 0; j < n; ++j) {
                        const double k = static_cast<double>(pos + j - (b0 - X)) + 0.5;
                        weights[j] = static_cast<float>(0.5 - 0.5 * std::cos(M_PI * k / (2.0 * X)));
                    }
                }
                for (std::size_t s = 0; s < stems.size(); ++s)
                    for (std::size_t c = 0; c < channels; ++c) {
                        const float* src = stems[s].audio.channels[c].data() + (pos - start);
                        std::vector<float>& dst = out[s].audio.channels[c];
                        dst.assign(src, src + n);
                        if (!fade) continue;
                        const float* old = tail[s].audio.channels[c].data() + (pos - (b0 - X));
                        for (std::size_t j = 0; j < n; ++j) {
                            const float w = weights[j];
                            dst[j] = old[j] * (1.0f - w) + dst[j] * w;
                        }
                    }
                write(pos, out);
            }
        };
        if (i > 0 && X > 0) emit(b0 - X, b0 + X, true);
        emit(i == 0 ? 0 : b0 + X, i + 1 == count ? numSamples : b1 - X, false);
        if (i + 1 < count && X > 0) {
            tail.resize(stems.size());
            for (std::size_t s = 0; s < stems.size(); ++s)
                for (std::size_t c = 0; c < channels; ++c) {
                    const float* src = stems[s].audio.channels[c].data() + (b1 - X - start);
                    tail[s].audio.channels.resize(channels);
                    tail[s].audio.channels[c].assign(src, src + 2 * X);
                }
        }
    };

    // Two-stage pipeline: chunk i is decomposed on this thread (NMF on its workers) while
    // chunk i − 1 is rendered on a helper thread; this thread then writes chunk i − 1
    // while chunk i renders. Every callback (reader, writer, progress) runs on this
    // thread; at most two chunks are alive at once.
    RenderJob job, previous;
    AudioBuffer spareBlock;       // a written chunk's mix buffers, for the next read
    std::vector<Stem> spareStems;  // a written chunk's stem buffers, for the next render
    // Waits for `job`'s render, reporting its progress from this thread.
    const auto finishRender = [&] {
        job.wait([&](double f) { return report(0.0, f, "rendering"); });
        rendered += 1.0;
    };
    try {
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t b0 = boundary(i), b1 = boundary(i + 1);
            const std::size_t start = b0 >= O ? b0 - O : 0;
            const std::size_t end = std::min(numSamples, b1 + O);
            // The mix and stem buffers of chunk i − 2 (read, rendered and written by now)
            // are reused for chunk i: the same memory, no fresh pages to fault in.
            AudioBuffer block = std::move(spareBlock);
            block.sampleRate = sampleRate;
            block.channels.resize(channels);
            for (std::vector<float>& c : block.channels) {
                if (c.capacity() >= end - start) continue;
                c = std::vector<float>();
                c.reserve(end - start);  // fresh memory: huge pages before the reader touches it
                detail::adviseHugePages(c.data(), (end - start) * sizeof(float));
            }
            read(start, end - start, block);
            for (const auto& c : block.channels)
                if (c.size() != end - start)
                    throw InvalidArgument("the mix reader returned " + std::to_string(c.size()) +
                                          " samples, " + std::to_string(end - start) +
                                          " were asked for");
            const ProgressCallback decomposing = [&](double f, const std::string& name) {
                return report(f, job.running() ? job.fraction() : 0.0, name);
            };
            Decomposition d = decompose(block, decomposing);
            if (anonymousSources)
                edge.alignAndKeep(d, start, b0, b1, X, hop, static_cast<std::size_t>(settings.stft.fftSize));
            if (i == 0) {
                firstNames = d.sourceNames;
                result.ensembleMembers = std::max<int>(1, static_cast<int>(d.memberStarts.size()));
            }
            if (d.sourceNames != firstNames)  // the writer's stems are the first chunk's
                throw std::logic_error("chunked separation: chunk " + std::to_string(i) +
                                       " has other sources than the first");
            result.iterations.push_back(d.nmf.iterations);
            result.converged.push_back(d.nmf.converged);
            d.V = Matrix();  // rendering needs W, H and the groups only
            decomposed += 1.0;

            // Chunk i − 1 finishes rendering; chunk i starts; chunk i − 1 is written.
            if (job.running()) {
                finishRender();
                previous = std::move(job);
                spareBlock = std::move(previous.mix);
            }
            // While the next chunk's NMF runs (on all its threads) the render keeps to one
            // thread; the last chunk's render, alone, may use two.
            SeparationSettings renderSettings = settings;
            if (chunks.pipeline && i + 1 < count) renderSettings.threads = 1;
            renderSettings.onObjective = nullptr;  // not used by rendering
            job.launch(i, start, std::move(block), std::move(d), std::move(renderSettings),
                       std::move(spareStems));
            if (previous.done()) {
                emitChunk(previous.index, previous.start, previous.stems);
                spareStems = std::move(previous.stems);  // written: kept for chunk i + 1
                previous = RenderJob();
            }
            if (!chunks.pipeline) {  // one chunk at a time
                finishRender();
                emitChunk(job.index, job.start, job.stems);
                spareStems = std::move(job.stems);
                spareBlock = std::move(job.mix);
                job = RenderJob();
            }
        }
        if (job.running()) {
            finishRender();
            emitChunk(job.index, job.start, job.stems);
        }
    } catch (...) {
        job.cancel();  // stops and joins the helper before the buffers go away
        throw;
    }
    if (progress) progress(1.0, "separating");
    return result;
}

}  // namespace

ChunkedSeparation separateSupervisedChunked(std::size_t numSamples, int numChannels,
                                            double sampleRate, const TemplateLibrary& library,
                                            int freeComponents,
                                            const SeparationSettings& settings,
                                            const MixBlockReader& read,
                                            const StemBlockWriter& write,
                                            const ChunkSettings& chunks,
                                            const ProgressCallback& progress) {
    const ChunkDecomposer decompose = [&](const AudioBuffer& block, const ProgressCallback& p) {
        return decomposeSupervised(block, library, freeComponents, settings, p);
    };
    return separateChunked(numSamples, numChannels, sampleRate, decompose, false, settings, read,
                           write, chunks, progress);
}

ChunkedSeparation separateUnsupervisedChunked(std::size_t numSamples, int numChannels,
                                              double sampleRate, int components, int sources,
                                              const SeparationSettings& settings,
                                              const MixBlockReader& read,
                                              const StemBlockWriter& write,
                                              const ChunkSettings& chunks,
                                              const ProgressCallback& progress) {
    const ChunkDecomposer decompose = [&](const AudioBuffer& block, const ProgressCallback& p) {
        return decomposeUnsupervised(block, components, sources, settings, p);
    };
    return separateChunked(numSamples, numChannels, sampleRate, decompose, true, settings, read,
                           write, chunks, progress);
}

ChunkedSeparation separateGroupedByLibraryChunked(std::size_t numSamples, int numChannels,
                                                  double sampleRate, int components,
                                                  const TemplateLibrary& library,
                                                  const SeparationSettings& settings,
                                                  const MixBlockReader& read,
                                                  const StemBlockWriter& write,
                                                  const ChunkSettings& chunks,
                                                  const ProgressCallback& progress) {
    const ChunkDecomposer decompose = [&](const AudioBuffer& block, const ProgressCallback& p) {
        return decomposeGroupedByLibrary(block, components, library, settings, p);
    };
    return separateChunked(numSamples, numChannels, sampleRate, decompose, false, settings, read,
                           write, chunks, progress);
}

}  // namespace demix

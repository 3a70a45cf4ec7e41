// separateSupervisedChunked: long mixes in bounded memory, chunk by chunk with crossfades.
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

#include <algorithm>
#include <cmath>

namespace demix {
namespace {

constexpr std::size_t kWriteBlock = 1 << 16;  // samples per writer call

std::size_t roundToHops(double samples, std::size_t hop) {
    return static_cast<std::size_t>(std::llround(samples / static_cast<double>(hop))) * hop;
}

}  // namespace

ChunkedSeparation separateSupervisedChunked(std::size_t numSamples, int numChannels,
                                            double sampleRate, const TemplateLibrary& library,
                                            const SeparationSettings& settings,
                                            const MixBlockReader& read,
                                            const StemBlockWriter& write,
                                            const ChunkSettings& chunks,
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
    AudioBuffer block;
    block.sampleRate = sampleRate;
    std::vector<Stem> tail;  // previous chunk's stems over [b - X, b + X)
    std::vector<Stem> out;   // what is handed to the writer
    ChunkedSeparation result;

    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t b0 = boundary(i), b1 = boundary(i + 1);
        const std::size_t start = b0 >= O ? b0 - O : 0;
        const std::size_t end = std::min(numSamples, b1 + O);
        block.channels.assign(channels, {});
        read(start, end - start, block);
        for (const auto& c : block.channels)
            if (c.size() != end - start)
                throw InvalidArgument("the mix reader returned " + std::to_string(c.size()) +
                                      " samples, " + std::to_string(end - start) + " were asked for");

        const double base = static_cast<double>(i) / static_cast<double>(count);
        const double span = 1.0 / static_cast<double>(count);
        const auto stage = [&](double from, double width) -> ProgressCallback {
            if (!progress) return {};
            return [&progress, base, span, from, width](double f, const std::string& name) {
                return progress(base + span * (from + width * f), name);
            };
        };
        std::vector<Stem> stems;
        {
            const Decomposition d = decomposeSupervised(block, library, 0, settings, stage(0.0, 0.85));
            result.iterations.push_back(d.nmf.iterations);
            result.converged.push_back(d.nmf.converged);
            stems = renderStems(block, d, settings, stage(0.85, 0.15));
        }  // V, H freed before the stems are written
        block.channels.clear();  // the mix block is not needed any more
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

        // Emits [from, to) (absolute samples) of this chunk, crossfaded with the tail
        // where `fade` is set: tail·(1 − w) + chunk·w, w a raised cosine over 2X samples.
        const auto emit = [&](std::size_t from, std::size_t to, bool fade) {
            for (std::size_t pos = from; pos < to; pos += kWriteBlock) {
                const std::size_t n = std::min(kWriteBlock, to - pos);
                for (std::size_t s = 0; s < stems.size(); ++s)
                    for (std::size_t c = 0; c < channels; ++c) {
                        const float* src = stems[s].audio.channels[c].data() + (pos - start);
                        std::vector<float>& dst = out[s].audio.channels[c];
                        dst.assign(src, src + n);
                        if (!fade) continue;
                        const float* old = tail[s].audio.channels[c].data() + (pos - (b0 - X));
                        for (std::size_t j = 0; j < n; ++j) {
                            const double k = static_cast<double>(pos + j - (b0 - X)) + 0.5;
                            const auto w = static_cast<float>(0.5 - 0.5 * std::cos(M_PI * k / (2.0 * X)));
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
    }
    if (progress) progress(1.0, "separating");
    return result;
}

}  // namespace demix

// separateSupervisedChunked, separateGroupedByLibraryChunked: long mixes chunk by chunk
// (bounded memory) must give stems that sum to the mix everywhere (seams included) and
// match whole-file separation where they can.
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include "demix/separator.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings chunkTestSettings() {
    SeparationSettings s = smallSeparationSettings(512, 128, 60);
    s.nmf.seed = 3;
    s.nmf.tol = 0.0;  // fixed iteration count: chunked == whole-file away from the ends
    s.adaptIterations = 0;  // frozen templates: each frame's activations are independent
    s.nmf.threads = 1;
    s.accelerateLearning = true;  // the library these tests' tolerances were set with
    // Masks only: the spatial filter estimates its model per chunk, so only the masks'
    // stems equal a whole-file render (the spatial filter's sum is tested below).
    s.spatialPasses = 0;
    return s;
}

TemplateLibrary toneNoiseLibrary(const SeparationSettings& settings) {
    const std::size_t n = static_cast<std::size_t>(3 * kTestRate);
    TemplateLibrary library = learnTemplates({monoBuffer(harmonicTone(n, 101))}, "tone", 6, settings);
    library.merge(learnTemplates({monoBuffer(noiseBursts(n, 202))}, "noise", 6, settings));
    return library;
}

AudioBuffer stereoMix(double seconds) {
    const std::size_t n = static_cast<std::size_t>(seconds * kTestRate);
    return testing::stereoMix(harmonicTone(n, 7), noiseBursts(n, 8), 0.8f, 0.4f, 0.4f, 0.8f);
}

struct Collected {
    std::vector<std::string> names;
    std::vector<AudioBuffer> stems;
    std::vector<int> iterations;
    int ensembleMembers = 0;
    std::size_t reads = 0;
    std::size_t largestRead = 0;
};

/// Runs a chunked separation `call(read, write)` over `mix`, collecting what is written.
template <typename Call>
Collected collectChunked(const AudioBuffer& mix, const Call& call) {
    Collected c;
    std::size_t next = 0;  // the writer must be called in order, without gaps
    const auto read = [&](std::size_t start, std::size_t count, AudioBuffer& block) {
        ++c.reads;
        c.largestRead = std::max(c.largestRead, count);
        for (std::size_t ch = 0; ch < mix.numChannels(); ++ch)
            block.channels[ch].assign(mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start),
                                      mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start + count));
    };
    const auto write = [&](std::size_t start, const std::vector<Stem>& stems) {
        if (start != next) throw std::logic_error("writer called out of order");
        if (c.stems.empty()) c.stems.assign(stems.size(), AudioBuffer{});
        for (std::size_t s = 0; s < stems.size(); ++s) {
            c.stems[s].channels.resize(stems[s].audio.numChannels());
            for (std::size_t ch = 0; ch < stems[s].audio.numChannels(); ++ch)
                c.stems[s].channels[ch].insert(c.stems[s].channels[ch].end(),
                                               stems[s].audio.channels[ch].begin(),
                                               stems[s].audio.channels[ch].end());
        }
        next += stems.front().audio.numSamples();
    };
    const ChunkedSeparation result = call(MixBlockReader(read), StemBlockWriter(write));
    c.names = result.stemNames;
    c.iterations = result.iterations;
    c.ensembleMembers = result.ensembleMembers;
    REQUIRE(next == mix.numSamples());
    return c;
}

Collected runChunked(const AudioBuffer& mix, const TemplateLibrary& library,
                     const SeparationSettings& settings, const ChunkSettings& chunks,
                     const ProgressCallback& progress = {}) {
    return collectChunked(mix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateSupervisedChunked(mix.numSamples(), static_cast<int>(mix.numChannels()),
                                         mix.sampleRate, library, 0, settings, read, write, chunks,
                                         progress);
    });
}

Collected runGroupedChunked(const AudioBuffer& mix, int components, const TemplateLibrary& library,
                            const SeparationSettings& settings, const ChunkSettings& chunks) {
    return collectChunked(mix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateGroupedByLibraryChunked(mix.numSamples(), static_cast<int>(mix.numChannels()),
                                               mix.sampleRate, components, library, settings, read,
                                               write, chunks);
    });
}

/// Normalised correlation of a and b over [from, to).
double correlation(const std::vector<float>& a, const std::vector<float>& b, std::size_t from,
                   std::size_t to) {
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (std::size_t i = from; i < to; ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return aa > 0.0 && bb > 0.0 ? ab / std::sqrt(aa * bb) : 0.0;
}

/// A 10.3-s stereo mix of a tone (left-heavy) and noise bursts (right-heavy), cut into
/// four 2.5-s chunks (the last one longer) with 0.5 s of context.
struct TwoSources {
    static constexpr double kChunk = 2.5;
    std::size_t n = static_cast<std::size_t>(10.3 * kTestRate);
    std::vector<float> tone = harmonicTone(n, 7), noise = noiseBursts(n, 8);
    AudioBuffer mix = testing::stereoMix(tone, noise, 0.8f, 0.4f, 0.4f, 0.8f);
    ChunkSettings chunks{kChunk, 0.5, true};

    /// In every chunk's span, channel `ch` of `stem` correlates with `source` above 0.8 and
    /// by at least 0.5 more than with `other`.
    void requireFollows(const AudioBuffer& stem, std::size_t ch, const std::vector<float>& source,
                        const std::vector<float>& other) const {
        const std::size_t L = static_cast<std::size_t>(kChunk * kTestRate);
        for (std::size_t c = 0; c < 4; ++c) {
            const std::size_t from = c * L, to = c == 3 ? n : (c + 1) * L;
            const double own = correlation(stem.channels[ch], source, from, to);
            const double foreign = correlation(stem.channels[ch], other, from, to);
            CAPTURE(c, ch, own, foreign);
            REQUIRE(own > 0.8);
            REQUIRE(own > foreign + 0.5);
        }
    }
};

/// Largest |stem 0 + stem 1 − mix| over every sample of both channels (the stems must
/// have the mix's length).
double stemsSumError(const Collected& chunked, const AudioBuffer& mix) {
    double error = 0.0;
    for (std::size_t ch = 0; ch < 2; ++ch) {
        REQUIRE(chunked.stems[0].channels[ch].size() == mix.numSamples());
        for (std::size_t i = 0; i < mix.numSamples(); ++i) {
            const double sum = static_cast<double>(chunked.stems[0].channels[ch][i]) +
                               chunked.stems[1].channels[ch][i];
            error = std::max(error, std::fabs(sum - mix.channels[ch][i]));
        }
    }
    return error;
}

}  // namespace

TEST_CASE("chunked separation: stems sum to the mix across seams and match whole-file stems",
          "[separator][chunked]") {
    const SeparationSettings settings = chunkTestSettings();
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const AudioBuffer mix = stereoMix(10.3);  // 4 chunks of 2.5 s (+ remainder)
    ChunkSettings chunks;
    chunks.chunkSeconds = 2.5;
    chunks.overlapSeconds = 0.5;
    const Collected chunked = runChunked(mix, library, settings, chunks);

    REQUIRE(chunked.names == std::vector<std::string>{"tone", "noise"});
    REQUIRE(chunked.reads == 4);
    REQUIRE(chunked.iterations == std::vector<int>(4, settings.nmf.maxIterations));
    // Bounded memory: no read is longer than a chunk plus its context on both sides.
    REQUIRE(chunked.largestRead <= static_cast<std::size_t>((2.5 + 2 * 0.5) * kTestRate) + 2 * 128);
    REQUIRE(chunked.stems.size() == 2);

    // Stems sum to the mix everywhere, seams included.
    const double sumError = stemsSumError(chunked, mix);
    CAPTURE(sumError);
    REQUIRE(sumError < 1e-5);

    // The same stems as separating the whole mix at once (templates fixed, tol = 0): each
    // frame's activations depend only on that frame, and the crossfades stay away from
    // the chunks' edges.
    const Decomposition whole = decomposeSupervised(mix, library, 0, settings);
    const std::vector<Stem> reference = renderStems(mix, whole, settings);
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch) {
            const double diff = maxAbsDiff(chunked.stems[s].channels[ch], reference[s].audio.channels[ch]);
            const double rel = relativeRms(chunked.stems[s].channels[ch], reference[s].audio.channels[ch]);
            CAPTURE(s, ch, diff, rel);
            REQUIRE(diff < 1e-4);
            REQUIRE(rel < 1e-4);
        }
}

TEST_CASE("chunked separation with the spatial filter: stems sum to the mix across seams",
          "[separator][chunked]") {
    SeparationSettings settings = chunkTestSettings();
    settings.spatialPasses = 2;
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const AudioBuffer mix = stereoMix(10.3);
    ChunkSettings chunks;
    chunks.chunkSeconds = 2.5;
    chunks.overlapSeconds = 0.5;
    const Collected chunked = runChunked(mix, library, settings, chunks);
    REQUIRE(chunked.reads == 4);
    const double sumError = stemsSumError(chunked, mix);
    CAPTURE(sumError);
    REQUIRE(sumError < 1e-5);
}

TEST_CASE("chunked separation of a mix shorter than a chunk equals whole-file separation",
          "[separator][chunked]") {
    const SeparationSettings settings = chunkTestSettings();
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const AudioBuffer mix = stereoMix(2.0);
    const Collected chunked = runChunked(mix, library, settings, ChunkSettings{});
    REQUIRE(chunked.reads == 1);
    const Decomposition whole = decomposeSupervised(mix, library, 0, settings);
    const std::vector<Stem> reference = renderStems(mix, whole, settings);
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch)
            REQUIRE(chunked.stems[s].channels[ch] == reference[s].audio.channels[ch]);
}

TEST_CASE("chunked separation checks its arguments and propagates reader errors",
          "[separator][chunked]") {
    const SeparationSettings settings = chunkTestSettings();
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const auto read = [](std::size_t, std::size_t count, AudioBuffer& block) {
        for (auto& c : block.channels) c.assign(count, 0.0f);
    };
    const auto write = [](std::size_t, const std::vector<Stem>&) {};
    ChunkSettings bad;
    bad.chunkSeconds = 0.0;
    REQUIRE_THROWS_WITH(separateSupervisedChunked(1000, 2, kTestRate, library, 0, settings, read, write, bad),
                        Catch::Contains("chunk length"));
    bad = ChunkSettings{};
    bad.overlapSeconds = -1.0;
    REQUIRE_THROWS_WITH(separateSupervisedChunked(1000, 2, kTestRate, library, 0, settings, read, write, bad),
                        Catch::Contains("overlap"));
    REQUIRE_THROWS_AS(separateSupervisedChunked(0, 2, kTestRate, library, 0, settings, read, write),
                      InvalidArgument);
    // A library made at another sample rate is refused like decomposeSupervised does.
    REQUIRE_THROWS_AS(separateSupervisedChunked(1000, 2, 44100.0, library, 0, settings, read, write),
                      LibraryError);
    const auto failing = [](std::size_t, std::size_t, AudioBuffer&) {
        throw std::runtime_error("disk on fire");
    };
    REQUIRE_THROWS_WITH(separateSupervisedChunked(1000, 2, kTestRate, library, 0, settings, failing, write),
                        "disk on fire");
    const auto shortRead = [](std::size_t, std::size_t count, AudioBuffer& block) {
        for (auto& c : block.channels) c.assign(count / 2, 0.0f);
    };
    REQUIRE_THROWS_WITH(separateSupervisedChunked(1000, 2, kTestRate, library, 0, settings, shortRead, write),
                        Catch::Contains("mix reader returned"));
}

TEST_CASE("pipelined chunked separation: bit-identical to one chunk at a time, callbacks on "
          "the calling thread, monotone progress, cancellable",
          "[separator][chunked]") {
    SeparationSettings settings = chunkTestSettings();
    settings.spatialPasses = 2;  // the whole renderer runs on the helper thread
    settings.adaptIterations = 10;
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const AudioBuffer mix = stereoMix(10.3);
    ChunkSettings chunks;
    chunks.chunkSeconds = 2.5;
    chunks.overlapSeconds = 0.5;
    REQUIRE(chunks.pipeline);  // the default
    const std::thread::id caller = std::this_thread::get_id();
    std::vector<double> fractions;
    bool otherThread = false;
    const ProgressCallback progress = [&](double f, const std::string&) {
        otherThread = otherThread || std::this_thread::get_id() != caller;
        fractions.push_back(f);
        return true;
    };
    const Collected pipelined = runChunked(mix, library, settings, chunks, progress);
    CHECK_FALSE(otherThread);
    REQUIRE(fractions.size() > 8);
    for (std::size_t i = 1; i < fractions.size(); ++i) {
        CAPTURE(i);
        REQUIRE(fractions[i] >= fractions[i - 1]);
    }
    CHECK(fractions.front() >= 0.0);
    CHECK(fractions.back() == 1.0);

    ChunkSettings serial = chunks;
    serial.pipeline = false;
    const Collected oneByOne = runChunked(mix, library, settings, serial);
    REQUIRE(pipelined.stems.size() == 2);
    REQUIRE(pipelined.iterations == oneByOne.iterations);
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch) {
            CAPTURE(s, ch);
            REQUIRE(pipelined.stems[s].channels[ch] == oneByOne.stems[s].channels[ch]);
        }

    // Cancelling at any point (while decomposing or while waiting for a render) throws
    // Cancelled and leaves no thread behind; nothing is written after the cancel.
    // (The number of progress calls varies a little from run to run: while this thread
    // waits for a render it reports every 50 ms. Most come from the NMF iterations.)
    for (std::size_t stopAt : {std::size_t{3}, fractions.size() / 4, fractions.size() / 2}) {
        CAPTURE(stopAt);
        std::size_t calls = 0, writesAfter = 0;
        bool stopped = false;
        const auto read = [&](std::size_t start, std::size_t count, AudioBuffer& block) {
            for (std::size_t ch = 0; ch < 2; ++ch)
                block.channels[ch].assign(mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start),
                                          mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start + count));
        };
        const auto write = [&](std::size_t, const std::vector<Stem>&) { writesAfter += stopped ? 1 : 0; };
        const ProgressCallback cancelling = [&](double, const std::string&) {
            stopped = stopped || ++calls >= stopAt;
            return !stopped;
        };
        REQUIRE_THROWS_AS(separateSupervisedChunked(mix.numSamples(), 2, mix.sampleRate, library, 0,
                                                    settings, read, write, chunks, cancelling),
                          Cancelled);
        CHECK(writesAfter == 0);
    }
}

TEST_CASE("chunked grouping by library: every chunk has the library's sources, each stem "
          "follows its source in every chunk, stems sum to the mix across seams",
          "[separator][chunked][grouping]") {
    const SeparationSettings settings = chunkTestSettings();
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const TwoSources scene;
    const Collected chunked = runGroupedChunked(scene.mix, 8, library, settings, scene.chunks);

    REQUIRE(chunked.names == std::vector<std::string>{"tone", "noise"});
    REQUIRE(chunked.reads == 4);
    REQUIRE(chunked.iterations.size() == 4);
    REQUIRE(chunked.ensembleMembers == unsupervisedRestartsFor(settings, true));  // 3
    REQUIRE(chunked.largestRead <= static_cast<std::size_t>((2.5 + 2 * 0.5) * kTestRate) + 2 * 128);
    const double sumError = stemsSumError(chunked, scene.mix);
    CAPTURE(sumError);
    REQUIRE(sumError < 1e-5);

    // Each chunk is factorised and grouped on its own, so what keeps a stem on its source
    // across chunks is the grouping by library: in every chunk's span the "tone" stem is
    // nearer the tone than the noise, and the "noise" stem the other way round.
    scene.requireFollows(chunked.stems[0], 0, scene.tone, scene.noise);
    scene.requireFollows(chunked.stems[1], 0, scene.noise, scene.tone);
}

TEST_CASE("chunked grouping by library of a mix shorter than a chunk equals whole-file "
          "separation; refusals as decomposeGroupedByLibrary",
          "[separator][chunked][grouping]") {
    const SeparationSettings settings = chunkTestSettings();
    const TemplateLibrary library = toneNoiseLibrary(settings);
    const AudioBuffer mix = stereoMix(2.0);
    const Collected chunked = runGroupedChunked(mix, 8, library, settings, ChunkSettings{});
    REQUIRE(chunked.reads == 1);
    const Decomposition whole = decomposeGroupedByLibrary(mix, 8, library, settings);
    const std::vector<Stem> reference = renderStems(mix, whole, settings);
    REQUIRE(chunked.names == std::vector<std::string>{"tone", "noise"});
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch)
            REQUIRE(chunked.stems[s].channels[ch] == reference[s].audio.channels[ch]);

    // A one-source library cannot be grouped by; the engine's message comes through.
    TemplateLibrary one = library;
    one.sources.resize(1);
    const auto read = [&](std::size_t start, std::size_t count, AudioBuffer& block) {
        for (std::size_t ch = 0; ch < 2; ++ch)
            block.channels[ch].assign(mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start),
                                      mix.channels[ch].begin() + static_cast<std::ptrdiff_t>(start + count));
    };
    std::size_t writes = 0;
    const auto write = [&](std::size_t, const std::vector<Stem>&) { ++writes; };
    std::string expected;
    try {
        decomposeGroupedByLibrary(mix, 8, one, settings);
    } catch (const InvalidArgument& e) {
        expected = e.what();
    }
    REQUIRE_FALSE(expected.empty());
    REQUIRE_THROWS_WITH(separateGroupedByLibraryChunked(mix.numSamples(), 2, mix.sampleRate, 8, one,
                                                        settings, read, write),
                        expected);
    REQUIRE(writes == 0);
}

TEST_CASE("chunked supervised separation with free components: a residual stem in every "
          "chunk, stems sum to the mix across seams, one chunk == whole file",
          "[separator][chunked]") {
    const SeparationSettings settings = chunkTestSettings();
    TemplateLibrary toneOnly = toneNoiseLibrary(settings);
    toneOnly.sources.resize(1);  // the noise is left to the free components
    const TwoSources scene;
    const Collected chunked = collectChunked(scene.mix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateSupervisedChunked(scene.mix.numSamples(), 2, scene.mix.sampleRate, toneOnly, 4,
                                         settings, read, write, scene.chunks);
    });
    REQUIRE(chunked.names == std::vector<std::string>{"tone", "residual"});
    REQUIRE(chunked.reads == 4);
    const double sumError = stemsSumError(chunked, scene.mix);
    CAPTURE(sumError);
    REQUIRE(sumError < 1e-5);
    scene.requireFollows(chunked.stems[1], 1, scene.noise, scene.tone);  // in every chunk

    const AudioBuffer shortMix = stereoMix(2.0);
    const Collected one = collectChunked(shortMix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateSupervisedChunked(shortMix.numSamples(), 2, shortMix.sampleRate, toneOnly, 4,
                                         settings, read, write);
    });
    const Decomposition whole = decomposeSupervised(shortMix, toneOnly, 4, settings);
    const std::vector<Stem> reference = renderStems(shortMix, whole, settings);
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch)
            REQUIRE(one.stems[s].channels[ch] == reference[s].audio.channels[ch]);
}

TEST_CASE("chunked blind separation: anonymous sources keep their stem across chunks where "
          "the louder source changes; stems sum to the mix; one chunk == whole file",
          "[separator][chunked][grouping]") {
    const SeparationSettings settings = chunkTestSettings();
    // The tone leads the first half, the noise the second: each chunk's factorisation
    // orders its components (and so its anonymous sources) its own way.
    TwoSources scene;
    for (std::size_t i = 0; i < scene.n; ++i) {
        const bool firstHalf = i < scene.n / 2;
        scene.tone[i] *= firstHalf ? 1.0f : 0.3f;
        scene.noise[i] *= firstHalf ? 0.3f : 1.0f;
    }
    scene.mix = testing::stereoMix(scene.tone, scene.noise, 0.8f, 0.4f, 0.4f, 0.8f);
    const Collected chunked = collectChunked(scene.mix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateUnsupervisedChunked(scene.mix.numSamples(), 2, scene.mix.sampleRate, 8, 2,
                                           settings, read, write, scene.chunks);
    });
    REQUIRE(chunked.names == std::vector<std::string>{"source-1", "source-2"});
    REQUIRE(chunked.ensembleMembers == 1);  // blind grouping: one factorisation by default
    REQUIRE(chunked.reads == 4);
    const double sumError = stemsSumError(chunked, scene.mix);
    CAPTURE(sumError);
    REQUIRE(sumError < 1e-5);
    // Whichever stem took the tone in the first chunk keeps it in every chunk.
    const std::size_t L = static_cast<std::size_t>(TwoSources::kChunk * kTestRate);
    const bool toneFirst = correlation(chunked.stems[0].channels[0], scene.tone, 0, L) >
                           correlation(chunked.stems[1].channels[0], scene.tone, 0, L);
    const AudioBuffer& toneStem = chunked.stems[toneFirst ? 0 : 1];
    const AudioBuffer& noiseStem = chunked.stems[toneFirst ? 1 : 0];
    scene.requireFollows(toneStem, 0, scene.tone, scene.noise);
    scene.requireFollows(noiseStem, 1, scene.noise, scene.tone);

    const AudioBuffer shortMix = stereoMix(2.0);
    const Collected one = collectChunked(shortMix, [&](const MixBlockReader& read, const StemBlockWriter& write) {
        return separateUnsupervisedChunked(shortMix.numSamples(), 2, shortMix.sampleRate, 8, 2,
                                           settings, read, write);
    });
    const Decomposition whole = decomposeUnsupervised(shortMix, 8, 2, settings);
    const std::vector<Stem> reference = renderStems(shortMix, whole, settings);
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t ch = 0; ch < 2; ++ch)
            REQUIRE(one.stems[s].channels[ch] == reference[s].audio.channels[ch]);
}

#include "demix/separator.hpp"
#include "demix/streaming_separator.hpp"

#include "alloc_counter.hpp"
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings offlineSettings() {
    SeparationSettings s = smallSeparationSettings(1024, 256, 150);
    s.adaptIterations = 0;  // the streaming separator keeps W fixed: compare like with like
    return s;
}

const TemplateLibrary& library() {
    static const TemplateLibrary lib = [] {
        const SeparationSettings s = offlineSettings();
        const std::size_t n = 3 * static_cast<std::size_t>(kTestRate);
        TemplateLibrary l = learnTemplates({monoBuffer(harmonicTone(n, 1))}, "tone", 8, s);
        l.merge(learnTemplates({monoBuffer(noiseBursts(n, 3))}, "noise", 8, s), "noise");
        return l;
    }();
    return lib;
}

Matrix libraryTemplates() {
    const TemplateLibrary& l = library();
    Matrix W(l.bins(), l.totalComponents());
    W << l.sources[0].templates, l.sources[1].templates;
    return W;
}

const ComponentGroups kGroups{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}};

StreamingConfig config(int channels, int maxBlock, int maxSources = 2) {
    StreamingConfig c;
    c.stft = offlineSettings().stft;
    c.numChannels = channels;
    c.maxBlockSize = maxBlock;
    c.maxComponents = 16;
    c.maxSources = maxSources;
    return c;
}

/// Runs the whole input through `separator` in blocks (sizes from `blocks`, cycled).
/// Returns out[s][c] of the same length as the input.
std::vector<std::vector<std::vector<float>>> run(StreamingSeparator& separator, const AudioBuffer& input,
                                                 int maxSources, const std::vector<int>& blocks) {
    const std::size_t channels = input.numChannels();
    const std::size_t n = input.numSamples();
    std::vector<std::vector<std::vector<float>>> out(
        static_cast<std::size_t>(maxSources),
        std::vector<std::vector<float>>(channels, std::vector<float>(n, -7.0f)));
    std::vector<const float*> in(channels);
    std::vector<std::vector<float*>> channelPtrs(static_cast<std::size_t>(maxSources), std::vector<float*>(channels));
    std::vector<float* const*> sourcePtrs(static_cast<std::size_t>(maxSources));
    std::size_t position = 0;
    for (std::size_t b = 0; position < n; ++b) {
        const int size = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(blocks[b % blocks.size()]), n - position));
        for (std::size_t c = 0; c < channels; ++c) in[c] = input.channels[c].data() + position;
        for (std::size_t s = 0; s < static_cast<std::size_t>(maxSources); ++s) {
            for (std::size_t c = 0; c < channels; ++c) channelPtrs[s][c] = out[s][c].data() + position;
            sourcePtrs[s] = channelPtrs[s].data();
        }
        separator.process(in.data(), sourcePtrs.data(), size);
        position += static_cast<std::size_t>(size);
    }
    return out;
}

std::vector<int> randomBlocks(std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int> blocks{1, 8192, 1, 1, 3};
    for (int i = 0; i < 200; ++i) blocks.push_back(1 + static_cast<int>(rng() % 700));
    return blocks;
}

AudioBuffer stereoScene(std::size_t n) {
    return stereoMix(harmonicTone(n, 101), noiseBursts(n, 202), 0.8f, 0.4f, 0.3f, 0.9f);
}

/// x delayed by `latency` samples (zeros first), same length.
std::vector<float> delayed(const std::vector<float>& x, int latency) {
    std::vector<float> y(x.size(), 0.0f);
    for (std::size_t i = static_cast<std::size_t>(latency); i < x.size(); ++i) y[i] = x[i - static_cast<std::size_t>(latency)];
    return y;
}

}  // namespace

TEST_CASE("streaming: the sources sum to the input delayed by the latency", "[streaming]") {
    const AudioBuffer mix = stereoScene(40000);
    for (int maxBlock : {8192, 256}) {
        CAPTURE(maxBlock);
        StreamingSeparator separator;
        separator.prepare(config(2, maxBlock, 3));
        separator.setTemplates(libraryTemplates(), kGroups);
        REQUIRE(separator.latencySamples() == 1024);
        REQUIRE(separator.numSources() == 2);
        const auto out = run(separator, mix, 3, randomBlocks(static_cast<std::uint32_t>(maxBlock)));
        for (std::size_t c = 0; c < 2; ++c) {
            std::vector<float> sum(mix.numSamples(), 0.0f);
            for (const auto& source : out) {
                for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += source[c][i];
            }
            const std::vector<float> expected = delayed(mix.channels[c], 1024);
            REQUIRE(relativeRms(sum, expected) < 1e-5);
            for (std::size_t i = 0; i < 1024; ++i) REQUIRE(sum[i] == 0.0f);
            // The unused third output is silent.
            for (float x : out[2][c]) REQUIRE(x == 0.0f);
            // Both sources carry real signal.
            REQUIRE(relativeRms(out[0][c], expected) < 0.95);
            REQUIRE(relativeRms(out[1][c], expected) < 0.95);
        }
    }
}

TEST_CASE("streaming: without templates source 0 is the delayed input", "[streaming]") {
    const AudioBuffer mix = stereoScene(12345);
    StreamingSeparator separator;
    separator.prepare(config(2, 8192, 2));
    REQUIRE(separator.numSources() == 1);
    REQUIRE(separator.templates() == nullptr);
    const auto out = run(separator, mix, 2, {1, 8192, 17, 512, 1000});
    for (std::size_t c = 0; c < 2; ++c) {
        REQUIRE(relativeRms(out[0][c], delayed(mix.channels[c], 1024)) < 1e-5);
        for (float x : out[1][c]) REQUIRE(x == 0.0f);
    }
}

TEST_CASE("streaming: silence in gives silence out; non-finite input is treated as zero", "[streaming]") {
    StreamingSeparator separator;
    separator.prepare(config(1, 512, 2));
    separator.setTemplates(libraryTemplates(), kGroups);
    AudioBuffer silence = monoBuffer(std::vector<float>(6000, 0.0f));
    auto out = run(separator, silence, 2, {512, 1, 100});
    for (const auto& source : out) {
        for (float x : source[0]) REQUIRE(x == 0.0f);
    }
    const float* h = separator.lastActivations();
    for (int k = 0; k < 16; ++k) REQUIRE(h[k] == 0.0f);

    AudioBuffer bad = monoBuffer(harmonicTone(6000, 9));
    bad.channels[0][100] = NAN;
    bad.channels[0][2000] = INFINITY;
    bad.channels[0][2001] = -INFINITY;
    std::vector<float> clean = bad.channels[0];
    clean[100] = clean[2000] = clean[2001] = 0.0f;
    separator.reset();
    out = run(separator, bad, 2, {64});
    std::vector<float> sum(6000, 0.0f);
    for (const auto& source : out) {
        for (std::size_t i = 0; i < sum.size(); ++i) {
            REQUIRE(std::isfinite(source[0][i]));
            sum[i] += source[0][i];
        }
    }
    REQUIRE(relativeRms(sum, delayed(clean, 1024)) < 1e-5);
}

TEST_CASE("streaming agrees with the offline supervised separation", "[streaming]") {
    // With enough iterations per frame both solve the same per-frame problem (W fixed,
    // columns of H independent), so the stems must agree closely.
    const std::size_t n = 32000;
    AudioBuffer mix = monoBuffer(harmonicTone(n, 101));
    const std::vector<float> noise = noiseBursts(n, 202);
    for (std::size_t i = 0; i < n; ++i) mix.channels[0][i] += noise[i];

    SeparationSettings settings = offlineSettings();
    settings.nmf.maxIterations = 300;
    settings.nmf.tol = 0.0;
    const Decomposition d = decomposeSupervised(mix, library(), 0, settings);
    const std::vector<Stem> offline = renderStems(mix, d, settings);

    for (int iterations : {300, 16}) {
        CAPTURE(iterations);
        StreamingSeparator separator;
        separator.prepare(config(1, 512, 2));
        separator.setTemplates(libraryTemplates(), kGroups);
        separator.setIterationsPerFrame(iterations);
        const auto out = run(separator, mix, 2, {512, 77, 1});
        for (std::size_t s = 0; s < 2; ++s) {
            CAPTURE(s);
            // Compare the streaming output, advanced by the latency, with the offline stem.
            std::vector<float> stream(out[s][0].begin() + 1024, out[s][0].end());
            std::vector<float> reference(offline[s].audio.channels[0].begin(),
                                         offline[s].audio.channels[0].end() - 1024);
            const double difference = relativeRms(stream, reference);
            double energyStream = 0.0, energyOffline = 0.0;
            for (std::size_t i = 0; i < stream.size(); ++i) {
                energyStream += static_cast<double>(stream[i]) * stream[i];
                energyOffline += static_cast<double>(reference[i]) * reference[i];
            }
            CAPTURE(difference, energyStream / energyOffline);
            REQUIRE(difference < (iterations == 300 ? 1e-3 : 0.02));
            REQUIRE(energyStream / energyOffline == Approx(1.0).epsilon(iterations == 300 ? 1e-3 : 0.01));
        }
    }
}

TEST_CASE("streaming process() never allocates after prepare, template swaps included", "[streaming]") {
    StreamingSeparator separator;
    separator.prepare(config(2, 8192, 3));
    const Matrix W = libraryTemplates();
    std::size_t setupAllocations = 0;
    {
        AllocationCounter counter;  // proves the counter sees the engine's allocations
        separator.setTemplates(W, kGroups);
        setupAllocations = counter.allocations();
    }
    REQUIRE(setupAllocations > 0);
    const StreamingTemplates other(libraryTemplates(), {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}});
    const StreamingTemplates small(libraryTemplates().leftCols(3), {{0}, {1, 2}});

    const AudioBuffer mix = stereoScene(30000);
    std::vector<std::vector<std::vector<float>>> out(3, std::vector<std::vector<float>>(2, std::vector<float>(8192)));
    std::vector<std::vector<float*>> channelPtrs(3, std::vector<float*>(2));
    std::vector<float* const*> sourcePtrs(3);
    for (std::size_t s = 0; s < 3; ++s) {
        for (std::size_t c = 0; c < 2; ++c) channelPtrs[s][c] = out[s][c].data();
        sourcePtrs[s] = channelPtrs[s].data();
    }
    std::vector<const float*> in(2);
    const std::vector<int> blocks = {1, 8192, 333, 1, 64, 4096, 1000, 8192, 7};
    std::size_t allocations = 0, deallocations = 0;
    bool swapsAccepted = true;
    {
        AllocationCounter counter;
        std::size_t position = 0;
        for (std::size_t b = 0; b < blocks.size(); ++b) {
            const int size = blocks[b];
            for (std::size_t c = 0; c < 2; ++c) in[c] = mix.channels[c].data() + position;
            if (b == 3) swapsAccepted = separator.useTemplates(&other) && swapsAccepted;
            if (b == 5) swapsAccepted = separator.useTemplates(&small) && swapsAccepted;
            if (b == 7) swapsAccepted = separator.useTemplates(nullptr) && swapsAccepted;
            separator.process(in.data(), sourcePtrs.data(), size);
            separator.setAlpha(2.0f);
            separator.setIterationsPerFrame(5 + static_cast<int>(b));
            position += static_cast<std::size_t>(size);
        }
        separator.reset();
        allocations = counter.allocations();
        deallocations = counter.deallocations();
    }
    REQUIRE(swapsAccepted);
    REQUIRE(allocations == 0);
    REQUIRE(deallocations == 0);
}

TEST_CASE("streaming: template swaps keep the sum exact and check capacity", "[streaming]") {
    StreamingSeparator separator;
    separator.prepare(config(1, 512, 3));
    const StreamingTemplates three(libraryTemplates(), {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}});
    const StreamingTemplates two(libraryTemplates(), kGroups);
    REQUIRE(three.sources() == 3);
    REQUIRE(three.components() == 16);
    REQUIRE(three.bins() == 513);

    AudioBuffer mix = monoBuffer(harmonicTone(20000, 4));
    const std::vector<float> noise = noiseBursts(20000, 5);
    for (std::size_t i = 0; i < 20000; ++i) mix.channels[0][i] += noise[i];
    std::vector<std::vector<float>> out(3, std::vector<float>(20000));
    float* ptrs[3][1] = {{out[0].data()}, {out[1].data()}, {out[2].data()}};
    const float* in[1];
    std::size_t position = 0;
    int block = 0;
    for (const StreamingTemplates* t : {&three, &two, &three, static_cast<const StreamingTemplates*>(nullptr), &two}) {
        REQUIRE(separator.useTemplates(t));
        REQUIRE(separator.templates() == t);
        REQUIRE(separator.numSources() == (t ? t->sources() : 1));
        for (int i = 0; i < 10; ++i, ++block) {
            const int size = 100 + 37 * (block % 5);
            in[0] = mix.channels[0].data() + position;
            float* const* sources[3];
            for (std::size_t s = 0; s < 3; ++s) {
                ptrs[s][0] = out[s].data() + position;
                sources[s] = ptrs[s];
            }
            separator.process(in, sources, size);
            position += static_cast<std::size_t>(size);
        }
    }
    std::vector<float> sum(position, 0.0f);
    for (const auto& source : out) {
        for (std::size_t i = 0; i < position; ++i) sum[i] += source[i];
    }
    std::vector<float> expected = delayed(mix.channels[0], 1024);
    expected.resize(position);
    REQUIRE(relativeRms(sum, expected) < 1e-5);

    // Templates that do not fit are refused, and the installed ones stay.
    const StreamingTemplates tooMany(Matrix::Ones(513, 17), {{0}});
    const StreamingTemplates wrongBins(Matrix::Ones(257, 2), {{0}, {1}});
    const StreamingTemplates fourSources(Matrix::Ones(513, 4), {{0}, {1}, {2}, {3}});
    REQUIRE_FALSE(separator.useTemplates(&tooMany));
    REQUIRE_FALSE(separator.useTemplates(&wrongBins));
    REQUIRE_FALSE(separator.useTemplates(&fourSources));
    REQUIRE(separator.templates() == &two);
    REQUIRE_THROWS_WITH(separator.setTemplates(Matrix::Ones(513, 17), {{0}}), Catch::Contains("capacity of 16"));
    REQUIRE_THROWS_WITH(separator.setTemplates(Matrix::Ones(257, 2), {{0}}), Catch::Contains("needs 513"));
    REQUIRE_THROWS_AS(separator.setTemplates(Matrix::Ones(513, 2), {{0}, {0}}), InvalidArgument);
    REQUIRE_THROWS_AS(StreamingTemplates(-Matrix::Ones(513, 2), {{0}}), InvalidArgument);
    REQUIRE(separator.templates() == &two);
}

TEST_CASE("streaming: activations follow the active source; config is validated", "[streaming]") {
    StreamingSeparator separator;
    REQUIRE(separator.latencySamples() == 0);
    REQUIRE_THROWS_AS(separator.setTemplates(libraryTemplates(), kGroups), InvalidArgument);
    StreamingConfig bad = config(0, 512);
    REQUIRE_THROWS_AS(separator.prepare(bad), InvalidArgument);
    bad = config(1, 0);
    REQUIRE_THROWS_AS(separator.prepare(bad), InvalidArgument);
    bad = config(1, 512);
    bad.stft.hop = 4096;
    REQUIRE_THROWS_AS(separator.prepare(bad), InvalidArgument);

    separator.prepare(config(1, 512, 2));
    separator.setTemplates(libraryTemplates(), kGroups);
    const AudioBuffer tone = monoBuffer(harmonicTone(8000, 11));
    run(separator, tone, 2, {256});
    const float* h = separator.lastActivations();
    float toneSum = 0.0f, noiseSum = 0.0f;
    for (int k = 0; k < 8; ++k) toneSum += h[k];
    for (int k = 8; k < 16; ++k) noiseSum += h[k];
    REQUIRE(std::isfinite(toneSum));
    REQUIRE(toneSum > 10.0f * noiseSum);
}

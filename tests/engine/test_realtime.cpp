// The plugin's real-time path in the engine (demix/realtime.hpp) and the low-delay STFT
// windows it runs on.
#include "demix/realtime.hpp"
#include "demix/separator.hpp"

#include "alloc_counter.hpp"
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace demix;
using namespace demix::testing;

namespace {

RealtimeSource learnedSource(const std::vector<float>& clip, const std::string& name) {
    SeparationSettings s = smallSeparationSettings(1024, 256, 120);
    s.stft = realtimeStft(kTestRate, RealtimeLatency::Normal);
    s.stft.synthesisLength = 0;  // learned on the plain Hann grid, as the plugin learns
    const TemplateLibrary library = learnTemplates({monoBuffer(clip)}, name, 8, s);
    return {name, library.settings, library.sources.front().templates};
}

std::vector<RealtimeSource> sources() {
    const std::size_t n = 3 * static_cast<std::size_t>(kTestRate);
    return {learnedSource(harmonicTone(n, 1), "tone"), learnedSource(noiseBursts(n, 3), "noise")};
}

}  // namespace

TEST_CASE("realtime: latencies of both modes at 44.1 and 48 kHz", "[realtime]") {
    for (double rate : {44100.0, 48000.0}) {
        CAPTURE(rate);
        const double normalMs = 1000.0 * realtimeLatencySamples(rate, RealtimeLatency::Normal) / rate;
        const double lowMs = 1000.0 * realtimeLatencySamples(rate, RealtimeLatency::Low) / rate;
        CHECK(normalMs <= 23.0);
        CHECK(lowMs <= 10.0);
        // Both modes keep the templates' 2048-point grid (frequency resolution).
        CHECK(realtimeStft(rate, RealtimeLatency::Normal).fftSize == 2048);
        CHECK(realtimeStft(rate, RealtimeLatency::Low).fftSize == 2048);
    }
    // Other rates scale the grid and keep the latency in ms.
    CHECK(realtimeLatencySamples(96000.0, RealtimeLatency::Normal) ==
          2 * realtimeLatencySamples(48000.0, RealtimeLatency::Normal));
    CHECK(realtimeStft(22050.0, RealtimeLatency::Low).fftSize == 1024);
}

TEST_CASE("realtime: low-delay windows reconstruct and stream with a latency of L", "[realtime]") {
    StftSettings s;
    s.fftSize = 1024;
    s.hop = 100;
    s.synthesisLength = 200;
    REQUIRE_NOTHROW(s.validate());
    const auto analysis = makeWindow(s);
    const auto synthesis = makeSynthesisWindow(s);
    for (int i = 0; i < 1024 - 200; ++i) REQUIRE(synthesis[static_cast<std::size_t>(i)] == 0.0f);
    for (int i = 1024 - 200; i < 1024; ++i) {
        const double product = 0.5 - 0.5 * std::cos(6.283185307179586 * (i - 824) / 200.0);
        REQUIRE(std::abs(analysis[static_cast<std::size_t>(i)] * synthesis[static_cast<std::size_t>(i)] - product) < 1e-5);
    }
    // Offline: inverse(forward(x)) == x.
    const auto x = randomSignal(5000, 9);
    const Stft stft(s);
    REQUIRE(relativeRms(stft.inverse(stft.forward(x.data(), x.size()), x.size()), x) < 1e-5);
    // Streaming: the same signal delayed by exactly L = 200 samples.
    StreamingStftAnalyzer analyzer;
    StreamingStftSynthesizer synthesizer;
    analyzer.prepare(s, 333);
    synthesizer.prepare(s, 333);
    std::vector<std::complex<float>> frame(static_cast<std::size_t>(s.bins()));
    std::vector<float> out(x.size(), 0.0f);
    for (std::size_t start = 0; start < x.size(); start += 333) {
        const int n = static_cast<int>(std::min<std::size_t>(333, x.size() - start));
        int done = 0;
        while (done < n) {
            const int taken = analyzer.push(x.data() + start + done, n - done);
            while (analyzer.popFrame(frame.data())) synthesizer.pushFrame(frame.data());
            REQUIRE(synthesizer.pull(out.data() + start + done, taken) == taken);
            done += taken;
        }
    }
    for (std::size_t i = 0; i < 200; ++i) REQUIRE(out[i] == 0.0f);
    std::vector<float> expected(x.size() - 200), got(x.size() - 200);
    for (std::size_t i = 0; i + 200 < x.size(); ++i) {
        expected[i] = x[i];
        got[i] = out[i + 200];
    }
    REQUIRE(relativeRms(got, expected) < 1e-5);

    StftSettings bad = s;
    bad.hop = 250;  // > L: the product windows leave gaps
    REQUIRE_THROWS_AS(bad.validate(), InvalidArgument);
    bad = s;
    bad.window = WindowType::SqrtHann;
    REQUIRE_THROWS_AS(bad.validate(), InvalidArgument);
    bad = s;
    bad.synthesisLength = 201;
    REQUIRE_THROWS_AS(bad.validate(), InvalidArgument);
}

TEST_CASE("realtime: the model holds the named sources in order, then the residual", "[realtime]") {
    const auto named = sources();
    const RealtimeModel model = buildRealtimeModel(named, kTestRate, RealtimeLatency::Normal, 2);
    REQUIRE(model.sources() == 3);
    REQUIRE(model.names == std::vector<std::string>{"tone", "noise", "residual"});
    REQUIRE(model.groups[0].size() == 8);
    REQUIRE(model.groups[2].size() == static_cast<std::size_t>(kRealtimeResidualComponents));
    REQUIRE(model.W.cols() == 16 + kRealtimeResidualComponents);
    REQUIRE(model.W.rows() == model.stft.bins());
    for (Eigen::Index k = 0; k < model.W.cols(); ++k) REQUIRE(std::abs(model.W.col(k).sum() - 1.0f) < 1e-4f);
    REQUIRE_FALSE(model.resampled[0]);

    // The limits the plugin's source strips have.
    std::vector<RealtimeSource> many(9, named[0]);
    REQUIRE_THROWS_AS(buildRealtimeModel(many, kTestRate, RealtimeLatency::Normal, 2), InvalidArgument);
    RealtimeSource wide = named[0];
    wide.templates = Matrix::Ones(wide.templates.rows(), 33);
    REQUIRE_THROWS_WITH(buildRealtimeModel({wide}, kTestRate, RealtimeLatency::Normal, 2),
                        Catch::Contains("1 to 32 templates, this one has 33"));
    REQUIRE_THROWS_AS(buildRealtimeModel(named, kTestRate, RealtimeLatency::Normal, 3), InvalidArgument);
}

TEST_CASE("realtime: a recording's stems have its length, sum to it and separate", "[realtime]") {
    const auto named = sources();
    const std::size_t n = 2 * static_cast<std::size_t>(kTestRate) + 123;
    const auto tone = harmonicTone(n, 11);
    const auto noise = noiseBursts(n, 13);
    const AudioBuffer mix = stereoMix(tone, noise, 0.8f, 0.5f, 0.6f, 0.7f);
    for (const auto mode : {RealtimeLatency::Normal, RealtimeLatency::Low}) {
        CAPTURE(static_cast<int>(mode));
        const RealtimeModel model = buildRealtimeModel(named, kTestRate, mode, 2);
        const auto stems = separateRealtime(mix, model);
        REQUIRE(stems.size() == 3);
        for (std::size_t c = 0; c < 2; ++c) {
            std::vector<float> sum(n, 0.0f), toneStem(n);
            for (const auto& stem : stems) {
                REQUIRE(stem.numSamples() == n);
                for (std::size_t i = 0; i < n; ++i) sum[i] += stem.channels[c][i];
            }
            REQUIRE(relativeRms(sum, mix.channels[c]) < 1e-5);
            std::vector<float> reference(n);
            const float gain = c == 0 ? 0.8f : 0.6f;
            for (std::size_t i = 0; i < n; ++i) reference[i] = gain * tone[i];
            // The tone stem is closer to the tone than the mix is.
            CHECK(sdrDb(reference, stems[0].channels[c]) > sdrDb(reference, mix.channels[c]) + 3.0);
        }
    }
}

TEST_CASE("realtime: process() never allocates, in both modes", "[realtime]") {
    const auto named = sources();
    for (const auto mode : {RealtimeLatency::Normal, RealtimeLatency::Low}) {
        RealtimeSeparator separator(buildRealtimeModel(named, kTestRate, mode, 2));
        const auto x = randomSignal(kRealtimeBlockSize, 5, 0.3f);
        const float* input[2] = {x.data(), x.data()};
        std::size_t allocations = 0, deallocations = 0;
        {
            AllocationCounter counter;
            for (int block = 0; block < 40; ++block) {
                separator.setAlpha(block % 2 == 0 ? 1.0f : 2.0f);
                separator.setIterationsPerFrame(3 + block % 5);
                separator.process(input, block % 3 == 0 ? kRealtimeBlockSize : 100 + block);
            }
            allocations = counter.allocations();
            deallocations = counter.deallocations();
        }
        REQUIRE(allocations == 0);
        REQUIRE(deallocations == 0);
    }
}

// evaluate: SDR / SI-SDR on cases with known answers.
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace demix;
using namespace demix::test;

namespace {

AudioBuffer scaled(const AudioBuffer& a, float g) {
    AudioBuffer s = a;
    for (auto& ch : s.channels)
        for (auto& v : ch) v *= g;
    return s;
}

}  // namespace

TEST_CASE("SDR and SI-SDR match their definitions", "[evaluate][metrics]") {
    const auto s = tone(220.0, 5, 0.5, 16000.0, 2);
    const auto n = hats(0.5, 16000.0, 2, 5);
    // Scale n so that ‖s‖² / ‖n‖² = 100 (20 dB).
    double es = 0.0, en = 0.0;
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < s.numSamples(); ++i) {
            es += double(s.channels[c][i]) * s.channels[c][i];
            en += double(n.channels[c][i]) * n.channels[c][i];
        }
    const auto noisy = sum(s, scaled(n, static_cast<float>(std::sqrt(es / en / 100.0))));
    CHECK(cli::scoreStem(s, noisy).sdr == Approx(20.0).margin(0.01));
    // A gain error: SDR = 10·log10(1/0.25) = 6.02 dB, SI-SDR very large.
    const auto half = scaled(s, 0.5f);
    CHECK(cli::scoreStem(s, half).sdr == Approx(10.0 * std::log10(4.0)).margin(1e-3));
    CHECK(cli::scoreStem(s, half).siSdr > 80.0);
    CHECK(std::isnan(cli::scoreStem(silence(100, 16000.0, 1), silence(100, 16000.0, 1)).sdr));
}

TEST_CASE("evaluate prints per-stem SDR and SI-SDR and their mean", "[evaluate]") {
    TempDir dir;
    juce::File(dir.path("ref")).createDirectory();
    juce::File(dir.path("est")).createDirectory();
    const auto a = tone(220.0, 5, 0.5, 16000.0, 1);
    const auto b = hats(0.5, 16000.0, 1, 9);
    writeWav(dir.path("ref/a.wav"), a);
    writeWav(dir.path("ref/b.wav"), b);
    writeWav(dir.path("est/a.wav"), scaled(a, 0.5f));  // SDR 6.02 dB
    writeWav(dir.path("est/b.wav"), scaled(b, 0.9f));  // SDR 20 dB
    writeWav(dir.path("est/residual.wav"), b);         // ignored: no reference
    auto r = runDemix({"evaluate", "--reference", dir.path("ref"), "--estimate", dir.path("est"),
                       "--json", dir.path("scores.json")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("a                              6.02"));
    CHECK_THAT(r.out, Catch::Contains("b                             20.00"));
    CHECK_THAT(r.out, Catch::Contains("mean                          13.01"));
    const auto json = juce::JSON::parse(juce::File(dir.path("scores.json")));
    CHECK(static_cast<double>(json["mean_sdr"]) == Approx(13.01).margin(0.01));
    CHECK(json["stems"].getArray()->size() == 2);

    juce::File(dir.path("est/b.wav")).deleteFile();
    r = runDemix({"evaluate", "--reference", dir.path("ref"), "--estimate", dir.path("est")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("no estimate for reference 'b.wav'"));

    writeWav(dir.path("est/b.wav"), tone(220.0, 5, 0.4, 16000.0, 1));
    r = runDemix({"evaluate", "--reference", dir.path("ref"), "--estimate", dir.path("est")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("6400 samples long, but the reference"));
    r = runDemix({"evaluate", "--reference", dir.path("nope"), "--estimate", dir.path("est")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("folder not found"));
}

// evaluate: SDR / SI-SDR on cases with known answers.
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

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

namespace {

/// The numbers of the line of `table` that starts with `stem`.
std::vector<std::string> row(const std::string& table, const std::string& stem) {
    std::istringstream lines(table);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string first;
        words >> first;
        if (first == stem) {
            std::vector<std::string> values;
            for (std::string w; words >> w;) values.push_back(w);
            return values;
        }
    }
    return {};
}

/// Deterministic test signals reproducible in numpy (see the mir_eval check below).
double sig(double n) {
    return 0.5 * std::sin(2 * M_PI * 0.01 * n) + 0.3 * std::sin(2 * M_PI * 0.037 * n + 1.0) +
           0.2 * (static_cast<double>((static_cast<long>(n) * 7919) % 1000) / 1000.0 - 0.5);
}

}  // namespace

TEST_CASE("SNR, SI-SDR and SDR match their definitions", "[evaluate][metrics]") {
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
    CHECK(cli::scoreStem(s, noisy).snr == Approx(20.0).margin(0.01));
    // The projection absorbs a little of the noise: SDR slightly above the SNR.
    CHECK(cli::scoreStem(s, noisy).sdr >= 20.0 - 1e-6);
    CHECK(cli::scoreStem(s, noisy).sdr < 23.0);
    // A gain error: SNR = 10·log10(1/0.25) = 6.02 dB; SI-SDR and SDR forgive it.
    const auto half = scaled(s, 0.5f);
    CHECK(cli::scoreStem(s, half).snr == Approx(10.0 * std::log10(4.0)).margin(1e-3));
    CHECK(cli::scoreStem(s, half).siSdr > 80.0);
    CHECK(cli::scoreStem(s, half).sdr > 80.0);
    CHECK(std::isnan(cli::scoreStem(silence(100, 16000.0, 1), silence(100, 16000.0, 1)).sdr));
}

TEST_CASE("SDR agrees with mir_eval's bss_eval_sources", "[evaluate][metrics]") {
    // Values from mir_eval 0.7 (Debian python3-mir-eval):
    //   mir_eval.separation.bss_eval_sources(refs, ests, compute_permutation=False)[0]
    //   -> [13.55335144, 1.91250655]
    // with the float32 signals built below (N = 4000).
    const int N = 4000;
    AudioBuffer ref = silence(N, 16000.0, 1), est = ref, ref2 = ref, est2 = ref;
    for (int i = 0; i < N; ++i) {
        const double d = i >= 3 ? sig(i - 3) : 0.0;
        ref.channels[0][i] = static_cast<float>(sig(i));
        est.channels[0][i] = static_cast<float>(
            0.8 * d + 0.1 * std::sin(2 * M_PI * 0.11 * i) +
            0.05 * (static_cast<double>((static_cast<long>(i) * 104729) % 997) / 997.0 - 0.5));
        ref2.channels[0][i] = static_cast<float>(
            0.4 * std::sin(2 * M_PI * 0.023 * i) +
            0.3 * (static_cast<double>((static_cast<long>(i) * 31337) % 1013) / 1013.0 - 0.5));
    }
    for (int i = 0; i < N; ++i)
        est2.channels[0][i] = static_cast<float>(0.5 * static_cast<double>(ref2.channels[0][i]) +
                                                 0.3 * static_cast<double>(ref.channels[0][i]) +
                                                 0.01 * std::sin(2 * M_PI * 0.2 * i));
    CHECK(cli::scoreStem(ref, est).sdr == Approx(13.55335144).margin(2e-3));
    CHECK(cli::scoreStem(ref2, est2).sdr == Approx(1.91250655).margin(2e-3));
}

TEST_CASE("evaluate prints per-stem SDR, SI-SDR, SNR and their means", "[evaluate]") {
    TempDir dir;
    juce::File(dir.path("ref")).createDirectory();
    juce::File(dir.path("est")).createDirectory();
    const auto a = tone(220.0, 5, 0.5, 16000.0, 1);
    const auto b = hats(0.5, 16000.0, 1, 9);
    writeWav(dir.path("ref/a.wav"), a);
    writeWav(dir.path("ref/b.wav"), b);
    writeWav(dir.path("est/a.wav"), scaled(a, 0.5f));  // SNR 6.02 dB
    writeWav(dir.path("est/b.wav"), scaled(b, 0.9f));  // SNR 20 dB
    writeWav(dir.path("est/residual.wav"), b);         // ignored: no reference
    auto r = runDemix({"evaluate", "--reference", dir.path("ref"), "--estimate", dir.path("est"),
                       "--json", dir.path("scores.json")});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("SDR (dB)  SI-SDR (dB)   SNR (dB)"));
    REQUIRE(row(r.out, "a").size() == 3);
    CHECK(row(r.out, "a")[2] == "6.02");
    CHECK(std::stod(row(r.out, "a")[0]) > 80.0);  // a pure gain change is no distortion
    CHECK(row(r.out, "b")[2] == "20.00");
    CHECK(row(r.out, "mean")[2] == "13.01");
    CHECK(row(r.out, "residual").empty());
    const auto json = juce::JSON::parse(juce::File(dir.path("scores.json")));
    CHECK(static_cast<double>(json["mean_snr"]) == Approx(13.01).margin(0.01));
    CHECK(static_cast<double>(json["stems"][0]["sdr"]) > 80.0);
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

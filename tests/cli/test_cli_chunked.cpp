// Long files are separated chunk by chunk (bounded memory): same stems as the
// whole-file path, stems sum to the mix, the report lists the chunks.
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::test;

TEST_CASE("a long supervised separation runs in chunks and matches the whole-file stems",
          "[separate][chunked]") {
    constexpr double rate = 8000.0;
    const std::vector<std::string> fast{"--fft", "512", "--hop", "128", "--iterations", "30",
                                        "--tol", "0", "--seed", "1", "--quiet"};
    const auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), fast.begin(), fast.end());
        return args;
    };
    TempDir dir;
    writeWav(dir.path("bass-train.wav"), tone(110.0, 6, 3.0, rate, 2, 0.3, 0.5));
    writeWav(dir.path("hats-train.wav"), hats(3.0, rate, 2, 7));
    const AudioBuffer bass = tone(146.8, 6, 100.0, rate, 2, 0.3, 0.4);  // > 90 s: chunked
    const AudioBuffer hat = hats(100.0, rate, 2, 99, 0.3, 0.3);
    const AudioBuffer mix = sum(bass, hat);
    writeWav(dir.path("mix.wav"), mix);
    for (const char* name : {"bass", "hats"}) {
        const auto r = runDemix(with({"learn", dir.path(std::string(name) + "-train.wav"), "--name", name,
                                      "-k", "6", "-o", dir.path(std::string(name) + ".dmxt")}));
        REQUIRE(r.exitCode == 0);
    }
    const std::vector<std::string> libs{"-t", dir.path("bass.dmxt"), "-t", dir.path("hats.dmxt")};
    // A fixed precision (see the comparison with the whole file below).
    auto args = with({"separate", dir.path("mix.wav"), "-o", dir.path("chunked"), "--json",
                      dir.path("report.json"), "--precision", "mixed"});
    args.insert(args.end(), libs.begin(), libs.end());
    const auto r = runDemix(args, "", 300.0);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);

    const auto report = juce::JSON::parse(juce::File(dir.path("report.json")));
    CHECK(static_cast<int>(report["chunks"]) == 2);
    // Default libraries hold three template sets: each chunk is an ensemble of three.
    CHECK(static_cast<int>(report["ensemble_members"]) == 3);
    CHECK(static_cast<int>(report["components"]) == 3 * (6 + 6));
    REQUIRE(report["iterations"].isArray());
    CHECK(report["iterations"].getArray()->size() == 2);
    // 10 iterations with the libraries frozen (the CLI's --frozen default; --iterations is
    // 30), then the default adaptation stage (SeparationSettings::adaptIterations).
    CHECK(static_cast<int>(report["iterations"][0]) == 10 + demix::SeparationSettings{}.adaptIterations);

    const AudioBuffer b = readWav(dir.path("chunked/bass.wav"));
    const AudioBuffer h = readWav(dir.path("chunked/hats.wav"));
    REQUIRE(b.numSamples() == mix.numSamples());
    REQUIRE(b.numChannels() == 2);
    CHECK(relativeMaxError(mix, sum(b, h)) <= 1e-5);  // seams included
    CHECK(cli::scoreStem(bass, b).sdr > cli::scoreStem(bass, mix).sdr + 3.0);

    // --plot needs the whole-file decomposition, so it takes the whole-file path. With a
    // fixed iteration count, frozen templates and a fixed precision the chunked stems
    // would be the same to float rounding; the default adaptation fits each chunk's
    // templates to that chunk (and its extrapolated steps are accepted or not on each
    // chunk's own objective), so they agree closely but not exactly. Both runs use
    // --precision mixed: under the default adaptive precision the switch from bf16 and the
    // sampled accept/restart test (from bf16 W·H) also differ per chunk, and the difference
    // then depends on the build's rounding (measured: 0.96e-2 release, 3.5e-2 in the ASan
    // build, whose other rounding takes other decisions).
    args = with({"separate", dir.path("mix.wav"), "-o", dir.path("whole"), "--plot", dir.path("plots"),
                 "--precision", "mixed"});
    args.insert(args.end(), libs.begin(), libs.end());
    const auto w = runDemix(args, "", 300.0);
    INFO(w.err);
    REQUIRE(w.exitCode == 0);
    CHECK(relativeMaxError(readWav(dir.path("whole/bass.wav")), b) <= 2e-2);
    CHECK(relativeMaxError(readWav(dir.path("whole/hats.wav")), h) <= 2e-2);
}

TEST_CASE("a long mix at another sample rate than the library is resampled and chunked",
          "[separate][chunked][library]") {
    const std::vector<std::string> fast{"--fft", "512", "--hop", "128", "--iterations", "20",
                                        "--adapt", "0", "--seed", "1"};
    const auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), fast.begin(), fast.end());
        return args;
    };
    TempDir dir;
    writeWav(dir.path("bass-train.wav"), tone(110.0, 6, 3.0, 8000.0, 1, 0.3, 0.5));
    writeWav(dir.path("hats-train.wav"), hats(3.0, 8000.0, 1, 7));
    for (const char* name : {"bass", "hats"}) {
        const auto r = runDemix(with({"learn", dir.path(std::string(name) + "-train.wav"), "--name", name,
                                      "-k", "4", "--quiet", "-o", dir.path(std::string(name) + ".dmxt")}));
        REQUIRE(r.exitCode == 0);
    }
    constexpr double rate = 6000.0;
    const AudioBuffer bass = tone(146.8, 6, 92.0, rate, 1, 0.3, 0.4);  // > 90 s: chunked
    const AudioBuffer hat = hats(92.0, rate, 1, 99, 0.3, 0.3);
    const AudioBuffer mix = sum(bass, hat);
    writeWav(dir.path("mix.wav"), mix);
    const auto r = runDemix(with({"separate", dir.path("mix.wav"), "-t", dir.path("bass.dmxt"), "-t",
                                  dir.path("hats.dmxt"), "-o", dir.path("out"), "--json",
                                  dir.path("report.json")}),
                            "", 300.0);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("6000 Hz") && Catch::Contains("learned at 8000 Hz"));
    const auto report = juce::JSON::parse(juce::File(dir.path("report.json")));
    CHECK(static_cast<int>(report["chunks"]) == 2);
    const AudioBuffer b = readWav(dir.path("out/bass.wav"));
    const AudioBuffer h = readWav(dir.path("out/hats.wav"));
    CHECK(b.sampleRate == rate);
    CHECK(relativeMaxError(mix, sum(b, h)) <= 1e-5);
    CHECK(cli::scoreStem(bass, b).sdr > cli::scoreStem(bass, mix).sdr + 3.0);
}

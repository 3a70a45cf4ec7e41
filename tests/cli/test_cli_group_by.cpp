// demix separate --components K --group-by LIB: unsupervised components grouped by the
// sources of template libraries, stems named after them; usage errors.
#include "library_scene.hpp"
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <juce_core/juce_core.h>

using namespace demix;
using namespace demix::test;
using namespace demix::test::library_scene;

TEST_CASE("separate --group-by names the unsupervised stems after the library sources",
          "[separate][group-by]") {
    Scene scene;
    const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "8",
                                  "--group-by", scene.dir.path("hats.dmxt"), "--group-by",
                                  scene.dir.path("bass.dmxt"), "-o", scene.dir.path("out"),
                                  "--json", scene.dir.path("report.json")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    CHECK_FALSE(exists(scene.dir.path("out/source-1.wav")));
    CHECK_FALSE(exists(scene.dir.path("out/residual.wav")));
    for (const auto* stem : {&bass, &hat}) {
        CHECK(stem->sampleRate == kRate);
        CHECK(stem->numChannels() == 2);
        CHECK(stem->numSamples() == scene.mix.numSamples());
    }
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);
    // The names are right: each stem resembles its source far better than the mix does.
    CHECK(cli::scoreStem(scene.bass, bass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);

    // The report names the libraries and lists every component in exactly one group, in
    // the libraries' source order (hats first here).
    const auto report = juce::JSON::parse(juce::File(scene.dir.path("report.json")));
    REQUIRE(report.isObject());
    CHECK(report["mode"].toString() == "unsupervised");
    // Three factorisations by default (--restarts 3) of 8 components each; the soft
    // grouping (--group-power 2) splits a contested component into one copy per source.
    const int components = static_cast<int>(report["components"]);
    CHECK(components >= 24);
    CHECK(static_cast<int>(report["ensemble_members"]) == 3);
    CHECK(static_cast<double>(report["group_power"]) == 2.0);
    REQUIRE(report["group_by"].size() == 2);
    CHECK(report["group_by"][0].toString().endsWith("hats.dmxt"));
    REQUIRE(report["groups"].size() == 2);
    std::vector<int> seen(static_cast<std::size_t>(components), 0);
    for (int s = 0; s < 2; ++s) {
        CHECK(report["groups"][s].size() >= 1);
        for (const auto& k : *report["groups"][s].getArray()) ++seen.at(static_cast<std::size_t>(static_cast<int>(k)));
    }
    CHECK(seen == std::vector<int>(static_cast<std::size_t>(components), 1));
    CHECK(report["stems"][0]["name"].toString() == "hats");
    CHECK(report["stems"][1]["name"].toString() == "bass");

    // --sources equal to the libraries' source count is accepted (and changes nothing).
    const auto again = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "8",
                                      "--sources", "2", "--group-by", scene.dir.path("hats.dmxt"),
                                      "--group-by", scene.dir.path("bass.dmxt"), "-o",
                                      scene.dir.path("again")}));
    REQUIRE(again.exitCode == 0);
    CHECK(readBytes(scene.dir.path("again/bass.wav")) == readBytes(scene.dir.path("out/bass.wav")));

    // --group-power hard: every component in one source, so exactly the 24 components.
    const auto hard = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "8",
                                     "--group-by", scene.dir.path("hats.dmxt"), "--group-by",
                                     scene.dir.path("bass.dmxt"), "--group-power", "hard", "-o",
                                     scene.dir.path("hard"), "--json",
                                     scene.dir.path("hard.json")}));
    REQUIRE(hard.exitCode == 0);
    const auto hardReport = juce::JSON::parse(juce::File(scene.dir.path("hard.json")));
    CHECK(static_cast<int>(hardReport["components"]) == 24);
    CHECK(hardReport["group_power"].toString() == "hard");
    const auto hardBass = readWav(scene.dir.path("hard/bass.wav"));
    const auto hardHat = readWav(scene.dir.path("hard/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(hardBass, hardHat)) <= 1e-5);
    CHECK(cli::scoreStem(scene.bass, hardBass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
}

TEST_CASE("separate --group-by usage errors", "[separate][group-by][usage]") {
    Scene scene;
    const std::string mix = scene.dir.path("mix.wav"), out = scene.dir.path("o");
    const std::string bass = scene.dir.path("bass.dmxt"), hats = scene.dir.path("hats.dmxt");

    auto r = runDemix(with({"separate", mix, "--group-by", bass, "-o", out}));
    expectUsageError(r, "--group-by LIB needs --components K");
    r = runDemix(with({"separate", mix, "--templates", bass, "--group-by", hats, "-o", out}));
    expectUsageError(r, "with --templates the library templates are the components already");
    r = runDemix(with({"separate", mix, "--components", "8", "--sources", "3", "--group-by", bass,
                       "--group-by", hats, "-o", out}));
    expectUsageError(r, "--sources 3 does not match the 2 source(s) of the --group-by libraries (bass, hats)");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by", bass, "-o", out}));
    expectUsageError(r, "--group-by needs at least 2 sources to choose between, but the libraries hold only 'bass'");
    r = runDemix(with({"separate", mix, "--components", "1", "--group-by", bass, "--group-by",
                       hats, "-o", out}));
    expectUsageError(r, "--components 1 is fewer than the 2 sources");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by",
                       scene.dir.path("missing.dmxt"), "-o", out}));
    expectUsageError(r, "missing.dmxt': template library not found");
    writeBytes(scene.dir.path("garbage.dmxt"), "not a library at all");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by",
                       scene.dir.path("garbage.dmxt"), "-o", out}));
    expectUsageError(r, "garbage.dmxt': not a valid template library");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by", bass, "--group-by",
                       bass, "-o", out}));
    expectUsageError(r, "already in the library");
    r = runDemix(with({"separate", mix, "--components", "8", "--sources", "2", "--group-power",
                       "2", "-o", out}));
    expectUsageError(r, "--group-power P sets how softly --group-by LIB shares the components");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by", bass, "--group-by",
                       hats, "--group-power", "soft", "-o", out}));
    expectUsageError(r, "option --group-power needs a number, not 'soft' (or 'hard')");
    r = runDemix(with({"separate", mix, "--components", "8", "--group-by", bass, "--group-by",
                       hats, "--group-power", "0", "-o", out}));
    expectUsageError(r, "option --group-power must be between 0.1");
    CHECK_FALSE(exists(out));
}

TEST_CASE("separate --group-by maps a library learned at another FFT size onto the analysis",
          "[separate][group-by][library]") {
    Scene scene;
    // The hats library again, learned at FFT 1024 / hop 256: it is resampled, not refused.
    auto r = runDemix({"learn", scene.dir.path("hats-train.wav"), "--name", "hats", "-k", "4",
                       "--fft", "1024", "--hop", "256", "--seed", "1", "--quiet", "-o",
                       scene.dir.path("hats1024.dmxt")});
    REQUIRE(r.exitCode == 0);
    r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "8", "--group-by",
                       scene.dir.path("bass.dmxt"), "--group-by", scene.dir.path("hats1024.dmxt"),
                       "-o", scene.dir.path("out")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);
    CHECK(cli::scoreStem(scene.bass, bass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);
}

TEST_CASE("batch --group-by names the stems and redoes an input when the libraries change",
          "[batch][group-by]") {
    Scene scene;
    const auto batch = [&](const std::string& hatsLibrary) {
        return runDemix(with({"batch", scene.dir.path("mix.wav"), "-o", scene.dir.path("out"),
                              "--components", "8", "--group-by", scene.dir.path("bass.dmxt"),
                              "--group-by", scene.dir.path(hatsLibrary)}));
    };
    auto r = batch("hats.dmxt");
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 0 skipped"));
    const auto bass = readWav(scene.dir.path("out/mix/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/mix/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);

    r = batch("hats.dmxt");
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("0 separated, 1 skipped"));
    // The same source names from another library file: not the same separation.
    r = runDemix(with({"learn", scene.dir.path("hats-train.wav"), "--name", "hats", "-k", "3",
                       "-o", scene.dir.path("hats3.dmxt")}));
    REQUIRE(r.exitCode == 0);
    r = batch("hats3.dmxt");
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 0 skipped"));
    // Another grouping power gives other stems: redone, then kept.
    for (const char* expected : {"1 separated, 0 skipped", "0 separated, 1 skipped"}) {
        r = runDemix(with({"batch", scene.dir.path("mix.wav"), "-o", scene.dir.path("out"),
                           "--components", "8", "--group-by", scene.dir.path("bass.dmxt"),
                           "--group-by", scene.dir.path("hats3.dmxt"), "--group-power", "hard"}));
        REQUIRE(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains(expected));
    }
}

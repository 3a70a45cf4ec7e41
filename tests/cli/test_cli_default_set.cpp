// demix separate MIX -o OUT without a library: the shipped default template set (found
// from the binary: the build copies assets/templates to <build>/share/demix/templates),
// named stems that sum to the mix, --stems subsets, and the error when no set is found.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <juce_core/juce_core.h>

#include <cstdlib>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 44100.0;
const std::vector<std::string> kFast{"--iterations", "40", "--seed", "1", "--quiet"};

std::vector<std::string> with(std::vector<std::string> args) {
    args.insert(args.end(), kFast.begin(), kFast.end());
    return args;
}

/// Sets DEMIX_TEMPLATES for the demix processes this test starts; restores it after.
struct TemplatesVariable {
    explicit TemplatesVariable(const std::string& value) { ::setenv("DEMIX_TEMPLATES", value.c_str(), 1); }
    ~TemplatesVariable() { ::unsetenv("DEMIX_TEMPLATES"); }
};

struct Song {
    TempDir dir;
    AudioBuffer bass, drums, mix;
    Song() {
        bass = tone(82.4, 8, 2.5, kRate, 2, 0.3, 0.5);
        drums = hats(2.5, kRate, 2, 5, 0.3, 0.25);
        mix = sum(bass, drums);
        writeWav(dir.path("song.wav"), mix);
    }
};

}  // namespace

TEST_CASE("separate without a library writes the default set's named stems, summing to the mix",
          "[separate][default-set]") {
    ::unsetenv("DEMIX_TEMPLATES");
    Song song;
    const auto r = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("out"),
                                  "--json", song.dir.path("report.json")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const std::vector<std::string> names{"drums", "bass", "keys", "voice", "other"};
    std::vector<AudioBuffer> stems;
    for (const auto& n : names) {
        REQUIRE(exists(song.dir.path("out/" + n + ".wav")));
        stems.push_back(readWav(song.dir.path("out/" + n + ".wav")));
        CHECK(stems.back().numChannels() == 2);
        CHECK(stems.back().numSamples() == song.mix.numSamples());
    }
    CHECK_FALSE(exists(song.dir.path("out/residual.wav")));
    AudioBuffer total = stems[0];
    for (std::size_t i = 1; i < stems.size(); ++i) total = sum(total, stems[i]);
    CHECK(relativeMaxError(song.mix, total) <= 1e-5);
    // It is the supervised separation with the shipped libraries and 16 free components,
    // the free components' "residual" written as other.wav, with the adaptation guard off
    // (the generic set must adapt to the recording).
    const std::string set = juce::File(DEMIX_EXE).getParentDirectory().getSiblingFile("share")
                                .getChildFile("demix/templates").getFullPathName().toStdString();
    std::vector<std::string> explicitArgs{"separate", song.dir.path("song.wav"), "-o", song.dir.path("explicit"),
                                          "--free", "16", "--adapt-guard", "0"};
    for (const char* n : {"drums", "bass", "keys", "voice"})
        for (const std::string& a : {std::string("--templates"), set + "/" + n + ".dmxt"}) explicitArgs.push_back(a);
    const auto e = runDemix(with(explicitArgs));
    INFO(e.err);
    REQUIRE(e.exitCode == 0);
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(relativeMaxError(readWav(song.dir.path("explicit/" + names[i] + ".wav")), stems[i]) <= 1e-6);
    CHECK(relativeMaxError(readWav(song.dir.path("explicit/residual.wav")), stems[4]) <= 1e-6);

    const auto report = juce::JSON::parse(juce::File(song.dir.path("report.json")));
    REQUIRE(report.isObject());
    CHECK(report["mode"].toString() == "default set");
    CHECK(static_cast<double>(report["settings"]["adapt_guard"]) == 0.0);
    REQUIRE(report["libraries"].size() == 4);
    CHECK(report["libraries"][2].toString().endsWith("share/demix/templates/keys.dmxt"));
    for (int i = 0; i < 5; ++i) CHECK(report["stems"][i]["name"].toString() == juce::String(names[i]));

    SECTION("--stems drums,bass,other: the same separation, the rest merged into other") {
        const auto s = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("sub"),
                                      "--stems", "drums,bass,other"}));
        INFO(s.err);
        REQUIRE(s.exitCode == 0);
        CHECK_FALSE(exists(song.dir.path("sub/keys.wav")));
        CHECK_FALSE(exists(song.dir.path("sub/voice.wav")));
        const auto drums = readWav(song.dir.path("sub/drums.wav"));
        const auto bass = readWav(song.dir.path("sub/bass.wav"));
        const auto other = readWav(song.dir.path("sub/other.wav"));
        CHECK(relativeMaxError(stems[0], drums) <= 1e-6);
        CHECK(relativeMaxError(stems[1], bass) <= 1e-6);
        CHECK(relativeMaxError(sum(sum(stems[2], stems[3]), stems[4]), other) <= 1e-5);
        CHECK(relativeMaxError(song.mix, sum(sum(drums, bass), other)) <= 1e-5);
    }
    SECTION("--stems voice: other is written too, so the stems still sum to the mix") {
        const auto s = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("v"),
                                      "--stems", "voice"}));
        INFO(s.err);
        REQUIRE(s.exitCode == 0);
        const auto voice = readWav(song.dir.path("v/voice.wav"));
        const auto other = readWav(song.dir.path("v/other.wav"));
        CHECK_FALSE(exists(song.dir.path("v/drums.wav")));
        CHECK(relativeMaxError(song.mix, sum(voice, other)) <= 1e-5);
    }
}

TEST_CASE("separate --stems: unknown names and other modes are usage errors", "[separate][default-set]") {
    ::unsetenv("DEMIX_TEMPLATES");
    Song song;
    auto r = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("out"),
                            "--stems", "drums,piano"}));
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("option --stems: no stem 'piano' (the stems are drums, bass, "
                                      "keys, voice, other)"));
    r = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("out"),
                       "--components", "4", "--stems", "drums"}));
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--stems picks stems of the default template set"));
    r = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("out"), "--free", "0"}));
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("the default template set needs free components"));
    CHECK_FALSE(exists(song.dir.path("out")));
}

TEST_CASE("separate without a library and no default set found: a clear error, nothing written",
          "[separate][default-set]") {
    Song song;
    TempDir empty;
    TemplatesVariable variable(empty.path());
    const auto r = runDemix(with({"separate", song.dir.path("song.wav"), "-o", song.dir.path("out")}));
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("no default template set found (looked for drums.dmxt, "
                                      "bass.dmxt, keys.dmxt, voice.dmxt in '" + empty.path() + "')"));
    CHECK_THAT(r.err, Catch::Contains("--templates LIBRARY or --components K"));
    CHECK_FALSE(exists(song.dir.path("out")));
}

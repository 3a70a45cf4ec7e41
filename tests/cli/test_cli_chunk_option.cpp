// demix separate|batch --chunk SECONDS: chunked separation on request, for --templates
// (with --free: the residual learned per chunk), for --group-by (each chunk factorised and
// grouped on its own) and for blind --components; usage errors; batch redoes a file
// separated with another chunk length.
#include "library_scene.hpp"
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <juce_core/juce_core.h>

using namespace demix;
using namespace demix::test;
using namespace demix::test::library_scene;

namespace {

/// Runs `demix separate` on the scene's mix with `args` (fast options added), stems into
/// OUT and the report into OUT.json; returns the report.
juce::var separateInto(const Scene& scene, std::vector<std::string> args, const std::string& out) {
    args.insert(args.begin(), {"separate", scene.dir.path("mix.wav")});
    args.insert(args.end(), {"-o", scene.dir.path(out), "--json", scene.dir.path(out + ".json")});
    const auto r = runDemix(with(args));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    return juce::JSON::parse(juce::File(scene.dir.path(out + ".json")));
}

}  // namespace

TEST_CASE("separate --group-by --chunk: chunked, stems named and summing to the mix, each "
          "on its source",
          "[separate][group-by][chunked]") {
    Scene scene;  // a 2-s mix: 1-s chunks make two, with a crossfaded seam at 1 s
    const auto report = separateInto(scene, {"--components", "8", "--group-by", scene.dir.path("hats.dmxt"),
                                             "--group-by", scene.dir.path("bass.dmxt"), "--chunk", "1"},
                                     "out");
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    REQUIRE(bass.numSamples() == scene.mix.numSamples());
    REQUIRE(hat.numChannels() == 2);
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);  // seam included
    CHECK(cli::scoreStem(scene.bass, bass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);

    REQUIRE(report.isObject());
    CHECK(report["mode"].toString() == "unsupervised");
    CHECK(static_cast<int>(report["chunks"]) == 2);
    CHECK(static_cast<double>(report["chunk_seconds"]) == 1.0);
    REQUIRE(report["iterations"].size() == 2);
    CHECK(static_cast<int>(report["ensemble_members"]) == 3);
    CHECK(static_cast<int>(report["components"]) == 3 * 8);
    CHECK(static_cast<double>(report["group_power"]) == 2.0);
    REQUIRE(report["group_by"].size() == 2);
    CHECK(report["stems"][0]["name"].toString() == "hats");
    CHECK(report["stems"][1]["name"].toString() == "bass");
}

TEST_CASE("separate --templates --chunk chunks a short file on request; --chunk 0 keeps the "
          "whole file",
          "[separate][chunked]") {
    Scene scene;
    const auto run = [&](const std::string& chunk, const std::string& out) {
        return separateInto(scene, {"-t", scene.dir.path("bass.dmxt"), "-t", scene.dir.path("hats.dmxt"),
                                    "--chunk", chunk}, out);
    };
    const auto chunked = run("1", "chunked");
    CHECK(static_cast<int>(chunked["chunks"]) == 2);
    CHECK(chunked["mode"].toString() == "supervised");
    const auto whole = run("0", "whole");
    CHECK_FALSE(whole.hasProperty("chunks"));
    CHECK(whole["objective"].isArray());  // the whole-file report: one objective curve
    const auto b = readWav(scene.dir.path("chunked/bass.wav"));
    const auto h = readWav(scene.dir.path("chunked/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(b, h)) <= 1e-5);
}

TEST_CASE("separate --templates --free --chunk: a residual stem from every chunk; chunks whose "
          "context spans the file give the whole file's stems",
          "[separate][chunked]") {
    Scene scene;
    const auto run = [&](const std::string& chunk, const std::string& out) {
        return separateInto(scene, {"-t", scene.dir.path("bass.dmxt"), "--free", "3", "--chunk", chunk}, out);
    };
    const auto report = run("1", "chunked");
    const auto bass = readWav(scene.dir.path("chunked/bass.wav"));
    const auto residual = readWav(scene.dir.path("chunked/residual.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, residual)) <= 1e-5);
    CHECK(static_cast<int>(report["chunks"]) == 2);
    // bass.dmxt holds demix learn's default 3 template sets of 4; each member adds 3 free.
    CHECK(static_cast<int>(report["components"]) == 3 * (4 + 3));
    REQUIRE(report["stems"].size() == 2);
    CHECK(report["stems"][1]["name"].toString() == "residual");
    // The 2-s mix in 1-s chunks with up to 1 s of context: each chunk reads the whole mix,
    // so each learns the whole file's free components, and the crossfade mixes equal stems.
    run("0", "whole");
    CHECK(relativeMaxError(readWav(scene.dir.path("whole/bass.wav")), bass) <= 1e-5);
    CHECK(relativeMaxError(readWav(scene.dir.path("whole/residual.wav")), residual) <= 1e-5);
}

TEST_CASE("separate usage errors of --chunk", "[separate][chunked][usage]") {
    Scene scene;
    const std::string mix = scene.dir.path("mix.wav"), out = scene.dir.path("o");
    const std::string bass = scene.dir.path("bass.dmxt"), hats = scene.dir.path("hats.dmxt");
    auto r = runDemix(with({"separate", mix, "-t", bass, "--chunk", "0.5", "-o", out}));
    expectUsageError(r, "option --chunk: a chunk needs at least 1 second (or 0 for the whole file at once), got 0.5");
    r = runDemix(with({"separate", mix, "-t", bass, "--chunk", "long", "-o", out}));
    expectUsageError(r, "--chunk");
    r = runDemix(with({"separate", mix, "-t", bass, "--chunk", "5", "--plot", scene.dir.path("p"), "-o", out}));
    expectUsageError(r, "--chunk cannot be used with --plot");
    CHECK_FALSE(exists(out));
}

TEST_CASE("separate --components --chunk: blind sources, and one stem per component, chunk "
          "by chunk",
          "[separate][chunked]") {
    Scene scene;
    auto report = separateInto(scene, {"--components", "8", "--sources", "2", "--chunk", "1"}, "sources");
    CHECK(static_cast<int>(report["chunks"]) == 2);
    CHECK(report["mode"].toString() == "unsupervised");
    CHECK(static_cast<int>(report["components"]) == 8);  // --restarts 1 without --group-by
    CHECK(report["stems"][0]["name"].toString() == "source-1");
    const auto s1 = readWav(scene.dir.path("sources/source-1.wav"));
    const auto s2 = readWav(scene.dir.path("sources/source-2.wav"));
    CHECK(relativeMaxError(scene.mix, sum(s1, s2)) <= 1e-5);

    report = separateInto(scene, {"--components", "3", "--chunk", "1"}, "components");
    CHECK(static_cast<int>(report["chunks"]) == 2);
    REQUIRE(report["stems"].size() == 3);
    CHECK(report["stems"][2]["name"].toString() == "component-3");
    const auto c1 = readWav(scene.dir.path("components/component-1.wav"));
    const auto c2 = readWav(scene.dir.path("components/component-2.wav"));
    const auto c3 = readWav(scene.dir.path("components/component-3.wav"));
    CHECK(relativeMaxError(scene.mix, sum(sum(c1, c2), c3)) <= 1e-5);
}

TEST_CASE("batch --chunk: another chunk length is another separation, redone; the same is kept",
          "[batch][chunked]") {
    Scene scene;
    const auto batch = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"batch", scene.dir.path("mix.wav"), "-o", scene.dir.path("out"),
                                      "--components", "8", "--group-by", scene.dir.path("bass.dmxt"),
                                      "--group-by", scene.dir.path("hats.dmxt")};
        args.insert(args.end(), extra.begin(), extra.end());
        return runDemix(with(args));
    };
    auto r = batch({});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 0 skipped"));
    for (const char* expected : {"1 separated, 0 skipped", "0 separated, 1 skipped"}) {
        r = batch({"--chunk", "1"});
        REQUIRE(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains(expected));
    }
    const auto bass = readWav(scene.dir.path("out/mix/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/mix/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);
}

// demix separate/batch --restarts N: unsupervised restart ensembles (--sources S and
// --group-by LIB); the JSON report, batch records and usage errors.
#include "library_scene.hpp"
#include "test_support.hpp"

#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <juce_core/juce_core.h>

using namespace demix;
using namespace demix::test;
using namespace demix::test::library_scene;

namespace {

juce::var report(const Scene& scene, const std::string& name) {
    const auto r = juce::JSON::parse(juce::File(scene.dir.path(name)));
    REQUIRE(r.isObject());
    return r;
}

}  // namespace

TEST_CASE("separate --restarts averages blind unsupervised runs", "[separate][restarts]") {
    Scene scene("1");
    const auto run = [&](const std::string& restarts, const std::string& out) {
        return runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "6",
                              "--sources", "2", "--restarts", restarts, "-o", scene.dir.path(out),
                              "--json", scene.dir.path(out + ".json")}));
    };
    auto r = run("1", "one");
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(static_cast<int>(report(scene, "one.json")["ensemble_members"]) == 1);
    CHECK(static_cast<int>(report(scene, "one.json")["components"]) == 6);
    // Blind grouping without --restarts: one factorisation, the same stems as --restarts 1.
    r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "6", "--sources", "2",
                       "-o", scene.dir.path("default"), "--json", scene.dir.path("default.json")}));
    REQUIRE(r.exitCode == 0);
    CHECK(static_cast<int>(report(scene, "default.json")["ensemble_members"]) == 1);
    CHECK(readBytes(scene.dir.path("default/source-1.wav")) == readBytes(scene.dir.path("one/source-1.wav")));
    r = run("3", "three");
    REQUIRE(r.exitCode == 0);
    const auto three = report(scene, "three.json");
    CHECK(static_cast<int>(three["ensemble_members"]) == 3);
    CHECK(static_cast<int>(three["components"]) == 18);  // every member's
    const auto a = readWav(scene.dir.path("three/source-1.wav"));
    const auto b = readWav(scene.dir.path("three/source-2.wav"));
    CHECK(relativeMaxError(scene.mix, sum(a, b)) <= 1e-5);
    CHECK(readBytes(scene.dir.path("three/source-1.wav")) != readBytes(scene.dir.path("one/source-1.wav")));
    // The stems are the two sources (in either order), each far closer than the mix.
    const double straight = cli::scoreStem(scene.bass, a).sdr + cli::scoreStem(scene.hat, b).sdr;
    const double swapped = cli::scoreStem(scene.bass, b).sdr + cli::scoreStem(scene.hat, a).sdr;
    const auto& bassStem = straight >= swapped ? a : b;
    const auto& hatStem = straight >= swapped ? b : a;
    CHECK(cli::scoreStem(scene.bass, bassStem).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hatStem).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);
}

TEST_CASE("separate --group-by --restarts groups every run by the libraries",
          "[separate][group-by][restarts]") {
    Scene scene("1");
    const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "8",
                                  "--group-by", scene.dir.path("bass.dmxt"), "--group-by",
                                  scene.dir.path("hats.dmxt"), "--restarts", "2",
                                  // hard: no component split, so each run's block is its 8
                                  "--group-power", "hard", "-o", scene.dir.path("out"),
                                  "--json", scene.dir.path("r.json")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);
    CHECK(cli::scoreStem(scene.bass, bass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);
    const auto rep = report(scene, "r.json");
    CHECK(static_cast<int>(rep["ensemble_members"]) == 2);
    CHECK(static_cast<int>(rep["components"]) == 16);
    // Every component of both runs is in exactly one group, and each source has some in
    // each run (components 0-7 are the first run's, 8-15 the second's).
    REQUIRE(rep["groups"].size() == 2);
    std::vector<int> seen(16, 0);
    for (int s = 0; s < 2; ++s) {
        bool first = false, second = false;
        for (const auto& k : *rep["groups"][s].getArray()) {
            const int c = static_cast<int>(k);
            ++seen.at(static_cast<std::size_t>(c));
            (c < 8 ? first : second) = true;
        }
        CHECK(first);
        CHECK(second);
    }
    CHECK(seen == std::vector<int>(16, 1));
}

TEST_CASE("batch --restarts redoes a file separated with another count", "[batch][restarts]") {
    Scene scene("1");
    const auto batch = [&](const std::string& restarts) {
        return runDemix(with({"batch", scene.dir.path("mix.wav"), "-o", scene.dir.path("out"),
                              "--components", "6", "--sources", "2", "--restarts", restarts}));
    };
    auto r = batch("2");
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 0 skipped"));
    r = batch("2");
    CHECK_THAT(r.out, Catch::Contains("0 separated, 1 skipped"));
    r = batch("1");
    CHECK_THAT(r.out, Catch::Contains("1 separated, 0 skipped"));
}

TEST_CASE("separate --restarts usage errors", "[separate][restarts][usage]") {
    Scene scene("1");
    const std::string mix = scene.dir.path("mix.wav"), out = scene.dir.path("o");
    auto r = runDemix(with({"separate", mix, "--components", "6", "--sources", "2", "--restarts",
                            "0", "-o", out}));
    expectUsageError(r, "option --restarts must be between 1 and 64, not 0");
    r = runDemix(with({"separate", mix, "--components", "6", "--sources", "2", "--restarts",
                       "two", "-o", out}));
    expectUsageError(r, "option --restarts needs a whole number, not 'two'");
    r = runDemix(with({"separate", mix, "--templates", scene.dir.path("bass.dmxt"), "--restarts",
                       "3", "-o", out}));
    expectUsageError(r, "with --templates the library's template sets are the ensemble");
    r = runDemix(with({"separate", mix, "--components", "6", "--restarts", "3", "-o", out}));
    expectUsageError(r, "without --sources S or --group-by LIB each component is a stem");
    CHECK_FALSE(exists(out));
}

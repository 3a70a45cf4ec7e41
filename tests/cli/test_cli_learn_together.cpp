// demix learn --source NAME=FILE ...: several sources into one library, optionally
// discriminative; then separate with that one library.
#include "test_support.hpp"

#include "demix/template_library.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 16000.0;
const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "30",
                                     "--seed", "1", "--quiet"};

RunResult runFast(std::vector<std::string> args) {
    args.insert(args.end(), kFast.begin(), kFast.end());
    return runDemix(args);
}

}  // namespace

TEST_CASE("learn --source learns several sources into one library that separates",
          "[learn-together]") {
    TempDir dir;
    writeWav(dir.path("tone.wav"), tone(220.0, 6, 2.0, kRate, 1, 0.3, 0.25));
    writeWav(dir.path("tone2.wav"), tone(330.0, 6, 1.0, kRate, 1, 0.3, 0.25));
    writeWav(dir.path("hats.wav"), hats(1.5, kRate, 1, 7));
    writeWav(dir.path("mix.wav"), sum(tone(277.0, 6, 2.0, kRate, 2, 0.3, 0.5), hats(2.0, kRate, 2, 8)));

    // Plain (no refinement): the same templates as one `learn` per source, in one file.
    auto r = runFast({"learn", "--source", "tone=" + dir.path("tone.wav"), "--source",
                    "hats=" + dir.path("hats.wav"), "--source", "tone=" + dir.path("tone2.wav"),
                    "-k", "3", "-o", dir.path("set.dmxt")});
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    const TemplateLibrary set = TemplateLibrary::load(dir.path("set.dmxt"));
    REQUIRE(set.sources.size() == 2);
    CHECK(set.sources[0].name == "tone");  // order of first mention
    CHECK(set.sources[1].name == "hats");
    REQUIRE(runFast({"learn", dir.path("tone.wav"), dir.path("tone2.wav"), "--name", "tone", "-k",
                   "3", "-o", dir.path("tone.dmxt")})
                .exitCode == 0);
    CHECK(TemplateLibrary::load(dir.path("tone.dmxt")).sources[0].templates ==
          set.sources[0].templates);

    // Discriminative: other templates, same shape; the library separates the mix.
    r = runFast({"learn", "--source", "tone=" + dir.path("tone.wav"), "--source",
               "hats=" + dir.path("hats.wav"), "--discriminative", "20", "-k", "3", "-o",
               dir.path("disc.dmxt"), "--json", dir.path("learn.json")});
    REQUIRE(r.exitCode == 0);
    const TemplateLibrary disc = TemplateLibrary::load(dir.path("disc.dmxt"));
    REQUIRE(disc.sources.size() == 2);
    CHECK(disc.sources[0].templates.cols() == 3);
    CHECK(disc.sources[0].templates != set.sources[0].templates);
    const std::string json = readBytes(dir.path("learn.json"));
    CHECK_THAT(json, Catch::Contains("\"discriminative\": 20"));
    CHECK_THAT(json, Catch::Contains("\"hats\""));
    r = runFast({"separate", dir.path("mix.wav"), "-t", dir.path("disc.dmxt"), "-o", dir.path("out")});
    REQUIRE(r.exitCode == 0);
    const AudioBuffer mix = readWav(dir.path("mix.wav"));
    const AudioBuffer stemSum = sum(readWav(dir.path("out/tone.wav")), readWav(dir.path("out/hats.wav")));
    CHECK(relativeMaxError(mix, stemSum) < 1e-4);
}

TEST_CASE("learn --source usage errors", "[learn-together]") {
    TempDir dir;
    writeWav(dir.path("tone.wav"), tone(220.0, 6, 1.0, kRate, 1));
    const std::string tonePath = dir.path("tone.wav");
    auto r = runFast({"learn", "--source", "tone", "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--source expects NAME=FILE"));
    r = runFast({"learn", tonePath, "--name", "a", "--source", "b=" + tonePath, "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("not both"));
    r = runFast({"learn", "--source", "a=" + tonePath, "--discriminative", "5", "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("two or more sources"));
    r = runFast({"learn", "--source", "residual=" + tonePath, "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("reserved"));
    CHECK_FALSE(exists(dir.path("x.dmxt")));
}

// demix learn --validate: held-out validation of learning (early stopping, choice of K),
// its report in the output and in --json, and its usage errors.
#include "test_support.hpp"

#include "demix/template_library.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 16000.0;
const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "60",
                                     "--seed", "1"};

RunResult runFast(std::vector<std::string> args) {
    args.insert(args.end(), kFast.begin(), kFast.end());
    return runDemix(args);
}

}  // namespace

TEST_CASE("learn --validate reports the chosen iterations; --validate-k chooses K", "[learn-validate]") {
    TempDir dir;
    writeWav(dir.path("tone.wav"), tone(220.0, 6, 3.0, kRate, 1, 0.3, 0.25));
    writeWav(dir.path("hats.wav"), hats(3.0, kRate, 1, 7));

    auto r = runFast({"learn", dir.path("tone.wav"), "--name", "tone", "-k", "4", "--validate",
                      "-o", dir.path("tone.dmxt"), "--json", dir.path("tone.json")});
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("validated 'tone': 4 templates, ") &&
                          Catch::Contains(" iterations (held-out divergence"));
    const TemplateLibrary library = TemplateLibrary::load(dir.path("tone.dmxt"));
    REQUIRE(library.sources.size() == 1);
    CHECK(library.sources[0].templates.cols() == 4);
    std::string json = readBytes(dir.path("tone.json"));
    CHECK_THAT(json, Catch::Contains("\"validation\": [") && Catch::Contains("\"source\": \"tone\"") &&
                         Catch::Contains("\"validated\": true") &&
                         Catch::Contains("\"held_out_per_frame\"") &&
                         Catch::Contains("\"held_out_curve\""));

    // The refit library is the plain learner run for the reported iteration count.
    const auto at = json.find("\"iterations\":", json.find("\"validation\""));
    REQUIRE(at != std::string::npos);
    const int iterations = std::stoi(json.substr(at + 13));
    CHECK(iterations > 0);
    CHECK(iterations % 10 == 0);
    r = runDemix({"learn", dir.path("tone.wav"), "--name", "tone", "-k", "4", "--fft", "512", "--hop",
                  "128", "--iterations", std::to_string(iterations), "--tol", "0", "--seed", "1",
                  "--quiet", "-o", dir.path("plain.dmxt")});
    REQUIRE(r.exitCode == 0);
    CHECK(TemplateLibrary::load(dir.path("plain.dmxt")).sources[0].templates ==
          library.sources[0].templates);

    // Cross-validation over 2 folds: also a refit for the pooled choice.
    r = runFast({"learn", dir.path("tone.wav"), "--name", "tone", "-k", "4", "--validate-folds", "2",
                 "-o", dir.path("cv.dmxt"), "--json", dir.path("cv.json")});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(readBytes(dir.path("cv.json")), Catch::Contains("\"validated\": true"));
    CHECK(TemplateLibrary::load(dir.path("cv.dmxt")).sources[0].templates.cols() == 4);

    // K per source from candidates, several sources in one call.
    r = runFast({"learn", "--source", "tone=" + dir.path("tone.wav"), "--source",
                 "hats=" + dir.path("hats.wav"), "--validate-k", "1,3", "--validate-refit", "off",
                 "-o", dir.path("set.dmxt"), "--json", dir.path("set.json")});
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    const TemplateLibrary set = TemplateLibrary::load(dir.path("set.dmxt"));
    REQUIRE(set.sources.size() == 2);
    for (const auto& source : set.sources) {
        const auto k = source.templates.cols();
        CHECK((k == 1 || k == 3));
        CHECK_THAT(r.out, Catch::Contains("validated '" + source.name + "': " + std::to_string(k) +
                                          " templates"));
    }
    json = readBytes(dir.path("set.json"));
    CHECK_THAT(json, Catch::Contains("\"candidates\": [") && Catch::Contains("\"source\": \"hats\""));
}

TEST_CASE("learn --validate: short inputs and usage errors", "[learn-validate]") {
    TempDir dir;
    writeWav(dir.path("short.wav"), tone(220.0, 6, 0.1, kRate, 1));
    auto r = runFast({"learn", dir.path("short.wav"), "--name", "x", "-k", "2", "--validate", "-o",
                      dir.path("x.dmxt")});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("too short to hold frames out"));
    r = runFast({"learn", dir.path("short.wav"), "--name", "x", "--validate-k", "4,0", "-o",
                 dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--validate-k expects numbers of templates"));
    r = runFast({"learn", dir.path("short.wav"), "--name", "x", "--validate-k", "4,,8", "-o",
                 dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    r = runFast({"learn", dir.path("short.wav"), "--name", "x", "--validate", "--validate-refit",
                 "maybe", "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--validate-refit expects on or off"));
    r = runFast({"learn", dir.path("short.wav"), "--name", "x", "--validate", "--validate-every", "1",
                 "-o", dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    r = runFast({"learn", dir.path("short.wav"), "--name", "x", "--validate-folds", "5", "-o",
                 dir.path("x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--validate-folds 5 is more than --validate-every 4"));
}

// demix separate into a folder that already holds stems: each stem is replaced whole (the
// new file exchanged with the old one, which is then deleted), a link in a stem's place
// is replaced by the file (the link's target stays as it was), a folder in a stem's place
// is an error naming it, and no temporary file is left behind — for the chunked writer
// and the whole-file one (--chunk 0).
#include "library_scene.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <juce_core/juce_core.h>

#include <filesystem>

using namespace demix;
using namespace demix::test;
using namespace demix::test::library_scene;

namespace {

RunResult separateInto(const Scene& scene, const std::string& chunk, const std::string& out) {
    return runDemix(with({"separate", scene.dir.path("mix.wav"), "--templates",
                          scene.dir.path("bass.dmxt"), "--templates", scene.dir.path("hats.dmxt"),
                          "--chunk", chunk, "-o", scene.dir.path(out)}));
}

/// Names of the hidden temporary files (".NAME.partial-…") in `dir`.
std::vector<std::string> partialFiles(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.find(".partial-") != std::string::npos) names.push_back(name);
    }
    return names;
}

}  // namespace

TEST_CASE("separate over existing stems replaces each one whole and leaves no temporary file",
          "[separate][files]") {
    Scene scene;
    for (const std::string chunk : {"1", "0"}) {
        CAPTURE(chunk);
        const std::string out = "out" + chunk;
        std::filesystem::create_directories(scene.dir.path(out));
        writeBytes(scene.dir.path(out + "/bass.wav"), "an older, shorter bass stem");
        // hats.wav is a link to a file outside: the link is replaced, its target kept.
        writeBytes(scene.dir.path("elsewhere.wav"), "not a stem of this run");
        std::filesystem::remove(scene.dir.path(out + "/hats.wav"));
        std::filesystem::create_symlink(scene.dir.path("elsewhere.wav"), scene.dir.path(out + "/hats.wav"));

        const auto r = separateInto(scene, chunk, out);
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        const auto bass = readWav(scene.dir.path(out + "/bass.wav"));
        const auto hats = readWav(scene.dir.path(out + "/hats.wav"));
        CHECK(bass.numSamples() == scene.mix.numSamples());
        CHECK(relativeMaxError(scene.mix, sum(bass, hats)) <= 1e-5);
        CHECK_FALSE(std::filesystem::is_symlink(scene.dir.path(out + "/hats.wav")));
        CHECK(readBytes(scene.dir.path("elsewhere.wav")) == "not a stem of this run");
        CHECK(partialFiles(scene.dir.path(out)).empty());

        // Run again over the stems just written: the same stems, nothing else in the folder.
        const auto again = separateInto(scene, chunk, out);
        REQUIRE(again.exitCode == 0);
        CHECK(relativeMaxError(bass, readWav(scene.dir.path(out + "/bass.wav"))) == 0.0);
        CHECK(partialFiles(scene.dir.path(out)).empty());
    }
}

TEST_CASE("separate refuses a folder where a stem goes, names it and keeps the folder",
          "[separate][files]") {
    Scene scene;
    std::filesystem::create_directories(scene.dir.path("out/bass.wav"));
    writeBytes(scene.dir.path("out/bass.wav/keep.txt"), "mine");
    const auto r = separateInto(scene, "1", "out");
    CHECK(r.exitCode != 0);
    CHECK(r.err.find("bass.wav") != std::string::npos);
    CHECK(readBytes(scene.dir.path("out/bass.wav/keep.txt")) == "mine");
    CHECK(partialFiles(scene.dir.path("out")).empty());
}

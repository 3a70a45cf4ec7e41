// batch: folders and globs, one bad file among good ones, resume, shards, jobs.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 16000.0;
const std::vector<std::string> kFast{"--components", "2", "--fft", "512", "--hop", "128",
                                     "--iterations", "15", "--seed", "3"};

RunResult batch(std::vector<std::string> args) {
    args.insert(args.begin(), "batch");
    args.insert(args.end(), kFast.begin(), kFast.end());
    return runDemix(args);
}

void makeInputs(const TempDir& dir, int count) {
    juce::File(dir.path("in")).createDirectory();
    for (int i = 0; i < count; ++i)
        writeWav(dir.path("in/song" + std::to_string(i) + ".wav"),
                 sum(tone(100.0 + 40 * i, 4, 0.6, kRate, 1), hats(0.6, kRate, 1, static_cast<unsigned>(i))));
}

juce::Time modified(const std::string& path) { return juce::File(path).getLastModificationTime(); }

}  // namespace

TEST_CASE("batch: one bad file is reported, the rest finish, exit status 1", "[batch]") {
    TempDir dir;
    makeInputs(dir, 3);
    writeBytes(dir.path("in/broken.wav"), "RIFF not really a wav file");
    writeBytes(dir.path("in/readme.txt"), "ignored: not an audio extension");
    const auto r = batch({dir.path("in"), dir.path("missing.wav"), "-o", dir.path("out"),
                          "--jobs", "2", "--json", dir.path("batch.json")});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    for (int i = 0; i < 3; ++i)
        for (const char* stem : {"component-1.wav", "component-2.wav"})
            CHECK(readWav(dir.path("out/song" + std::to_string(i) + "/" + stem)).numSamples() ==
                  static_cast<std::size_t>(0.6 * kRate));
    CHECK_FALSE(exists(dir.path("out/broken/component-1.wav")));
    CHECK_FALSE(exists(dir.path("out/readme")));
    CHECK_THAT(r.out, Catch::Contains("5 inputs: 3 separated, 0 skipped (already complete), 2 failed"));
    CHECK_THAT(r.out, Catch::Contains("broken.wav"));
    CHECK_THAT(r.out, Catch::Contains("missing.wav': file not found"));
    CHECK_THAT(r.err, Catch::Contains("FAILED"));

    const auto report = juce::JSON::parse(juce::File(dir.path("batch.json")));
    REQUIRE(report.isObject());
    CHECK(static_cast<int>(report["summary"]["failed"]) == 2);
    CHECK(static_cast<int>(report["summary"]["separated"]) == 3);
    CHECK(report["inputs"].getArray()->size() == 5);
}

TEST_CASE("batch: re-running skips complete outputs and redoes incomplete ones", "[batch][resume]") {
    TempDir dir;
    makeInputs(dir, 3);
    auto r = batch({dir.path("in"), "-o", dir.path("out"), "--quiet"});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("3 separated, 0 skipped"));
    const auto song0 = modified(dir.path("out/song0/component-1.wav"));
    const auto song1 = readBytes(dir.path("out/song1/component-2.wav"));

    // An interrupted run: a stem missing and a stale partial file left behind.
    juce::File(dir.path("out/song1/component-2.wav")).deleteFile();
    // Its writer is gone: a later run removes it (a live process's file it would keep).
    const std::string stale = ".component-2.wav.partial-" + std::to_string(exitedProcessId()) + "-0";
    writeBytes(dir.path("out/song1/" + stale), "half");
    r = batch({dir.path("in"), "-o", dir.path("out"), "--quiet"});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 2 skipped"));
    CHECK(modified(dir.path("out/song0/component-1.wav")) == song0);
    CHECK(readBytes(dir.path("out/song1/component-2.wav")) == song1);  // deterministic redo
    CHECK_FALSE(exists(dir.path("out/song1/" + stale)));

    // Different settings: nothing is complete any more.
    r = runDemix({"batch", dir.path("in"), "-o", dir.path("out"), "--components", "3", "--fft",
                  "512", "--iterations", "10", "--quiet"});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("3 separated, 0 skipped"));
    CHECK(exists(dir.path("out/song2/component-3.wav")));
}

TEST_CASE("batch: shards split the inputs without overlap and globs expand", "[batch][shard]") {
    TempDir dir;
    makeInputs(dir, 5);
    std::set<std::string> seen;
    for (int i = 1; i <= 2; ++i) {
        const std::string out = dir.path("shard" + std::to_string(i));
        const auto r = batch({dir.path("in") + "/song*.wav", "-o", out, "--quiet", "--shard",
                              std::to_string(i) + "/2"});
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
        for (const auto& f : juce::File(out).findChildFiles(juce::File::findDirectories, false)) {
            const auto name = f.getFileName().toStdString();
            CHECK(seen.count(name) == 0);
            seen.insert(name);
        }
    }
    CHECK(seen == std::set<std::string>{"song0", "song1", "song2", "song3", "song4"});
    // Sorted round-robin: shard 1/2 holds inputs 0, 2, 4.
    CHECK(exists(dir.path("shard1/song2/component-1.wav")));
    CHECK(exists(dir.path("shard2/song3/component-1.wav")));

    const auto r = batch({dir.path("in") + "/nothing*.wav", "-o", dir.path("x"), "--quiet"});
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.out, Catch::Contains("no files match"));
}

TEST_CASE("batch: two inputs with the same name are refused before any work", "[batch]") {
    TempDir dir;
    juce::File(dir.path("a")).createDirectory();
    juce::File(dir.path("b")).createDirectory();
    writeWav(dir.path("a/take.wav"), tone(200.0, 3, 0.3, kRate, 1));
    writeWav(dir.path("b/take.wav"), tone(300.0, 3, 0.3, kRate, 1));
    const auto r = batch({dir.path("a/take.wav"), dir.path("b/take.wav"), "-o", dir.path("out")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("same output folder 'take'"));
    CHECK_FALSE(exists(dir.path("out")));
}

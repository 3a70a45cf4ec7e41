// Every bad input: exit status 2 (or 0 where the input is odd but valid), a message
// naming the file and the problem, no output left behind, the input unchanged.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 16000.0;
const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "20",
                                     "--seed", "1", "--quiet"};

RunResult separate(const TempDir& dir, const std::string& input, std::vector<std::string> extra = {"--components", "2"}) {
    std::vector<std::string> args{"separate", input, "-o", dir.path("out")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), kFast.begin(), kFast.end());
    return runDemix(args);
}

RunResult learn(const TempDir& dir, const std::string& input, const std::string& k = "2",
                std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"learn", input, "--name", "x", "-k", k, "-o", dir.path("x.dmxt")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), kFast.begin(), kFast.end());
    return runDemix(args);
}

void expectError(const RunResult& r, int code, const std::string& file, const std::string& what) {
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == code);
    CHECK_THAT(r.err, Catch::Contains("demix: error:"));
    CHECK_THAT(r.err, Catch::Contains(file));
    CHECK_THAT(r.err, Catch::Contains(what, Catch::CaseSensitive::No));
}

bool noStems(const TempDir& dir) {
    const juce::File out(dir.path("out"));
    return !out.exists() || out.findChildFiles(juce::File::findFiles, false, "*.wav").isEmpty();
}

}  // namespace

TEST_CASE("usage errors exit with status 2 and say what is wrong", "[usage]") {
    TempDir dir;
    writeWav(dir.path("mix.wav"), tone(200.0, 3, 0.5, kRate, 1));
    auto r = runDemix({});
    CHECK(r.exitCode == 2);
    r = runDemix({"frobnicate"});
    expectError(r, 2, "frobnicate", "unknown command");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2"});
    expectError(r, 2, "-o", "required");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--accelerate", "yes",
                  "-o", dir.path("out")});
    expectError(r, 2, "--accelerate", "expected on or off");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--precision", "bf16",
                  "-o", dir.path("out")});
    expectError(r, 2, "--precision", "adaptive, float32, mixed or bfloat16");
    // Without a library the default set is used (test_cli_default_set.cpp); --sources
    // groups free components and does not apply to it.
    r = runDemix({"separate", dir.path("mix.wav"), "--sources", "2", "-o", dir.path("out")});
    expectError(r, 2, "--sources", "groups the components of --components K");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--bogus", "-o", dir.path("o")});
    expectError(r, 2, "--bogus", "unknown option");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "two", "-o", dir.path("o")});
    expectError(r, 2, "--components", "whole number");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--objective", "nope", "-o", dir.path("o")});
    expectError(r, 2, "--objective", "nope");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--solver", "als", "-o", dir.path("o")});
    expectError(r, 2, "--solver", "frobenius");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--sources", "3", "-o", dir.path("o")});
    expectError(r, 2, "--sources", "more than");
    r = runDemix({"batch", dir.path("mix.wav"), "--components", "2", "--shard", "3/2", "-o", dir.path("o")});
    expectError(r, 2, "--shard", "I/N");
    r = runDemix({"learn", dir.path("mix.wav"), "-k", "2", "-o", dir.path("x.dmxt")});
    expectError(r, 2, "--name", "required");
    for (const char* command : {"learn", "separate", "batch", "info", "evaluate"}) {
        r = runDemix({command, "--help"});
        CHECK(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains(std::string("demix ") + command));
    }
    r = runDemix({"--version"});
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::StartsWith("demix "));
    r = runDemix({"evaluate", "--help"});
    CHECK_THAT(r.out, Catch::Contains("10·log10( ‖P ŝ‖² / ‖ŝ − P ŝ‖² )"));
}

TEST_CASE("a missing file, a folder and a non-audio file are refused", "[bad-input]") {
    TempDir dir;
    expectError(separate(dir, dir.path("nope.wav")), 2, "nope.wav", "file not found");
    juce::File(dir.path("folder.wav")).createDirectory();
    expectError(separate(dir, dir.path("folder.wav")), 2, "folder.wav", "is a folder");
    writeBytes(dir.path("notes.wav"), "These are my notes, not audio.\n");
    expectError(separate(dir, dir.path("notes.wav")), 2, "notes.wav", "not a readable audio file");
    writeBytes(dir.path("empty.wav"), "");
    expectError(separate(dir, dir.path("empty.wav")), 2, "empty.wav", "empty");
    expectError(learn(dir, dir.path("nope.wav")), 2, "nope.wav", "file not found");
    CHECK(noStems(dir));
}

TEST_CASE("truncated and garbage WAV files are refused", "[bad-input]") {
    TempDir dir;
    writeWav(dir.path("good.wav"), tone(200.0, 3, 1.0, kRate, 2), cli::SampleFormat::Int16);
    const std::string good = readBytes(dir.path("good.wav"));
    writeBytes(dir.path("truncated.wav"), good.substr(0, good.size() / 2));
    expectError(separate(dir, dir.path("truncated.wav")), 2, "truncated.wav", "truncated");

    std::string garbage = good.substr(0, 12);  // "RIFF....WAVE" then noise
    for (int i = 0; i < 4000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 251));
    writeBytes(dir.path("garbage.wav"), garbage);
    expectError(separate(dir, dir.path("garbage.wav")), 2, "garbage.wav", "not a readable audio file");

    writeBytes(dir.path("header-only.wav"), good.substr(0, 30));
    expectError(separate(dir, dir.path("header-only.wav")), 2, "header-only.wav", "");
    CHECK(noStems(dir));
}

TEST_CASE("0-sample files are refused and 1-sample files separate or give a clear -k error", "[bad-input]") {
    TempDir dir;
    writeWav(dir.path("zero.wav"), silence(0, kRate, 1));
    expectError(separate(dir, dir.path("zero.wav")), 2, "zero.wav", "no audio (0 samples)");
    expectError(learn(dir, dir.path("zero.wav")), 2, "zero.wav", "no audio");

    AudioBuffer one = silence(1, kRate, 2);
    one.channels[0][0] = 0.5f;
    one.channels[1][0] = -0.25f;
    writeWav(dir.path("one.wav"), one);
    auto r = separate(dir, dir.path("one.wav"), {"--components", "1"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto stem = readWav(dir.path("out/component-1.wav"));
    CHECK(stem.numSamples() == 1);
    CHECK(stem.numChannels() == 2);
    CHECK(relativeMaxError(one, stem) <= 1e-5);

    expectError(separate(dir, dir.path("one.wav"), {"--components", "50"}), 2, "one.wav",
                "more than the signal allows");
    expectError(learn(dir, dir.path("one.wav"), "16"), 2, "-k 16", "more than the signal allows");
}

TEST_CASE("silent audio separates into silent stems and cannot be learned from", "[bad-input]") {
    TempDir dir;
    writeWav(dir.path("silent.wav"), silence(8000, kRate, 2));
    auto r = separate(dir, dir.path("silent.wav"), {"--components", "3", "--sources", "2"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    for (const char* s : {"out/source-1.wav", "out/source-2.wav"}) {
        const auto stem = readWav(dir.path(s));  // readWav refuses NaN/Inf
        CHECK(stem.numSamples() == 8000);
        for (const auto& ch : stem.channels)
            for (float v : ch) REQUIRE(v == 0.0f);
    }
    expectError(learn(dir, dir.path("silent.wav")), 2, "silent", "nothing to learn");
}

TEST_CASE("NaN and Inf samples in a float WAV are refused and the input is not changed", "[bad-input]") {
    TempDir dir;
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        AudioBuffer audio = tone(200.0, 3, 0.5, kRate, 2);
        audio.channels[1][1234] = bad;
        writeWav(dir.path("bad.wav"), audio);
        const std::string before = readBytes(dir.path("bad.wav"));
        expectError(separate(dir, dir.path("bad.wav")), 2, "bad.wav", "non-finite samples");
        CHECK_THAT(separate(dir, dir.path("bad.wav")).err, Catch::Contains("sample 1234 of channel 2"));
        expectError(learn(dir, dir.path("bad.wav")), 2, "bad.wav", "NaN or Inf");
        CHECK(readBytes(dir.path("bad.wav")) == before);
        CHECK(noStems(dir));
    }
}

TEST_CASE("8 kHz to 192 kHz and 1 to 8 channels keep rate, channels and length", "[formats]") {
    TempDir dir;
    for (const auto& [rate, channels] : {std::pair{8000.0, 1}, std::pair{22050.0, 3},
                                         std::pair{96000.0, 2}, std::pair{192000.0, 8}}) {
        const auto mix = sum(tone(300.0, 3, 0.3, rate, channels), hats(0.3, rate, channels, 3));
        const std::string name = "mix" + std::to_string(static_cast<int>(rate)) + ".wav";
        writeWav(dir.path(name), mix, cli::SampleFormat::Int24);
        const std::string before = readBytes(dir.path(name));
        const std::string out = dir.path("out" + std::to_string(static_cast<int>(rate)));
        const auto r = runDemix({"separate", dir.path(name), "--components", "2", "--iterations",
                                 "10", "--quiet", "-o", out});
        INFO(rate << " Hz, " << channels << " channels: " << r.err);
        REQUIRE(r.exitCode == 0);
        const auto a = readWav(out + "/component-1.wav");
        const auto b = readWav(out + "/component-2.wav");
        CHECK(a.sampleRate == rate);
        CHECK(a.numChannels() == static_cast<std::size_t>(channels));
        CHECK(a.numSamples() == mix.numSamples());
        const auto read = readWav(dir.path(name));
        CHECK(relativeMaxError(read, sum(a, b)) <= 1e-5);
        CHECK(readBytes(dir.path(name)) == before);
    }
}

TEST_CASE("a library from another FFT size, or a corrupt one, is refused", "[library]") {
    TempDir dir;
    writeWav(dir.path("train.wav"), tone(200.0, 4, 1.0, 44100.0, 1));
    REQUIRE(runDemix({"learn", dir.path("train.wav"), "--name", "keys", "-k", "3", "--fft", "1024",
                      "--iterations", "20", "--quiet", "-o", dir.path("keys.dmxt")})
                .exitCode == 0);

    writeWav(dir.path("mix44k.wav"), tone(200.0, 4, 1.0, 44100.0, 1));
    auto r = runDemix({"separate", dir.path("mix44k.wav"), "--templates", dir.path("keys.dmxt"),
                  "--fft", "2048", "--quiet", "-o", dir.path("out")});
    expectError(r, 2, "--fft", "2048");
    CHECK_THAT(r.err, Catch::Contains("1024"));

    // The library's hop is the default even when its FFT size is given explicitly.
    REQUIRE(runDemix({"learn", dir.path("train.wav"), "--name", "h", "-k", "3", "--fft", "1024",
                      "--hop", "128", "--iterations", "10", "--quiet", "-o", dir.path("h.dmxt")})
                .exitCode == 0);
    r = runDemix({"separate", dir.path("mix44k.wav"), "--templates", dir.path("h.dmxt"), "--fft",
                  "1024", "--iterations", "10", "--quiet", "-o", dir.path("ok")});
    INFO(r.err);
    CHECK(r.exitCode == 0);
    r = runDemix({"separate", dir.path("mix44k.wav"), "--templates", dir.path("h.dmxt"), "--hop",
                  "256", "--quiet", "-o", dir.path("out")});
    expectError(r, 2, "--hop 256", "learned with --hop 128");

    // Two libraries with different FFT sizes cannot be combined.
    REQUIRE(runDemix({"learn", dir.path("train.wav"), "--name", "other", "-k", "3", "--fft", "2048",
                      "--iterations", "20", "--quiet", "-o", dir.path("other.dmxt")})
                .exitCode == 0);
    r = runDemix({"separate", dir.path("mix44k.wav"), "--templates", dir.path("keys.dmxt"),
                  "--templates", dir.path("other.dmxt"), "--quiet", "-o", dir.path("out")});
    expectError(r, 2, "other.dmxt", "");
    CHECK(noStems(dir));

    const std::string lib = readBytes(dir.path("keys.dmxt"));
    std::string flipped = lib;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
    writeBytes(dir.path("flipped.dmxt"), flipped);
    writeBytes(dir.path("short.dmxt"), lib.substr(0, lib.size() / 3));
    writeBytes(dir.path("text.dmxt"), "not a library at all");
    for (const char* bad : {"flipped.dmxt", "short.dmxt", "text.dmxt"}) {
        r = runDemix({"separate", dir.path("mix44k.wav"), "--templates", dir.path(bad), "--quiet",
                      "-o", dir.path("out")});
        expectError(r, 2, bad, "not a valid template library");
        r = runDemix({"info", dir.path(bad)});
        expectError(r, 2, bad, "not a valid template library");
    }
    expectError(runDemix({"info", dir.path("none.dmxt")}), 2, "none.dmxt", "not found");
    CHECK(noStems(dir));
}

TEST_CASE("an unwritable output folder is refused before any work", "[bad-input]") {
    TempDir dir;
    writeWav(dir.path("mix.wav"), tone(200.0, 3, 0.5, kRate, 1));
    writeBytes(dir.path("file"), "x");
    auto r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--quiet", "-o",
                       dir.path("file/sub")});
    expectError(r, 2, "file/sub", "cannot create the output folder");
    r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--quiet", "-o", dir.path("file")});
    expectError(r, 2, "file", "is an existing file");
    r = runDemix({"learn", dir.path("mix.wav"), "--name", "x", "-k", "2", "--quiet", "-o",
                  dir.path("file/x.dmxt")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("file"));
    if (::geteuid() != 0) {  // root may write anywhere: the permission case needs a user
        juce::File(dir.path("locked")).createDirectory();
        ::chmod(dir.path("locked").c_str(), 0555);
        r = runDemix({"separate", dir.path("mix.wav"), "--components", "2", "--quiet", "-o",
                      dir.path("locked")});
        expectError(r, 2, "locked", "not writable");
    }
    // Refusing to overwrite the input with a stem.
    writeWav(dir.path("component-1.wav"), tone(200.0, 3, 0.5, kRate, 1));
    const std::string before = readBytes(dir.path("component-1.wav"));
    r = runDemix({"separate", dir.path("component-1.wav"), "--components", "2", "--quiet", "-o", dir.path()});
    expectError(r, 2, "component-1.wav", "overwrite the input");
    CHECK(readBytes(dir.path("component-1.wav")) == before);
}

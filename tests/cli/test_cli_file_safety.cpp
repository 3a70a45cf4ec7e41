// What keeps Demix from losing a user's file (docs/guarantees.md): outputs compared with
// every input by file identity, names checked before any work, a failed run keeping none
// of its stems, temporary files removed only when their writer is gone, one process per
// batch output folder, and hostile inputs (FIFO, cut-off FLAC, absurd headers or samples,
// absurd libraries) refused with a clear message instead of a hang or silence.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "file_safety.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <juce_audio_formats/juce_audio_formats.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace demix;
using namespace demix::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "30", "--quiet"};

std::vector<std::string> fast(std::vector<std::string> args) {
    args.insert(args.end(), kFast.begin(), kFast.end());
    return args;
}

void expectError(const RunResult& r, int code, const std::string& what) {
    INFO("stderr: " << r.err << "\nstdout: " << r.out);
    CHECK(r.exitCode == code);
    CHECK_THAT(r.err + r.out, Catch::Contains(what));
}

AudioBuffer song() { return sum(tone(220.0, 5, 2.0, 16000.0, 1, 0.3, 0.5), hats(2.0, 16000.0, 1, 3)); }

bool hasPartials(const std::string& dir) {
    if (!fs::is_directory(dir)) return false;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".partial-") != std::string::npos) return true;
    return false;
}

/// A library learned from `clip` named `name`, at `path`.
void learn(const TempDir& dir, const std::string& name, const std::string& path) {
    writeWav(dir.path("train-" + name + ".wav"), song());
    const auto r = runDemix(fast({"learn", dir.path("train-" + name + ".wav"), "--name", name, "-k", "3",
                                  "-o", path}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
}

/// The library at `path` with its payload edited and the CRC-32 fixed (zlib's, as the
/// format uses; computed here bit by bit so the test does not share the engine's code).
void editLibrary(const std::string& path, const std::function<void(std::string&)>& edit) {
    std::string bytes = readBytes(path);
    edit(bytes);
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 20; i + 4 < bytes.size(); ++i) {
        crc ^= static_cast<unsigned char>(bytes[i]);
        for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xFFFFFFFFu;
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<char>(crc >> (8 * i));
    writeBytes(path, bytes);
}

void writeFlac(const std::string& path, const AudioBuffer& audio) {
    juce::File file(path);
    file.deleteFile();
    auto stream = std::make_unique<juce::FileOutputStream>(file);
    juce::FlacAudioFormat flac;
    std::unique_ptr<juce::AudioFormatWriter> writer(flac.createWriterFor(
        stream.get(), audio.sampleRate, static_cast<unsigned>(audio.numChannels()), 16, {}, 0));
    REQUIRE(writer != nullptr);
    stream.release();
    std::vector<const float*> src;
    for (const auto& ch : audio.channels) src.push_back(ch.data());
    REQUIRE(writer->writeFromFloatArrays(src.data(), static_cast<int>(src.size()),
                                         static_cast<int>(audio.numSamples())));
}

/// A WAV header (and `dataBytes` zero bytes) with the given fmt fields.
std::string wavHeader(unsigned tag, unsigned channels, unsigned bits, std::uint32_t dataBytes) {
    auto u16 = [](unsigned v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; };
    auto u32 = [&](std::uint32_t v) { return u16(v & 0xFFFF) + u16(v >> 16); };
    const std::uint32_t rate = 16000, block = channels * bits / 8;
    return "RIFF" + u32(36 + dataBytes) + "WAVE" + "fmt " + u32(16) + u16(tag) + u16(channels) + u32(rate) +
           u32(rate * block) + u16(block & 0xFFFF) + u16(bits) + "data" + u32(dataBytes) +
           std::string(dataBytes, '\0');
}

}  // namespace

TEST_CASE("an output reached through a link is refused when it is the input", "[files][safety]") {
    TempDir dir;
    writeWav(dir.path("song.wav"), song());
    fs::create_directories(dir.path("d"));
    fs::copy_file(dir.path("song.wav"), dir.path("d/source-1.wav"));
    const std::string before = readBytes(dir.path("d/source-1.wav"));
    fs::create_directory_symlink(dir.path("d"), dir.path("L"));
    // -o through a folder link: L/source-1.wav is the input d/source-1.wav.
    auto r = runDemix(fast({"separate", dir.path("d/source-1.wav"), "--components", "4", "--sources", "2",
                            "-o", dir.path("L")}));
    expectError(r, 2, "would overwrite the input");
    CHECK(readBytes(dir.path("d/source-1.wav")) == before);
    CHECK_FALSE(exists(dir.path("d/source-2.wav")));  // refused before any work
    // The input is a link to a stem path.
    fs::create_directories(dir.path("e"));
    fs::copy_file(dir.path("song.wav"), dir.path("e/source-1.wav"));
    fs::create_symlink(dir.path("e/source-1.wav"), dir.path("in.wav"));
    r = runDemix(fast({"separate", dir.path("in.wav"), "--components", "4", "--sources", "2", "-o", dir.path("e")}));
    expectError(r, 2, "the same file, through a link");
    CHECK(readBytes(dir.path("e/source-1.wav")) == before);
    // A hard link counts too; so does learn's -o.
    fs::create_hard_link(dir.path("song.wav"), dir.path("hard.wav"));
    r = runDemix(fast({"learn", dir.path("song.wav"), "--name", "x", "-o", dir.path("hard.wav")}));
    expectError(r, 2, "would overwrite the input");
    CHECK(readBytes(dir.path("song.wav")) == before);
}

TEST_CASE("separate --realtime keeps the same protections as every separation", "[files][safety]") {
    TempDir dir;
    learn(dir, "tones", dir.path("tones.dmxt"));
    learn(dir, "Tones", dir.path("Tones.dmxt"));
    fs::create_directories(dir.path("d"));
    writeWav(dir.path("d/residual.wav"), song());
    const std::string before = readBytes(dir.path("d/residual.wav"));
    fs::create_directory_symlink(dir.path("d"), dir.path("L"));
    // -o through a folder link: L/residual.wav is the mix d/residual.wav.
    auto r = runDemix({"separate", dir.path("d/residual.wav"), "--realtime", "--templates", dir.path("tones.dmxt"),
                       "-o", dir.path("L"), "--quiet"});
    expectError(r, 2, "would overwrite the input");
    CHECK(readBytes(dir.path("d/residual.wav")) == before);
    CHECK_FALSE(exists(dir.path("d/tones.wav")));  // refused before any work
    // Two sources whose names are one file on a case-insensitive file system.
    writeWav(dir.path("mix.wav"), song());
    r = runDemix({"separate", dir.path("mix.wav"), "--realtime", "--templates", dir.path("tones.dmxt"),
                  "--templates", dir.path("Tones.dmxt"), "-o", dir.path("out"), "--quiet"});
    expectError(r, 2, "must differ as file names");
    CHECK_FALSE(exists(dir.path("out/tones.wav")));
    // A good run writes every stem and leaves no temporary file.
    r = runDemix({"separate", dir.path("mix.wav"), "--realtime", "--templates", dir.path("tones.dmxt"),
                  "-o", dir.path("out"), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(exists(dir.path("out/tones.wav")));
    CHECK(exists(dir.path("out/residual.wav")));
    CHECK_FALSE(hasPartials(dir.path("out")));
}

TEST_CASE("a --json output naming the input or a library is refused before any work", "[files][safety]") {
    TempDir dir;
    writeWav(dir.path("m.wav"), song());
    learn(dir, "bass", dir.path("lib.dmxt"));
    const std::string mix = readBytes(dir.path("m.wav")), lib = readBytes(dir.path("lib.dmxt"));
    for (const std::string target : {"m.wav", "lib.dmxt"}) {
        CAPTURE(target);
        auto r = runDemix(fast({"separate", dir.path("m.wav"), "--templates", dir.path("lib.dmxt"), "--free", "2",
                                "-o", dir.path("out"), "--json", dir.path(target)}));
        expectError(r, 2, "would overwrite the input");
        r = runDemix(fast({"batch", dir.path("m.wav"), "--templates", dir.path("lib.dmxt"), "--free", "2",
                           "-o", dir.path("bout"), "--json", dir.path(target)}));
        expectError(r, 2, "would overwrite the input");
    }
    CHECK(readBytes(dir.path("m.wav")) == mix);
    CHECK(readBytes(dir.path("lib.dmxt")) == lib);
    CHECK_FALSE(exists(dir.path("out/bass.wav")));
    // A folder as the report, or the output folder itself: refused before the stems.
    fs::create_directories(dir.path("reports"));
    auto r = runDemix(fast({"separate", dir.path("m.wav"), "--components", "2", "-o", dir.path("out"), "--json",
                            dir.path("reports")}));
    expectError(r, 2, "is a folder");
    r = runDemix(fast({"separate", dir.path("m.wav"), "--components", "2", "-o", dir.path("out2"), "--json",
                       dir.path("out2")}));
    expectError(r, 2, "is the output folder");
    CHECK_FALSE(exists(dir.path("out/component-1.wav")));
    CHECK_FALSE(exists(dir.path("out2/component-1.wav")));
    r = runDemix(fast({"separate", dir.path("m.wav"), "--templates=", "-o", dir.path("out")}));
    expectError(r, 2, "--templates= needs a value");
}

TEST_CASE("source names: duplicates as file names and unusable names are refused", "[names][safety]") {
    TempDir dir;
    writeWav(dir.path("m.wav"), song());
    learn(dir, "drums", dir.path("a.dmxt"));
    learn(dir, "Drums", dir.path("b.dmxt"));
    auto r = runDemix(fast({"separate", dir.path("m.wav"), "-t", dir.path("a.dmxt"), "-t", dir.path("b.dmxt"),
                            "-o", dir.path("out")}));
    expectError(r, 2, "(the same file name)");
    CHECK_FALSE(exists(dir.path("out")));
    // learn refuses what a library may not hold.
    for (const std::string name : {"dr\xFFums", "x\x1B[31m", "a/b", "CON", ".hidden"}) {
        CAPTURE(name);
        r = runDemix(fast({"learn", dir.path("m.wav"), "--name", name, "-o", dir.path("bad.dmxt")}));
        expectError(r, 2, "source name");
        CHECK(r.err.find('\x1B') == std::string::npos);
        CHECK_FALSE(exists(dir.path("bad.dmxt")));
    }
    // A library edited to hold a terminal escape: load refuses it, info prints no raw byte.
    fs::copy_file(dir.path("a.dmxt"), dir.path("esc.dmxt"));
    editLibrary(dir.path("esc.dmxt"), [](std::string& b) { b.replace(b.find("drums"), 5, "d\x1B[1m"); });
    r = runDemix({"info", dir.path("esc.dmxt")});
    expectError(r, 2, "control character");
    CHECK(r.err.find('\x1B') == std::string::npos);
    CHECK(r.out.find('\x1B') == std::string::npos);
    r = runDemix(fast({"separate", dir.path("m.wav"), "-t", dir.path("esc.dmxt"), "-o", dir.path("out")}));
    expectError(r, 2, "control character");
    CHECK_FALSE(exists(dir.path("out")));
}

TEST_CASE("a library with an absurd sample rate is refused at once, not resampled for ever",
          "[library][safety]") {
    TempDir dir;
    writeWav(dir.path("m.wav"), song());
    learn(dir, "bass", dir.path("bass.dmxt"));
    learn(dir, "hats", dir.path("hats.dmxt"));
    fs::copy_file(dir.path("bass.dmxt"), dir.path("tiny.dmxt"));
    editLibrary(dir.path("tiny.dmxt"), [](std::string& b) {
        const double rate = 1e-7;
        std::memcpy(&b[20], &rate, 8);
    });
    auto r = runDemix(fast({"separate", dir.path("m.wav"), "-t", dir.path("tiny.dmxt"), "-o", dir.path("out")}),
                      "", 30.0);
    expectError(r, 2, "outside 1000 to 768000 Hz");
    r = runDemix(fast({"separate", dir.path("m.wav"), "--components", "4", "--group-by", dir.path("tiny.dmxt"),
                       "--group-by", dir.path("hats.dmxt"), "-o", dir.path("out")}),
                 "", 30.0);
    expectError(r, 2, "outside 1000 to 768000 Hz");
}

TEST_CASE("a batch input whose folder name is not plain writes nothing outside -o", "[batch][safety]") {
    TempDir dir;
    fs::create_directories(dir.path("in"));
    fs::create_directories(dir.path("parent/out"));
    writeWav(dir.path("in/...wav"), song());
    writeBytes(dir.path("parent/.demix-complete"), "someone else's record");
    const auto r = runDemix(fast({"batch", dir.path("in/...wav"), "--components", "2", "-o", dir.path("parent/out")}));
    expectError(r, 1, "is not a plain");
    CHECK(readBytes(dir.path("parent/.demix-complete")) == "someone else's record");
    CHECK_FALSE(exists(dir.path("parent/component-1.wav")));
}

TEST_CASE("two batches on one folder: a locked input is left to its owner, stale files only go",
          "[batch][safety]") {
    TempDir dir;
    fs::create_directories(dir.path("in"));
    writeWav(dir.path("in/a.wav"), song());
    writeWav(dir.path("in/b.wav"), song());
    fs::create_directories(dir.path("out/a"));
    fs::create_directories(dir.path("out/b"));
    // Another process at work in out/a: its lock is held and its temporary file is live.
    cli::FolderLock other;
    long owner = 0;
    REQUIRE(other.tryLock(dir.path("out/a"), owner));
    const std::string live = ".component-1.wav.partial-" + std::to_string(::getpid()) + "-7";
    writeBytes(dir.path("out/a/" + live), "being written");
    writeBytes(dir.path("out/b/" + live), "being written");
    const std::string stale = ".component-1.wav.partial-" + std::to_string(exitedProcessId()) + "-0";
    writeBytes(dir.path("out/b/" + stale), "left by a killed run");
    auto r = runDemix(fast({"batch", dir.path("in"), "--components", "2", "-o", dir.path("out")}));
    expectError(r, 1, "another demix process (PID " + std::to_string(::getpid()) + ")");
    CHECK_THAT(r.out, Catch::Contains("1 separated"));
    CHECK_FALSE(exists(dir.path("out/a/component-1.wav")));
    CHECK(exists(dir.path("out/b/component-1.wav")));
    CHECK(readBytes(dir.path("out/a/" + live)) == "being written");
    CHECK(readBytes(dir.path("out/b/" + live)) == "being written");  // a live writer's file stays
    CHECK_FALSE(exists(dir.path("out/b/" + stale)));                 // a gone writer's goes
    // The lock released (as when its process ends, however it ends): the next run does it.
    other.~FolderLock();
    new (&other) cli::FolderLock();
    r = runDemix(fast({"batch", dir.path("in"), "--components", "2", "-o", dir.path("out")}));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("1 separated, 1 skipped"));
}

TEST_CASE("separate removes temporary files of killed runs and keeps no stem of a failed run",
          "[files][safety]") {
    TempDir dir;
    writeWav(dir.path("m.wav"), song());
    fs::create_directories(dir.path("out"));
    const std::string stale = ".source-1.wav.partial-" + std::to_string(exitedProcessId()) + "-c3";
    writeBytes(dir.path("out/" + stale), "left by kill -9");
    auto r = runDemix(fast({"separate", dir.path("m.wav"), "--components", "4", "--sources", "2", "-o",
                            dir.path("out")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_FALSE(exists(dir.path("out/" + stale)));
    // A failure while the stems are put in place (source-2.wav is a folder): the stem
    // already replaced gets its old content back; nothing of the run is kept.
    for (const std::string chunk : {"0", "1"}) {
        CAPTURE(chunk);
        writeBytes(dir.path("out/source-1.wav"), "an earlier run's stem");
        fs::remove_all(dir.path("out/source-2.wav"));
        fs::create_directories(dir.path("out/source-2.wav"));
        r = runDemix(fast({"separate", dir.path("m.wav"), "--components", "4", "--sources", "2", "--chunk", chunk,
                           "-o", dir.path("out")}));
        expectError(r, 1, "no stem of this run was kept");
        CHECK(readBytes(dir.path("out/source-1.wav")) == "an earlier run's stem");
        CHECK_FALSE(hasPartials(dir.path("out")));
    }
}

TEST_CASE("a FIFO input is refused before it is opened, in separate, batch and learn", "[bad-input][safety]") {
    TempDir dir;
    REQUIRE(::mkfifo(dir.path("pipe.wav").c_str(), 0600) == 0);
    REQUIRE(::mkfifo(dir.path("pipe.dmxt").c_str(), 0600) == 0);
    writeWav(dir.path("m.wav"), song());
    expectError(runDemix(fast({"separate", dir.path("pipe.wav"), "--components", "2", "-o", dir.path("o")}), "", 30.0),
                2, "FIFO");
    expectError(runDemix(fast({"batch", dir.path("pipe.wav"), "--components", "2", "-o", dir.path("o")}), "", 30.0), 1,
                "FIFO");
    expectError(runDemix(fast({"learn", dir.path("pipe.wav"), "--name", "x", "-o", dir.path("x.dmxt")}), "", 30.0), 2,
                "FIFO");
    expectError(runDemix(fast({"separate", dir.path("m.wav"), "-t", dir.path("pipe.dmxt"), "-o", dir.path("o")}), "",
                         30.0),
                2, "FIFO");
}

TEST_CASE("FLAC input separates; a cut-off FLAC is refused, not padded with silence", "[formats][safety]") {
    TempDir dir;
    const AudioBuffer mix = sum(tone(220.0, 5, 3.0, 16000.0, 2, 0.3, 0.5), hats(3.0, 16000.0, 2, 5));
    writeFlac(dir.path("m.flac"), mix);
    auto r = runDemix(fast({"separate", dir.path("m.flac"), "--components", "4", "--sources", "2", "-o",
                            dir.path("out")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const AudioBuffer decoded = readWav(dir.path("m.flac"));
    CHECK(relativeMaxError(decoded, sum(readWav(dir.path("out/source-1.wav")),
                                        readWav(dir.path("out/source-2.wav")))) <= 1e-5);
    CHECK(relativeMaxError(mix, decoded) <= 1e-3);  // 16-bit
    // The same file cut in half: whole-file and chunked reading both refuse it.
    const std::string bytes = readBytes(dir.path("m.flac"));
    writeBytes(dir.path("cut.flac"), bytes.substr(0, bytes.size() / 2));
    for (const std::string chunk : {"0", "1"}) {
        CAPTURE(chunk);
        r = runDemix(fast({"separate", dir.path("cut.flac"), "--components", "4", "--chunk", chunk, "-o",
                           dir.path("cut")}));
        expectError(r, 2, "is truncated");
        CHECK_FALSE(exists(dir.path("cut/component-1.wav")));
    }
    expectError(runDemix(fast({"learn", dir.path("cut.flac"), "--name", "x", "-o", dir.path("x.dmxt")})), 2,
                "is truncated");
}

TEST_CASE("a FLAC declaring more samples than its size can hold is refused before reading", "[formats][safety]") {
    TempDir dir;
    const AudioBuffer mix = tone(220.0, 5, 1.0, 16000.0, 2, 0.3, 0.5);
    writeFlac(dir.path("m.flac"), mix);
    const std::string bytes = readBytes(dir.path("m.flac"));
    REQUIRE(bytes.substr(0, 4) == "fLaC");
    // STREAMINFO (from byte 8): the low 36 bits of the 8 bytes at 18..25 are the total
    // sample count (JUCE reads its low 32). 2^32 - 1 samples in a file of a few kB: no
    // format packs that densely.
    auto withTotal = [&](std::uint64_t total) {
        std::string b = bytes;
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[18 + i]);
        v = (v & ~((std::uint64_t{1} << 36) - 1)) | total;
        for (int i = 7; i >= 0; --i, v >>= 8) b[18 + i] = static_cast<char>(v & 0xFF);
        return b;
    };
    writeBytes(dir.path("huge.flac"), withTotal(0xFFFFFFFFu));
    const std::string size = std::to_string(bytes.size());
    try {
        cli::readAudioFile(dir.path("huge.flac"));
        FAIL("accepted");
    } catch (const cli::InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("huge.flac") &&
                                 Catch::Contains("declares 4294967295 samples per channel") &&
                                 Catch::Contains("a file of " + size + " bytes"));
    }
    expectError(runDemix(fast({"separate", dir.path("huge.flac"), "--components", "4", "-o", dir.path("o")})), 2,
                "more than a file of " + size + " bytes can hold");
    // A false length the size allows (4x the real one): read block by block, refused at
    // the first padded block as cut off.
    writeBytes(dir.path("long.flac"), withTotal(4 * 16000));
    CHECK_THROWS_WITH(cli::readAudioFile(dir.path("long.flac")), Catch::Contains("is truncated"));
    // The real length reads back whole, no longer and no shorter.
    const AudioBuffer back = cli::readAudioFile(dir.path("m.flac"));
    CHECK(back.numSamples() == mix.numSamples());
    CHECK(relativeMaxError(mix, back) <= 1e-3);
}

TEST_CASE("a WAV chunk declaring more bytes than the file holds is refused before JUCE reads it", "[formats][safety]") {
    // A fuzzer's finding: a "bext" chunk declaring ~4 GB made JUCE's WAV reader allocate it.
    TempDir dir;
    auto u32 = [](std::uint32_t v) {
        std::string b(4, '\0');
        for (int i = 0; i < 4; ++i) b[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
        return b;
    };
    const std::string wav = wavHeader(1, 1, 16, 3200);
    writeBytes(dir.path("bext.wav"), wav + "bext" + u32(0xF0000000u) + std::string(64, 'x'));
    const std::string size = std::to_string(wav.size() + 8 + 64);
    CHECK_THROWS_WITH(cli::readAudioFile(dir.path("bext.wav")),
                      Catch::Contains("bext.wav") && Catch::Contains("'bext' chunk declares 4026531840 bytes") &&
                          Catch::Contains("(" + size + " bytes)"));
    expectError(runDemix(fast({"separate", dir.path("bext.wav"), "--components", "2", "-o", dir.path("o")})), 2,
                "beyond the end of the file");
    // The same chunk with its true size is read, and the audio is all there.
    writeBytes(dir.path("ok.wav"), wav + "bext" + u32(64) + std::string(64, 'x'));
    CHECK(cli::readAudioFile(dir.path("ok.wav")).numSamples() == 1600);
}

TEST_CASE("the audio fuzzer's seeds and kept findings replay through the reader", "[formats][safety]") {
    // The same invariants as tests/fuzz/fuzz_audio.cpp, without the sanitizers: a file is
    // refused with a message naming it, or read with 1..64 equal, finite channels.
    TempDir dir;
    int refused = 0, read = 0;
    for (const char* folder : {"/corpus/fuzz_audio", "/regressions/fuzz_audio"}) {
        for (const auto& entry : std::filesystem::directory_iterator(std::string(DEMIX_FUZZ_INPUTS) + folder)) {
            const std::string head = readBytes(entry.path().string()).substr(0, 4);
            const std::string ext = head == "fLaC" ? ".flac" : head == "OggS" ? ".ogg" : head == "FORM" ? ".aiff" : ".wav";
            const std::string copy = dir.path(entry.path().filename().string() + ext);
            writeBytes(copy, readBytes(entry.path().string()));
            CAPTURE(copy);
            try {
                const AudioBuffer a = cli::readAudioFile(copy);
                REQUIRE(a.numChannels() >= 1);
                REQUIRE(a.numChannels() <= 64);
                for (const auto& ch : a.channels) {
                    CHECK(ch.size() == a.numSamples());
                    for (float v : ch) REQUIRE(std::isfinite(v));
                }
                ++read;
            } catch (const cli::InputError& e) {
                CHECK_THAT(e.what(), Catch::Contains(entry.path().filename().string()));
                ++refused;
            }
        }
    }
    CHECK(read >= 6);     // the seeds
    CHECK(refused >= 2);  // the kept length and chunk findings
}

TEST_CASE("odd headers and absurd samples get a message that names the problem", "[bad-input][safety]") {
    TempDir dir;
    writeBytes(dir.path("f64.wav"), wavHeader(3, 1, 64, 8 * 1600));
    expectError(runDemix(fast({"separate", dir.path("f64.wav"), "--components", "2", "-o", dir.path("o")})), 2,
                "64-bit floating-point WAV");
    writeBytes(dir.path("many.wav"), wavHeader(1, 65535, 16, 65535u * 2));
    expectError(runDemix(fast({"separate", dir.path("many.wav"), "--components", "2", "-o", dir.path("o")})), 2,
                "65535 channels; at most 64");
    AudioBuffer loud = song();
    loud.channels[0][100] = 3e38f;
    loud.channels[0][200] = -3e38f;
    writeWav(dir.path("loud.wav"), loud);
    expectError(runDemix(fast({"separate", dir.path("loud.wav"), "--components", "2", "-o", dir.path("o")})), 2,
                "2 samples beyond");
    expectError(runDemix(fast({"learn", dir.path("loud.wav"), "--name", "x", "-o", dir.path("x.dmxt")})), 2,
                "first at sample 100");
    CHECK_FALSE(exists(dir.path("o")));
}

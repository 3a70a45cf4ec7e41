// Loader rules every face gets through the engine: a library's fields are validated at
// load time (sample rate, names, duplicate names as file names), resampling work is
// bounded, non-regular files are refused before opening, file identity sees links.
#include "demix/file_names.hpp"
#include "demix/template_library.hpp"

#include "../../engine/src/crc32.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>

using namespace demix;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("demix-validation-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

TemplateLibrary twoSources(const std::string& a, const std::string& b) {
    TemplateLibrary library;
    library.settings.sampleRate = 16000.0;
    library.settings.stft.fftSize = 64;
    library.settings.stft.hop = 16;
    for (const auto& name : {a, b}) {
        Matrix W = Matrix::Constant(33, 2, 1.0f / 33.0f);
        library.sources.push_back({name, W, {}});
    }
    return library;
}

/// The bytes of `library` with the payload edited by `edit` and the checksum fixed.
std::vector<std::uint8_t> edited(const TemplateLibrary& library,
                                 const std::function<void(std::vector<std::uint8_t>&)>& edit) {
    std::vector<std::uint8_t> bytes = library.serialize();
    edit(bytes);
    const std::uint32_t crc = detail::crc32(bytes.data() + 20, bytes.size() - 24);
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    return bytes;
}

void putRate(std::vector<std::uint8_t>& bytes, double rate) { std::memcpy(bytes.data() + 20, &rate, 8); }

/// Replaces the first occurrence of `from` in the bytes by `to` (same length).
void replaceName(std::vector<std::uint8_t>& bytes, const std::string& from, const std::string& to) {
    REQUIRE(from.size() == to.size());
    auto it = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
    REQUIRE(it != bytes.end());
    std::copy(to.begin(), to.end(), it);
}

}  // namespace

TEST_CASE("a library whose sample rate is absurd is refused at load time", "[library][validation]") {
    const TemplateLibrary good = twoSources("bass", "hats");
    for (const double rate : {1e-6, 0.0, -44100.0, 999.0, 768001.0, 1e300}) {
        CAPTURE(rate);
        const auto bytes = edited(good, [&](auto& b) { putRate(b, rate); });
        REQUIRE_THROWS_AS(TemplateLibrary::deserialize(bytes.data(), bytes.size()), LibraryError);
        REQUIRE_THROWS_WITH(TemplateLibrary::deserialize(bytes.data(), bytes.size()),
                            Catch::Contains("sample rate") && Catch::Contains("outside 1000 to 768000 Hz"));
    }
    const auto nan = edited(good, [&](auto& b) { putRate(b, std::nan("")); });
    REQUIRE_THROWS_AS(TemplateLibrary::deserialize(nan.data(), nan.size()), LibraryError);
    const auto edge = edited(good, [&](auto& b) { putRate(b, 1000.0); });
    CHECK(TemplateLibrary::deserialize(edge.data(), edge.size()).settings.sampleRate == 1000.0);
}

TEST_CASE("source names must be portable file names, checked on load and save", "[library][validation]") {
    const TemplateLibrary good = twoSources("bass", "hats");
    // Same-length replacements of "hats" in the file's bytes.
    const std::vector<std::pair<std::string, std::string>> bad{
        {"h\xFF" "ts", "not valid UTF-8"},     {"h\x1B[m", "control character"},
        {"h\xC2\x9B" "t", "control character"}, {"h/ts", "contains '/'"},
        {"h:ts", "contains ':'"},               {".hat", "starts with '.'"},
        {"hat ", "ends with"},                  {"con.", "ends with"},
        {"NUL1", ""}};
    for (const auto& [name, problem] : bad) {
        CAPTURE(name);
        const auto bytes = edited(good, [&](auto& b) { replaceName(b, "hats", name); });
        if (problem.empty()) {  // "NUL1" is not a device name: accepted
            CHECK(TemplateLibrary::deserialize(bytes.data(), bytes.size()).sources[1].name == name);
            continue;
        }
        REQUIRE_THROWS_AS(TemplateLibrary::deserialize(bytes.data(), bytes.size()), LibraryError);
        REQUIRE_THROWS_WITH(TemplateLibrary::deserialize(bytes.data(), bytes.size()), Catch::Contains(problem));
        // The message never carries the raw bytes.
        try {
            TemplateLibrary::deserialize(bytes.data(), bytes.size());
        } catch (const LibraryError& e) {
            for (const char c : std::string(e.what()))
                CHECK(static_cast<unsigned char>(c) >= 0x20);
        }
        REQUIRE_THROWS_AS(twoSources("bass", name).serialize(), LibraryError);
    }
    CHECK_THROWS_WITH(twoSources("bass", "AUX").serialize(), Catch::Contains("device name"));
    CHECK_THROWS_WITH(twoSources("bass", "").serialize(), Catch::Contains("is empty"));
    CHECK_THROWS_WITH(twoSources("bass", std::string(201, 'a')).serialize(), Catch::Contains("longer than 200"));
    CHECK_NOTHROW(twoSources("bass", "voix \xC3\xA9t\xC3\xA9 #2").serialize());
}

TEST_CASE("two sources mapping to one file name are refused in a library and in a merge",
          "[library][validation]") {
    CHECK_THROWS_WITH(twoSources("drums", "drums").serialize(),
                      Catch::Contains("same name as source 1") && Catch::Contains("'drums'"));
    const auto bytes = edited(twoSources("drums", "hats!"), [](auto& b) { replaceName(b, "hats!", "DRUMS"); });
    CHECK_THROWS_WITH(TemplateLibrary::deserialize(bytes.data(), bytes.size()),
                      Catch::Contains("same name as source 1") && Catch::Contains("'DRUMS'"));
    TemplateLibrary a = twoSources("kick", "snare");
    const TemplateLibrary b = twoSources("Kick", "hats");
    CHECK_THROWS_WITH(a.merge(b, "b.dmxt"), Catch::Contains("'Kick'") && Catch::Contains("as 'kick'"));
    CHECK(a.sources.size() == 2);  // unchanged
}

TEST_CASE("resampling work is bounded whatever the grids", "[library][validation]") {
    Matrix W = Matrix::Constant(33, 2, 1.0f / 33.0f);
    // The widest ratio allowed: every target bin averages over up to 2^19 periods of the
    // source spectrum; counted whole, so this is instant (the old loop ran ~1e11 steps).
    const Matrix out = resampleTemplates(W, kMinLibrarySampleRate, 1 << 20 >> 14, kMaxLibrarySampleRate, 4);
    REQUIRE(out.rows() == 3);
    for (Eigen::Index k = 0; k < out.cols(); ++k) {
        CHECK(out.col(k).allFinite());
        CHECK(out.col(k).sum() == Approx(1.0f));
    }
    CHECK_THROWS_AS(resampleTemplates(W, 1e-6, 64, 44100.0, 64), InvalidArgument);
    CHECK_THROWS_AS(resampleTemplates(W, 16000.0, 64, 1e9, 64), InvalidArgument);
    // Ordinary grids give what the direct sum gives: 16 kHz -> 48 kHz, 3 source bins each.
    Matrix ramp(33, 1);
    for (int f = 0; f < 33; ++f) ramp(f, 0) = static_cast<float>(f + 1);
    const Matrix down = resampleTemplates(ramp, 16000.0, 64, 48000.0, 64);
    const double total = down.col(0).cast<double>().sum();
    CHECK(total == Approx(1.0));
    CHECK(down(1, 0) / down(2, 0) == Approx((3.0 + 4.0 + 5.0) / (6.0 + 7.0 + 8.0)));
}

TEST_CASE("a FIFO or folder is refused before it is opened", "[library][validation]") {
    Dir dir;
    const std::string fifo = dir.file("lib.dmxt");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Opening a FIFO for reading blocks until a writer comes: the check must come first.
    CHECK_THROWS_WITH(TemplateLibrary::load(fifo), Catch::Contains("FIFO"));
    CHECK(inputFileProblem(fifo).find("FIFO") != std::string::npos);
    CHECK(inputFileProblem(dir.path.string()) == "is a folder, not a file");
    CHECK(inputFileProblem(dir.file("none")) == "file not found");
}

TEST_CASE("file identity sees symbolic links, links through folders and hard links",
          "[files][validation]") {
    Dir dir;
    std::ofstream(dir.file("a.wav")) << "x";
    std::ofstream(dir.file("b.wav")) << "x";
    fs::create_directories(dir.file("d"));
    std::ofstream(dir.file("d/s.wav")) << "y";
    fs::create_symlink(dir.file("a.wav"), dir.file("link.wav"));
    fs::create_directory_symlink(dir.file("d"), dir.file("L"));
    fs::create_hard_link(dir.file("b.wav"), dir.file("hard.wav"));
    CHECK(sameFile(dir.file("a.wav"), dir.file("link.wav")));
    CHECK(sameFile(dir.file("d/s.wav"), dir.file("L/s.wav")));
    CHECK(sameFile(dir.file("b.wav"), dir.file("hard.wav")));
    CHECK_FALSE(sameFile(dir.file("a.wav"), dir.file("b.wav")));
    CHECK_FALSE(sameFile(dir.file("a.wav"), dir.file("missing.wav")));
    CHECK(fileIdentity(dir.file("missing.wav")).empty());
}

TEST_CASE("names: plain folder names, printable text, portable source names", "[files][validation]") {
    CHECK_FALSE(plainNameProblem("..").empty());
    CHECK_FALSE(plainNameProblem(".").empty());
    CHECK_FALSE(plainNameProblem("a/b").empty());
    CHECK_FALSE(plainNameProblem("").empty());
    CHECK(plainNameProblem(".hidden song").empty());
    CHECK(printable("a\x1B[31mb\xFF\n") == "a\\x1B[31mb\\xFF\\x0A");
    CHECK(printable("\xC3\xA9t\xC3\xA9") == "\xC3\xA9t\xC3\xA9");
    const std::vector<std::string> names{"Lead/vocal: 1", " .x. ", "", "con", "a\x1B" "b", std::string(300, 'z'),
                                         "\xFF\xFE", "voix \xC3\xA9t\xC3\xA9"};
    for (const std::string& name : names) {
        CAPTURE(name);
        const std::string portable = portableSourceName(name);
        CHECK(sourceNameProblem(portable).empty());
    }
    CHECK(portableSourceName("Lead/vocal: 1") == "Lead-vocal- 1");
    CHECK(fileNameKey("Drums") == fileNameKey("drums"));
}

#include "demix/template_library.hpp"

#include "../../engine/src/crc32.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

using namespace demix;
namespace fs = std::filesystem;

namespace {

/// A fresh empty directory under the system temp dir, removed at scope exit.
struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("demix-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

TemplateLibrary sampleLibrary(int fftSize = 64) {
    TemplateLibrary library;
    library.settings.sampleRate = 48000.0;
    library.settings.stft.fftSize = fftSize;
    library.settings.stft.hop = fftSize / 4;
    library.settings.stft.window = WindowType::SqrtHann;
    library.settings.objective = Objective::Beta;
    library.settings.beta = 0.5f;
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(0.0f, 1.0f);
    for (const char* name : {"kick", "snare", "voix \xC3\xA9t\xC3\xA9"}) {
        Matrix W(fftSize / 2 + 1, static_cast<int>(std::strlen(name)) % 4 + 1);
        for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = dist(rng);
        W.col(0).setZero();
        W(3, 0) = std::numeric_limits<float>::denorm_min();
        library.sources.push_back({name, W, {}});
    }
    return library;
}

std::vector<std::uint8_t> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void putU32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// Recomputes the trailing CRC after a deliberate edit of the payload.
void fixChecksum(std::vector<std::uint8_t>& bytes) {
    const std::size_t payload = bytes.size() - 20 - 4;
    putU32(bytes, bytes.size() - 4, detail::crc32(bytes.data() + 20, payload));
}

// Payload offsets of library v1 (see template_library.hpp): f64 rate, u32 fft, u32 hop,
// u32 window, u32 window length (0 here), u32 objective, f32 beta, u32 source count,
// then per source u32 name length, name, u32 rows, u32 cols, values.
constexpr std::size_t kPayload = 20;
constexpr std::size_t kSourceCountOffset = kPayload + 8 + 4 * 4 + 4 + 4;
constexpr std::size_t kFirstNameOffset = kSourceCountOffset + 4;
constexpr std::size_t kFirstColsOffset = kFirstNameOffset + 4 + 4 /*"kick"*/ + 4;
constexpr std::size_t kFirstValueOffset = kFirstColsOffset + 4;

bool bitIdentical(const TemplateLibrary& a, const TemplateLibrary& b) {
    if (a.settings.sampleRate != b.settings.sampleRate) return false;
    if (a.settings.stft.fftSize != b.settings.stft.fftSize || a.settings.stft.hop != b.settings.stft.hop ||
        a.settings.stft.window != b.settings.stft.window ||
        a.settings.stft.customWindow != b.settings.stft.customWindow ||
        a.settings.objective != b.settings.objective || a.settings.beta != b.settings.beta ||
        a.sources.size() != b.sources.size()) {
        return false;
    }
    const auto same = [](const Matrix& x, const Matrix& y) {
        return x.rows() == y.rows() && x.cols() == y.cols() &&
               std::memcmp(x.data(), y.data(), sizeof(float) * static_cast<std::size_t>(x.size())) == 0;
    };
    for (std::size_t s = 0; s < a.sources.size(); ++s) {
        if (a.sources[s].name != b.sources[s].name ||
            !same(a.sources[s].templates, b.sources[s].templates) ||
            a.sources[s].alternates.size() != b.sources[s].alternates.size()) {
            return false;
        }
        for (std::size_t m = 0; m < a.sources[s].alternates.size(); ++m)
            if (!same(a.sources[s].alternates[m], b.sources[s].alternates[m])) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("CRC-32 matches the standard check value", "[library]") {
    const char* text = "123456789";
    REQUIRE(detail::crc32(reinterpret_cast<const std::uint8_t*>(text), 9) == 0xCBF43926u);
    REQUIRE(detail::crc32(nullptr, 0) == 0u);
    // Running checksum over two pieces equals the one-shot value.
    const auto* p = reinterpret_cast<const std::uint8_t*>(text);
    REQUIRE(detail::crc32(p + 4, 5, detail::crc32(p, 4)) == 0xCBF43926u);
}

TEST_CASE("library serialize/deserialize and save/load round-trip bit-identically", "[library]") {
    const TemplateLibrary library = sampleLibrary();
    REQUIRE(library.totalComponents() == 1 + 2 + 3);  // name lengths 4, 5, 10 (bytes) % 4 + 1
    REQUIRE(library.find("snare") == 1);
    REQUIRE(library.find("hat") == -1);

    const std::vector<std::uint8_t> bytes = library.serialize();
    REQUIRE(std::memcmp(bytes.data(), "DMXTLIB\0", 8) == 0);
    REQUIRE(bitIdentical(TemplateLibrary::deserialize(bytes.data(), bytes.size()), library));

    TempDir dir;
    const std::string path = dir.file("lib.dmxt");
    library.save(path);
    REQUIRE(readBytes(path) == bytes);
    const TemplateLibrary loaded = TemplateLibrary::load(path);
    REQUIRE(bitIdentical(loaded, library));
    REQUIRE(loaded.serialize() == bytes);

    // Overwriting works and leaves no temporary file behind.
    TemplateLibrary smaller = library;
    smaller.sources.pop_back();
    smaller.save(path);
    REQUIRE(bitIdentical(TemplateLibrary::load(path), smaller));
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path)) {
        (void)entry;
        ++files;
    }
    REQUIRE(files == 1);

    // A custom window and an empty library round-trip too.
    TemplateLibrary custom;
    custom.settings.stft.fftSize = 8;
    custom.settings.stft.hop = 2;
    custom.settings.stft.window = WindowType::Custom;
    custom.settings.stft.customWindow = {0.f, 0.1f, 0.5f, 0.9f, 1.f, 0.9f, 0.5f, 0.1f};
    const auto customBytes = custom.serialize();
    REQUIRE(bitIdentical(TemplateLibrary::deserialize(customBytes.data(), customBytes.size()), custom));
}

TEST_CASE("loading a broken library file gives a clear LibraryError", "[library]") {
    TempDir dir;
    const std::string path = dir.file("broken.dmxt");
    const std::vector<std::uint8_t> good = sampleLibrary().serialize();
    const auto loadError = [&](const std::vector<std::uint8_t>& bytes) {
        writeBytes(path, bytes);
        try {
            TemplateLibrary::load(path);
        } catch (const LibraryError& e) {
            const std::string message = e.what();
            CHECK_THAT(message, Catch::Contains(path));
            return message;
        }
        FAIL("no LibraryError");
        return std::string();
    };

    SECTION("missing file") {
        REQUIRE_THROWS_WITH(TemplateLibrary::load(dir.file("nope.dmxt")),
                            Catch::Contains("cannot open") && Catch::Contains("nope.dmxt") &&
                                Catch::Contains("file not found"));
    }
    SECTION("empty and truncated files") {
        REQUIRE_THAT(loadError({}), Catch::Contains("truncated"));
        for (std::size_t keep : {std::size_t{5}, std::size_t{23}, std::size_t{40}, good.size() - 1}) {
            CAPTURE(keep);
            const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep));
            REQUIRE_THAT(loadError(cut), Catch::Contains("truncated"));
        }
    }
    SECTION("bad magic") {
        auto bytes = good;
        bytes[0] = 'X';
        REQUIRE_THAT(loadError(bytes), Catch::Contains("not a Demix template library"));
        REQUIRE_THAT(loadError(std::vector<std::uint8_t>(100, 0x41)),
                     Catch::Contains("not a Demix template library"));
    }
    SECTION("wrong version") {
        auto bytes = good;
        putU32(bytes, 8, 7);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("format version 7") &&
                                           Catch::Contains("reads versions 1 to 2"));
    }
    SECTION("checksum mismatch") {
        auto bytes = good;
        bytes[kFirstValueOffset + 100] ^= 0x10;
        REQUIRE_THAT(loadError(bytes), Catch::Contains("checksum mismatch"));
    }
    SECTION("trailing bytes") {
        auto bytes = good;
        bytes.push_back(0);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("unexpected bytes"));
    }
    SECTION("absurd payload size") {
        auto bytes = good;
        for (int i = 0; i < 8; ++i) bytes[12 + i] = 0xFF;
        REQUIRE_THAT(loadError(bytes), Catch::Contains("absurd payload"));
    }
    SECTION("absurd source count") {
        auto bytes = good;
        putU32(bytes, kSourceCountOffset, 1000000000u);
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("1000000000 sources exceed the limit"));
    }
    SECTION("absurd template count") {
        auto bytes = good;
        putU32(bytes, kFirstColsOffset, 0xFFFFFFF0u);
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("absurd template count"));
    }
    SECTION("more sources announced than present") {
        auto bytes = good;
        putU32(bytes, kSourceCountOffset, 4);
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("ends inside"));
    }
    SECTION("negative and NaN template values") {
        auto bytes = good;
        const float negative = -0.25f;
        std::uint32_t bits;
        std::memcpy(&bits, &negative, 4);
        putU32(bytes, kFirstValueOffset + 4 * 7, bits);
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("source 1 ('kick')") &&
                                           Catch::Contains("-0.25") &&
                                           Catch::Contains("finite and non-negative"));
        bytes = good;
        putU32(bytes, kFirstValueOffset + 4 * 9, 0x7FC00000u);  // quiet NaN
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("nan") && Catch::Contains("bin 9"));
    }
    SECTION("impossible settings") {
        auto bytes = good;
        putU32(bytes, kPayload + 8 + 4, 100000);  // hop > FFT size
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("hop 100000 exceeds the FFT size"));
        bytes = good;
        putU32(bytes, kPayload + 8 + 8, 9);  // window type
        fixChecksum(bytes);
        REQUIRE_THAT(loadError(bytes), Catch::Contains("unknown window type 9"));
    }
    SECTION("deserialize reports the same problems without a file") {
        auto bytes = good;
        bytes[30] ^= 1;
        REQUIRE_THROWS_AS(TemplateLibrary::deserialize(bytes.data(), bytes.size()), LibraryError);
        REQUIRE_THROWS_WITH(TemplateLibrary::deserialize(bytes.data(), 3), Catch::Contains("truncated"));
        REQUIRE_THROWS_AS(TemplateLibrary::deserialize(nullptr, 0), LibraryError);
    }
}

TEST_CASE("a library that could not be loaded back is never saved", "[library]") {
    TempDir dir;
    TemplateLibrary library = sampleLibrary();
    library.sources[1].templates(2, 1) = -1.0f;
    REQUIRE_THROWS_WITH(library.save(dir.file("x.dmxt")),
                        Catch::Contains("cannot save") && Catch::Contains("snare"));
    REQUIRE_FALSE(fs::exists(dir.file("x.dmxt")));
    library = sampleLibrary();
    library.sources[0].templates.conservativeResize(10, Eigen::NoChange);
    REQUIRE_THROWS_WITH(library.serialize(), Catch::Contains("10 bins") && Catch::Contains("needs 33"));
    REQUIRE_THROWS_WITH(sampleLibrary().save(dir.file("no/such/dir/x.dmxt")),
                        Catch::Contains("cannot save") && Catch::Contains("no/such/dir/x.dmxt"));
}

TEST_CASE("compatibility errors name both values", "[library]") {
    AnalysisSettings library;
    library.sampleRate = 48000.0;
    AnalysisSettings audio;
    audio.sampleRate = 44100.0;
    REQUIRE_THROWS_WITH(checkCompatible(library, audio, "library 'x.dmxt'"),
                        Catch::Equals("library 'x.dmxt' was learned at 48000 Hz, the audio is 44100 Hz"));
    audio.sampleRate = 48000.0;
    REQUIRE_NOTHROW(checkCompatible(library, audio, "library 'x.dmxt'"));
    audio.stft.fftSize = 4096;
    audio.stft.hop = 1024;
    audio.stft.window = WindowType::SqrtHann;
    REQUIRE_THROWS_WITH(checkCompatible(library, audio, "library 'x.dmxt'"),
                        Catch::Contains("FFT size 2048, the audio uses 4096") &&
                            Catch::Contains("hop 512, the audio uses 1024") &&
                            Catch::Contains("window hann, the audio uses sqrt-hann"));
    // The objective does not have to match.
    audio = library;
    audio.objective = Objective::Frobenius;
    REQUIRE_NOTHROW(checkCompatible(library, audio, "library"));
}

TEST_CASE("merge appends sources and refuses conflicts", "[library]") {
    TemplateLibrary a = sampleLibrary();
    TemplateLibrary b;
    b.settings = a.settings;
    b.sources.push_back({"bass", Matrix::Ones(33, 2), {}});
    a.merge(b, "library 'bass.dmxt'");
    REQUIRE(a.sources.size() == 4);
    REQUIRE(a.find("bass") == 3);
    REQUIRE(a.totalComponents() == 8);
    REQUIRE_THROWS_WITH(a.merge(b, "library 'bass.dmxt'"),
                        Catch::Contains("'bass'") && Catch::Contains("already in the library"));
    TemplateLibrary c = b;
    c.sources[0].name = "other";
    c.settings.sampleRate = 22050.0;
    REQUIRE_THROWS_WITH(a.merge(c, "library 'c.dmxt'"),
                        Catch::Contains("library 'c.dmxt' was learned at 22050 Hz, this library is 48000 Hz"));
    REQUIRE(a.sources.size() == 4);
}

TEST_CASE("alternate template sets (a restart ensemble) round-trip as format version 2", "[library]") {
    const TemplateLibrary single = sampleLibrary();
    REQUIRE(single.ensembleSize() == 1);
    const std::vector<std::uint8_t> singleBytes = single.serialize();
    // Without alternates the file stays version 1, readable by older builds.
    REQUIRE(singleBytes[8] == 1);

    TemplateLibrary library = single;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> dist(0.0f, 1.0f);
    const auto randomSet = [&](Eigen::Index cols) {
        Matrix W(library.bins(), cols);
        for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = dist(rng);
        return W;
    };
    library.sources[0].alternates = {randomSet(2), randomSet(1)};  // 3 sets, another K each
    library.sources[2].alternates = {randomSet(4)};                 // 2 sets
    REQUIRE(library.ensembleSize() == 3);
    REQUIRE(library.totalComponents() == single.totalComponents());  // the first sets
    // Members 0, 1, 2 use sets {0,0,0}, {1,0,1}, {2,0,0}: K (1, 2, 3) + (2, 2, 4) + (1, 2, 3).
    REQUIRE(library.ensembleComponents() == 6 + 8 + 6);
    REQUIRE(single.ensembleComponents() == single.totalComponents());

    const std::vector<std::uint8_t> bytes = library.serialize();
    REQUIRE(bytes[8] == 2);
    // Version 2 is version 1's payload plus the alternates section after the last source.
    REQUIRE(std::equal(singleBytes.begin() + 20, singleBytes.end() - 4, bytes.begin() + 20));
    const TemplateLibrary back = TemplateLibrary::deserialize(bytes.data(), bytes.size());
    REQUIRE(bitIdentical(back, library));
    TempDir dir;
    library.save(dir.file("ensemble.dmxt"));
    REQUIRE(bitIdentical(TemplateLibrary::load(dir.file("ensemble.dmxt")), library));

    // Members: one set per source, sources with fewer sets cycling through theirs.
    const TemplateLibrary m0 = library.ensembleMember(0);
    const TemplateLibrary m2 = library.ensembleMember(2);
    REQUIRE(bitIdentical(m0, single));
    REQUIRE(m2.ensembleSize() == 1);
    REQUIRE(m2.sources[0].templates == library.sources[0].alternates[1]);
    REQUIRE(m2.sources[1].templates == library.sources[1].templates);
    REQUIRE(m2.sources[2].templates == library.sources[2].templates);  // 2 mod 2 = its first set
    REQUIRE(library.ensembleMember(1).sources[2].templates == library.sources[2].alternates[0]);
    REQUIRE_THROWS_WITH(library.ensembleMember(3), Catch::Contains("does not exist"));
    REQUIRE_THROWS_AS(library.ensembleMember(-1), InvalidArgument);

    // Invalid alternates are refused on save and on load, naming the set.
    TemplateLibrary bad = library;
    bad.sources[1].alternates = {Matrix::Constant(library.bins(), 2, -1.0f)};
    REQUIRE_THROWS_WITH(bad.serialize(), Catch::Contains("alternate set 1") &&
                                            Catch::Contains("non-negative"));
    bad.sources[1].alternates = {Matrix::Constant(library.bins() + 1, 2, 1.0f)};
    REQUIRE_THROWS_WITH(bad.serialize(), Catch::Contains("'snare'") && Catch::Contains("bins"));
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.end() - 4 - 8);
    cut.insert(cut.end(), 4, 0);
    putU32(cut, 12, static_cast<std::uint32_t>(cut.size() - 24));
    fixChecksum(cut);
    REQUIRE_THROWS_WITH(TemplateLibrary::deserialize(cut.data(), cut.size()),
                        Catch::Contains("ends inside the template values"));
    // An absurd alternate count: the section starts right after version 1's payload.
    std::vector<std::uint8_t> absurd = bytes;
    putU32(absurd, singleBytes.size() - 4, 100000);
    fixChecksum(absurd);
    REQUIRE_THROWS_WITH(TemplateLibrary::deserialize(absurd.data(), absurd.size()),
                        Catch::Contains("absurd count of 100000 alternate"));
}

// The ".dmxt" template library file format (see template_library.hpp), and atomic save.

#include "demix/template_library.hpp"

#include "crc32.hpp"

#include "demix/file_names.hpp"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

#if defined(_WIN32)
#include <process.h>
#define DEMIX_GETPID _getpid
#else
#include <unistd.h>
#define DEMIX_GETPID getpid
#endif

namespace demix {
namespace {

constexpr char kMagic[8] = {'D', 'M', 'X', 'T', 'L', 'I', 'B', '\0'};
constexpr std::size_t kHeaderSize = 8 + 4 + 8;  // magic, version, payload size
constexpr std::size_t kTrailerSize = 4;         // CRC-32 of the payload

// Limits far beyond any real library; a file beyond them is corrupt or hostile.
constexpr std::uint32_t kMaxFftSize = 1u << 20;
constexpr std::uint32_t kMaxSources = 4096;
constexpr std::uint32_t kMaxNameBytes = 1024;
constexpr std::uint32_t kMaxTemplatesPerSource = 65536;
constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 31;  // 2 GiB
constexpr std::uint32_t kMaxAlternates = 64;
// Version 1: one template set per source. Version 2 appends every source's alternate sets
// (a restart ensemble); a library without alternates is still written as version 1, so
// builds that only read version 1 keep reading it.
constexpr std::uint32_t kSingleSetVersion = 1;

class Writer {
public:
    void bytes(const void* data, std::size_t size) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        out_.insert(out_.end(), p, p + size);
    }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void f32(float v) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        u32(bits);
    }
    void f64(double v) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        u64(bits);
    }
    std::vector<std::uint8_t>& data() { return out_; }

private:
    std::vector<std::uint8_t> out_;
};

/// Bounds-checked little-endian reader; every failure names the library.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size, const std::string& name)
        : data_(data), size_(size), name_(name) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw LibraryError(name_ + " is invalid: " + problem);
    }
    void need(std::size_t n, const char* what) const {
        if (size_ - pos_ < n) {
            fail(std::string("it ends inside ") + what + " (at byte " + std::to_string(pos_) +
                 " of " + std::to_string(size_) + ")");
        }
    }
    std::uint32_t u32(const char* what) {
        need(4, what);
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= std::uint32_t{data_[pos_ + i]} << (8 * i);
        pos_ += 4;
        return v;
    }
    std::uint64_t u64(const char* what) {
        need(8, what);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t{data_[pos_ + i]} << (8 * i);
        pos_ += 8;
        return v;
    }
    float f32(const char* what) {
        const std::uint32_t bits = u32(what);
        float v;
        std::memcpy(&v, &bits, 4);
        return v;
    }
    double f64(const char* what) {
        const std::uint64_t bits = u64(what);
        double v;
        std::memcpy(&v, &bits, 8);
        return v;
    }
    std::string string(std::size_t n, const char* what) {
        need(n, what);
        std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return s;
    }
    std::size_t remaining() const { return size_ - pos_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    const std::string& name_;
};

std::uint32_t windowCode(WindowType w) {
    switch (w) {
        case WindowType::Hann: return 0;
        case WindowType::SqrtHann: return 1;
        case WindowType::Custom: return 2;
    }
    return 0;
}

std::uint32_t objectiveCode(Objective o) {
    switch (o) {
        case Objective::KullbackLeibler: return 0;
        case Objective::Frobenius: return 1;
        case Objective::ItakuraSaito: return 2;
        case Objective::Beta: return 3;
    }
    return 0;
}

/// Throws (through `fail`) unless `templates` is a valid template set of `library`.
template <typename Fail>
void checkTemplates(const Matrix& templates, const TemplateLibrary& library,
                    const std::string& which, const Fail& fail) {
    if (templates.rows() != library.bins()) {
        fail(which + " has templates with " + std::to_string(templates.rows()) +
             " bins, FFT size " + std::to_string(library.settings.stft.fftSize) + " needs " +
             std::to_string(library.bins()));
    }
    if (templates.cols() < 1 || templates.cols() > static_cast<Eigen::Index>(kMaxTemplatesPerSource)) {
        fail(which + " has " + std::to_string(templates.cols()) + " templates (allowed: 1 to " +
             std::to_string(kMaxTemplatesPerSource) + ")");
    }
    for (Eigen::Index k = 0; k < templates.cols(); ++k) {
        for (Eigen::Index f = 0; f < templates.rows(); ++f) {
            const float v = templates(f, k);
            if (!(v >= 0.0f) || !std::isfinite(v)) {
                fail(which + " has the value " + std::to_string(v) + " at bin " +
                     std::to_string(f) + " of template " + std::to_string(k + 1) +
                     "; template values must be finite and non-negative");
            }
        }
    }
}

/// Throws LibraryError if the library could not be loaded back (so save never writes
/// a file that load rejects).
void checkContents(const TemplateLibrary& library, const std::string& name) {
    const auto fail = [&](const std::string& problem) -> void {
        throw LibraryError(name + " is invalid: " + problem);
    };
    const AnalysisSettings& a = library.settings;
    // The audio it separates has a rate in the same range (the faces refuse others); a
    // rate far outside it is corrupt and would make resampling's work unbounded.
    if (!(a.sampleRate >= kMinLibrarySampleRate && a.sampleRate <= kMaxLibrarySampleRate)) {
        char rate[32];
        std::snprintf(rate, sizeof rate, "%g", a.sampleRate);
        fail(std::string("sample rate ") + rate + " Hz is outside " +
             std::to_string(static_cast<int>(kMinLibrarySampleRate)) + " to " +
             std::to_string(static_cast<int>(kMaxLibrarySampleRate)) + " Hz");
    }
    try {
        a.stft.validate();
    } catch (const Error& e) {
        fail(std::string("its STFT settings are unusable: ") + e.what());
    }
    if (static_cast<std::uint32_t>(a.stft.fftSize) > kMaxFftSize) {
        fail("FFT size " + std::to_string(a.stft.fftSize) + " exceeds the limit " +
             std::to_string(kMaxFftSize));
    }
    if (!std::isfinite(a.beta)) fail("beta is not a finite number");
    if (library.sources.size() > kMaxSources) {
        fail(std::to_string(library.sources.size()) + " sources exceed the limit " +
             std::to_string(kMaxSources));
    }
    // Source names become stem file names: each must be usable as one on every system,
    // and no two may map to the same file (a stem would overwrite another).
    std::map<std::string, std::size_t> keys;
    for (std::size_t s = 0; s < library.sources.size(); ++s) {
        const SourceTemplates& source = library.sources[s];
        const std::string which =
            "source " + std::to_string(s + 1) + " ('" + printable(source.name) + "')";
        const std::string problem = sourceNameProblem(source.name);
        if (!problem.empty()) fail("the name of " + which + " " + problem);
        const auto [at, fresh] = keys.emplace(fileNameKey(source.name), s);
        if (!fresh) {
            fail(which + " has the same name as source " + std::to_string(at->second + 1) +
                 " ('" + printable(library.sources[at->second].name) +
                 "') when used as a file name; each source needs its own");
        }
        checkTemplates(source.templates, library, which, fail);
        if (source.alternates.size() > kMaxAlternates) {
            fail(which + " has " + std::to_string(source.alternates.size()) +
                 " alternate template sets (allowed: up to " + std::to_string(kMaxAlternates) + ")");
        }
        for (std::size_t m = 0; m < source.alternates.size(); ++m) {
            checkTemplates(source.alternates[m], library,
                           which + ", alternate set " + std::to_string(m + 1), fail);
        }
    }
}

/// One template set: u32 rows | u32 K | rows × K f32, column-major.
Matrix readTemplates(Reader& in, std::uint32_t bins, std::uint32_t fftSize, const std::string& which) {
    const std::uint32_t rows = in.u32("a template size");
    const std::uint32_t cols = in.u32("a template count");
    if (rows != bins) {
        in.fail(which + " has templates with " + std::to_string(rows) + " bins, FFT size " +
                std::to_string(fftSize) + " needs " + std::to_string(bins));
    }
    if (cols < 1 || cols > kMaxTemplatesPerSource) {
        in.fail(which + " has an absurd template count of " + std::to_string(cols));
    }
    in.need(std::size_t{rows} * cols * 4, "the template values");
    Matrix templates(rows, cols);
    float* values = templates.data();
    for (std::size_t i = 0; i < std::size_t{rows} * cols; ++i) values[i] = in.f32("templates");
    return templates;
}

void writeTemplates(Writer& out, const Matrix& templates) {
    out.u32(static_cast<std::uint32_t>(templates.rows()));
    out.u32(static_cast<std::uint32_t>(templates.cols()));
    const float* values = templates.data();
    for (Eigen::Index i = 0; i < templates.size(); ++i) out.f32(values[i]);
}

TemplateLibrary parse(const std::uint8_t* data, std::size_t size, const std::string& name) {
    if (size < kHeaderSize + kTrailerSize) {
        throw LibraryError(name + " is truncated: " + std::to_string(size) +
                           " bytes, a library has at least " +
                           std::to_string(kHeaderSize + kTrailerSize));
    }
    if (std::memcmp(data, kMagic, sizeof kMagic) != 0) {
        throw LibraryError(name + " is not a Demix template library (bad magic bytes)");
    }
    Reader header(data + 8, kHeaderSize - 8, name);
    const std::uint32_t version = header.u32("the version");
    if (version < kSingleSetVersion || version > TemplateLibrary::kFormatVersion) {
        throw LibraryError(name + " has format version " + std::to_string(version) +
                           "; this build of Demix reads versions " +
                           std::to_string(kSingleSetVersion) + " to " +
                           std::to_string(TemplateLibrary::kFormatVersion));
    }
    const std::uint64_t payloadSize = header.u64("the payload size");
    const std::size_t available = size - kHeaderSize - kTrailerSize;
    if (payloadSize > kMaxPayload) {
        throw LibraryError(name + " is corrupt: it announces an absurd payload of " +
                           std::to_string(payloadSize) + " bytes");
    }
    if (payloadSize > available) {
        throw LibraryError(name + " is truncated: it announces " + std::to_string(payloadSize) +
                           " payload bytes, only " + std::to_string(available) + " are present");
    }
    if (payloadSize < available) {
        throw LibraryError(name + " is corrupt: " + std::to_string(available - payloadSize) +
                           " unexpected bytes after the payload");
    }
    const std::uint8_t* payload = data + kHeaderSize;
    Reader trailer(payload + payloadSize, kTrailerSize, name);
    const std::uint32_t stored = trailer.u32("the checksum");
    const std::uint32_t computed = detail::crc32(payload, payloadSize);
    if (stored != computed) {
        char text[96];
        std::snprintf(text, sizeof text, "stored 0x%08X, computed 0x%08X", stored, computed);
        throw LibraryError(name + " is corrupt: checksum mismatch (" + text + ")");
    }

    Reader in(payload, payloadSize, name);
    TemplateLibrary library;
    AnalysisSettings& a = library.settings;
    a.sampleRate = in.f64("the sample rate");
    const std::uint32_t fftSize = in.u32("the FFT size");
    const std::uint32_t hop = in.u32("the hop");
    const std::uint32_t window = in.u32("the window type");
    const std::uint32_t windowLength = in.u32("the window length");
    if (fftSize > kMaxFftSize) {
        in.fail("FFT size " + std::to_string(fftSize) + " exceeds the limit " +
                std::to_string(kMaxFftSize));
    }
    if (hop > fftSize) in.fail("hop " + std::to_string(hop) + " exceeds the FFT size");
    if (window > 2) in.fail("unknown window type " + std::to_string(window));
    a.stft.fftSize = static_cast<int>(fftSize);
    a.stft.hop = static_cast<int>(hop);
    a.stft.window = window == 0 ? WindowType::Hann
                    : window == 1 ? WindowType::SqrtHann
                                  : WindowType::Custom;
    const std::uint32_t expectedLength = window == 2 ? fftSize : 0;
    if (windowLength != expectedLength) {
        in.fail("window length " + std::to_string(windowLength) + ", expected " +
                std::to_string(expectedLength));
    }
    in.need(std::size_t{windowLength} * 4, "the custom window");
    a.stft.customWindow.resize(windowLength);
    for (float& w : a.stft.customWindow) w = in.f32("the custom window");
    const std::uint32_t objective = in.u32("the objective");
    if (objective > 3) in.fail("unknown objective " + std::to_string(objective));
    a.objective = static_cast<Objective>(objective);  // codes follow the enum's order
    a.beta = in.f32("beta");

    const std::uint32_t count = in.u32("the source count");
    if (count > kMaxSources) {
        in.fail(std::to_string(count) + " sources exceed the limit " +
                std::to_string(kMaxSources));
    }
    const std::uint32_t bins = fftSize / 2 + 1;
    for (std::uint32_t s = 0; s < count; ++s) {
        const std::string which = "source " + std::to_string(s + 1);
        const std::uint32_t nameBytes = in.u32("a source name length");
        if (nameBytes > kMaxNameBytes) {
            in.fail("the name of " + which + " has an absurd length of " +
                    std::to_string(nameBytes) + " bytes");
        }
        SourceTemplates source;
        source.name = in.string(nameBytes, "a source name");
        source.templates =
            readTemplates(in, bins, fftSize, which + " ('" + printable(source.name) + "')");
        library.sources.push_back(std::move(source));
    }
    if (version >= 2) {
        for (std::uint32_t s = 0; s < count; ++s) {
            SourceTemplates& source = library.sources[s];
            const std::string which =
                "source " + std::to_string(s + 1) + " ('" + printable(source.name) + "')";
            const std::uint32_t alternates = in.u32("an alternate set count");
            if (alternates > kMaxAlternates) {
                in.fail(which + " has an absurd count of " + std::to_string(alternates) +
                        " alternate template sets");
            }
            for (std::uint32_t m = 0; m < alternates; ++m) {
                source.alternates.push_back(readTemplates(
                    in, bins, fftSize, which + ", alternate set " + std::to_string(m + 1)));
            }
        }
    }
    if (in.remaining() != 0) {
        in.fail(std::to_string(in.remaining()) + " unexpected bytes after the last source");
    }
    checkContents(library, name);
    return library;
}

std::string errnoText() { return std::strerror(errno); }

}  // namespace

std::vector<std::uint8_t> TemplateLibrary::serialize() const {
    checkContents(*this, "template library");
    Writer payload;
    payload.f64(settings.sampleRate);
    payload.u32(static_cast<std::uint32_t>(settings.stft.fftSize));
    payload.u32(static_cast<std::uint32_t>(settings.stft.hop));
    payload.u32(windowCode(settings.stft.window));
    const bool custom = settings.stft.window == WindowType::Custom;
    payload.u32(custom ? static_cast<std::uint32_t>(settings.stft.customWindow.size()) : 0);
    if (custom) {
        for (float w : settings.stft.customWindow) payload.f32(w);
    }
    payload.u32(objectiveCode(settings.objective));
    payload.f32(settings.beta);
    payload.u32(static_cast<std::uint32_t>(sources.size()));
    for (const SourceTemplates& source : sources) {
        payload.u32(static_cast<std::uint32_t>(source.name.size()));
        payload.bytes(source.name.data(), source.name.size());
        writeTemplates(payload, source.templates);
    }
    const bool alternates = ensembleSize() > 1;
    if (alternates) {
        for (const SourceTemplates& source : sources) {
            payload.u32(static_cast<std::uint32_t>(source.alternates.size()));
            for (const Matrix& set : source.alternates) writeTemplates(payload, set);
        }
    }
    const std::vector<std::uint8_t>& body = payload.data();
    if (body.size() > kMaxPayload) {
        throw LibraryError("template library is too large to save (" +
                           std::to_string(body.size()) + " bytes)");
    }

    Writer file;
    file.bytes(kMagic, sizeof kMagic);
    file.u32(alternates ? kFormatVersion : kSingleSetVersion);
    file.u64(body.size());
    file.bytes(body.data(), body.size());
    file.u32(detail::crc32(body.data(), body.size()));
    return std::move(file.data());
}

TemplateLibrary TemplateLibrary::deserialize(const std::uint8_t* data, std::size_t size) {
    if (data == nullptr && size != 0) throw LibraryError("template library: no data");
    static const std::uint8_t empty = 0;
    return parse(data != nullptr ? data : &empty, size, "template library");
}

void TemplateLibrary::save(const std::string& path) const {
    const std::string name = "template library '" + path + "'";
    std::vector<std::uint8_t> bytes;
    try {
        bytes = serialize();
    } catch (const LibraryError& e) {
        throw LibraryError(std::string("cannot save ") + name + ": " + e.what());
    }
    static std::atomic<unsigned> counter{0};
    const std::string temp = path + ".tmp-" + std::to_string(DEMIX_GETPID()) + "-" +
                             std::to_string(counter.fetch_add(1));
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (file == nullptr) {
        throw LibraryError("cannot save " + name + ": cannot create '" + temp +
                           "': " + errnoText());
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    ok = std::fflush(file) == 0 && ok;
#if !defined(_WIN32)
    ok = ok && fsync(fileno(file)) == 0;  // the data is on disk before the rename
#endif
    const std::string writeError = ok ? std::string() : errnoText();
    ok = std::fclose(file) == 0 && ok;
    if (!ok) {
        std::remove(temp.c_str());
        throw LibraryError("cannot save " + name + ": writing '" + temp + "' failed: " +
                           (writeError.empty() ? errnoText() : writeError));
    }
#if defined(_WIN32)
    std::remove(path.c_str());  // rename does not replace an existing file on Windows
#endif
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string error = errnoText();
        std::remove(temp.c_str());
        throw LibraryError("cannot save " + name + ": " + error);
    }
}

TemplateLibrary TemplateLibrary::load(const std::string& path) {
    const std::string name = "template library '" + printable(path) + "'";
    // Before opening: a FIFO would block the open and the read forever.
    const std::string problem = inputFileProblem(path);
    if (!problem.empty()) throw LibraryError("cannot open " + name + ": " + problem);
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw LibraryError("cannot open " + name + ": " + errnoText());
    const std::streamoff size = in.tellg();
    if (size < 0) throw LibraryError("cannot read " + name);
    if (static_cast<std::uint64_t>(size) > kMaxPayload + kHeaderSize + kTrailerSize) {
        throw LibraryError(name + " is too large (" + std::to_string(size) +
                           " bytes) to be a template library");
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
        throw LibraryError("cannot read " + name + ": " + errnoText());
    }
    return parse(bytes.data(), bytes.size(), name);
}

}  // namespace demix

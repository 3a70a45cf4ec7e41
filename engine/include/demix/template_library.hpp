#pragma once
/// \file template_library.hpp
/// A template library: named sources, each a set of spectral templates (F × K_s, each
/// column L1-normalised), plus the analysis settings they were learned with.
///
/// File format (".dmxt", version 1), little-endian:
///   magic "DMXTLIB\0" (8 bytes) | u32 version | u64 payload size | payload | u32 CRC-32
///   of payload. The payload holds the analysis settings, then per source its name,
///   K_s, and F × K_s float32 values (column-major). Loading checks magic, version,
///   sizes, checksum and non-negativity; any problem throws `LibraryError` with a clear
///   message (never a crash).
///
/// Thread-safety: a value type; no shared state.

#include "demix/nmf.hpp"
#include "demix/stft.hpp"
#include "demix/types.hpp"

#include <cstdint>
#include <string>

namespace demix {

class LibraryError : public Error {
public:
    using Error::Error;
};

/// The settings templates were learned with; they must match the audio they separate.
struct AnalysisSettings {
    double sampleRate = 44100.0;
    StftSettings stft;
    Objective objective = Objective::KullbackLeibler;
    float beta = 1.0f;
};

/// Throws LibraryError naming both values if `a` and `b` differ in sample rate, FFT size,
/// hop or window (`what` names the two things compared, e.g. "library 'x.dmxt'").
void checkCompatible(const AnalysisSettings& library, const AnalysisSettings& audio,
                     const std::string& libraryName);

struct SourceTemplates {
    std::string name;
    Matrix templates;  ///< F × K_s, non-negative
};

class TemplateLibrary {
public:
    static constexpr std::uint32_t kFormatVersion = 1;

    AnalysisSettings settings;
    std::vector<SourceTemplates> sources;

    int bins() const { return settings.stft.bins(); }
    int totalComponents() const;
    /// Index of the source with this name, or -1.
    int find(const std::string& name) const;

    /// Appends the sources of `other`; throws LibraryError if settings differ or a
    /// name is already present.
    void merge(const TemplateLibrary& other, const std::string& otherName = "library");

    std::vector<std::uint8_t> serialize() const;
    static TemplateLibrary deserialize(const std::uint8_t* data, std::size_t size);

    /// Writes atomically (temporary file + rename). Throws LibraryError.
    void save(const std::string& path) const;
    static TemplateLibrary load(const std::string& path);
};

}  // namespace demix

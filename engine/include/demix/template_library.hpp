#pragma once
/// \file template_library.hpp
/// A template library: named sources, each a set of spectral templates (F × K_s, each
/// column L1-normalised), plus the analysis settings they were learned with.
///
/// A source may hold several template sets ("alternates"): the same source learned from
/// other random starts. Separation with such a library is an ensemble (see
/// decomposeSupervised); everything else (streaming, totalComponents) uses the first set.
///
/// File format (".dmxt", version 2; version 1 is version 2 without alternates and is what
/// a library without alternates is written as), little-endian:
///   magic "DMXTLIB\0" (8 bytes) | u32 version | u64 payload size | payload | u32 CRC-32
///   (IEEE, as zlib) of the payload.
/// Payload: f64 sample rate | u32 FFT size | u32 hop | u32 window (0 hann, 1 sqrt-hann,
///   2 custom) | u32 custom window length (FFT size for custom, else 0) | f32 × length |
///   u32 objective (0 KL, 1 Frobenius, 2 IS, 3 beta) | f32 beta | u32 source count |
///   per source: u32 name length | UTF-8 name bytes | u32 rows (= FFT size/2+1) |
///   u32 K_s | rows × K_s f32 (column-major).
/// Version 2 only, after the last source: per source, in the same order: u32 alternate
///   count A_s (≤ 64) | A_s × (u32 rows | u32 K | rows × K f32).
/// Loading checks magic, version, sizes (limits: FFT size 2^20, 4096 sources, names of
/// 1024 bytes, 65536 templates per source, 2 GiB payload), checksum, settings and that
/// every value is finite and non-negative, the sample rate is within
/// [kMinLibrarySampleRate, kMaxLibrarySampleRate], every source name passes
/// sourceNameProblem (file_names.hpp) and no two names map to one file (fileNameKey);
/// any problem throws `LibraryError` with a message naming the file and the problem
/// (never a crash, never a huge allocation; names are quoted through `printable`).
/// load() refuses a path that is not a regular file before opening it.
/// `serialize`/`save` refuse a library that `deserialize`/`load` would reject.
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

/// Sample rates a library may have been learned at (the rates of audio Demix reads).
constexpr double kMinLibrarySampleRate = 1000.0;
constexpr double kMaxLibrarySampleRate = 768000.0;

/// The settings templates were learned with; they must match the audio they separate.
struct AnalysisSettings {
    double sampleRate = 44100.0;
    StftSettings stft;
    Objective objective = Objective::KullbackLeibler;
    float beta = 1.0f;
};

/// Throws LibraryError naming both values if `library` and `audio` differ in sample rate,
/// FFT size, hop or window (the objective may differ), e.g. "library 'x.dmxt' was learned
/// at 48000 Hz, the audio is 44100 Hz"; several differences are joined with "; ".
/// `libraryName` names the library in the message (e.g. "library 'x.dmxt'").
void checkCompatible(const AnalysisSettings& library, const AnalysisSettings& audio,
                     const std::string& libraryName);

struct SourceTemplates {
    std::string name;
    Matrix templates;  ///< F × K_s, non-negative
    /// Further template sets of the same source (each F × K, non-negative, any K ≥ 1),
    /// e.g. learned from other random starts (SeparationSettings::learningRestarts).
    /// Empty for a library with one set per source.
    std::vector<Matrix> alternates;
};

class TemplateLibrary {
public:
    static constexpr std::uint32_t kFormatVersion = 2;

    AnalysisSettings settings;
    std::vector<SourceTemplates> sources;

    int bins() const { return settings.stft.bins(); }
    /// Templates of the first set of every source.
    int totalComponents() const;
    /// Number of ensemble members: the largest number of sets (1 + alternates) of any
    /// source; 1 for a library without alternates (and for an empty one).
    int ensembleSize() const;
    /// Templates of every member together (what an ensemble separation factorises: the
    /// sum over members of their totalComponents()); totalComponents() without alternates.
    int ensembleComponents() const;
    /// Member `m` (0 ≤ m < ensembleSize()) as a library with one set per source: source s
    /// contributes its set m mod (1 + alternates), so sources with fewer sets repeat theirs.
    /// Member 0 is the library's first sets. Throws InvalidArgument for m out of range.
    TemplateLibrary ensembleMember(int m) const;
    /// Index of the source with this name, or -1.
    int find(const std::string& name) const;

    /// Appends the sources of `other`; throws LibraryError (naming `otherName`) if the
    /// settings differ or a name is already present (compared as file names: fileNameKey).
    /// Nothing is changed on error.
    void merge(const TemplateLibrary& other, const std::string& otherName = "library");

    /// The file's bytes (e.g. for a plugin's state). Throws LibraryError if invalid.
    std::vector<std::uint8_t> serialize() const;
    /// Parses bytes made by serialize(). Throws LibraryError.
    static TemplateLibrary deserialize(const std::uint8_t* data, std::size_t size);

    /// Writes atomically: a temporary file next to `path`, flushed to disk, then renamed
    /// over `path` (an existing library survives a failed save). Throws LibraryError.
    void save(const std::string& path) const;
    /// Throws LibraryError naming the file: missing, unreadable, or any format problem.
    static TemplateLibrary load(const std::string& path);
};

/// Templates learned on one frequency grid (sample rate `fromRate` Hz, FFT size `fromFft`)
/// mapped onto another, so a library can separate audio at another sample rate or FFT
/// size. Target bin j (frequency j·toRate/toFft Hz) takes the source spectrum at the same
/// frequency: linearly interpolated between the two nearest source bins when the target
/// bins are as narrow as the source's or narrower, averaged over the source bins inside
/// the target bin when they are wider (so a coarser grid does not lose narrow peaks).
/// Frequencies above the source's Nyquist get 0 (a library learned at a lower rate says
/// nothing about them: such bins are left to the masks' equal split). Every column is L1-normalised again
/// (a column with no energy left in the target range stays zero). The same grid returns
/// the templates with negative values clamped and columns normalised.
/// Throws InvalidArgument for rates outside [kMinLibrarySampleRate, kMaxLibrarySampleRate]
/// or FFT sizes that are not even and in [2, 2^20] (so the work is bounded: about
/// (target bins + source bins) × templates),
/// or when `templates` does not have fromFft/2 + 1 rows. Allocates; not for the audio thread.
Matrix resampleTemplates(const Matrix& templates, double fromRate, int fromFft, double toRate,
                         int toFft);

/// `library` with every source's templates resampled (resampleTemplates) from its own
/// grid to `sampleRate` and `stft` (FFT size, hop and window taken from `stft`); the
/// objective is kept. Returns the library unchanged when the grid is already the same.
TemplateLibrary resampleLibrary(const TemplateLibrary& library, double sampleRate,
                                const StftSettings& stft);

}  // namespace demix

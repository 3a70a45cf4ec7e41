#pragma once
/// \file separation_chunked.hpp
/// `demix separate` / `batch` for long files in bounded memory: the file is separated in
/// overlapping, crossfaded chunks (engine: separateSupervisedChunked,
/// separateGroupedByLibraryChunked), reading the mix and writing the stems block by
/// block. Stems still sum to the mix.

#include "separation.hpp"

#include <optional>

namespace demix::cli {

/// Supervised files (--templates, no --free) longer than this (seconds) are separated in
/// chunks unless --chunk says otherwise: with the templates fixed, chunks change the
/// result only at the seams (and by the per-chunk spatial model).
constexpr double kChunkThresholdSeconds = 90.0;
/// --components (blind or --group-by) and --free files longer than this are separated in
/// chunks unless --chunk says otherwise. Each chunk then learns its own components, which
/// separates less well than the whole file (docs/quality.md, "Long files in chunks"), so a
/// song keeps the whole file; its memory grows with its length (docs/performance.md).
constexpr double kGroupedChunkThresholdSeconds = 480.0;
/// Nominal chunk length when chunking by length (seconds): supervised, and --components or
/// --free (longer: the fewer chunks, the nearer the whole file's separation; ≈ 400 MB).
constexpr double kDefaultChunkSeconds = 60.0;
constexpr double kGroupedChunkSeconds = 120.0;

/// The chunk length to separate `input` with, or nothing for the whole file at once:
/// --chunk when given (0 = nothing), otherwise by the file's length for the requests that
/// can be chunked (all but --plot). Never
/// throws for a bad file (returns nothing and lets the whole-file path report it).
std::optional<double> chunkSecondsFor(const SeparateRequest& r, const TemplateLibrary* library,
                                      const std::string& plotDir, const std::string& input);

/// Like separateFile, chunk by chunk (chunks of `chunkSeconds`, 4 s of context on each
/// side). `library` is the --templates library, or null with --components. The JSON report
/// lists the iterations of each chunk.
SeparationOutcome separateFileChunked(const std::string& input, const std::string& outDir,
                                      const SeparateRequest& r, const TemplateLibrary* library,
                                      double chunkSeconds, Progress& progress);

}  // namespace demix::cli

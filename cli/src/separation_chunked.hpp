#pragma once
/// \file separation_chunked.hpp
/// `demix separate` / `batch` for long files in bounded memory: supervised separation
/// (no --free, no --plot) of a file longer than kChunkThresholdSeconds is done in
/// overlapping, crossfaded chunks of about a minute (engine: separateSupervisedChunked),
/// reading the mix and writing the stems block by block. Stems still sum to the mix.

#include "separation.hpp"

namespace demix::cli {

/// Files longer than this (seconds) are separated in chunks when the request allows.
constexpr double kChunkThresholdSeconds = 90.0;

/// True if `input` should be separated in chunks (supervised, no free components, no
/// pictures, longer than the threshold). Never throws for a bad file (returns false and
/// lets the whole-file path report it).
bool useChunkedSeparation(const SeparateRequest& r, const TemplateLibrary* library,
                          const std::string& plotDir, const std::string& input);

/// Like separateFile, chunk by chunk. The JSON report lists the iterations of each chunk.
SeparationOutcome separateFileChunked(const std::string& input, const std::string& outDir,
                                      const SeparateRequest& r, const TemplateLibrary& library,
                                      Progress& progress);

}  // namespace demix::cli

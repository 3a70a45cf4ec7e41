#pragma once
/// \file options.hpp
/// The options every processing command shares (analysis, NMF, masks, output, report).

#include "args.hpp"

#include "demix/separator.hpp"

#include <juce_core/juce_core.h>

#include <string>

namespace demix::cli {

/// Sample format of written stems. Float32 keeps the stems' sum equal to the mix.
enum class SampleFormat { Float32, Int24, Int16 };

SampleFormat sampleFormatFromString(const std::string& text);  ///< throws UsageError
std::string toString(SampleFormat format);
int bitsPerSample(SampleFormat format);

/// The engine settings `demix learn`, `separate` and `batch` start from: the engine's
/// defaults except STFT 4096/1024 (93 ms Hann windows: the finer frequency resolution
/// separates pitched sources better, at the same cost as 2048/512), α = 2 masks and a
/// short frozen stage before the supervised adaptation (docs/quality.md).
SeparationSettings cliDefaultSettings();

struct CommonOptions {
    SeparationSettings settings = cliDefaultSettings();
    /// Which analysis settings were given on the command line; the others may be taken
    /// from a template library.
    bool fftGiven = false, hopGiven = false, windowGiven = false, objectiveGiven = false;
    bool adaptGuardGiven = false;  ///< --adapt-guard D was given
    SampleFormat format = SampleFormat::Float32;
    std::string jsonPath;  ///< --json REPORT ("" = none)
    std::string plotDir;   ///< --plot DIR ("" = none)
    bool quiet = false;
};

/// If `option` is one of the common options, reads its value(s) from `args`, stores
/// them and returns true. Throws UsageError for a bad value.
bool parseCommonOption(const std::string& option, Args& args, CommonOptions& options);

/// Fills in dependent defaults (hop = fft/4 when only --fft is given) and checks the
/// combination (valid STFT, ALS/HALS need --objective frobenius). Throws UsageError.
void finaliseCommonOptions(CommonOptions& options);

/// Takes the analysis settings of a template library as defaults for everything not
/// given explicitly (FFT size, hop, window, objective).
void adoptLibrarySettings(CommonOptions& options, const AnalysisSettings& library);

/// The settings as a JSON object for reports.
juce::var settingsToJson(const CommonOptions& options);

/// Help text describing the common options.
const char* commonOptionsHelp();

}  // namespace demix::cli

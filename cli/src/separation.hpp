#pragma once
/// \file separation.hpp
/// One mix file → stem files: the work shared by `demix separate` and `demix batch`.

#include "file_safety.hpp"
#include "options.hpp"
#include "progress.hpp"

#include "demix/separator.hpp"

#include <juce_core/juce_core.h>

#include <optional>
#include <string>
#include <vector>

namespace demix::cli {

/// What to separate with: template libraries (+ free components) or unsupervised.
struct SeparateRequest {
    std::vector<std::string> libraryPaths;  ///< --templates (supervised when non-empty)
    int freeComponents = 0;                 ///< --free K
    int components = 0;                     ///< --components K (unsupervised)
    int sources = 0;                        ///< --sources S (0 = one stem per component)
    /// --group-by LIB (repeatable): unsupervised components grouped by these libraries'
    /// sources (engine groupComponentsByLibrary), one stem per library source
    std::vector<std::string> groupByPaths;
    /// The --group-by libraries merged (filled by loadLibraries)
    std::optional<TemplateLibrary> groupingLibrary;
    /// --restarts N was given (its value is in common.settings.unsupervisedRestarts)
    bool restartsGiven = false;
    /// --group-power P was given (its value is in common.settings.groupingPower)
    bool groupPowerGiven = false;
    /// --chunk SECONDS: separate in chunks of this length whatever the file's length
    /// (0 = never: the whole file at once); unset = by length (separation_chunked.hpp)
    std::optional<double> chunkSeconds;
    CommonOptions common;
    /// Files the command reads besides each mix (libraries; a batch's other inputs):
    /// separateFile refuses an output that is one of them or the mix.
    InputFiles inputs;
};

/// Parses the separation options (common options included) for `separate`/`batch`.
/// Returns true if `option` was one of them.
bool parseSeparateOption(const std::string& option, Args& args, SeparateRequest& request);

/// --group-power in a report or batch fingerprint: the number, or "hard" for +infinity.
juce::var groupPowerJson(double power);

/// Checks the combination (library xor --components, ...) and finalises the common
/// options. Throws UsageError.
void finaliseSeparateRequest(SeparateRequest& request);

/// Loads one template library file; a missing file, a folder or a corrupt library is an
/// InputError naming the file (exit 2).
TemplateLibrary loadLibraryFile(const std::string& path);

/// Loads and merges the --templates libraries and adopts their analysis settings as
/// defaults. Throws InputError naming the library file. Empty when unsupervised.
/// Also loads and merges the --group-by libraries into request.groupingLibrary (their
/// analysis settings are not adopted: templates on another grid are resampled).
std::optional<TemplateLibrary> loadLibraries(SeparateRequest& request);

/// The library to separate audio at `sampleRate` with: `library` itself when it was
/// learned at that rate, otherwise its templates resampled to the rate (same FFT size and
/// hop in samples; engine resampleLibrary), stored in `storage`, with a note through
/// `progress` naming both rates.
const TemplateLibrary& libraryForRate(const TemplateLibrary& library, double sampleRate,
                                      const std::string& input, TemplateLibrary& storage,
                                      Progress& progress);

/// Names of the stems a request produces, in order (known before any processing).
std::vector<std::string> stemNames(const SeparateRequest& request, const TemplateLibrary* library);

/// Throws InputError if the request's --components (or --free with `supervised`) K does not
/// fit `samples` samples: more components than STFT frames or frequency bins.
void checkComponentsFit(const SeparateRequest& request, bool supervised, std::size_t samples,
                        const std::string& input);

/// Throws InputError if `name` cannot be used as a stem file name.
void checkStemName(const std::string& name, const std::string& origin);

struct SeparationOutcome {
    std::vector<std::string> stemPaths;
    juce::var report;  ///< this file's part of the JSON report
};

/// The files a separation of one mix writes: `outDir/<stem>.wav` for every stem, and the
/// pictures (plotFileNames) in `plotDir` if not empty. Absolute paths.
std::vector<std::string> outputPaths(const std::string& outDir, const std::vector<std::string>& stems,
                                     const std::string& plotDir);

/// Reads `input`, separates it, writes `outDir/<stem>.wav` for every stem, and the
/// pictures into `plotDir` if not empty. Before reading: refuses a non-regular input,
/// and (UsageError) any output that is the input or one of request.inputs by file
/// identity; removes temporary files in `outDir` left by processes no longer running.
/// The stems are put in place together after all are written (commitFiles): a failed
/// run keeps none of them. Throws CliError subclasses.
SeparationOutcome separateFile(const std::string& input, const std::string& outDir,
                               const SeparateRequest& request, const TemplateLibrary* library,
                               const std::string& plotDir, Progress& progress);

/// Call only from a catch block: rethrows the exception being handled as the command's
/// error for `input` (engine input errors → InputError, exit 2; cancellation, memory and
/// other failures → ProcessingError, exit 1; CliErrors unchanged).
[[noreturn]] void rethrowSeparationError(const std::string& input);

/// Help text of the separation options (without the common ones).
const char* separateOptionsHelp();

}  // namespace demix::cli

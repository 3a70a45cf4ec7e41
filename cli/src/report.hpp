#pragma once
/// \file report.hpp
/// Pieces of the JSON report (--json) and of the printed summaries.

#include "demix/separator.hpp"

#include <juce_core/juce_core.h>

#include <string>

namespace demix::cli {

/// Levels of a stem over all its channels.
struct Levels {
    double rmsDb = 0.0;   ///< dBFS of the RMS (−inf for silence)
    double peakDb = 0.0;  ///< dBFS of the largest |sample| (−inf for silence)
    double energy = 0.0;  ///< Σ sample² over all channels
};
Levels measureLevels(const AudioBuffer& audio);

/// dBFS of the RMS of `samples` values whose squares sum to `energy` (−inf for silence).
double rmsDbfs(double energy, double samples);

/// Levels measured block by block (a stem written chunk by chunk): add() every block,
/// then levels() equals measureLevels() of the blocks joined.
class LevelMeter {
public:
    void add(const AudioBuffer& block);
    Levels levels() const;

private:
    double energy_ = 0.0, peak_ = 0.0;
    double count_ = 0.0;  ///< samples × channels seen
};

/// A double for JSON: non-finite values become null (JSON has no NaN/Inf).
juce::var jsonNumber(double value);

/// [{"iteration": i, "value": v}, ...] from an NMF result.
juce::var objectiveCurve(const NmfResult& result);

/// {"path", "sample_rate", "channels", "samples", "seconds"}.
juce::var audioDescription(const std::string& path, const AudioBuffer& audio);

/// Pretty JSON text of `value`, ending with a newline.
std::string toJsonText(const juce::var& value);

/// "−12.3" or "-inf".
std::string formatDb(double db);

/// "44100 Hz", "22050 Hz", "11025.5 Hz" (no trailing zeros).
std::string formatHz(double hz);

}  // namespace demix::cli

#pragma once
/// \file realtime.hpp
/// The plugin's real-time separation as one engine part: the plugin runs it on its audio
/// thread and `demix separate --realtime` runs it on a file, so a preview on the command
/// line is the same computation as the plugin in a DAW (same settings, same defaults, the
/// same blocks of at most kRealtimeBlockSize samples).
///
/// A RealtimeModel holds the templates: each named source's template set (its first one:
/// ensembles are not used in real time) fitted to the analysis grid of the sample rate
/// and latency mode (resampleTemplates; columns L1-normalised), followed by the residual
/// source's generic templates, which take whatever the named sources do not explain.
/// A RealtimeSeparator runs a StreamingSeparator with that model and keeps one stem
/// buffer per source and channel.
///
/// Thread-safety / real-time safety: building a model and constructing a separator
/// allocate (never on the audio thread); RealtimeSeparator::process, setAlpha,
/// setIterationsPerFrame and reset never allocate, lock, do I/O or throw.

#include "demix/streaming_separator.hpp"
#include "demix/template_library.hpp"

#include <string>
#include <vector>

namespace demix {

/// Largest block process() takes; hosts' blocks are cut into blocks of at most this.
constexpr int kRealtimeBlockSize = 512;
/// Named sources (the plugin's source strips) and templates per named source.
constexpr int kRealtimeMaxNamedSources = 8;
constexpr int kRealtimeMaxComponentsPerSource = 32;
/// Templates of the residual source.
constexpr int kRealtimeResidualComponents = 8;
/// Defaults of the plugin's "Iterations" and "Sensitivity" (mask exponent) controls.
constexpr int kRealtimeIterationsPerFrame = 10;
constexpr float kRealtimeAlpha = 1.0f;
/// Templates a source learned in the plugin gets.
constexpr int kRealtimeLearnComponents = 8;

/// The latency modes (the plugin's "Low Latency" switch).
enum class RealtimeLatency { Normal, Low };

/// The analysis grid for a sample rate and mode (see docs/plugin.md for the latencies):
/// FFT 2048 with low-delay windows (StftSettings::synthesisLength) at 44.1/48 kHz, with a
/// synthesis span / hop of 1000 / 500 (normal) or 400 / 200 (low latency); all scaled
/// by the nearest power of two of rate / 44.1 kHz (×0.5 at 22.05 kHz … ×4 at 176.4/192
/// kHz) so the frequency resolution and the latency in ms stay about the same.
StftSettings realtimeStft(double sampleRate, RealtimeLatency mode);
/// The separation's latency in samples for a rate and mode (what a host must compensate).
int realtimeLatencySamples(double sampleRate, RealtimeLatency mode);

/// The residual source's templates: kRealtimeResidualComponents smooth bumps evenly
/// spaced in log-frequency from 40 Hz to Nyquist (plus a small floor so every bin is
/// explained), L1-normalised. bins(stft) × kRealtimeResidualComponents.
Matrix realtimeResidualTemplates(double sampleRate, const StftSettings& stft);

/// One named source's templates as learned (any grid).
struct RealtimeSource {
    std::string name;
    AnalysisSettings learnedWith;  ///< the grid the templates were learned on
    Matrix templates;              ///< learnedWith bins × K, 1 <= K <= 32, non-negative
};

/// Templates of a source fitted to `stft` at `sampleRate` (resampleTemplates: each target
/// bin takes the learned spectrum at the same frequency in Hz; columns L1-normalised).
/// `resampled` (optional) is set to whether the grids differed.
Matrix fitRealtimeTemplates(const RealtimeSource& source, double sampleRate,
                            const StftSettings& stft, bool* resampled = nullptr);

struct RealtimeModel {
    double sampleRate = 44100.0;
    RealtimeLatency latency = RealtimeLatency::Normal;
    StftSettings stft;
    int numChannels = 2;
    Matrix W;                      ///< bins × K: named sources in order, residual last
    ComponentGroups groups;        ///< one group per named source, then the residual
    std::vector<std::string> names;  ///< per group; the residual is "residual"
    std::vector<bool> resampled;   ///< per named source: templates were resampled

    int sources() const { return static_cast<int>(groups.size()); }
    /// The separation's latency in samples (StreamingSeparator::latencySamples).
    int latencySamples() const;
};

/// Builds the model. Throws InvalidArgument naming the source: more than 8 named
/// sources, a source without templates or with more than 32, templates that do not match
/// their grid or are negative / non-finite, numChannels outside 1..2, a bad rate.
RealtimeModel buildRealtimeModel(const std::vector<RealtimeSource>& named, double sampleRate,
                                 RealtimeLatency latency, int numChannels);

class RealtimeSeparator {
public:
    /// Allocates everything and installs the model's templates. Throws InvalidArgument.
    explicit RealtimeSeparator(RealtimeModel model);

    const RealtimeModel& model() const noexcept { return model_; }
    int latencySamples() const noexcept { return separator_.latencySamples(); }
    int numChannels() const noexcept { return model_.numChannels; }
    int numSources() const noexcept { return model_.sources(); }

    void setAlpha(float alpha) noexcept { separator_.setAlpha(alpha); }
    void setIterationsPerFrame(int n) noexcept { separator_.setIterationsPerFrame(n); }
    void reset() noexcept { separator_.reset(); }

    /// Separates `numSamples` (0 … kRealtimeBlockSize) samples of input[c], c <
    /// numChannels(); non-finite samples count as zero. Real-time safe.
    void process(const float* const* input, int numSamples) noexcept;
    /// The last process() call's stem of `source`, channel `channel` (numSamples valid
    /// values; output sample n is input sample n − latencySamples()). Valid until the
    /// next process().
    const float* stem(int source, int channel) const noexcept;
    /// Activations of the last frame (model().W.cols() values), for meters.
    const float* activations() const noexcept { return separator_.lastActivations(); }

private:
    RealtimeModel model_;
    StreamingSeparator separator_;
    std::vector<std::vector<float>> stemData_;   // [source * channels + c][n]
    std::vector<float*> channelPointers_;        // [source * channels + c]
    std::vector<float* const*> sourcePointers_;  // [source]
};

/// A whole recording through a RealtimeSeparator in blocks of kRealtimeBlockSize, with
/// the latency removed: one stem per model source (same rate, channels and length as
/// `mix`), computed exactly as the plugin computes its output buses. `mix` must have
/// model.numChannels channels and model.sampleRate. Throws InvalidArgument.
std::vector<AudioBuffer> separateRealtime(const AudioBuffer& mix, const RealtimeModel& model,
                                          float alpha = kRealtimeAlpha,
                                          int iterationsPerFrame = kRealtimeIterationsPerFrame);

}  // namespace demix

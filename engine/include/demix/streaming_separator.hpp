#pragma once
/// \file streaming_separator.hpp
/// Real-time supervised separation (the plugin's audio path).
///
/// Per STFT frame: V's column is the mean channel magnitude; activations h are solved
/// with the templates W fixed by a bounded number of multiplicative updates, warm-started
/// from the previous frame's h; α-Wiener masks per source are applied to every channel's
/// spectrum and each source is resynthesised by its own streaming iSTFT.
///
/// Latency: `latencySamples()` (== fftSize); output sample n corresponds to input sample
/// n − latency. The sum of all source outputs equals the input delayed by the latency
/// (masks sum to one), to float rounding.
///
/// Real-time safety: `prepare` and `setTemplates` allocate and must not be called on the
/// audio thread. `process`, `setAlpha`, `setIterationsPerFrame`, `reset` never allocate,
/// lock, do I/O or throw. Not thread-safe: one thread calls process at a time.

#include "demix/masks.hpp"
#include "demix/nmf.hpp"
#include "demix/stft.hpp"

namespace demix {

struct StreamingConfig {
    StftSettings stft;
    int numChannels = 2;
    int maxBlockSize = 512;     ///< largest numSamples passed to process()
    int maxComponents = 64;     ///< capacity for templates
    int maxSources = 8;         ///< capacity for sources
    Objective objective = Objective::KullbackLeibler;
    float beta = 1.0f;
};

class StreamingSeparator {
public:
    StreamingSeparator();
    ~StreamingSeparator();

    /// Allocates everything process() needs. Throws InvalidArgument.
    void prepare(const StreamingConfig& config);
    /// Installs templates (F × K, F == fftSize/2+1, K <= maxComponents) and their grouping
    /// into sources (<= maxSources groups). Not real-time safe. Throws InvalidArgument.
    void setTemplates(const Matrix& W, const ComponentGroups& groups);

    void setAlpha(float alpha) noexcept;
    void setIterationsPerFrame(int iterations) noexcept;
    void reset() noexcept;  ///< clears audio history and activations

    int latencySamples() const noexcept;
    int numSources() const noexcept;

    /// input[c][n] for c < numChannels; outputs[s][c][n] for s < numSources().
    /// numSamples <= maxBlockSize. With no templates installed, source 0 gets the
    /// delayed input. Non-finite input samples are treated as zero.
    void process(const float* const* input, float* const* const* outputs,
                 int numSamples) noexcept;

    /// Activations of the last frame (K values), for meters/visualisation.
    const float* lastActivations() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace demix

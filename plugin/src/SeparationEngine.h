#pragma once
/// \file SeparationEngine.h
/// One ready-to-run separator: the engine's demix::RealtimeSeparator (the same code
/// `demix separate --realtime` runs) for an EngineModel, with the plugin's slot → engine
/// source mapping. Built and destroyed off the audio thread; process() is real-time safe.

#include "EngineModel.h"

#include <demix/realtime.hpp>

#include <memory>
#include <vector>

namespace demix::plugin {

class SeparationEngine {
public:
    /// Allocates everything and installs the model's templates. Throws demix::Error.
    explicit SeparationEngine(std::shared_ptr<const EngineModel> model);

    const EngineModel& model() const noexcept { return *model_; }
    int latency() const noexcept { return separator_.latencySamples(); }
    /// Input samples after which a separator started mid-signal gives what one running
    /// from the start gives: its output (delayed by the latency) is made of frames whose
    /// analysis windows (FFT size, longer than the latency with low-delay windows) must
    /// hold real input, not the zeros it started with.
    int warmUpSamples() const noexcept { return model_->format.stft.fftSize + latency(); }
    int numChannels() const noexcept { return model_->format.numChannels; }

    void setAlpha(float alpha) noexcept { separator_.setAlpha(alpha); }
    void setIterationsPerFrame(int n) noexcept { separator_.setIterationsPerFrame(n); }
    void reset() noexcept { separator_.reset(); }

    /// Separates numSamples (<= kChunkSize) samples of `input[c]`, c < numChannels().
    void process(const float* const* input, int numSamples) noexcept;
    /// The last process() call's stem of `slot`, channel `channel` (zeros for a slot
    /// without templates). Valid until the next process().
    const float* stem(int slot, int channel) const noexcept;

    /// Activations of the last frame (model().W.cols() values).
    const float* activations() const noexcept { return separator_.activations(); }

private:
    std::shared_ptr<const EngineModel> model_;
    demix::RealtimeSeparator separator_;
    std::vector<float> zeros_;
};

}  // namespace demix::plugin

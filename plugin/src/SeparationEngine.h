#pragma once
/// \file SeparationEngine.h
/// One ready-to-run separator: a demix::StreamingSeparator prepared for an EngineModel,
/// with its own per-slot stem buffers. Built and destroyed off the audio thread;
/// process() is real-time safe.

#include "EngineModel.h"

#include <demix/streaming_separator.hpp>

#include <memory>
#include <vector>

namespace demix::plugin {

class SeparationEngine {
public:
    /// Allocates everything and installs the model's templates. Throws demix::Error.
    explicit SeparationEngine(std::shared_ptr<const EngineModel> model);

    const EngineModel& model() const noexcept { return *model_; }
    int latency() const noexcept { return separator_.latencySamples(); }
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
    const float* activations() const noexcept { return separator_.lastActivations(); }

private:
    std::shared_ptr<const EngineModel> model_;
    demix::StreamingSeparator separator_;
    std::vector<std::vector<float>> stemData_;      // [source * channels + c][n]
    std::vector<float*> channelPointers_;           // [source * channels + c]
    std::vector<float* const*> sourcePointers_;     // [source]
    std::vector<float> zeros_;
};

}  // namespace demix::plugin

#include "SeparationEngine.h"

namespace demix::plugin {

static_assert(kChunkSize == demix::kRealtimeBlockSize, "the plugin's chunks are the engine's blocks");

SeparationEngine::SeparationEngine(std::shared_ptr<const EngineModel> model)
    : model_(std::move(model)), separator_(static_cast<const demix::RealtimeModel&>(*model_))
{
    zeros_.assign(static_cast<size_t>(kChunkSize), 0.0f);
}

void SeparationEngine::process(const float* const* input, int numSamples) noexcept
{
    separator_.process(input, numSamples);
}

const float* SeparationEngine::stem(int slot, int channel) const noexcept
{
    const int source = model_->sourceOfSlot[static_cast<size_t>(slot)];
    if (source < 0 || source >= separator_.numSources())
        return zeros_.data();
    return separator_.stem(source, channel);
}

}  // namespace demix::plugin

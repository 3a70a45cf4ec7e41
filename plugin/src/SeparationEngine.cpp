#include "SeparationEngine.h"

namespace demix::plugin {

SeparationEngine::SeparationEngine(std::shared_ptr<const EngineModel> model)
    : model_(std::move(model))
{
    const auto& format = model_->format;
    demix::StreamingConfig config;
    config.stft = format.stft;
    config.numChannels = format.numChannels;
    config.maxBlockSize = kChunkSize;
    config.maxComponents = std::max(1, static_cast<int>(model_->W.cols()));
    config.maxSources = std::max(1, static_cast<int>(model_->groups.size()));
    separator_.prepare(config);
    separator_.setTemplates(model_->W, model_->groups);

    const int sources = std::max(1, static_cast<int>(model_->groups.size()));
    const int channels = format.numChannels;
    stemData_.assign(static_cast<size_t>(sources * channels),
                     std::vector<float>(static_cast<size_t>(kChunkSize), 0.0f));
    channelPointers_.resize(stemData_.size());
    for (size_t i = 0; i < stemData_.size(); ++i)
        channelPointers_[i] = stemData_[i].data();
    sourcePointers_.resize(static_cast<size_t>(sources));
    for (int s = 0; s < sources; ++s)
        sourcePointers_[static_cast<size_t>(s)] = channelPointers_.data() + s * channels;
    zeros_.assign(static_cast<size_t>(kChunkSize), 0.0f);
}

void SeparationEngine::process(const float* const* input, int numSamples) noexcept
{
    separator_.process(input, sourcePointers_.data(), numSamples);
}

const float* SeparationEngine::stem(int slot, int channel) const noexcept
{
    const int source = model_->sourceOfSlot[static_cast<size_t>(slot)];
    if (source < 0 || source >= separator_.numSources())
        return zeros_.data();
    return stemData_[static_cast<size_t>(source * model_->format.numChannels + channel)].data();
}

}  // namespace demix::plugin

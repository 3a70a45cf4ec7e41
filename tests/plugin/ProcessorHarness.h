#pragma once
/// \file ProcessorHarness.h
/// Drives a DemixProcessor directly (no host): prepare, feed a stereo signal through
/// processBlock in blocks of a given size, collect the main output (and optionally the
/// per-source buses). Allocation happens only outside processBlock.

#include "PluginProcessor.h"
#include "TestSignals.h"

#include <functional>

namespace demix::test {

using Channels = std::vector<std::vector<float>>;

struct RunResult {
    Channels main;                   ///< main output, 2 channels
    std::vector<Channels> sourceBuses;  ///< one per slot (when requested)
};

inline void prepare(plugin::DemixProcessor& p, double sampleRate, int blockSize)
{
    p.setRateAndBufferSizeDetails(sampleRate, blockSize);
    p.prepareToPlay(sampleRate, blockSize);
}

/// Processes `input` (stereo) in blocks of `blockSize`. `beforeBlock(index)` runs before
/// each block (outside processBlock); `inBlock` runs around nothing — use `counter` to
/// wrap processBlock (e.g. allocation counting).
inline RunResult run(plugin::DemixProcessor& p, const demix::AudioBuffer& input, int blockSize,
                     const std::function<void(int)>& beforeBlock = {},
                     const std::function<void(const std::function<void()>&)>& around = {},
                     bool collectSources = false)
{
    const int total = static_cast<int>(input.numSamples());
    const int channels = std::max(p.getTotalNumInputChannels(), p.getTotalNumOutputChannels());
    juce::AudioBuffer<float> buffer(channels, blockSize);
    juce::MidiBuffer midi;
    RunResult result;
    result.main.assign(2, std::vector<float>(static_cast<size_t>(total), 0.0f));
    if (collectSources)
        result.sourceBuses.assign(plugin::kNumSlots, Channels(2, std::vector<float>(static_cast<size_t>(total), 0.0f)));
    int index = 0;
    for (int offset = 0; offset < total; offset += blockSize, ++index) {
        const int n = std::min(blockSize, total - offset);
        buffer.setSize(channels, n, false, false, true);
        buffer.clear();
        for (int c = 0; c < 2; ++c)
            buffer.copyFrom(p.getChannelIndexInProcessBlockBuffer(true, 0, c), 0,
                            input.channels[static_cast<size_t>(c)].data() + offset, n);
        if (beforeBlock)
            beforeBlock(index);
        if (around)
            around([&] { p.processBlock(buffer, midi); });
        else
            p.processBlock(buffer, midi);
        for (int c = 0; c < 2; ++c)
            std::copy_n(buffer.getReadPointer(p.getChannelIndexInProcessBlockBuffer(false, 0, c)), n,
                        result.main[static_cast<size_t>(c)].begin() + offset);
        if (collectSources)
            for (int s = 0; s < plugin::kNumSlots; ++s)
                for (int c = 0; c < 2; ++c)
                    std::copy_n(buffer.getReadPointer(p.getChannelIndexInProcessBlockBuffer(false, s + 1, c)), n,
                                result.sourceBuses[static_cast<size_t>(s)][static_cast<size_t>(c)].begin() + offset);
    }
    return result;
}

/// Learns `components` templates named `name` from `clip` at the plugin's analysis
/// settings for `sampleRate` (normal latency mode).
inline demix::TemplateLibrary learn(const demix::AudioBuffer& clip, const std::string& name, int components)
{
    demix::SeparationSettings settings;
    settings.stft = plugin::stftFor(clip.sampleRate, false);
    settings.nmf.components = components;
    settings.nmf.maxIterations = 150;
    settings.nmf.seed = 7;
    return demix::learnTemplates({clip}, name, components, settings);
}

inline juce::RangedAudioParameter* parameterByName(juce::AudioProcessor& p, const juce::String& name)
{
    for (auto* parameter : p.getParameters())
        if (parameter->getName(100) == name)
            return dynamic_cast<juce::RangedAudioParameter*>(parameter);
    return nullptr;
}

}  // namespace demix::test

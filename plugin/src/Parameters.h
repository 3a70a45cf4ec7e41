#pragma once
/// \file Parameters.h
/// The plugin's automatable parameters with typed references (DSPModulePluginDemo
/// style): the layout is built once, the processor keeps raw pointers owned by the
/// AudioProcessorValueTreeState. Hosts see every parameter; tests look them up by name.

#include "PluginConstants.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>

namespace demix::plugin {

struct SlotParameters {
    juce::AudioParameterFloat* gainDb = nullptr;  ///< −60 … +12 dB; −60 means silence
    juce::AudioParameterBool* mute = nullptr;
    juce::AudioParameterBool* solo = nullptr;
};

struct Parameters {
    /// Creates every parameter, adds it to `layout` and keeps a typed pointer to it.
    explicit Parameters(juce::AudioProcessorValueTreeState::ParameterLayout& layout);

    std::array<SlotParameters, kNumSlots> slots;
    juce::AudioParameterFloat* sensitivity = nullptr;  ///< mask exponent α, 0.5 … 4
    juce::AudioParameterInt* iterations = nullptr;     ///< NMF updates per frame, 1 … 50
    juce::AudioParameterFloat* mix = nullptr;          ///< dry/wet, 0 … 100 %
    juce::AudioParameterBool* lowLatency = nullptr;    ///< smaller FFT (applies on prepare)
};

/// Gain below this (dB) is treated as silence.
constexpr float kMinGainDb = -60.0f;
constexpr float kMaxGainDb = 12.0f;
/// Linear gain of a gain parameter value in dB (0 at or below kMinGainDb).
float gainFromDb(float db) noexcept;

/// Display names: "Source 1" … "Source 8", "Residual".
juce::String defaultSlotName(int slot);

}  // namespace demix::plugin

#pragma once
/// \file Parameters.h
/// The plugin's automatable parameters with typed references (DSPModulePluginDemo
/// style): the layout is built once, the processor keeps raw pointers owned by the
/// AudioProcessorValueTreeState. Hosts see every parameter; tests look them up by name.
///
/// A slot's parameter names follow the slot's name ("drums Gain" once slot 1 holds
/// drums, "Source 1 Gain" while it is unnamed) when the format can rename parameters
/// (VST3: the processor reports parameterInfoChanged). LV2 lists its parameters in a
/// static .ttl, so there the names stay "Source 1 Gain" … "Other Gain".

#include "PluginConstants.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>

namespace demix::plugin {

/// The display name of every slot, read by the slot parameters' getName from any thread
/// (a host may ask from its own threads; never the audio thread). Short spin lock.
class SlotNames {
public:
    SlotNames();
    juce::String get(int slot) const;
    /// False when the name was already `name`.
    bool set(int slot, const juce::String& name);
    /// Off: parameter names stay "Source N …" whatever the slot's name (static formats).
    void setFollowNames(bool follow) noexcept { follow_.store(follow); }
    bool followNames() const noexcept { return follow_.load(); }

private:
    mutable juce::SpinLock lock_;
    std::array<juce::String, kNumSlots> names_;
    std::atomic<bool> follow_{true};
};

struct SlotParameters {
    juce::AudioParameterFloat* gainDb = nullptr;  ///< −60 … +12 dB; −60 means silence
    juce::AudioParameterBool* mute = nullptr;
    juce::AudioParameterBool* solo = nullptr;
};

struct Parameters {
    /// Creates every parameter, adds it to `layout` and keeps a typed pointer to it.
    /// `names` must outlive the parameters.
    Parameters(juce::AudioProcessorValueTreeState::ParameterLayout& layout, const SlotNames& names);

    std::array<SlotParameters, kNumSlots> slots;
    /// "Separation Strength": the mask exponent, 0.5 … 4 (higher = less bleed, more artefacts).
    juce::AudioParameterFloat* sensitivity = nullptr;
    /// "Iterations": NMF updates per frame, 1 … 50.
    juce::AudioParameterInt* iterations = nullptr;
    juce::AudioParameterFloat* mix = nullptr;          ///< dry/wet, 0 … 100 %
    juce::AudioParameterBool* lowLatency = nullptr;    ///< smaller FFT (applies on prepare)
};

/// Gain below this (dB) is treated as silence.
constexpr float kMinGainDb = -60.0f;
constexpr float kMaxGainDb = 12.0f;
/// Linear gain of a gain parameter value in dB (0 at or below kMinGainDb).
float gainFromDb(float db) noexcept;

/// Display names: "Source 1" … "Source 8", "Other" (the residual source).
juce::String defaultSlotName(int slot);

}  // namespace demix::plugin

#pragma once
/// \file EngineModel.h
/// What the separator runs with: the engine's real-time model (demix/realtime.hpp: the
/// analysis grid for the host's sample rate and latency mode, every slot's templates
/// fitted to it, the residual last) plus the plugin's view of it (which slot is which
/// engine source, notes for the editor).
///
/// Templates from a library learned at another sample rate or FFT size are fitted by the
/// engine (demix::fitRealtimeTemplates); the editor shows a note saying so. Everything
/// here allocates: build models off the audio thread.

#include "PluginConstants.h"

#include <demix/realtime.hpp>
#include <demix/separator.hpp>
#include <demix/template_library.hpp>

#include <juce_core/juce_core.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

namespace demix::plugin {

/// The separator's audio format.
struct EngineFormat {
    double sampleRate = 44100.0;
    demix::StftSettings stft;
    int numChannels = 2;
    demix::RealtimeLatency latencyMode = demix::RealtimeLatency::Normal;

    demix::AnalysisSettings analysis() const;
    /// Latency in samples (demix::realtimeLatencySamples).
    int latency() const { return demix::realtimeLatencySamples(sampleRate, latencyMode); }
};

/// The format for a rate, channel count and mode (grid: demix::realtimeStft).
EngineFormat engineFormat(double sampleRate, int numChannels, bool lowLatency);
/// The analysis grid for a rate and mode: demix::realtimeStft.
demix::StftSettings stftFor(double sampleRate, bool lowLatency);

/// Templates of one library source fitted to `format`: F × K, F = format bins, columns
/// L1-normalised. `note` is set to a human-readable description when resampled.
demix::Matrix fitTemplates(const demix::AnalysisSettings& learnedWith,
                           const demix::Matrix& templates, const EngineFormat& format,
                           juce::String& note);

/// The full template set the separator uses (W, groups: demix::RealtimeModel). Immutable
/// once built.
struct EngineModel : demix::RealtimeModel {
    EngineFormat format;
    /// Engine source index of each slot, −1 if the slot has no templates.
    std::array<int, kNumSlots> sourceOfSlot{};
    /// Component range of each slot in W (count 0 if absent).
    std::array<int, kNumSlots> firstComponent{};
    std::array<int, kNumSlots> componentCount{};
    std::array<juce::String, kNumSlots> notes;  ///< fitting notes per slot
    std::uint32_t generation = 0;
};

/// Builds the model from the slots' libraries (nullptr = empty slot; each library holds
/// one source) with demix::buildRealtimeModel: the filled slots in slot order, then the
/// residual. Throws demix::Error.
std::shared_ptr<const EngineModel> buildModel(
    const std::array<const demix::TemplateLibrary*, kNumNamedSources>& libraries,
    const EngineFormat& format, std::uint32_t generation);

}  // namespace demix::plugin

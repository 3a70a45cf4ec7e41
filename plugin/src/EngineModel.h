#pragma once
/// \file EngineModel.h
/// What the separator runs with: the analysis format chosen for the host's sample rate
/// and latency mode, and the templates of every slot fitted to that format.
///
/// Templates from a library learned at another sample rate or FFT size are fitted by the
/// engine's demix::resampleTemplates (each target bin takes the source spectrum at the
/// same frequency in Hz); the editor shows a note saying so. Everything here allocates: build models
/// off the audio thread.

#include "PluginConstants.h"

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

    demix::AnalysisSettings analysis() const;
    /// Latency in samples (== FFT size, see streaming_separator.hpp).
    int latency() const { return stft.fftSize; }
};

/// FFT size / hop for a sample rate and mode: 2048/512 (normal) or 1024/256 (low
/// latency) at 44.1/48 kHz, scaled by the nearest power of two of rate/44.1 kHz
/// (×0.5 at 22.05 kHz … ×4 at 176.4/192 kHz) so the frequency resolution in Hz stays
/// about the same at every rate.
demix::StftSettings stftFor(double sampleRate, bool lowLatency);

/// Empty when templates learned with `learnedWith` are on the frequency grid of `format`
/// (demix::sameFrequencyGrid), otherwise a human-readable "resampled from …" note.
juce::String resamplingNote(const demix::AnalysisSettings& learnedWith, const EngineFormat& format);

/// Templates of one library source fitted to `format`: F × K, F = format bins, columns
/// L1-normalised. `note` is set to a human-readable description when resampled.
demix::Matrix fitTemplates(const demix::AnalysisSettings& learnedWith,
                           const demix::Matrix& templates, const EngineFormat& format,
                           juce::String& note);

/// The residual source's generic templates: kResidualComponents smooth bumps evenly
/// spaced in log-frequency from 40 Hz to Nyquist, L1-normalised.
demix::Matrix residualTemplates(const EngineFormat& format);

/// The full template set the separator uses. Immutable once built.
struct EngineModel {
    EngineFormat format;
    demix::Matrix W;                 ///< F × K, all sources
    demix::ComponentGroups groups;   ///< components of each engine source
    /// Engine source index of each slot, −1 if the slot has no templates.
    std::array<int, kNumSlots> sourceOfSlot{};
    /// Component range of each slot in W (count 0 if absent).
    std::array<int, kNumSlots> firstComponent{};
    std::array<int, kNumSlots> componentCount{};
    std::array<juce::String, kNumSlots> notes;  ///< fitting notes per slot
    std::uint32_t generation = 0;
};

/// Builds the model from the slots' libraries (nullptr = empty slot; each library holds
/// one source). The residual slot always gets residualTemplates().
std::shared_ptr<const EngineModel> buildModel(
    const std::array<const demix::TemplateLibrary*, kNumNamedSources>& libraries,
    const EngineFormat& format, std::uint32_t generation);

}  // namespace demix::plugin

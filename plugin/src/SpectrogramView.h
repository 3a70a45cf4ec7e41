#pragma once
/// \file SpectrogramView.h
/// Live spectrogram coloured by source, and the template / activation view.
///
/// Both are drawn from the activations the audio thread publishes (ActivationFeed) and
/// the model's templates: the estimated magnitude of source s at bin f is
/// Σ_{k ∈ s} W(f, k) h_k. A spectrogram pixel's brightness is the total estimate (dB)
/// and its colour mixes the source colours by their share (the masks with α = 1).
/// Message thread only.

#include "EngineModel.h"

#include <juce_gui_basics/juce_gui_basics.h>

namespace demix::plugin {

/// Log-frequency row → bin mapping shared by both views.
std::vector<int> logFrequencyRows(const EngineFormat& format, int rows);

class SpectrogramView : public juce::Component {
public:
    SpectrogramView();
    void addFrame(const EngineModel& model, const float* activations);
    void paint(juce::Graphics& g) override;

private:
    static constexpr int kColumns = 320;
    static constexpr int kRows = 180;
    juce::Image image_;
    int column_ = 0;
    std::vector<int> rowBin_;
    EngineFormat cachedFormat_;
};

class TemplateActivationView : public juce::Component {
public:
    TemplateActivationView();
    void addFrame(const EngineModel& model, const float* activations);
    void paint(juce::Graphics& g) override;

private:
    void renderTemplates(const EngineModel& model);
    static constexpr int kColumns = 200;
    static constexpr int kRows = 120;
    juce::Image templates_;
    juce::Image activations_;
    int column_ = 0;
    std::uint32_t templatesGeneration_ = 0;
    int components_ = 0;
    std::vector<int> componentSlot_;
};

}  // namespace demix::plugin

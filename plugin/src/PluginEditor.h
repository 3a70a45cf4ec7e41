#pragma once
/// \file PluginEditor.h
/// The Demix editor: global controls (separation strength, iterations, mix, low latency,
/// how to learn, load/save a whole library, default sources, clear all), the live
/// source-coloured spectrogram, the source sounds / activity view, one strip per source
/// and a status line. Resizable. The processor never depends on it: everything works
/// with the editor closed.
///
/// Words on screen are the musician's, not the algorithm's ("Separation strength",
/// "source sounds", "activity"). The status line is derived from what the processor is
/// doing right now (recording, learning, empty) before any older message, so it never
/// contradicts the buttons.

#include "PluginProcessor.h"
#include "SourceStrip.h"
#include "SpectrogramView.h"

#include <juce_audio_processors/juce_audio_processors.h>

namespace demix::plugin {

class DemixEditor : public juce::AudioProcessorEditor, private juce::Timer {
public:
    explicit DemixEditor(DemixProcessor& processor);
    ~DemixEditor() override;

    void paint(juce::Graphics& g) override;
    void resized() override;

    /// The status line's text (see the class comment). Message thread.
    juce::String statusText() const;

    static constexpr int kDefaultWidth = 1100;
    static constexpr int kDefaultHeight = 680;

private:
    void timerCallback() override;
    void loadAll();
    void saveAll();

    DemixProcessor& processor_;
    ActivationFeed::Frame frame_;
    int ticks_ = 0;

    juce::Label title_;
    juce::Slider sensitivity_, iterations_, mix_, learnComponents_;
    juce::Label sensitivityLabel_, iterationsLabel_, mixLabel_, learnComponentsLabel_;
    juce::ToggleButton lowLatency_{"Low latency"};
    juce::ComboBox learnFrom_;
    juce::TextButton loadAll_{"Load library..."}, saveAll_{"Save library..."};
    juce::TextButton defaults_{"Default sources"}, clearAll_{"Clear all"};
    juce::Label latency_, status_;

    SpectrogramView spectrogram_;
    TemplateActivationView templateView_;
    std::vector<std::unique_ptr<SourceStrip>> strips_;
    std::unique_ptr<juce::FileChooser> chooser_;
    juce::TooltipWindow tooltips_{this};

    using SliderAttachment = juce::AudioProcessorValueTreeState::SliderAttachment;
    using ButtonAttachment = juce::AudioProcessorValueTreeState::ButtonAttachment;
    std::unique_ptr<SliderAttachment> sensitivityAttachment_, iterationsAttachment_, mixAttachment_;
    std::unique_ptr<ButtonAttachment> lowLatencyAttachment_;
};

}  // namespace demix::plugin

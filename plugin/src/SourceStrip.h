#pragma once
/// \file SourceStrip.h
/// One source's channel strip: editable name, gain fader, mute, solo, level meter,
/// learn button with recording/learning progress, and load / save / clear of its
/// templates. Message thread only.

#include "LevelMeter.h"
#include "PluginProcessor.h"

#include <juce_audio_processors/juce_audio_processors.h>
#include <juce_gui_basics/juce_gui_basics.h>

namespace demix::plugin {

class SourceStrip : public juce::Component {
public:
    SourceStrip(DemixProcessor& processor, int slot);
    ~SourceStrip() override;

    /// Called by the editor's timer: meter, learn state, name and template info.
    void refresh();
    void resized() override;
    void paint(juce::Graphics& g) override;

private:
    void learnClicked();
    void loadClicked();
    void saveClicked();

    DemixProcessor& processor_;
    const int slot_;
    juce::Label name_;
    juce::Label info_;
    juce::Slider gain_{juce::Slider::LinearVertical, juce::Slider::TextBoxBelow};
    juce::TextButton mute_{"M"}, solo_{"S"};
    LevelMeter meter_;
    juce::TextButton learn_{"Learn"};
    double progress_ = 0.0;
    juce::ProgressBar progressBar_{progress_};
    juce::TextButton load_{"Load"}, save_{"Save"}, clear_{"Clear"};
    std::unique_ptr<juce::FileChooser> chooser_;
    using SliderAttachment = juce::AudioProcessorValueTreeState::SliderAttachment;
    using ButtonAttachment = juce::AudioProcessorValueTreeState::ButtonAttachment;
    std::unique_ptr<SliderAttachment> gainAttachment_;
    std::unique_ptr<ButtonAttachment> muteAttachment_, soloAttachment_;
};

}  // namespace demix::plugin

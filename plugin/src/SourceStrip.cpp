#include "SourceStrip.h"

#include "EditorStyle.h"

namespace demix::plugin {

namespace {
juce::String paramId(int slot, const char* what)
{
    return (slot == kResidualSlot ? juce::String("res") : "s" + juce::String(slot + 1)) + "_" + what;
}
}  // namespace

SourceStrip::SourceStrip(DemixProcessor& processor, int slot)
    : processor_(processor), slot_(slot), meter_(slotColour(slot))
{
    const bool named = slot != kResidualSlot;
    name_.setText(processor.slotInfo(slot).name, juce::dontSendNotification);
    name_.setJustificationType(juce::Justification::centred);
    name_.setEditable(false, named, false);
    name_.setColour(juce::Label::textColourId, slotColour(slot));
    name_.setTooltip(named ? "Double-click to rename" : "Everything the other sources do not take");
    name_.onTextChange = [this] { processor_.setSlotName(slot_, name_.getText()); };
    addAndMakeVisible(name_);

    info_.setJustificationType(juce::Justification::centred);
    info_.setFont(juce::Font(11.0f));
    info_.setColour(juce::Label::textColourId, juce::Colours::lightgrey);
    addAndMakeVisible(info_);

    gain_.setTextBoxStyle(juce::Slider::TextBoxBelow, false, 60, 18);
    styleSliderTrack(gain_, slotColour(slot));
    gain_.setTooltip("Level of this source in the remix");
    addAndMakeVisible(gain_);
    mute_.setClickingTogglesState(true);
    mute_.setColour(juce::TextButton::buttonOnColourId, juce::Colours::orangered);
    mute_.setTooltip("Mute this source in the remix");
    solo_.setClickingTogglesState(true);
    solo_.setColour(juce::TextButton::buttonOnColourId, juce::Colours::gold.darker());
    solo_.setTooltip("Solo this source in the remix");
    addAndMakeVisible(mute_);
    addAndMakeVisible(solo_);
    addAndMakeVisible(meter_);

    auto& state = processor.valueTreeState();
    gainAttachment_ = std::make_unique<SliderAttachment>(state, paramId(slot, "gain"), gain_);
    muteAttachment_ = std::make_unique<ButtonAttachment>(state, paramId(slot, "mute"), mute_);
    soloAttachment_ = std::make_unique<ButtonAttachment>(state, paramId(slot, "solo"), solo_);

    if (named) {
        learn_.setTooltip("Press, play this part alone, press Stop: its sounds are learned in the background");
        learn_.onClick = [this] { learnClicked(); };
        load_.setTooltip("Load this source's sounds from a .dmxt library");
        load_.onClick = [this] { loadClicked(); };
        save_.setTooltip("Save this source's sounds as a .dmxt library");
        save_.onClick = [this] { saveClicked(); };
        clear_.setTooltip("Empty this source");
        clear_.onClick = [this] { processor_.clearSlot(slot_); };
        for (auto* b : {&learn_, &load_, &save_, &clear_})
            addAndMakeVisible(b);
        addAndMakeVisible(progressBar_);
        progressBar_.setPercentageDisplay(false);
    }
    refresh();
}

SourceStrip::~SourceStrip() = default;

void SourceStrip::learnClicked()
{
    juce::String message;
    if (processor_.recordingSlot() == slot_)
        processor_.stopRecordingAndLearn(message);
    else if (processor_.learningSlot() == slot_)
        processor_.cancelLearning();
    else
        processor_.startRecording(slot_, message);
    refresh();
}

void SourceStrip::loadClicked()
{
    chooser_ = std::make_unique<juce::FileChooser>("Load sounds into " + name_.getText(), juce::File(), "*.dmxt");
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [this](const juce::FileChooser& chooser) {
                              const auto file = chooser.getResult();
                              juce::String message;
                              if (file.existsAsFile())
                                  processor_.loadLibrary(slot_, file, message);
                              refresh();
                          });
}

void SourceStrip::saveClicked()
{
    chooser_ = std::make_unique<juce::FileChooser>("Save the sounds of " + name_.getText(),
                                                   juce::File::getSpecialLocation(juce::File::userHomeDirectory)
                                                       .getChildFile(name_.getText() + ".dmxt"),
                                                   "*.dmxt");
    chooser_->launchAsync(juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::warnAboutOverwriting,
                          [this](const juce::FileChooser& chooser) {
                              const auto file = chooser.getResult();
                              juce::String message;
                              if (file != juce::File())
                                  processor_.saveLibrary(slot_, file.withFileExtension("dmxt"), message);
                          });
}

void SourceStrip::refresh()
{
    meter_.push(processor_.takeSlotPeak(slot_));
    const auto info = processor_.slotInfo(slot_);
    if (!name_.isBeingEdited() && name_.getText() != info.name)
        name_.setText(info.name, juce::dontSendNotification);
    juce::String text = info.hasTemplates ? juce::String(info.components) + " sounds" : "empty";
    if (info.note.startsWith("resampled"))
        text << " (resampled)";
    info_.setText(text, juce::dontSendNotification);
    info_.setTooltip(info.note);
    info_.setColour(juce::Label::textColourId, info.note.startsWith("resampled") ? juce::Colours::orange
                                                                                 : juce::Colours::lightgrey);
    if (slot_ == kResidualSlot)
        return;

    if (processor_.recordingSlot() == slot_) {
        learn_.setButtonText("Stop");
        learn_.setColour(juce::TextButton::buttonColourId, juce::Colours::darkred);
        progress_ = processor_.recordingFill();
    } else if (processor_.learningSlot() == slot_) {
        learn_.setButtonText("Cancel");
        learn_.setColour(juce::TextButton::buttonColourId, juce::Colours::darkblue);
        progress_ = processor_.learningProgress();
    } else {
        learn_.setButtonText("Learn");
        learn_.removeColour(juce::TextButton::buttonColourId);
        progress_ = 0.0;
    }
    save_.setEnabled(info.hasTemplates);
    clear_.setEnabled(info.hasTemplates);
}

void SourceStrip::paint(juce::Graphics& g)
{
    g.setColour(panelBackground());
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 4.0f);
    g.setColour(slotColour(slot_));
    g.fillRect(getLocalBounds().reduced(2).removeFromTop(3));
}

void SourceStrip::resized()
{
    auto area = getLocalBounds().reduced(5);
    area.removeFromTop(3);
    name_.setBounds(area.removeFromTop(20));
    info_.setBounds(area.removeFromTop(16));
    if (slot_ != kResidualSlot) {
        auto bottom = area.removeFromBottom(22);
        const int w = bottom.getWidth() / 3;
        load_.setBounds(bottom.removeFromLeft(w).reduced(1));
        save_.setBounds(bottom.removeFromLeft(w).reduced(1));
        clear_.setBounds(bottom.reduced(1));
        progressBar_.setBounds(area.removeFromBottom(8).reduced(1, 0));
        learn_.setBounds(area.removeFromBottom(24).reduced(1));
    } else {
        area.removeFromBottom(54);
    }
    auto buttons = area.removeFromTop(24);
    mute_.setBounds(buttons.removeFromLeft(buttons.getWidth() / 2).reduced(1));
    solo_.setBounds(buttons.reduced(1));
    meter_.setBounds(area.removeFromRight(10).reduced(0, 4));
    gain_.setBounds(area);
}

}  // namespace demix::plugin

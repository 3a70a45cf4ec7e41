#include "PluginEditor.h"

#include "EditorStyle.h"

namespace demix::plugin {

namespace {
void setUpKnob(juce::Slider& slider, juce::Label& label, const juce::String& text, juce::Component& parent)
{
    slider.setSliderStyle(juce::Slider::LinearHorizontal);
    slider.setTextBoxStyle(juce::Slider::TextBoxRight, false, 70, 18);
    styleSliderTrack(slider, accentColour());
    label.setText(text, juce::dontSendNotification);
    label.setJustificationType(juce::Justification::centredRight);
    parent.addAndMakeVisible(slider);
    parent.addAndMakeVisible(label);
}
}  // namespace

DemixEditor::DemixEditor(DemixProcessor& owner) : AudioProcessorEditor(owner), processor_(owner)
{
    title_.setText("Demix", juce::dontSendNotification);
    title_.setFont(juce::Font(22.0f, juce::Font::bold));
    addAndMakeVisible(title_);

    setUpKnob(sensitivity_, sensitivityLabel_, "Separation strength", *this);
    sensitivity_.setTooltip("How hard the sources are pulled apart: higher gives less bleed between them, "
                            "but more watery artefacts");
    setUpKnob(iterations_, iterationsLabel_, "Iterations", *this);
    iterations_.setTooltip("How many times per frame the separation is refined: more is cleaner and costs "
                           "more CPU (offline bounces use 4x)");
    setUpKnob(mix_, mixLabel_, "Mix", *this);
    mix_.setTooltip("0 % = the input unchanged, 100 % = the remix of the sources");
    setUpKnob(learnComponents_, learnComponentsLabel_, "Sounds to learn", *this);
    learnComponents_.setRange(1, kMaxComponentsPerSource, 1);
    learnComponents_.setValue(processor_.learnComponents(), juce::dontSendNotification);
    learnComponents_.setTooltip("How many typical sounds Learn finds for a source: more tells similar "
                                "instruments apart better, but needs a longer recording");
    learnComponents_.onValueChange = [this] {
        processor_.setLearnComponents(static_cast<int>(learnComponents_.getValue()));
    };
    lowLatency_.setTooltip("Half the FFT size (half the latency); applies when the host restarts playback");
    addAndMakeVisible(lowLatency_);

    learnFrom_.addItem("Learn from main input", 1);
    learnFrom_.addItem("Learn from sidechain", 2);
    learnFrom_.setSelectedId(processor_.learnFromSidechain() ? 2 : 1, juce::dontSendNotification);
    learnFrom_.onChange = [this] { processor_.setLearnFromSidechain(learnFrom_.getSelectedId() == 2); };
    addAndMakeVisible(learnFrom_);

    loadAll_.onClick = [this] { loadAll(); };
    saveAll_.onClick = [this] { saveAll(); };
    loadAll_.setTooltip("Load a .dmxt library into the empty sources");
    saveAll_.setTooltip("Save every source's sounds as one .dmxt library");
    defaults_.setTooltip("Drums, bass, keys and voice, as shipped with Demix");
    defaults_.onClick = [this] { processor_.loadDefaultSources(); };
    clearAll_.setTooltip("Empty every source: the remix is then the input unchanged");
    clearAll_.onClick = [this] { processor_.clearAllSources(); };
    for (auto* b : {&loadAll_, &saveAll_, &defaults_, &clearAll_})
        addAndMakeVisible(b);

    latency_.setJustificationType(juce::Justification::centredRight);
    latency_.setColour(juce::Label::textColourId, juce::Colours::lightgrey);
    addAndMakeVisible(latency_);
    status_.setColour(juce::Label::textColourId, juce::Colours::lightgrey);
    addAndMakeVisible(status_);

    auto& state = processor_.valueTreeState();
    sensitivityAttachment_ = std::make_unique<SliderAttachment>(state, "sensitivity", sensitivity_);
    iterationsAttachment_ = std::make_unique<SliderAttachment>(state, "iterations", iterations_);
    mixAttachment_ = std::make_unique<SliderAttachment>(state, "mix", mix_);
    lowLatencyAttachment_ = std::make_unique<ButtonAttachment>(state, "lowlatency", lowLatency_);

    addAndMakeVisible(spectrogram_);
    addAndMakeVisible(templateView_);
    for (int slot = 0; slot < kNumSlots; ++slot) {
        strips_.push_back(std::make_unique<SourceStrip>(processor_, slot));
        addAndMakeVisible(*strips_.back());
    }

    setResizable(true, true);
    setResizeLimits(760, 520, 2600, 1800);
    setSize(kDefaultWidth, kDefaultHeight);
    startTimerHz(30);
}

DemixEditor::~DemixEditor() { stopTimer(); }

void DemixEditor::timerCallback()
{
    const auto model = processor_.model();
    while (processor_.activationFeed().pop(frame_)) {
        if (model && frame_.generation == model->generation && frame_.numComponents == model->W.cols()) {
            spectrogram_.addFrame(*model, frame_.h.data());
            templateView_.addFrame(*model, frame_.h.data());
        }
    }
    if (++ticks_ % 3 != 0)  // strips and labels at 10 Hz
        return;
    for (auto& strip : strips_)
        strip->refresh();
    const auto format = processor_.format();
    latency_.setText("latency " + juce::String(processor_.getLatencySamples()) + " samples ("
                         + juce::String(1000.0 * processor_.getLatencySamples() / format.sampleRate, 1)
                         + " ms), FFT " + juce::String(format.stft.fftSize) + " / hop "
                         + juce::String(format.stft.hop),
                     juce::dontSendNotification);
    status_.setText(statusText(), juce::dontSendNotification);
}

juce::String DemixEditor::statusText() const
{
    if (const int slot = processor_.recordingSlot(); slot >= 0) {
        const double seconds = processor_.recordingFill() * kMaxRecordSeconds;
        return "Recording " + processor_.slotInfo(slot).name + ": play the part alone, then press Stop ("
               + juce::String(seconds, 1) + " of " + juce::String(kMaxRecordSeconds, 0) + " s)";
    }
    if (const int slot = processor_.learningSlot(); slot >= 0)
        return "Learning " + processor_.slotInfo(slot).name + " ("
               + juce::String(juce::roundToInt(100.0f * processor_.learningProgress())) + " %): press Cancel to stop";
    if (!processor_.hasAnySource())
        return "No sources yet: press Default sources (drums, bass, keys, voice), load a library, "
               "or press Learn on a source while its part plays alone.";
    return processor_.status();
}

void DemixEditor::loadAll()
{
    chooser_ = std::make_unique<juce::FileChooser>("Load a template library", juce::File(), "*.dmxt");
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [this](const juce::FileChooser& chooser) {
                              const auto file = chooser.getResult();
                              juce::String message;
                              if (!file.existsAsFile())
                                  return;
                              // Fill from the first empty slot.
                              int first = 0;
                              while (first < kNumNamedSources && processor_.slotInfo(first).hasTemplates)
                                  ++first;
                              processor_.loadLibrary(std::min(first, kNumNamedSources - 1), file, message);
                          });
}

void DemixEditor::saveAll()
{
    chooser_ = std::make_unique<juce::FileChooser>(
        "Save all sources as a template library",
        juce::File::getSpecialLocation(juce::File::userHomeDirectory).getChildFile("demix-sources.dmxt"), "*.dmxt");
    chooser_->launchAsync(juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::warnAboutOverwriting,
                          [this](const juce::FileChooser& chooser) {
                              const auto file = chooser.getResult();
                              juce::String message;
                              if (file != juce::File())
                                  processor_.saveLibrary(-1, file.withFileExtension("dmxt"), message);
                          });
}

void DemixEditor::paint(juce::Graphics& g) { g.fillAll(editorBackground()); }

void DemixEditor::resized()
{
    auto area = getLocalBounds().reduced(6);
    auto top = area.removeFromTop(30);
    title_.setBounds(top.removeFromLeft(90));
    saveAll_.setBounds(top.removeFromRight(110).reduced(2));
    loadAll_.setBounds(top.removeFromRight(110).reduced(2));
    clearAll_.setBounds(top.removeFromRight(80).reduced(2));
    defaults_.setBounds(top.removeFromRight(120).reduced(2));
    learnFrom_.setBounds(top.removeFromRight(180).reduced(2));
    latency_.setBounds(top);

    auto controls = area.removeFromTop(28);
    const int cell = controls.getWidth() / 5;
    auto place = [&](juce::Label& label, juce::Slider& slider) {
        auto c = controls.removeFromLeft(cell);
        label.setBounds(c.removeFromLeft(juce::jmin(130, c.getWidth() / 2)));
        slider.setBounds(c.reduced(2));
    };
    place(sensitivityLabel_, sensitivity_);
    place(iterationsLabel_, iterations_);
    place(mixLabel_, mix_);
    place(learnComponentsLabel_, learnComponents_);
    lowLatency_.setBounds(controls.reduced(8, 2));

    status_.setBounds(area.removeFromBottom(22));
    auto views = area.removeFromTop(static_cast<int>(area.getHeight() * 0.42));
    templateView_.setBounds(views.removeFromRight(static_cast<int>(views.getWidth() * 0.34)).reduced(2));
    spectrogram_.setBounds(views.reduced(2));

    area.removeFromTop(4);
    const int stripWidth = area.getWidth() / kNumSlots;
    for (auto& strip : strips_)
        strip->setBounds(area.removeFromLeft(stripWidth));
}

}  // namespace demix::plugin

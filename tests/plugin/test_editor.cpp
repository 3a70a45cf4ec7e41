// The editor opens on a (virtual) display, draws the live views, resizes and closes.
// Hidden from a plain run ([.editor]); ctest runs it under xvfb-run. Saves a
// screenshot (plugin-editor.png) in the test output directory as an artefact.
#include "PluginEditor.h"
#include "ProcessorHarness.h"

#include <catch2/catch.hpp>

#include <set>

using namespace demix;
using namespace demix::plugin;
using namespace demix::test;

namespace {

/// Emulates the audio thread on the message thread: one block per tick.
class AudioTicker : public juce::Timer {
public:
    AudioTicker(DemixProcessor& p, demix::AudioBuffer signal)
        : processor_(p), signal_(std::move(signal)),
          buffer_(std::max(p.getTotalNumInputChannels(), p.getTotalNumOutputChannels()), 1024)
    {
    }
    void timerCallback() override
    {
        for (int repeat = 0; repeat < 2; ++repeat) {
            buffer_.clear();
            for (int c = 0; c < 2; ++c) {
                float* dst = buffer_.getWritePointer(processor_.getChannelIndexInProcessBlockBuffer(true, 0, c));
                for (int i = 0; i < 1024; ++i)
                    dst[i] = signal_.channels[static_cast<size_t>(c)][(position_ + static_cast<size_t>(i)) % signal_.numSamples()];
            }
            position_ += 1024;
            processor_.processBlock(buffer_, midi_);
        }
    }

private:
    DemixProcessor& processor_;
    demix::AudioBuffer signal_;
    juce::AudioBuffer<float> buffer_;
    juce::MidiBuffer midi_;
    size_t position_ = 0;
};

int distinctColours(const juce::Image& image)
{
    std::set<juce::uint32> colours;
    for (int y = 0; y < image.getHeight(); y += 3)
        for (int x = 0; x < image.getWidth(); x += 3)
            colours.insert(image.getPixelAt(x, y).getARGB());
    return static_cast<int>(colours.size());
}

}  // namespace

TEST_CASE("the editor opens, resizes, draws the live views and closes", "[.editor][editor]")
{
    REQUIRE(juce::SystemStats::getEnvironmentVariable("DISPLAY", {}).isNotEmpty());
    const double rate = 44100.0;
    DemixProcessor p;
    juce::String message;
    REQUIRE(p.setSlotTemplates(0, learn(melody(rate, 2.0), "Melody", 6), message));
    REQUIRE(p.setSlotTemplates(1, learn(noiseHits(rate, 2.0), "Hats", 4), message));
    prepare(p, rate, 1024);

    AudioTicker ticker(p, sum(melody(rate, 2.0), noiseHits(rate, 2.0)));
    ticker.startTimer(20);

    std::unique_ptr<juce::AudioProcessorEditor> editor(p.createEditorIfNeeded());
    REQUIRE(editor != nullptr);
    CHECK(editor->isResizable());
    editor->addToDesktop(0);  // no native title bar: Xvfb has no window manager
    editor->setVisible(true);

    bool showing = false;
    int resizedWidth = 0, resizedHeight = 0, colours = 0;
    juce::File screenshot = juce::File(DEMIX_TEST_OUTPUT_DIR).getChildFile("plugin-editor.png");
    screenshot.deleteFile();

    juce::Timer::callAfterDelay(1200, [&] {
        showing = editor->isShowing() && editor->getPeer() != nullptr;
        editor->setSize(1400, 860);
    });
    juce::Timer::callAfterDelay(2400, [&] {
        resizedWidth = editor->getWidth();
        resizedHeight = editor->getHeight();
        const auto image = editor->createComponentSnapshot(editor->getLocalBounds());
        colours = distinctColours(image);
        juce::PNGImageFormat png;
        juce::FileOutputStream stream(screenshot);
        if (stream.openedOk())
            png.writeImageToStream(image, stream);
        editor->setBoundsConstrained({0, 0, 100, 100});  // below the limits: clamped
    });
    juce::String recordingStatus, emptyStatus;
    juce::File emptyShot = juce::File(DEMIX_TEST_OUTPUT_DIR).getChildFile("plugin-editor-empty.png");
    juce::Timer::callAfterDelay(2500, [&] {
        auto* demixEditor = dynamic_cast<DemixEditor*>(editor.get());
        juce::String message;
        p.startRecording(0, message);
        recordingStatus = demixEditor->statusText();
        p.cancelLearning();
        p.clearAllSources();
        emptyStatus = demixEditor->statusText();
    });
    juce::Timer::callAfterDelay(2700, [&] {
        const auto image = editor->createComponentSnapshot(editor->getLocalBounds());
        juce::PNGImageFormat png;
        emptyShot.deleteFile();
        juce::FileOutputStream stream(emptyShot);
        if (stream.openedOk())
            png.writeImageToStream(image, stream);
    });
    juce::Timer::callAfterDelay(2800, [&] {
        CHECK(editor->getWidth() >= 760);
        ticker.stopTimer();
        editor.reset();
        juce::MessageManager::getInstance()->stopDispatchLoop();
    });
    juce::MessageManager::getInstance()->runDispatchLoop();

    CHECK(showing);
    CHECK(resizedWidth == 1400);
    CHECK(resizedHeight == 860);
    INFO("distinct colours in the screenshot: " << colours);
    CHECK(colours > 50);  // spectrogram, strips, text: far from a blank window
    CHECK(screenshot.existsAsFile());
    CHECK(screenshot.getSize() > 10000);
    CHECK(p.getActiveEditor() == nullptr);
    // The status line matches the learn button (it says Stop while recording) and an
    // empty instance says what to do first.
    INFO("recording: " << recordingStatus << " / empty: " << emptyStatus);
    CHECK(recordingStatus.contains("press Stop"));
    CHECK_FALSE(recordingStatus.contains("learn again"));
    CHECK(emptyStatus.startsWith("No sources yet"));
    CHECK(emptyShot.existsAsFile());
}

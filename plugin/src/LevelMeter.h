#pragma once
/// \file LevelMeter.h
/// A vertical peak meter (dB scale, −60 … +6 dB) with a decaying hold, fed by the
/// editor's timer from the processor's per-slot peaks.

#include <juce_gui_basics/juce_gui_basics.h>

#include <cmath>

namespace demix::plugin {

class LevelMeter : public juce::Component {
public:
    explicit LevelMeter(juce::Colour colour) : colour_(colour) {}

    /// Message thread: a new peak (linear) measured since the last call.
    void push(float peak)
    {
        const float db = peak > 0.0f ? 20.0f * std::log10(peak) : -100.0f;
        level_ = std::max(db, level_ - 1.5f);  // ~15 dB/s fall at 10 Hz
        repaint();
    }

    void paint(juce::Graphics& g) override
    {
        auto area = getLocalBounds().toFloat();
        g.setColour(juce::Colours::black.withAlpha(0.6f));
        g.fillRoundedRectangle(area, 2.0f);
        const float fraction = juce::jlimit(0.0f, 1.0f, (level_ + 60.0f) / 66.0f);
        auto bar = area.reduced(1.0f).removeFromBottom(area.getHeight() * fraction);
        g.setColour(level_ > 0.0f ? juce::Colours::red : colour_);
        g.fillRect(bar);
    }

private:
    juce::Colour colour_;
    float level_ = -100.0f;
};

}  // namespace demix::plugin

#pragma once
/// \file EditorStyle.h
/// Colours shared by the editor's views: one per slot, so a source has the same colour
/// in its strip, the spectrogram and the template/activation views.

#include "PluginConstants.h"

#include <juce_gui_basics/juce_gui_basics.h>

namespace demix::plugin {

inline juce::Colour slotColour(int slot)
{
    static const juce::uint32 colours[kNumSlots] = {0xffe6194b, 0xff3cb44b, 0xffffe119, 0xff4363d8, 0xfff58231,
                                                    0xff911eb4, 0xff42d4f4, 0xfff032e6, 0xffa9a9a9};
    return juce::Colour(colours[juce::jlimit(0, kNumSlots - 1, slot)]);
}

inline juce::Colour editorBackground() { return juce::Colour(0xff1e2127); }
inline juce::Colour panelBackground() { return juce::Colour(0xff2a2e36); }
inline juce::Colour accentColour() { return juce::Colour(0xff5ab0ff); }

/// A slider whose whole track shows against the dark panels: a light groove, the
/// filled part in `colour`, a white thumb.
inline void styleSliderTrack(juce::Slider& slider, juce::Colour colour)
{
    slider.setColour(juce::Slider::backgroundColourId, juce::Colour(0xff5a606c));
    slider.setColour(juce::Slider::trackColourId, colour);
    slider.setColour(juce::Slider::thumbColourId, juce::Colours::white);
}

}  // namespace demix::plugin

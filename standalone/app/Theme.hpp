#pragma once
/// \file Theme.hpp
/// The app's colours and its dark look-and-feel.

#include <juce_gui_basics/juce_gui_basics.h>

namespace demix::app::theme {

const juce::Colour background{0xff17171d};
const juce::Colour panel{0xff202029};
const juce::Colour panelLight{0xff2a2a35};
const juce::Colour outline{0xff34343f};
const juce::Colour text{0xffe4e4ea};
const juce::Colour dimText{0xff9a9aa8};
const juce::Colour accent{0xfffeb078};
const juce::Colour playHead{0xffffffff};
const juce::Colour selection{0x334fc3f7};

/// Dark LookAndFeel_V4 colour scheme with the accent colour.
class LookAndFeel : public juce::LookAndFeel_V4 {
public:
    LookAndFeel();
};

}  // namespace demix::app::theme

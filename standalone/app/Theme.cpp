#include "app/Theme.hpp"

namespace demix::app::theme {

LookAndFeel::LookAndFeel()
    : juce::LookAndFeel_V4(juce::LookAndFeel_V4::ColourScheme(
          background, panel, panelLight, outline, text, accent.darker(0.3f), juce::Colours::black,
          accent, text))
{
    setColour(juce::ResizableWindow::backgroundColourId, background);
    setColour(juce::TextButton::buttonColourId, panelLight);
    setColour(juce::TextButton::buttonOnColourId, accent.darker(0.4f));
    setColour(juce::ComboBox::backgroundColourId, panelLight);
    setColour(juce::ComboBox::outlineColourId, outline);
    setColour(juce::TextEditor::backgroundColourId, panelLight);
    setColour(juce::TextEditor::outlineColourId, outline);
    setColour(juce::ProgressBar::foregroundColourId, accent.darker(0.2f));
    setColour(juce::ProgressBar::backgroundColourId, panelLight);
    setColour(juce::TabbedButtonBar::tabOutlineColourId, outline);
    setColour(juce::TabbedComponent::outlineColourId, outline);
    setColour(juce::Slider::thumbColourId, accent);
    setColour(juce::Slider::trackColourId, accent.darker(0.5f));
    setColour(juce::Slider::backgroundColourId, panelLight);
    setColour(juce::PopupMenu::backgroundColourId, panel);
    setColour(juce::PopupMenu::highlightedBackgroundColourId, accent.darker(0.5f));
    setColour(juce::PropertyComponent::backgroundColourId, panel);
    setColour(juce::PropertyComponent::labelTextColourId, dimText);
    setColour(juce::ListBox::backgroundColourId, panelLight);
    setColour(juce::DocumentWindow::textColourId, text);
}

}  // namespace demix::app::theme

#pragma once
/// \file SourcesPanel.hpp
/// The sources and their components: one card per source (name, mute, solo, remove)
/// holding its components as chips; drag a chip onto another card (or use its menu) to
/// move the component. Every edit goes through the Session (so it can be undone).
/// Message thread only.

#include "app/Player.hpp"
#include "model/Session.hpp"

#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>

namespace demix::app {

class SourcesPanel : public juce::Component, public juce::DragAndDropContainer {
public:
    SourcesPanel(Session& session, Player& player);
    ~SourcesPanel() override;

    /// Rebuilds the cards from the Session's grouping.
    void refresh();
    /// Reports errors of rejected edits (e.g. a duplicate name).
    std::function<void(const juce::String&)> onError;

    void resized() override;
    void paint(juce::Graphics& g) override;

private:
    class Card;
    class Chip;
    void layoutCards();
    void edit(const std::function<void()>& change);

    Session& session_;
    Player& player_;
    juce::Label title_;
    juce::TextButton addButton_{"+ Source"};
    juce::Viewport viewport_;
    juce::Component content_;
    std::vector<std::unique_ptr<Card>> cards_;
    juce::Label hint_;
};

}  // namespace demix::app

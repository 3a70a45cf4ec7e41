#include "app/SourcesPanel.hpp"

#include "app/Theme.hpp"
#include "model/Pictures.hpp"

namespace demix::app {

namespace {
constexpr int kChipWidth = 34, kChipHeight = 22, kGap = 4;
const juce::String kDragPrefix = "demix-component:";
}  // namespace

// --- Chip: one component, draggable -----------------------------------------------------

namespace {

/// "Component 3: peak at 220 Hz, 12% of the energy" (what helps decide where it belongs).
juce::String describe(const Session& session, int k)
{
    const auto& d = session.decomposition();
    Eigen::Index peakBin = 0;
    d.W.col(k).maxCoeff(&peakBin);
    const double hz = double(peakBin) * d.analysis.sampleRate / d.analysis.stft.fftSize;
    // Energy share of W_k H_k in the model's total (‖W_k‖₁‖H_k‖₁ = Σ of W_k H_k).
    double total = 0.0, own = 0.0;
    for (Eigen::Index j = 0; j < d.W.cols(); ++j) {
        const double e = double(d.W.col(j).sum()) * double(d.H.row(j).sum());
        total += e;
        if (j == k)
            own = e;
    }
    return "Component " + juce::String(k + 1) + ": peak at "
           + (hz >= 1000 ? juce::String(hz / 1000, 1) + " kHz" : juce::String(int(hz)) + " Hz") + ", "
           + juce::String(total > 0 ? 100.0 * own / total : 0.0, 1) + "% of the energy";
}

}  // namespace

class SourcesPanel::Chip : public juce::Component, public juce::SettableTooltipClient {
public:
    Chip(SourcesPanel& panel, int component, int source) : panel_(panel), component_(component), source_(source)
    {
        setTooltip(describe(panel.session_, component)
                   + "\nDrag it onto another source, or right-click to move it.");
        setMouseCursor(juce::MouseCursor::DraggingHandCursor);
    }

    void paint(juce::Graphics& g) override
    {
        const auto colour = sourceColour(source_);
        const auto r = getLocalBounds().toFloat().reduced(0.5f);
        g.setColour(colour.withAlpha(0.25f));
        g.fillRoundedRectangle(r, 5.0f);
        g.setColour(colour);
        g.drawRoundedRectangle(r, 5.0f, 1.0f);
        g.setColour(theme::text);
        g.setFont(12.0f);
        g.drawText(juce::String(component_ + 1), getLocalBounds(), juce::Justification::centred);
    }

    void mouseDrag(const juce::MouseEvent& e) override
    {
        if (e.getDistanceFromDragStart() > 3 && !panel_.isDragAndDropActive())
            panel_.startDragging(kDragPrefix + juce::String(component_), this);
    }

    void mouseUp(const juce::MouseEvent& e) override
    {
        if (!e.mods.isPopupMenu() || e.getDistanceFromDragStart() > 3)
            return;
        juce::PopupMenu menu;
        menu.addSectionHeader("Move component " + juce::String(component_ + 1) + " to");
        const auto& names = panel_.session_.grouping().names;
        for (int s = 0; s < int(names.size()); ++s)
            menu.addItem(s + 1, names[size_t(s)], s != source_);
        const int component = component_;
        SourcesPanel* panel = &panel_;
        menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(this), [panel, component](int result) {
            if (result > 0)
                panel->edit([panel, component, result] { panel->session_.moveComponent(component, result - 1); });
        });
    }

private:
    SourcesPanel& panel_;
    int component_, source_;
};

// --- Card: one source -------------------------------------------------------------------

class SourcesPanel::Card : public juce::Component, public juce::DragAndDropTarget {
public:
    Card(SourcesPanel& panel, int source) : panel_(panel), source_(source)
    {
        const auto& g = panel.session_.grouping();
        name_.setText(g.names[size_t(source)], juce::dontSendNotification);
        name_.setEditable(false, true, false);
        name_.setTooltip("Double-click to rename");
        name_.setFont(juce::Font(14.0f, juce::Font::bold));
        name_.onTextChange = [this] {
            const auto text = name_.getText().toStdString();
            SourcesPanel* panel = &panel_;
            const int source = source_;
            panel->edit([panel, source, text] { panel->session_.renameSource(source, text); });
        };
        addAndMakeVisible(name_);

        for (auto* b : {&mute_, &solo_}) {
            b->setClickingTogglesState(true);
            addAndMakeVisible(*b);
        }
        mute_.setTooltip("Mute this stem");
        solo_.setTooltip("Solo this stem");
        mute_.setToggleState(panel.player_.isMuted(source), juce::dontSendNotification);
        solo_.setToggleState(panel.player_.isSolo(source), juce::dontSendNotification);
        mute_.setColour(juce::TextButton::buttonOnColourId, juce::Colour(0xffc0392b));
        solo_.setColour(juce::TextButton::buttonOnColourId, juce::Colour(0xffd4a017));
        mute_.onClick = [this] { panel_.player_.setMuted(source_, mute_.getToggleState()); panel_.player_.setPlayStems(true); };
        solo_.onClick = [this] { panel_.player_.setSolo(source_, solo_.getToggleState()); panel_.player_.setPlayStems(true); };

        remove_.setTooltip("Remove this source (its components go to its neighbour)");
        remove_.onClick = [this] {
            SourcesPanel* panel = &panel_;
            const int source = source_;
            panel->edit([panel, source] { panel->session_.removeSource(source); });
        };
        remove_.setEnabled(g.sources() > 1);
        addAndMakeVisible(remove_);

        for (int k : g.groups[size_t(source)]) {
            chips_.push_back(std::make_unique<Chip>(panel, k, source));
            addAndMakeVisible(*chips_.back());
        }
    }

    /// Height needed at `width` for the chips to flow.
    int heightFor(int width) const
    {
        const int perRow = std::max(1, (width - 16 + kGap) / (kChipWidth + kGap));
        const int rows = std::max(1, (int(chips_.size()) + perRow - 1) / perRow);
        return 36 + rows * (kChipHeight + kGap) + 8;
    }

    void resized() override
    {
        auto top = getLocalBounds().reduced(8, 6).removeFromTop(24);
        remove_.setBounds(top.removeFromRight(24));
        top.removeFromRight(4);
        solo_.setBounds(top.removeFromRight(26));
        top.removeFromRight(2);
        mute_.setBounds(top.removeFromRight(26));
        top.removeFromLeft(12);
        name_.setBounds(top);
        const int perRow = std::max(1, (getWidth() - 16 + kGap) / (kChipWidth + kGap));
        for (size_t i = 0; i < chips_.size(); ++i)
            chips_[i]->setBounds(8 + int(i % size_t(perRow)) * (kChipWidth + kGap),
                                 36 + int(i / size_t(perRow)) * (kChipHeight + kGap), kChipWidth, kChipHeight);
    }

    void paint(juce::Graphics& g) override
    {
        const auto r = getLocalBounds().toFloat().reduced(1.0f);
        g.setColour(highlighted_ ? theme::panelLight.brighter(0.15f) : theme::panelLight);
        g.fillRoundedRectangle(r, 6.0f);
        g.setColour(highlighted_ ? sourceColour(source_) : theme::outline);
        g.drawRoundedRectangle(r, 6.0f, highlighted_ ? 2.0f : 1.0f);
        g.setColour(sourceColour(source_));
        g.fillEllipse(10.0f, 14.0f, 9.0f, 9.0f);
        if (chips_.empty()) {
            g.setColour(theme::dimText);
            g.setFont(12.0f);
            g.drawText("drop components here", 8, 36, getWidth() - 16, kChipHeight, juce::Justification::centredLeft);
        }
    }

    bool isInterestedInDragSource(const SourceDetails& details) override
    {
        return details.description.toString().startsWith(kDragPrefix);
    }
    void itemDragEnter(const SourceDetails&) override { setHighlighted(true); }
    void itemDragExit(const SourceDetails&) override { setHighlighted(false); }
    void itemDropped(const SourceDetails& details) override
    {
        setHighlighted(false);
        const int component = details.description.toString().fromFirstOccurrenceOf(kDragPrefix, false, false).getIntValue();
        SourcesPanel* panel = &panel_;
        const int source = source_;
        panel->edit([panel, component, source] { panel->session_.moveComponent(component, source); });
    }

private:
    void setHighlighted(bool on)
    {
        highlighted_ = on;
        repaint();
    }

    SourcesPanel& panel_;
    int source_;
    bool highlighted_ = false;
    juce::Label name_;
    juce::TextButton mute_{"M"}, solo_{"S"}, remove_{juce::String::fromUTF8("\xc3\x97")};
    std::vector<std::unique_ptr<Chip>> chips_;
};

// --- Panel ------------------------------------------------------------------------------

SourcesPanel::SourcesPanel(Session& session, Player& player) : session_(session), player_(player)
{
    title_.setText("Sources", juce::dontSendNotification);
    title_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    addButton_.setTooltip("Add an empty source, then drag components into it");
    addButton_.onClick = [this] { edit([this] { session_.addSource(); }); };
    addAndMakeVisible(addButton_);
    viewport_.setViewedComponent(&content_, false);
    viewport_.setScrollBarsShown(true, false);
    addAndMakeVisible(viewport_);
    hint_.setJustificationType(juce::Justification::centredTop);
    hint_.setColour(juce::Label::textColourId, theme::dimText);
    addAndMakeVisible(hint_);
    refresh();
}

SourcesPanel::~SourcesPanel() = default;

void SourcesPanel::edit(const std::function<void()>& change)
{
    // Edits rebuild the cards, possibly the one whose button or label called us: run
    // them after the current event has finished.
    juce::Component::SafePointer<SourcesPanel> self(this);
    juce::MessageManager::callAsync([self, change] {
        if (self == nullptr)
            return;
        try {
            change();
        } catch (const std::exception& e) {
            if (self->onError)
                self->onError(e.what());
            self->refresh();
        }
    });
}

void SourcesPanel::refresh()
{
    cards_.clear();
    const bool has = session_.hasDecomposition();
    for (int s = 0; has && s < session_.grouping().sources(); ++s) {
        cards_.push_back(std::make_unique<Card>(*this, s));
        content_.addAndMakeVisible(*cards_.back());
    }
    addButton_.setEnabled(has);
    hint_.setText(has ? juce::String("Drag components between sources. Double-click a name to rename.")
                      : juce::String("Run a separation: its components appear here, grouped into sources."),
                  juce::dontSendNotification);
    layoutCards();
}

void SourcesPanel::layoutCards()
{
    const int width = viewport_.getMaximumVisibleWidth();
    int y = 0;
    for (auto& card : cards_) {
        const int h = card->heightFor(width);
        card->setBounds(0, y, width, h);
        y += h + 6;
    }
    content_.setSize(width, std::max(y, 1));
}

void SourcesPanel::resized()
{
    auto area = getLocalBounds().reduced(8);
    auto top = area.removeFromTop(26);
    addButton_.setBounds(top.removeFromRight(80));
    title_.setBounds(top);
    area.removeFromTop(6);
    hint_.setBounds(area.removeFromBottom(40));
    viewport_.setBounds(area);
    layoutCards();
}

void SourcesPanel::paint(juce::Graphics& g)
{
    g.fillAll(theme::panel);
}

}  // namespace demix::app

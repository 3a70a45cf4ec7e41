#pragma once
/// \file SettingsPanel.hpp
/// The method and its settings: supervised (template libraries, sources learned from a
/// time range of the file or from another file), semi-supervised (+ K free components)
/// or unsupervised (K components into S sources); FFT/hop, objective, solver, iterations,
/// tolerance, seed and α. Every change is written to the Session at once; the panel
/// follows the Session when it changes (a project is opened). Message thread only.

#include "app/Views.hpp"
#include "model/Session.hpp"

#include <juce_gui_basics/juce_gui_basics.h>

namespace demix::app {

class SettingsPanel : public juce::Component, private Session::Listener {
public:
    SettingsPanel(Session& session, ViewState& view);
    ~SettingsPanel() override;

    std::function<void(const juce::String&)> onError;
    std::function<void(const juce::String&)> onStatus;

    /// Adds a source learned from the current selection (asks for a name).
    void learnFromSelection();
    /// Adds a source learned from another audio file (asks for the file).
    void learnFromFile();
    void addLibrary();
    /// Adds a learned source (the dialogs and scripts end here). `file` empty = the
    /// opened file; end <= start = the whole clip. Switches an unsupervised method to
    /// supervised.
    void addLearnedSource(const juce::String& name, const juce::String& file, double start, double end, int components);

    void resized() override;
    void paint(juce::Graphics& g) override;

private:
    class StringList : public juce::ListBoxModel {
    public:
        juce::StringArray items;
        int getNumRows() override { return items.size(); }
        void paintListBoxItem(int row, juce::Graphics& g, int width, int height, bool selected) override;
    };

    void settingsChanged() override { pull(); }
    void pull();  ///< Session → controls
    void push();  ///< controls → Session
    void updateVisibility();
    void addRow(juce::Component& control, const juce::String& label, const juce::String& tooltip);

    Session& session_;
    ViewState& view_;
    bool pulling_ = false;

    juce::Component content_;
    juce::Viewport viewport_;
    struct Row {
        juce::Component* control;
        std::unique_ptr<juce::Label> label;
    };
    std::vector<Row> rows_;

    juce::ComboBox method_, fft_, hop_, objective_, solver_, tolerance_;
    juce::Slider components_, sources_, free_, iterations_, alpha_;
    juce::TextEditor seed_;
    juce::Label librariesTitle_, learnedTitle_;
    StringList libraries_, learned_;
    juce::ListBox librariesList_{"libraries", &libraries_}, learnedList_{"learned", &learned_};
    juce::TextButton addLibrary_{"Add library..."}, removeLibrary_{"Remove"};
    juce::TextButton learnSelection_{"Selection..."}, learnFile_{"File..."}, removeLearned_{"Remove"};
    std::unique_ptr<juce::FileChooser> chooser_;
};

}  // namespace demix::app

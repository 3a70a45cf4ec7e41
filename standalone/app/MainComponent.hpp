#pragma once
/// \file MainComponent.hpp
/// The app's window content: menu, toolbar, settings, timeline, result tabs, sources,
/// status line. Owns the Session (the model), the Player and the background jobs; every
/// user action (menu, shortcut, button, drag and drop, command-line script) goes through
/// the same public methods here. Message thread only.

#include "app/Player.hpp"
#include "model/Script.hpp"
#include "app/SettingsPanel.hpp"
#include "app/SourcesPanel.hpp"
#include "app/Theme.hpp"
#include "app/Views.hpp"
#include "model/Job.hpp"
#include "model/Session.hpp"

#include <juce_gui_extra/juce_gui_extra.h>

#include <functional>

namespace demix::app {

class MainComponent : public juce::Component,
                      public juce::ApplicationCommandTarget,
                      public juce::MenuBarModel,
                      public juce::FileDragAndDropTarget,
                      private Session::Listener,
                      private juce::ScrollBar::Listener,
                      private juce::Timer {
public:
    MainComponent();
    ~MainComponent() override;

    // --- Actions (menu, shortcuts, buttons, drag and drop and scripts all use these) ----
    bool openAudio(const juce::File& file);
    bool openProject(const juce::File& file);
    bool saveProject(const juce::File& file);
    bool addLibrary(const juce::File& file);
    bool runSeparation();
    void cancelSeparation();
    bool isBusy() const;
    bool exportStems(const juce::File& folder, SampleFormat format);
    bool exportTemplates(const juce::File& file);
    bool exportPictures(const juce::File& folder);
    bool saveScreenshot(const juce::File& file);
    void togglePlayback();
    Session& session() { return session_; }

    /// Runs a command-line script step by step (waiting for background work).
    void runScript(Script script);
    /// In scripted mode errors go to stderr instead of dialogs.
    bool scripted() const { return scripted_; }

    // --- Component ----------------------------------------------------------------------
    void paint(juce::Graphics& g) override;
    void resized() override;

    // --- Commands and menu --------------------------------------------------------------
    juce::ApplicationCommandManager& commandManager() { return commands_; }
    juce::ApplicationCommandTarget* getNextCommandTarget() override { return nullptr; }
    void getAllCommands(juce::Array<juce::CommandID>& commands) override;
    void getCommandInfo(juce::CommandID id, juce::ApplicationCommandInfo& info) override;
    bool perform(const InvocationInfo& info) override;
    juce::StringArray getMenuBarNames() override;
    juce::PopupMenu getMenuForIndex(int index, const juce::String& name) override;
    void menuItemSelected(int, int) override {}

    // --- Drag and drop of files ---------------------------------------------------------
    bool isInterestedInFileDrag(const juce::StringArray& files) override;
    void filesDropped(const juce::StringArray& files, int x, int y) override;

private:
    void audioChanged() override;
    void settingsChanged() override;
    void decompositionChanged() override;
    void groupingChanged() override;
    void stemsChanged() override;
    void timerCallback() override;
    void scrollBarMoved(juce::ScrollBar*, double newRangeStart) override
    {
        view_.setWindow(newRangeStart, newRangeStart + (view_.end - view_.start));
    }

    void dataChanged();
    void startStemRender();
    void showError(const juce::String& message);
    void setStatus(const juce::String& message);
    /// Runs `action`; shows the text it returns as the status and returns true, or shows
    /// the message of the std::exception it throws as an error and returns false.
    bool attempt(const std::function<juce::String()>& action);
    /// Cancels the separation and stem jobs and waits for them (before another file opens).
    void dropJobs();
    void updateButtons();
    void chooseAndOpen();
    void chooseAndExport();
    void chooseFile(const juce::String& title, const juce::String& patterns, bool save,
                    std::function<void(const juce::File&)> then);
    void stepScript();

    Session session_;
    Player player_;
    ViewState view_;
    theme::LookAndFeel lookAndFeel_;
    juce::ApplicationCommandManager commands_;
    juce::TooltipWindow tooltips_{this, 600};

    juce::MenuBarComponent menuBar_{this};
    juce::TextButton openButton_{"Open"}, runButton_{"Run"}, playButton_{"Play"}, exportButton_{"Export"};
    juce::TextButton mixButton_{"Mix"}, stemsButton_{"Stems"};
    juce::TextButton zoomIn_{"+"}, zoomOut_{"-"}, zoomAll_{"All"};
    juce::ToggleButton logFrequency_{"Log freq"}, bySource_{"By source"};
    double progress_ = 0.0;
    juce::ProgressBar progressBar_{progress_};
    juce::Label status_, device_, fileLabel_;

    SettingsPanel settingsPanel_;
    SourcesPanel sourcesPanel_;
    TimelineView timeline_;
    TemplatesView templates_;
    ActivationsView activations_;
    SourceSpectraView sourceSpectra_;
    ObjectiveView objective_;
    juce::TabbedComponent tabs_{juce::TabbedButtonBar::TabsAtTop};
    juce::ScrollBar timeScroll_{false};

    std::unique_ptr<Job<Decomposition>> separation_;
    std::shared_ptr<ObjectiveTrace> liveObjective_;  ///< the running separation's objective values
    AppSettings separationSettings_;
    std::unique_ptr<Job<std::vector<Stem>>> render_;
    int renderRevision_ = -1;
    std::unique_ptr<juce::FileChooser> chooser_;

    bool scripted_ = false;
    Script script_;
    size_t scriptStep_ = 0;
    bool scriptWaiting_ = false;
    bool scriptActive_ = false;
    SampleFormat scriptFormat_ = SampleFormat::Float32;
};

}  // namespace demix::app

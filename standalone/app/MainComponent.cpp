#include "app/MainComponent.hpp"

#include "model/Decompose.hpp"

#include <iostream>

namespace demix::app {

namespace {

enum CommandIds {
    cmdOpen = 0x2000, cmdOpenProject, cmdSaveProject, cmdExportStems, cmdExportTemplates, cmdExportPictures,
    cmdUndo, cmdRedo, cmdAddSource, cmdRun, cmdCancel, cmdPlay, cmdPlayMix, cmdPlayStems,
    cmdLogFrequency, cmdBySource, cmdZoomIn, cmdZoomOut, cmdZoomAll, cmdLearnSelection, cmdAddLibrary
};

const juce::String kAudioPatterns = "*.wav;*.wave;*.aif;*.aiff;*.flac";

bool isAudioFile(const juce::File& f)
{
    return f.hasFileExtension("wav;wave;aif;aiff;flac");
}

}  // namespace

MainComponent::MainComponent()
    : settingsPanel_(session_, view_), sourcesPanel_(session_, player_), timeline_(session_, view_),
      templates_(session_, view_), activations_(session_, view_), sourceSpectra_(session_, view_),
      objective_(session_)
{
    setLookAndFeel(&lookAndFeel_);
    juce::LookAndFeel::setDefaultLookAndFeel(&lookAndFeel_);

    addAndMakeVisible(menuBar_);
    for (auto* b : {&openButton_, &runButton_, &playButton_, &exportButton_, &mixButton_, &stemsButton_, &zoomIn_,
                    &zoomOut_, &zoomAll_})
        addAndMakeVisible(*b);
    openButton_.setTooltip("Open an audio file (Ctrl+O)");
    runButton_.setTooltip("Run the separation (Ctrl+R); Esc cancels");
    playButton_.setTooltip("Play / stop (Space)");
    exportButton_.setTooltip("Export the stems as WAV (Ctrl+E)");
    mixButton_.setTooltip("Play the original mix");
    stemsButton_.setTooltip("Play the stems (with mute and solo)");
    openButton_.onClick = [this] { chooseAndOpen(); };
    runButton_.onClick = [this] { isBusy() ? cancelSeparation() : (void)runSeparation(); };
    playButton_.onClick = [this] { togglePlayback(); };
    exportButton_.onClick = [this] { chooseAndExport(); };
    mixButton_.setRadioGroupId(1);
    stemsButton_.setRadioGroupId(1);
    for (auto* b : {&mixButton_, &stemsButton_})
        b->setClickingTogglesState(true);
    mixButton_.setToggleState(true, juce::dontSendNotification);
    mixButton_.setConnectedEdges(juce::Button::ConnectedOnRight);
    stemsButton_.setConnectedEdges(juce::Button::ConnectedOnLeft);
    mixButton_.onClick = [this] { player_.setPlayStems(false); };
    stemsButton_.onClick = [this] { player_.setPlayStems(true); };
    zoomIn_.onClick = [this] { view_.zoom(0.5, view_.playHead); };
    zoomOut_.onClick = [this] { view_.zoom(2.0, view_.playHead); };
    zoomAll_.onClick = [this] { view_.setWindow(0.0, view_.duration); };
    zoomIn_.setTooltip("Zoom in (Ctrl+=, or Ctrl+wheel on the timeline)");
    zoomOut_.setTooltip("Zoom out (Ctrl+-)");
    zoomAll_.setTooltip("Show the whole file (Ctrl+0)");
    logFrequency_.setToggleState(view_.logFrequency, juce::dontSendNotification);
    bySource_.setToggleState(view_.colourBySource, juce::dontSendNotification);
    logFrequency_.onClick = [this] { view_.logFrequency = logFrequency_.getToggleState(); view_.changed(); };
    bySource_.onClick = [this] { view_.colourBySource = bySource_.getToggleState(); view_.changed(); };
    logFrequency_.setTooltip("Logarithmic frequency axis");
    bySource_.setTooltip("Colour the spectrogram by source");
    addAndMakeVisible(logFrequency_);
    addAndMakeVisible(bySource_);
    progressBar_.setPercentageDisplay(false);
    addAndMakeVisible(progressBar_);

    for (auto* l : {&status_, &device_, &fileLabel_}) {
        l->setFont(13.0f);
        addAndMakeVisible(*l);
    }
    device_.setJustificationType(juce::Justification::centredRight);
    device_.setColour(juce::Label::textColourId, theme::dimText);
    fileLabel_.setColour(juce::Label::textColourId, theme::text);
    fileLabel_.setFont(juce::Font(14.0f, juce::Font::bold));

    settingsPanel_.onError = [this](const juce::String& m) { showError(m); };
    settingsPanel_.onStatus = [this](const juce::String& m) { setStatus(m); };
    sourcesPanel_.onError = [this](const juce::String& m) { showError(m); };
    addAndMakeVisible(settingsPanel_);
    addAndMakeVisible(sourcesPanel_);
    addAndMakeVisible(timeline_);
    tabs_.addTab("Sources", theme::panel, &sourceSpectra_, false);
    tabs_.addTab("Templates (W)", theme::panel, &templates_, false);
    tabs_.addTab("Activations (H)", theme::panel, &activations_, false);
    tabs_.addTab("Objective", theme::panel, &objective_, false);
    tabs_.setTabBarDepth(28);
    tabs_.setOutline(0);
    addAndMakeVisible(tabs_);

    view_.watchers = {&timeline_, &templates_, &activations_, &sourceSpectra_};
    timeScroll_.setAutoHide(false);
    timeScroll_.setColour(juce::ScrollBar::thumbColourId, theme::accent.withAlpha(0.6f));
    addAndMakeVisible(timeScroll_);
    view_.onChanged = [this] {
        timeScroll_.setRangeLimits(0.0, std::max(view_.duration, 1e-3), juce::dontSendNotification);
        timeScroll_.setCurrentRange(view_.start, std::max(1e-3, view_.end - view_.start), juce::dontSendNotification);
    };
    timeScroll_.addListener(this);
    view_.onSeek = [this](double seconds) {
        player_.setPositionSeconds(seconds);
        view_.playHead = seconds;
    };

    commands_.registerAllCommandsForTarget(this);
    commands_.setFirstCommandTarget(this);
    addKeyListener(commands_.getKeyMappings());
    setWantsKeyboardFocus(true);

    session_.addListener(this);
    player_.openDevice();
    device_.setText(player_.deviceMessage(), juce::dontSendNotification);
    setStatus("Open a WAV, AIFF or FLAC file to start (File > Open, or drop it on the window).");
    updateButtons();
    setSize(1400, 860);
    startTimerHz(30);
}

MainComponent::~MainComponent()
{
    stopTimer();
    separation_.reset();  // cancels and waits
    render_.reset();
    session_.removeListener(this);
    juce::LookAndFeel::setDefaultLookAndFeel(nullptr);
    setLookAndFeel(nullptr);
}

// --- Messages ---------------------------------------------------------------------------

void MainComponent::setStatus(const juce::String& message)
{
    status_.setColour(juce::Label::textColourId, theme::text);
    status_.setText(message, juce::dontSendNotification);
    if (scripted_)
        std::cout << "DemixApp: " << message << std::endl;
}

void MainComponent::showError(const juce::String& message)
{
    status_.setColour(juce::Label::textColourId, juce::Colour(0xffff6b6b));
    status_.setText(message, juce::dontSendNotification);
    if (scripted_) {
        std::cerr << "DemixApp: error: " << message << std::endl;
        juce::JUCEApplicationBase::getInstance()->setApplicationReturnValue(1);
    } else {
        juce::AlertWindow::showMessageBoxAsync(juce::MessageBoxIconType::WarningIcon, "Demix", message);
    }
}

// --- Actions ----------------------------------------------------------------------------

bool MainComponent::attempt(const std::function<juce::String()>& action)
{
    try {
        setStatus(action());
        return true;
    } catch (const std::exception& e) {
        showError(e.what());
        return false;
    }
}

void MainComponent::dropJobs()
{
    // A running job belongs to the old file: cancel it and wait (a result that finished
    // meanwhile must not land on the new file).
    separation_.reset();
    render_.reset();
    objective_.running = false;
    progress_ = 0.0;
}

bool MainComponent::openAudio(const juce::File& file)
{
    dropJobs();
    return attempt([&] {
        player_.stop();
        session_.open(file);
        return "Opened " + file.getFileName() + ": " + juce::String(session_.durationSeconds(), 1) + " s, "
               + juce::String(int(session_.mix().numChannels())) + " channel(s), "
               + juce::String(int(session_.mix().sampleRate)) + " Hz. Choose a method and press Run.";
    });
}

bool MainComponent::openProject(const juce::File& file)
{
    dropJobs();
    return attempt([&] {
        player_.stop();
        session_.loadProject(file);
        return "Opened project " + file.getFileName();
    });
}

bool MainComponent::saveProject(const juce::File& file)
{
    return attempt([&] {
        session_.saveProject(file);
        return "Saved project " + file.getFullPathName();
    });
}

bool MainComponent::addLibrary(const juce::File& file)
{
    return attempt([&] {
        session_.addLibrary(file);
        return "Added library " + file.getFileName();
    });
}

bool MainComponent::isBusy() const { return separation_ != nullptr && !separation_->isFinished(); }

bool MainComponent::runSeparation()
{
    if (isBusy())
        return false;
    if (!session_.hasAudio()) {
        showError("Open an audio file first");
        return false;
    }
    try {
        session_.settings().validate();
    } catch (const std::exception& e) {
        showError(e.what());
        return false;
    }
    separationSettings_ = session_.settings();
    auto mix = session_.mixPointer();
    const auto settings = separationSettings_;
    // The worker adds each objective value to the trace; timerCallback draws it live.
    liveObjective_ = std::make_shared<ObjectiveTrace>();
    separation_ = std::make_unique<Job<Decomposition>>(
        "Demix separation", [mix, settings, trace = liveObjective_](const ProgressCallback& progress) {
            return decompose(*mix, settings, progress,
                             [trace](int iteration, double value) { trace->add(iteration, value); });
        });
    separation_->start();
    progress_ = 0.0;
    objective_.running = true;
    objective_.live = {};
    objective_.objectiveName = toString(settings.separation.nmf.objective, settings.separation.nmf.beta);
    setStatus(juce::String("Separating (") + toString(settings.method.method) + ")...");
    updateButtons();
    return true;
}

void MainComponent::cancelSeparation()
{
    if (separation_ != nullptr)
        separation_->cancel();
}

void MainComponent::startStemRender()
{
    if (!session_.hasDecomposition() || session_.stemsUpToDate())
        return;
    if (render_ != nullptr && !render_->isFinished())
        render_->cancel();  // a newer grouping supersedes it
    const auto input = session_.renderInput();
    renderRevision_ = input.revision;
    // The old job (if any) is cancelled; destroying it waits for its thread.
    render_ = std::make_unique<Job<std::vector<Stem>>>(
        "Demix stems", [input](const ProgressCallback& progress) { return renderStemsFor(input, progress); });
    render_->start();
}

bool MainComponent::exportStems(const juce::File& folder, SampleFormat format)
{
    return attempt([&] {
        const auto files = session_.exportStems(folder, format);
        return "Exported " + juce::String(int(files.size())) + " stems to " + folder.getFullPathName();
    });
}

bool MainComponent::exportTemplates(const juce::File& file)
{
    return attempt([&] {
        session_.exportTemplates(file);
        return "Exported the templates to " + file.getFullPathName();
    });
}

bool MainComponent::exportPictures(const juce::File& folder)
{
    return attempt([&] {
        const auto files = session_.exportPictures(folder);
        return "Exported " + juce::String(int(files.size())) + " pictures to " + folder.getFullPathName();
    });
}

bool MainComponent::saveScreenshot(const juce::File& file)
{
    return attempt([&] {
        auto* window = getTopLevelComponent();
        const auto image = window->createComponentSnapshot(window->getLocalBounds(), true, 1.0f);
        savePng(image, file);
        return "Saved a screenshot to " + file.getFullPathName();
    });
}

void MainComponent::togglePlayback()
{
    if (!session_.hasAudio())
        return;
    if (player_.isPlaying())
        player_.stop();
    else {
        if (!player_.hasDevice())
            setStatus(player_.deviceMessage());
        player_.play();
    }
    updateButtons();
}

// --- Session changes --------------------------------------------------------------------

void MainComponent::dataChanged()
{
    ++view_.generation;
    view_.changed();
    objective_.repaint();
    updateButtons();
}

void MainComponent::audioChanged()
{
    view_.reset(session_.durationSeconds());
    player_.setAudio(session_.mixPointer(), nullptr);
    fileLabel_.setText(session_.hasAudio() ? session_.audioFile().getFileName() : juce::String(),
                       juce::dontSendNotification);
    getTopLevelComponent()->setName("Demix - " + session_.audioFile().getFileName());
    dataChanged();
}

void MainComponent::settingsChanged() { dataChanged(); }

void MainComponent::decompositionChanged()
{
    sourcesPanel_.refresh();
    dataChanged();
    startStemRender();
}

void MainComponent::groupingChanged()
{
    sourcesPanel_.refresh();
    dataChanged();
    commands_.commandStatusChanged();
    startStemRender();
}

void MainComponent::stemsChanged()
{
    player_.setStems(session_.stemsUpToDate() ? session_.stemsPointer() : nullptr);
    updateButtons();
}

void MainComponent::timerCallback()
{
    if (separation_ != nullptr) {
        if (!separation_->isFinished()) {
            progress_ = separation_->progress();
            const auto stage = juce::String(separation_->stage());
            status_.setText("Separating: " + (stage.isNotEmpty() ? stage : juce::String("starting")) + " "
                                + juce::String(int(progress_ * 100)) + "%",
                            juce::dontSendNotification);
            objective_.progress = progress_;
            objective_.stage = stage.isNotEmpty() ? stage : juce::String("starting");
            if (liveObjective_ != nullptr && liveObjective_->size() != objective_.live.values.size())
                objective_.live = liveObjective_->snapshot();
            objective_.repaint();
        } else {
            auto job = std::move(separation_);
            liveObjective_.reset();
            objective_.live = {};
            objective_.running = false;
            objective_.repaint();
            progress_ = 0.0;
            if (job->wasCancelled())
                setStatus("Separation cancelled; the previous result is kept.");
            else if (!job->error().empty())
                showError("Separation failed: " + juce::String(job->error()));
            else if (job->result().has_value()) {
                try {
                    const auto& d = *job->result();
                    const juce::String summary = juce::String(int(d.W.cols())) + " components in "
                                                 + juce::String(int(d.groups.size())) + " sources, "
                                                 + juce::String(d.nmf.iterations) + " iterations"
                                                 + (d.nmf.converged ? " (converged)" : "");
                    session_.setDecomposition(std::move(*job->result()), separationSettings_);
                    setStatus("Done: " + summary + ". Drag components between sources to regroup.");
                } catch (const std::exception& e) {
                    showError(e.what());
                }
            }
            updateButtons();
        }
    }
    if (render_ != nullptr && render_->isFinished()) {
        auto job = std::move(render_);
        if (job->result().has_value())
            session_.setStems(renderRevision_, std::move(*job->result()));
        else if (!job->error().empty())
            showError("Rendering the stems failed: " + juce::String(job->error()));
        startStemRender();  // in case the grouping changed meanwhile
    }
    if (session_.hasAudio()) {
        const double position = player_.positionSeconds();
        if (std::abs(position - view_.playHead) > 1e-4) {
            view_.playHead = position;
            if (player_.isPlaying() && (position > view_.end || position < view_.start))
                view_.scroll(position - view_.start - 0.05 * (view_.end - view_.start));
            timeline_.repaint();
        }
    }
    if (playButton_.getButtonText() != (player_.isPlaying() ? "Stop" : "Play"))
        updateButtons();
    if (scriptActive_)
        stepScript();
}

void MainComponent::updateButtons()
{
    const bool audio = session_.hasAudio(), busy = isBusy(), decomposed = session_.hasDecomposition();
    runButton_.setButtonText(busy ? "Cancel" : "Run");
    runButton_.setEnabled(audio);
    playButton_.setButtonText(player_.isPlaying() ? "Stop" : "Play");
    playButton_.setEnabled(audio);
    exportButton_.setEnabled(decomposed && !busy);
    stemsButton_.setEnabled(decomposed);
    for (auto* b : {&zoomIn_, &zoomOut_, &zoomAll_})
        b->setEnabled(audio);
    progressBar_.setVisible(busy);
    timeScroll_.setVisible(audio);
    commands_.commandStatusChanged();
}

// --- Layout -----------------------------------------------------------------------------

void MainComponent::paint(juce::Graphics& g)
{
    g.fillAll(theme::background);
    g.setColour(theme::outline);
    g.drawHorizontalLine(24 + 44, 0.0f, float(getWidth()));
    g.drawHorizontalLine(getHeight() - 26, 0.0f, float(getWidth()));
}

void MainComponent::resized()
{
    auto area = getLocalBounds();
    menuBar_.setBounds(area.removeFromTop(24));
    auto bar = area.removeFromTop(44).reduced(8, 8);
    auto place = [&bar](juce::Component& c, int width, int gap = 6) {
        c.setBounds(bar.removeFromLeft(width));
        bar.removeFromLeft(gap);
    };
    place(openButton_, 64);
    place(runButton_, 72);
    place(playButton_, 64, 10);
    place(mixButton_, 52, 0);
    place(stemsButton_, 60, 10);
    place(exportButton_, 72, 16);
    zoomAll_.setBounds(bar.removeFromRight(40));
    bar.removeFromRight(4);
    zoomIn_.setBounds(bar.removeFromRight(28));
    bar.removeFromRight(4);
    zoomOut_.setBounds(bar.removeFromRight(28));
    bar.removeFromRight(10);
    bySource_.setBounds(bar.removeFromRight(96));
    logFrequency_.setBounds(bar.removeFromRight(90));
    bar.removeFromRight(10);
    progressBar_.setBounds(bar.removeFromRight(220).reduced(0, 4));
    fileLabel_.setBounds(bar);

    auto statusBar = area.removeFromBottom(26).reduced(8, 2);
    device_.setBounds(statusBar.removeFromRight(360));
    status_.setBounds(statusBar);

    settingsPanel_.setBounds(area.removeFromLeft(300));
    sourcesPanel_.setBounds(area.removeFromRight(270));
    auto centre = area.reduced(6, 6);
    auto timelineArea = centre.removeFromTop(int(centre.getHeight() * 0.52));
    timeScroll_.setBounds(timelineArea.removeFromBottom(10).withTrimmedLeft(46));
    timelineArea.removeFromBottom(2);
    timeline_.setBounds(timelineArea);
    centre.removeFromTop(6);
    tabs_.setBounds(centre);
}

// --- Files ------------------------------------------------------------------------------

void MainComponent::chooseFile(const juce::String& title, const juce::String& patterns, bool save,
                               std::function<void(const juce::File&)> then)
{
    chooser_ = std::make_unique<juce::FileChooser>(title, session_.audioFile().getParentDirectory(), patterns);
    const int flags = save ? juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::warnAboutOverwriting
                           : juce::FileBrowserComponent::openMode;
    const int kind = patterns.isEmpty() ? juce::FileBrowserComponent::canSelectDirectories
                                        : juce::FileBrowserComponent::canSelectFiles;
    chooser_->launchAsync(flags | kind, [then](const juce::FileChooser& fc) {
        if (fc.getResult() != juce::File())
            then(fc.getResult());
    });
}

void MainComponent::chooseAndOpen()
{
    chooseFile("Open an audio file", kAudioPatterns, false, [this](const juce::File& f) { openAudio(f); });
}

void MainComponent::chooseAndExport()
{
    if (!session_.hasDecomposition())
        return;
    chooseFile("Export the stems into a folder", {}, false, [this](const juce::File& folder) {
        juce::PopupMenu menu;
        menu.addItem(1, "32-bit float WAV");
        menu.addItem(2, "24-bit WAV");
        menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(&exportButton_), [this, folder](int result) {
            if (result > 0)
                exportStems(folder, result == 1 ? SampleFormat::Float32 : SampleFormat::Pcm24);
        });
    });
}

bool MainComponent::isInterestedInFileDrag(const juce::StringArray& files)
{
    for (const auto& f : files)
        if (isAudioFile(juce::File(f)) || f.endsWithIgnoreCase(".demix") || f.endsWithIgnoreCase(".dmxt"))
            return true;
    return false;
}

void MainComponent::filesDropped(const juce::StringArray& files, int, int)
{
    for (const auto& name : files) {
        const juce::File f(name);
        if (f.hasFileExtension("demix"))
            openProject(f);
        else if (f.hasFileExtension("dmxt"))
            addLibrary(f);
        else if (isAudioFile(f))
            openAudio(f);
    }
}

// --- Commands ---------------------------------------------------------------------------

void MainComponent::getAllCommands(juce::Array<juce::CommandID>& c)
{
    c.addArray(juce::Array<juce::CommandID>{cmdOpen, cmdOpenProject, cmdSaveProject, cmdExportStems, cmdExportTemplates, cmdExportPictures,
                juce::StandardApplicationCommandIDs::quit, cmdUndo, cmdRedo, cmdAddSource, cmdRun, cmdCancel,
                cmdLearnSelection, cmdAddLibrary, cmdPlay, cmdPlayMix, cmdPlayStems, cmdLogFrequency, cmdBySource,
                cmdZoomIn, cmdZoomOut, cmdZoomAll});
}

void MainComponent::getCommandInfo(juce::CommandID id, juce::ApplicationCommandInfo& info)
{
    using KP = juce::KeyPress;
    const auto cmd = juce::ModifierKeys::commandModifier;
    const bool audio = session_.hasAudio(), decomposed = session_.hasDecomposition(), busy = isBusy();
    switch (id) {
        case cmdOpen: info.setInfo("Open audio...", "Open a WAV, AIFF or FLAC file", "File", 0);
            info.addDefaultKeypress('o', cmd); break;
        case cmdOpenProject: info.setInfo("Open project...", "Open a Demix project", "File", 0);
            info.addDefaultKeypress('o', cmd | juce::ModifierKeys::shiftModifier); break;
        case cmdSaveProject: info.setInfo("Save project...", "Save file, settings and grouping", "File", 0);
            info.addDefaultKeypress('s', cmd); info.setActive(audio); break;
        case cmdExportStems: info.setInfo("Export stems...", "Export the stems as WAV", "File", 0);
            info.addDefaultKeypress('e', cmd); info.setActive(decomposed && !busy); break;
        case cmdExportTemplates: info.setInfo("Export templates...", "Save the templates as a library", "File", 0);
            info.setActive(decomposed); break;
        case cmdExportPictures: info.setInfo("Export pictures...", "Save the pictures as PNG", "File", 0);
            info.setActive(audio); break;
        case juce::StandardApplicationCommandIDs::quit: info.setInfo("Quit", "Quit Demix", "File", 0);
            info.addDefaultKeypress('q', cmd); break;
        case cmdUndo:
            info.setInfo("Undo " + session_.undoManager().getUndoDescription(), "Undo the last grouping edit", "Edit", 0);
            info.addDefaultKeypress('z', cmd); info.setActive(session_.undoManager().canUndo()); break;
        case cmdRedo:
            info.setInfo("Redo " + session_.undoManager().getRedoDescription(), "Redo", "Edit", 0);
            info.addDefaultKeypress('z', cmd | juce::ModifierKeys::shiftModifier);
            info.addDefaultKeypress('y', cmd); info.setActive(session_.undoManager().canRedo()); break;
        case cmdAddSource: info.setInfo("Add source", "Add an empty source", "Edit", 0);
            info.setActive(decomposed); break;
        case cmdRun: info.setInfo("Run", "Run the separation", "Separation", 0);
            info.addDefaultKeypress('r', cmd); info.setActive(audio && !busy); break;
        case cmdCancel: info.setInfo("Cancel", "Cancel the separation", "Separation", 0);
            info.addDefaultKeypress(KP::escapeKey, 0); info.setActive(busy); break;
        case cmdLearnSelection: info.setInfo("Learn source from selection...", "Learn templates from the selected range",
                                             "Separation", 0);
            info.addDefaultKeypress('l', cmd); info.setActive(audio); break;
        case cmdAddLibrary: info.setInfo("Add template library...", "Use a .dmxt library", "Separation", 0); break;
        case cmdPlay: info.setInfo(player_.isPlaying() ? "Stop" : "Play", "Play or stop", "Playback", 0);
            info.addDefaultKeypress(KP::spaceKey, 0); info.setActive(audio); break;
        case cmdPlayMix: info.setInfo("Play the mix", "Play the original mix", "Playback", 0);
            info.setTicked(!player_.playsStems()); info.setActive(audio); break;
        case cmdPlayStems: info.setInfo("Play the stems", "Play the stems with mute/solo", "Playback", 0);
            info.setTicked(player_.playsStems()); info.setActive(decomposed); break;
        case cmdLogFrequency: info.setInfo("Log frequency", "Logarithmic frequency axis", "View", 0);
            info.setTicked(view_.logFrequency); break;
        case cmdBySource: info.setInfo("Colour by source", "Colour the spectrogram by source", "View", 0);
            info.setTicked(view_.colourBySource); break;
        case cmdZoomIn: info.setInfo("Zoom in", "Zoom in in time", "View", 0);
            info.addDefaultKeypress('=', cmd); info.setActive(audio); break;
        case cmdZoomOut: info.setInfo("Zoom out", "Zoom out in time", "View", 0);
            info.addDefaultKeypress('-', cmd); info.setActive(audio); break;
        case cmdZoomAll: info.setInfo("Show all", "Show the whole file", "View", 0);
            info.addDefaultKeypress('0', cmd); info.setActive(audio); break;
        default: break;
    }
}

bool MainComponent::perform(const InvocationInfo& info)
{
    switch (info.commandID) {
        case cmdOpen: chooseAndOpen(); break;
        case cmdOpenProject:
            chooseFile("Open a project", "*.demix", false, [this](const juce::File& f) { openProject(f); });
            break;
        case cmdSaveProject:
            chooseFile("Save the project", "*.demix", true,
                       [this](const juce::File& f) { saveProject(f.withFileExtension("demix")); });
            break;
        case cmdExportStems: chooseAndExport(); break;
        case cmdExportTemplates:
            chooseFile("Export the templates", "*.dmxt", true,
                       [this](const juce::File& f) { exportTemplates(f.withFileExtension("dmxt")); });
            break;
        case cmdExportPictures:
            chooseFile("Export the pictures into a folder", {}, false, [this](const juce::File& f) { exportPictures(f); });
            break;
        case juce::StandardApplicationCommandIDs::quit: juce::JUCEApplicationBase::quit(); break;
        case cmdUndo: session_.undo(); break;
        case cmdRedo: session_.redo(); break;
        case cmdAddSource: session_.addSource(); break;
        case cmdRun: runSeparation(); break;
        case cmdCancel: cancelSeparation(); break;
        case cmdLearnSelection: settingsPanel_.learnFromSelection(); break;
        case cmdAddLibrary: settingsPanel_.addLibrary(); break;
        case cmdPlay: togglePlayback(); break;
        case cmdPlayMix: mixButton_.setToggleState(true, juce::sendNotification); break;
        case cmdPlayStems: stemsButton_.setToggleState(true, juce::sendNotification); break;
        case cmdLogFrequency: logFrequency_.setToggleState(!view_.logFrequency, juce::sendNotification); break;
        case cmdBySource: bySource_.setToggleState(!view_.colourBySource, juce::sendNotification); break;
        case cmdZoomIn: view_.zoom(0.5, view_.playHead); break;
        case cmdZoomOut: view_.zoom(2.0, view_.playHead); break;
        case cmdZoomAll: view_.setWindow(0.0, view_.duration); break;
        default: return false;
    }
    return true;
}

juce::StringArray MainComponent::getMenuBarNames() { return {"File", "Edit", "Separation", "Playback", "View"}; }

juce::PopupMenu MainComponent::getMenuForIndex(int index, const juce::String&)
{
    juce::PopupMenu m;
    auto add = [&](std::initializer_list<juce::CommandID> ids) {
        for (auto id : ids)
            if (id == 0)
                m.addSeparator();
            else
                m.addCommandItem(&commands_, id);
    };
    switch (index) {
        case 0: add({cmdOpen, cmdOpenProject, cmdSaveProject, 0, cmdExportStems, cmdExportTemplates, cmdExportPictures,
                     0, juce::StandardApplicationCommandIDs::quit}); break;
        case 1: add({cmdUndo, cmdRedo, 0, cmdAddSource}); break;
        case 2: add({cmdRun, cmdCancel, 0, cmdAddLibrary, cmdLearnSelection}); break;
        case 3: add({cmdPlay, 0, cmdPlayMix, cmdPlayStems}); break;
        case 4: add({cmdLogFrequency, cmdBySource, 0, cmdZoomIn, cmdZoomOut, cmdZoomAll}); break;
        default: break;
    }
    return m;
}

}  // namespace demix::app

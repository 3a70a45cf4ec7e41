// MainComponent's command-line script runner: each step calls the same action as the
// menu; steps that start background work wait for it on the UI timer.

#include "app/MainComponent.hpp"

namespace demix::app {

void MainComponent::runScript(Script script)
{
    script_ = std::move(script);
    scriptStep_ = 0;
    scriptWaiting_ = false;
    // With --quit nobody is there to click dialogs: errors go to stderr and the exit code.
    scripted_ = script_.quitAtEnd;
    scriptActive_ = true;
    stepScript();
}

void MainComponent::stepScript()
{
    auto* app = juce::JUCEApplicationBase::getInstance();
    if (scriptWaiting_) {
        const bool rendering = render_ != nullptr || (session_.hasDecomposition() && !session_.stemsUpToDate());
        if (isBusy() || rendering)
            return;
        scriptWaiting_ = false;
    }
    const bool failed = app != nullptr && app->getApplicationReturnValue() != 0;
    if (scriptStep_ >= script_.steps.size() || (failed && script_.quitAtEnd)) {
        scriptActive_ = false;
        if (script_.quitAtEnd)
            juce::JUCEApplicationBase::quit();
        return;
    }

    const auto step = script_.steps[scriptStep_++];
    const auto& arg = step.argument;
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(arg);
    try {
        if (step.action == "open")
            openAudio(file);
        else if (step.action == "project")
            openProject(file);
        else if (step.action == "library")
            addLibrary(file);
        else if (step.action == "set") {
            auto s = session_.settings();
            auto& sep = s.separation;
            const auto& name = step.extra;
            const std::string value = arg.toStdString();
            if (name == "method") s.method.method = methodFromString(value);
            else if (name == "components") s.method.components = arg.getIntValue();
            else if (name == "sources") s.method.sources = arg.getIntValue();
            else if (name == "free") s.method.freeComponents = arg.getIntValue();
            else if (name == "fft") sep.stft.fftSize = arg.getIntValue();
            else if (name == "hop") sep.stft.hop = arg.getIntValue();
            else if (name == "objective") sep.nmf.objective = objectiveFromString(value, &sep.nmf.beta);
            else if (name == "solver") sep.nmf.solver = solverFromString(value);
            else if (name == "iterations") sep.nmf.maxIterations = arg.getIntValue();
            else if (name == "tolerance") sep.nmf.tol = arg.getDoubleValue();
            else if (name == "seed") sep.nmf.seed = seedFromString(arg);
            else if (name == "alpha") sep.alpha = arg.getFloatValue();
            else if (name == "format") {
                if (arg != "float" && arg != "pcm24")
                    throw InvalidArgument("--format must be float or pcm24");
                scriptFormat_ = arg == "float" ? SampleFormat::Float32 : SampleFormat::Pcm24;
            }
            session_.setSettings(s);
        } else if (step.action == "learn") {
            const auto parts = juce::StringArray::fromTokens(arg, ":", "");
            if (parts.size() < 3)
                throw InvalidArgument("--learn needs NAME:START:END[:K], got '" + arg.toStdString() + "'");
            settingsPanel_.addLearnedSource(parts[0], {}, parts[1].getDoubleValue(), parts[2].getDoubleValue(),
                                            parts.size() > 3 ? parts[3].getIntValue() : 4);
        } else if (step.action == "learn-file") {
            const auto name = arg.upToFirstOccurrenceOf("=", false, false);
            auto rest = arg.fromFirstOccurrenceOf("=", false, false);
            int k = 4;
            if (rest.containsChar(',')) {
                k = rest.fromLastOccurrenceOf(",", false, false).getIntValue();
                rest = rest.upToLastOccurrenceOf(",", false, false);
            }
            const auto clip = juce::File::getCurrentWorkingDirectory().getChildFile(rest);
            if (name.isEmpty() || !clip.existsAsFile())
                throw InvalidArgument("--learn-file needs NAME=FILE[,K] with an existing file, got '" + arg.toStdString() + "'");
            settingsPanel_.addLearnedSource(name, clip.getFullPathName(), 0.0, 0.0, k);
        } else if (step.action == "select") {
            // Same as dragging across the timeline.
            view_.selectionStart = juce::jlimit(0.0, view_.duration, arg.upToFirstOccurrenceOf(":", false, false).getDoubleValue());
            view_.selectionEnd = juce::jlimit(0.0, view_.duration, arg.fromFirstOccurrenceOf(":", false, false).getDoubleValue());
            view_.changed();
        } else if (step.action == "zoom") {
            view_.setWindow(arg.upToFirstOccurrenceOf(":", false, false).getDoubleValue(),
                            arg.fromFirstOccurrenceOf(":", false, false).getDoubleValue());
        } else if (step.action == "learn-selection") {
            // What the "Learn selection" dialog does with its name and components.
            if (!view_.hasSelection())
                throw InvalidArgument("--learn-selection needs a selection (--select START:END) first");
            const auto name = arg.upToFirstOccurrenceOf(",", false, false);
            const int k = arg.containsChar(',') ? arg.fromFirstOccurrenceOf(",", false, false).getIntValue() : 4;
            settingsPanel_.addLearnedSource(name, {}, view_.selectionStart, view_.selectionEnd, k);
        } else if (step.action == "tab") {
            const juce::StringArray tabs{"sources", "templates", "activations", "objective"};
            if (!tabs.contains(arg))
                throw InvalidArgument("--tab must be one of sources, templates, activations, objective");
            tabs_.setCurrentTabIndex(tabs.indexOf(arg));
        } else if (step.action == "run") {
            if (runSeparation())
                scriptWaiting_ = true;
        } else if (step.action == "move") {
            const int k = arg.upToFirstOccurrenceOf(":", false, false).getIntValue();
            const int to = arg.fromFirstOccurrenceOf(":", false, false).getIntValue();
            session_.moveComponent(k - 1, to - 1);
            scriptWaiting_ = true;
        } else if (step.action == "export")
            exportStems(file, scriptFormat_);
        else if (step.action == "export-templates")
            exportTemplates(file);
        else if (step.action == "export-pictures")
            exportPictures(file);
        else if (step.action == "save-project")
            saveProject(file);
        else if (step.action == "screenshot")
            saveScreenshot(file);
    } catch (const std::exception& e) {
        showError(e.what());
    }
}

}  // namespace demix::app

// DemixApp: the Demix standalone desktop application.

#include "app/MainComponent.hpp"

#include <iostream>

namespace demix::app {

class MainWindow : public juce::DocumentWindow {
public:
    explicit MainWindow(const Script& script)
        : juce::DocumentWindow("Demix", theme::background, juce::DocumentWindow::allButtons)
    {
        setUsingNativeTitleBar(false);
        auto* content = new MainComponent();
        content->setSize(script.width, script.height - getTitleBarHeight());
        setContentOwned(content, true);
        setResizable(true, true);
        setResizeLimits(960, 600, 8192, 8192);
        centreWithSize(getWidth(), getHeight());
        setVisible(true);
        content->grabKeyboardFocus();
    }

    MainComponent& content() { return *dynamic_cast<MainComponent*>(getContentComponent()); }
    void closeButtonPressed() override { juce::JUCEApplication::getInstance()->systemRequestedQuit(); }
};

class DemixApplication : public juce::JUCEApplication {
public:
    const juce::String getApplicationName() override { return "DemixApp"; }
    const juce::String getApplicationVersion() override { return DEMIX_VERSION; }
    bool moreThanOneInstanceAllowed() override { return true; }

    void initialise(const juce::String&) override
    {
        Script script;
        try {
            script = parseCommandLine(getCommandLineParameterArray());
        } catch (const std::exception& e) {
            std::cout << e.what();
            setApplicationReturnValue(e.what() == usage().toStdString() ? 0 : 2);
            quit();
            return;
        }
        window_ = std::make_unique<MainWindow>(script);
        if (!script.empty())
            window_->content().runScript(std::move(script));
    }

    void shutdown() override { window_.reset(); }

    void anotherInstanceStarted(const juce::String& commandLine) override
    {
        // A second launch with a file (e.g. from a file manager) opens it here.
        const auto file = juce::File::getCurrentWorkingDirectory().getChildFile(commandLine.unquoted());
        if (window_ != nullptr && file.existsAsFile())
            window_->content().openAudio(file);
    }

private:
    std::unique_ptr<MainWindow> window_;
};

}  // namespace demix::app

START_JUCE_APPLICATION(demix::app::DemixApplication)

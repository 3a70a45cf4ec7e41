#pragma once
/// \file Script.hpp
/// Command-line options of DemixApp. A plain file name opens it; the other options form
/// a script the window runs through the same code paths as the menu, e.g.
///   DemixApp --open song.wav --components 8 --sources 3 --run --export stems/
///            --screenshot shot.png --quit

#include <juce_core/juce_core.h>

#include <string>
#include <vector>

namespace demix::app {

struct ScriptStep {
    juce::String action;    ///< "open", "project", "set", "library", "learn", "run", "move", "export", ...
    juce::String argument;  ///< its value
    juce::String extra;     ///< e.g. the setting's name for "set"
};

struct Script {
    std::vector<ScriptStep> steps;
    bool quitAtEnd = false;
    int width = 1400, height = 860;
    bool empty() const { return steps.empty() && !quitAtEnd; }
};

/// Parses the arguments. Throws std::invalid_argument with a usage message for unknown
/// options or missing values.
Script parseCommandLine(const juce::StringArray& arguments);

/// The --help text.
juce::String usage();

}  // namespace demix::app

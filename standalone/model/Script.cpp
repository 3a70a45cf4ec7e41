#include "model/Script.hpp"

#include <stdexcept>

namespace demix::app {

juce::String usage()
{
    return "Usage: DemixApp [FILE] [options]\n"
           "  FILE                    an audio file (WAV/AIFF/FLAC) or a project (.demix) to open\n"
           "  --open FILE             open an audio file\n"
           "  --project FILE          open a project\n"
           "  --method M              unsupervised | semi-supervised | supervised |\n"
           "                          grouped-by-library\n"
           "  --components K          unsupervised and grouped-by-library components\n"
           "  --sources S             unsupervised sources\n"
           "  --free K                semi-supervised free components\n"
           "  --fft N  --hop N        STFT frame length and hop (samples)\n"
           "  --objective O           kl | frobenius | is\n"
           "  --solver S              mu | als | hals\n"
           "  --iterations N  --tolerance T  --seed N  --alpha A\n"
           "  --library FILE          add a template library (.dmxt)\n"
           "  --learn NAME:START:END[:K]  learn a source from a time range (seconds) of the file\n"
           "  --learn-file NAME=FILE[,K]  learn a source from another audio file\n"
           "  --select START:END      select a time range (seconds) on the timeline\n"
           "  --zoom START:END        show this time range (seconds)\n"
           "  --learn-selection NAME[,K]  learn a source from the selected range\n"
           "  --run                   run the separation (waits for it)\n"
           "  --move K:S              move component K to source S (1-based)\n"
           "  --format float|pcm24    stem sample format for --export (default float)\n"
           "  --export DIR            export the stems\n"
           "  --export-templates FILE export the templates as a library (.dmxt)\n"
           "  --export-pictures DIR   export the pictures as PNG\n"
           "  --save-project FILE     save the project\n"
           "  --screenshot PNG        save a picture of the main window\n"
           "  --size WxH              window size\n"
           "  --tab NAME              show a result tab: sources, templates, activations, objective\n"
           "  --quit                  quit when the script is done (exit code 1 on any error)\n";
}

Script parseCommandLine(const juce::StringArray& arguments)
{
    static const juce::StringArray settings{"method", "components", "sources", "free", "fft", "hop", "objective",
                                            "solver", "iterations", "tolerance", "seed", "alpha", "format"};
    static const juce::StringArray actions{"open", "project", "library", "learn", "learn-file", "select", "learn-selection", "zoom", "tab", "move", "export",
                                           "export-templates", "export-pictures", "save-project", "screenshot"};
    Script script;
    for (int i = 0; i < arguments.size(); ++i) {
        const auto& arg = arguments[i];
        if (arg.isEmpty())
            continue;
        if (!arg.startsWith("--")) {
            script.steps.push_back({arg.endsWithIgnoreCase(".demix") ? "project" : "open", arg, {}});
            continue;
        }
        const auto name = arg.substring(2);
        auto value = [&]() -> juce::String {
            if (i + 1 >= arguments.size())
                throw std::invalid_argument(("Option " + arg + " needs a value\n" + usage()).toStdString());
            return arguments[++i];
        };
        if (name == "run")
            script.steps.push_back({"run", {}, {}});
        else if (name == "quit")
            script.quitAtEnd = true;
        else if (name == "size") {
            const auto v = value();
            script.width = juce::jlimit(640, 4000, v.upToFirstOccurrenceOf("x", false, true).getIntValue());
            script.height = juce::jlimit(480, 3000, v.fromFirstOccurrenceOf("x", false, true).getIntValue());
        } else if (settings.contains(name))
            script.steps.push_back({"set", value(), name});
        else if (actions.contains(name))
            script.steps.push_back({name, value(), {}});
        else if (name.startsWith("psn_") || name == "help")  // macOS adds -psn_…; --help prints usage
            throw std::invalid_argument(usage().toStdString());
        else
            throw std::invalid_argument(("Unknown option " + arg + "\n" + usage()).toStdString());
    }
    return script;
}

}  // namespace demix::app

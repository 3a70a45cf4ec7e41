// demix learn: spectral templates of one source from example recordings.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "interrupt.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "plots.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "separation.hpp"

#include "demix/separator.hpp"
#include "demix/version.hpp"

#include <chrono>
#include <cstdio>
#include <new>

namespace demix::cli {
namespace {

const char* kLearnHelp = R"(Usage: demix learn INPUT.wav [INPUT2.wav ...] --name NAME [-k 16] -o LIBRARY

Learns K spectral templates of one source (NAME) from example recordings of it (all
channels of all inputs; the inputs must share one sample rate) and writes a template
library to exactly the path LIBRARY. Separate with it: demix separate MIX --templates LIBRARY.

  --name NAME        the source's name; its stem will be NAME.wav
  -k K, --components K
                     number of templates (default 16); at most the number of STFT
                     frames in the inputs
  -o LIBRARY         the library file to write (replaced atomically if it exists)

)";

}  // namespace

int runLearn(const Arguments& arguments) {
    Args args(arguments);
    std::vector<std::string> inputs;
    std::string name, output;
    int k = 16;
    CommonOptions common;
    while (!args.done()) {
        const std::string token = args.next();
        if (token == "--help" || token == "-h") {
            std::printf("%s%s", kLearnHelp, commonOptionsHelp());
            return kExitOk;
        }
        if (!Args::isOption(token)) {
            inputs.push_back(token);
        } else if (token == "--name" || token == "-n") {
            name = args.value(token);
        } else if (token == "-k" || token == "--components") {
            k = args.intValue(token, 1, 4096);
        } else if (token == "-o" || token == "--output") {
            output = args.value(token);
        } else if (!parseCommonOption(token, args, common)) {
            throw UsageError("learn: unknown option " + token + " (see demix learn --help)");
        }
    }
    if (inputs.empty()) throw UsageError("learn: no input files given (see demix learn --help)");
    if (name.empty()) throw UsageError("learn: --name NAME is required");
    if (output.empty()) throw UsageError("learn: -o LIBRARY is required");
    if (name == "residual")
        throw UsageError("learn: the name 'residual' is reserved for --free components");
    try {
        checkStemName(name, "--name");
    } catch (const InputError& e) {
        throw UsageError(std::string("learn: ") + e.what());
    }
    finaliseCommonOptions(common);
    const auto& settings = common.settings;

    const juce::File outFile = juce::File::getCurrentWorkingDirectory().getChildFile(output);
    if (outFile.isDirectory())
        throw UsageError(inQuotes(output) + ": is a folder; -o takes the library's file name");
    prepareOutputFolder(outFile.getParentDirectory().getFullPathName().toStdString());
    for (const auto& in : inputs)
        if (juce::File::getCurrentWorkingDirectory().getChildFile(in) == outFile)
            throw UsageError(inQuotes(output) + ": -o would overwrite an input");

    Progress progress(common.quiet);
    const auto start = std::chrono::steady_clock::now();
    std::vector<AudioBuffer> clips;
    juce::Array<juce::var> inputReports;
    long long frames = 0;
    double totalSeconds = 0.0;
    bool anySound = false;
    const Stft stft(settings.stft);
    for (const auto& in : inputs) {
        progress.begin(name);
        progress.update(0.0, "reading " + in);
        clips.push_back(readAudioFile(in));
        const auto& clip = clips.back();
        if (clip.sampleRate != clips.front().sampleRate)
            throw InputError(inQuotes(in) + ": sample rate " + std::to_string(clip.sampleRate) +
                             " Hz differs from " + inQuotes(inputs.front()) + " (" +
                             std::to_string(clips.front().sampleRate) +
                             " Hz); all inputs of one library need the same rate");
        frames += stft.frameCount(clip.numSamples());
        totalSeconds += static_cast<double>(clip.numSamples()) / clip.sampleRate;
        const bool sound = measureLevels(clip).energy > 0.0;
        if (!sound) progress.warning(inQuotes(in) + " is silent; it adds nothing to learn from");
        anySound = anySound || sound;
        inputReports.add(audioDescription(in, clip));
    }
    if (!anySound)
        throw InputError("every input is silent (all samples zero): nothing to learn from");
    if (k > frames)
        throw InputError("-k " + std::to_string(k) + " is more than the signal allows: the input" +
                         std::string(inputs.size() > 1 ? "s give" : " gives") + " only " +
                         std::to_string(frames) + " STFT frames (at --fft " +
                         std::to_string(settings.stft.fftSize) + " --hop " +
                         std::to_string(settings.stft.hop) + "); use -k " +
                         std::to_string(frames) + " or less, or longer inputs");
    if (k > settings.stft.bins())
        throw InputError("-k " + std::to_string(k) + " is more than the " +
                         std::to_string(settings.stft.bins()) + " frequency bins of --fft " +
                         std::to_string(settings.stft.fftSize));

    const double readSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    TemplateLibrary library;
    // The convergence curve for the JSON report (same values the engine's result holds).
    NmfResult curve;
    SeparationSettings learnSettings = settings;
    learnSettings.onObjective = [&curve](int iteration, double value) {
        curve.objectiveIterations.push_back(iteration);
        curve.objective.push_back(value);
    };
    try {
        library = learnTemplates(clips, name, k, learnSettings, progress.callback(0.0, 0.98));
        if (interrupted()) throw Cancelled();
    } catch (const Cancelled&) {
        throw ProcessingError("learning interrupted; no library written");
    } catch (const InvalidArgument& e) {
        throw InputError(std::string("cannot learn from these inputs: ") + e.what());
    } catch (const std::bad_alloc&) {
        throw ProcessingError("not enough memory to learn from these inputs");
    } catch (const std::exception& e) {
        throw ProcessingError(std::string("learning failed: ") + e.what());
    }
    for (const auto& s : library.sources)
        if (!s.templates.allFinite())
            throw ProcessingError("learning produced non-finite templates; nothing written");
    const double learnSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - readSeconds;

    try {
        library.save(outFile.getFullPathName().toStdString());
    } catch (const std::exception& e) {
        throw ProcessingError(inQuotes(output) + ": cannot write the library: " + e.what());
    }
    progress.end();

    if (!common.plotDir.empty()) {
        prepareOutputFolder(common.plotDir);
        writeLibraryPlots(library, common.plotDir);
    }
    if (!common.jsonPath.empty()) {
        auto* rep = new juce::DynamicObject();
        rep->setProperty("demix", juce::String(versionString()));
        rep->setProperty("command", "learn");
        rep->setProperty("name", juce::String(name));
        rep->setProperty("components", k);
        rep->setProperty("library", juce::String(outFile.getFullPathName()));
        rep->setProperty("inputs", inputReports);
        rep->setProperty("frames", static_cast<juce::int64>(frames));
        rep->setProperty("settings", settingsToJson(common));
        rep->setProperty("iterations", curve.objectiveIterations.empty()
                                           ? 0
                                           : curve.objectiveIterations.back());
        rep->setProperty("objective", objectiveCurve(curve));
        auto* t = new juce::DynamicObject();
        t->setProperty("read", readSeconds);
        t->setProperty("learn", learnSeconds);
        rep->setProperty("seconds", juce::var(t));
        writeTextFile(common.jsonPath, toJsonText(juce::var(rep)));
    }
    if (!common.quiet)
        std::printf("learned %d templates for '%s' from %zu input%s (%.1f s) -> %s\n", k,
                    name.c_str(), inputs.size(), inputs.size() == 1 ? "" : "s",
                    totalSeconds,
                    outFile.getFullPathName().toRawUTF8());
    return kExitOk;
}

}  // namespace demix::cli

// demix learn: spectral templates of one source from example recordings.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "file_safety.hpp"
#include "interrupt.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "plots.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "separation.hpp"

#include "demix/separator.hpp"
#include "demix/version.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <new>

namespace demix::cli {
namespace {

const char* kLearnHelp = R"(Usage: demix learn INPUT.wav [INPUT2.wav ...] --name NAME [-k 16] -o LIBRARY
       demix learn --source NAME=INPUT.wav [--source NAME2=INPUT2.wav ...] [-k 16]
                   [--discriminative N] -o LIBRARY

Learns K spectral templates of one source (NAME) from example recordings of it (all
channels of all inputs; the inputs must share one sample rate) and writes a template
library to exactly the path LIBRARY. Separate with it: demix separate MIX --templates LIBRARY.
With --source, learns several sources into one library (K templates each, each source
learned as alone; repeat a NAME to give it several inputs).

  --name NAME        the source's name; its stem will be NAME.wav
  --source NAME=FILE one input of source NAME (instead of INPUT.wav ... --name NAME)
  --discriminative N with two or more --source: N rounds refining the templates on a
                     mix of the sources' inputs so that each source's templates rebuild
                     that source and not the others (default 0 = off; it did not
                     separate the project's test set better, bench/RESULTS.md)
  -k K, --components K
                     number of templates (default 16, per source); at most the number
                     of STFT frames in the inputs
  --restarts N       learn each source N times from other random starts (seeds S, S+1,
                     ...; default 3) and keep every set in the library: separation then
                     averages over them (an ensemble, N times the separation's NMF work).
                     The first set is the single-start library; --restarts 1 learns only it
  --validate         held-out validation: learn on 3 of every 4 blocks of 0.5 s of the
                     inputs, measure the fit of the other blocks at every check (every
                     10 iterations); 4 such folds (each block held out once) choose the
                     iteration count with the best held-out fit (early stopping), then
                     the templates are learned on all of the input for that many
                     iterations. The choice is printed and in --json. Off by default:
                     on the project's test set it was not a robust gain, and it takes
                     15-25x longer (bench/RESULTS.md)
  --no-validate      learn on all frames until --iterations / --tol (the default)
  --validate-k K1,K2,...
                     with validation: also choose the number of templates per source
                     from these candidates, by the held-out fit per frame (implies
                     --validate; -k is then ignored; the held-out fit favours large K,
                     which separated worse)
  --validate-refit on|off
                     with --validate-folds 1: on (default) learn again on all frames
                     for the chosen iterations; off: keep the fitting blocks' templates
  --validate-block S length of the interleaved blocks in seconds (default 0.5)
  --validate-every N hold out one block in N (default 4)
  --validate-folds F cross-validation: F folds (1..N), each holding out other blocks;
                     their held-out fits are pooled (default 4; implies --validate)
  -o LIBRARY         the library file to write (replaced atomically if it exists)

)";

// "8,12,16" → {8, 12, 16}; each 1..4096.
std::vector<int> componentList(const std::string& text) {
    std::vector<int> list;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        char* end = nullptr;
        const long k = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || end != item.c_str() + item.size() || k < 1 || k > 4096)
            throw UsageError("learn: --validate-k expects numbers of templates (1..4096) "
                             "separated by commas, not '" + text + "'");
        list.push_back(static_cast<int>(k));
        start = comma + 1;
    }
    return list;
}

juce::var choiceToJson(const LearningChoice& choice) {
    auto* obj = new juce::DynamicObject();
    obj->setProperty("source", juce::String(choice.source));
    obj->setProperty("components", choice.components);
    obj->setProperty("validated", choice.heldOutFrames > 0);
    obj->setProperty("iterations", choice.iterations);
    obj->setProperty("fit_frames", choice.fitFrames);
    obj->setProperty("held_out_frames", choice.heldOutFrames);
    if (choice.heldOutFrames > 0) obj->setProperty("held_out_per_frame", choice.heldOut);
    juce::Array<juce::var> curve;
    for (std::size_t i = 0; i < choice.checkIterations.size(); ++i) {
        juce::Array<juce::var> point;
        point.add(choice.checkIterations[i]);
        point.add(choice.heldOutCurve[i]);
        curve.add(point);
    }
    obj->setProperty("held_out_curve", curve);
    juce::Array<juce::var> candidates;
    for (std::size_t i = 0; i < choice.candidateComponents.size(); ++i) {
        auto* c = new juce::DynamicObject();
        c->setProperty("components", choice.candidateComponents[i]);
        c->setProperty("iterations", choice.candidateIterations[i]);
        c->setProperty("held_out_per_frame", choice.candidateHeldOut[i]);
        candidates.add(juce::var(c));
    }
    obj->setProperty("candidates", candidates);
    return juce::var(obj);
}

}  // namespace

int runLearn(const Arguments& arguments) {
    Args args(arguments);
    std::vector<std::string> inputs;
    std::string name, output;
    int k = 16;
    CommonOptions common;
    std::vector<std::pair<std::string, std::string>> sourceInputs;  // --source NAME=FILE
    bool foldsGiven = false;
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
        } else if (token == "--source") {
            const std::string value = args.value(token);
            const auto eq = value.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
                throw UsageError("learn: --source expects NAME=FILE, not '" + value + "'");
            sourceInputs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
        } else if (token == "--discriminative") {
            common.settings.discriminativeIterations = args.intValue(token, 0, 100000);
        } else if (token == "--restarts") {
            common.settings.learningRestarts = args.intValue(token, 1, 64);
        } else if (token == "--validate") {
            common.settings.validation.enabled = true;
        } else if (token == "--no-validate") {
            common.settings.validation.enabled = false;
        } else if (token == "--validate-k") {
            common.settings.validation.enabled = true;
            common.settings.validation.componentChoices = componentList(args.value(token));
        } else if (token == "--validate-refit") {
            const std::string value = args.value(token);
            if (value != "on" && value != "off")
                throw UsageError("learn: --validate-refit expects on or off, not '" + value + "'");
            common.settings.validation.refit = value == "on";
        } else if (token == "--validate-block") {
            common.settings.validation.blockSeconds = args.doubleValue(token, 0.01, 60.0);
        } else if (token == "--validate-folds") {
            foldsGiven = true;
            common.settings.validation.enabled = true;
            common.settings.validation.folds = args.intValue(token, 1, 1000);
        } else if (token == "--validate-every") {
            common.settings.validation.holdOutEvery = args.intValue(token, 2, 1000);
        } else if (token == "-o" || token == "--output") {
            output = args.value(token);
        } else if (!parseCommonOption(token, args, common)) {
            throw UsageError("learn: unknown option " + token + " (see demix learn --help)");
        }
    }
    if (!sourceInputs.empty()) {
        if (!inputs.empty() || !name.empty())
            throw UsageError("learn: give either INPUT.wav ... --name NAME or --source NAME=FILE, "
                             "not both");
    } else {
        if (inputs.empty())
            throw UsageError("learn: no input files given (see demix learn --help)");
        if (name.empty()) throw UsageError("learn: --name NAME is required");
        for (const auto& in : inputs) sourceInputs.emplace_back(name, in);
    }
    if (output.empty()) throw UsageError("learn: -o LIBRARY is required");
    if (foldsGiven && common.settings.validation.folds > common.settings.validation.holdOutEvery)
        throw UsageError("learn: --validate-folds " +
                         std::to_string(common.settings.validation.folds) +
                         " is more than --validate-every " +
                         std::to_string(common.settings.validation.holdOutEvery) +
                         " (each fold holds out another block of every N)");
    // The sources in order of first mention, each with its inputs.
    std::vector<std::pair<std::string, std::vector<std::string>>> sourceFiles;
    for (const auto& [source, file] : sourceInputs) {
        auto it = std::find_if(sourceFiles.begin(), sourceFiles.end(),
                               [&](const auto& entry) { return entry.first == source; });
        if (it == sourceFiles.end()) {
            sourceFiles.push_back({source, {}});
            it = sourceFiles.end() - 1;
        }
        it->second.push_back(file);
    }
    for (const auto& entry : sourceFiles) {
        const std::string origin = name.empty() ? "--source" : "--name";
        if (entry.first == "residual")
            throw UsageError("learn: the name 'residual' is reserved for --free components");
        try {
            checkStemName(entry.first, origin);
        } catch (const InputError& e) {
            throw UsageError(std::string("learn: ") + e.what());
        }
    }
    if (common.settings.discriminativeIterations > 0 && sourceFiles.size() < 2)
        throw UsageError("learn: --discriminative needs two or more sources (--source NAME=FILE)");
    finaliseCommonOptions(common);
    const auto& settings = common.settings;

    const juce::File outFile = juce::File::getCurrentWorkingDirectory().getChildFile(output);
    if (outFile.isDirectory())
        throw UsageError(inQuotes(output) + ": is a folder; -o takes the library's file name");
    prepareOutputFolder(outFile.getParentDirectory().getFullPathName().toStdString());
    // By file identity: a link to an input, or an input through a linked folder, counts.
    InputFiles inputFiles;
    for (const auto& entry : sourceInputs) inputFiles.add(entry.second);
    inputFiles.checkOutput(outFile.getFullPathName().toStdString(), "choose another -o file");
    if (!common.jsonPath.empty()) inputFiles.checkOutput(common.jsonPath, "choose another --json file");
    if (!common.plotDir.empty())
        for (const auto& picture : plotFileNames())
            inputFiles.checkOutput(juce::File::getCurrentWorkingDirectory().getChildFile(common.plotDir)
                                       .getChildFile(picture).getFullPathName().toStdString(),
                                   "choose another --plot folder");

    Progress progress(common.quiet);
    const auto start = std::chrono::steady_clock::now();
    std::vector<SourceClips> sources;
    juce::Array<juce::var> inputReports;
    long long frames = 0;
    double totalSeconds = 0.0;
    const Stft stft(settings.stft);
    const std::string firstInput = sourceInputs.front().second;
    double rate = 0.0;
    for (const auto& [source, files] : sourceFiles) {
        sources.push_back({source, {}, k});
        long long sourceFrames = 0;
        bool anySound = false;
        for (const auto& in : files) {
            progress.begin(source);
            progress.update(0.0, "reading " + in);
            sources.back().clips.push_back(readAudioFile(in));
            const auto& clip = sources.back().clips.back();
            if (rate == 0.0) rate = clip.sampleRate;
            if (clip.sampleRate != rate)
                throw InputError(inQuotes(in) + ": sample rate " + std::to_string(clip.sampleRate) +
                                 " Hz differs from " + inQuotes(firstInput) + " (" +
                                 std::to_string(rate) +
                                 " Hz); all inputs of one library need the same rate");
            sourceFrames += stft.frameCount(clip.numSamples());
            totalSeconds += static_cast<double>(clip.numSamples()) / clip.sampleRate;
            const bool sound = measureLevels(clip).energy > 0.0;
            if (!sound) progress.warning(inQuotes(in) + " is silent; it adds nothing to learn from");
            anySound = anySound || sound;
            inputReports.add(audioDescription(in, clip));
        }
        const std::string whose = sourceFiles.size() > 1 ? " of '" + source + "'" : "";
        if (!anySound)
            throw InputError("every input" + whose +
                             " is silent (all samples zero): nothing to learn from");
        if (k > sourceFrames)
            throw InputError("-k " + std::to_string(k) + " is more than the signal allows: the input" +
                             std::string(files.size() > 1 ? "s" : "") + whose +
                             std::string(files.size() > 1 ? " give" : " gives") + " only " +
                             std::to_string(sourceFrames) + " STFT frames (at --fft " +
                             std::to_string(settings.stft.fftSize) + " --hop " +
                             std::to_string(settings.stft.hop) + "); use -k " +
                             std::to_string(sourceFrames) + " or less, or longer inputs");
        frames += sourceFrames;
    }
    if (k > settings.stft.bins())
        throw InputError("-k " + std::to_string(k) + " is more than the " +
                         std::to_string(settings.stft.bins()) + " frequency bins of --fft " +
                         std::to_string(settings.stft.fftSize));

    const double readSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    TemplateLibrary library;
    // The convergence curve for the JSON report (same values the engine's result holds).
    // (one source only: several sources' curves are not one curve)
    NmfResult curve;
    SeparationSettings learnSettings = settings;
    std::vector<LearningChoice> choices;
    learnSettings.onLearningChoice = [&choices](const LearningChoice& choice) {
        choices.push_back(choice);
    };
    if (sources.size() == 1) {
        learnSettings.onObjective = [&curve](int iteration, double value) {
            curve.objectiveIterations.push_back(iteration);
            curve.objective.push_back(value);
        };
    }
    try {
        library = learnTemplatesTogether(sources, learnSettings, progress.callback(0.0, 0.98));
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
        if (sources.size() == 1) {
            rep->setProperty("name", juce::String(sources.front().name));
        } else {
            juce::Array<juce::var> sourceNames;
            for (const auto& source : sources) sourceNames.add(juce::String(source.name));
            rep->setProperty("sources", sourceNames);
            rep->setProperty("discriminative", settings.discriminativeIterations);
        }
        rep->setProperty("components", k);
        rep->setProperty("restarts", library.ensembleSize());
        if (settings.validation.enabled) {
            juce::Array<juce::var> list;
            for (const auto& choice : choices) list.add(choiceToJson(choice));
            rep->setProperty("validation", list);
        }
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
    if (!common.quiet) {
        for (const auto& c : choices) {
            if (c.heldOutFrames > 0)
                std::printf("validated '%s': %d templates, %d iterations (held-out divergence "
                            "%.4g per frame, %d held-out and %d fitting frames)\n",
                            c.source.c_str(), c.components, c.iterations, c.heldOut,
                            c.heldOutFrames, c.fitFrames);
            else
                std::printf("validated '%s': input too short to hold frames out; learned "
                            "without validation\n", c.source.c_str());
        }
        std::string names;
        for (const auto& source : sources) names += (names.empty() ? "'" : ", '") + source.name + "'";
        int learned = 0;
        for (const auto& source : library.sources) learned += static_cast<int>(source.templates.cols());
        const std::string sets = library.ensembleSize() > 1
                                     ? " x " + std::to_string(library.ensembleSize()) + " restarts"
                                     : "";
        std::printf("learned %d templates%s for %s from %zu input%s (%.1f s) -> %s\n", learned,
                    sets.c_str(), names.c_str(), sourceInputs.size(),
                    sourceInputs.size() == 1 ? "" : "s", totalSeconds,
                    outFile.getFullPathName().toRawUTF8());
    }
    return kExitOk;
}

}  // namespace demix::cli

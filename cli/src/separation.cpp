#include "separation.hpp"

#include "audio_file.hpp"
#include "cli_error.hpp"
#include "file_safety.hpp"
#include "interrupt.hpp"
#include "plots.hpp"
#include "report.hpp"
#include "separation_chunked.hpp"

#include "demix/file_names.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

namespace demix::cli {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string framesAdvice(const StftSettings& stft) {
    return "(at --fft " + std::to_string(stft.fftSize) + " --hop " + std::to_string(stft.hop) + ")";
}

}  // namespace

void checkComponentsFit(const SeparateRequest& r, bool supervised, std::size_t samples,
                        const std::string& input) {
    const auto& settings = r.common.settings;
    const Stft stft(settings.stft);
    const int frames = stft.frameCount(samples);
    const int bins = settings.stft.bins();
    const int wanted = supervised ? r.freeComponents : r.components;
    const std::string kOption = supervised ? "--free" : "--components";
    if (wanted > frames)
        throw InputError(inQuotes(input) + ": " + kOption + " " + std::to_string(wanted) +
                         " is more than the signal allows: " + std::to_string(samples) +
                         " samples give only " + std::to_string(frames) + " STFT frames " +
                         framesAdvice(settings.stft) + "; use at most " + std::to_string(frames));
    if (wanted > bins)
        throw InputError(inQuotes(input) + ": " + kOption + " " + std::to_string(wanted) +
                         " is more than the " + std::to_string(bins) + " frequency bins of --fft " +
                         std::to_string(settings.stft.fftSize));
}

void rethrowSeparationError(const std::string& input) {
    try {
        throw;
    } catch (const Cancelled&) {
        throw ProcessingError(inQuotes(input) + ": interrupted; no stems written");
    } catch (const LibraryError& e) {
        throw InputError(inQuotes(input) + ": " + e.what());
    } catch (const InvalidArgument& e) {
        throw InputError(inQuotes(input) + ": " + e.what());
    } catch (const std::bad_alloc&) {
        throw ProcessingError(inQuotes(input) + ": not enough memory to separate it");
    } catch (const CliError&) {
        throw;
    } catch (const std::exception& e) {
        throw ProcessingError(inQuotes(input) + ": separation failed: " + e.what());
    }
}

bool parseSeparateOption(const std::string& option, Args& args, SeparateRequest& r) {
    if (option == "--templates" || option == "-t") {
        r.libraryPaths.push_back(args.value(option));
    } else if (option == "--free") {
        r.freeComponents = args.intValue(option, 0, 4096);
        r.freeGiven = true;
    } else if (option == "--stems") {
        const juce::String list(args.value(option));
        juce::StringArray names;
        names.addTokens(list, ",", "");
        names.trim();
        names.removeEmptyStrings();
        if (names.isEmpty()) throw UsageError("option --stems needs a list of stem names, e.g. drums,bass,other");
        r.stems.clear();
        for (const auto& n : names) r.stems.push_back(n.toStdString());
    } else if (option == "--components" || option == "-k") {
        r.components = args.intValue(option, 1, 4096);
    } else if (option == "--sources") {
        r.sources = args.intValue(option, 1, 4096);
    } else if (option == "--group-by") {
        r.groupByPaths.push_back(args.value(option));
    } else if (option == "--restarts") {
        r.common.settings.unsupervisedRestarts = args.intValue(option, 1, 64);
        r.restartsGiven = true;
    } else if (option == "--chunk") {
        r.chunkSeconds = args.doubleValue(option, 0.0, 86400.0);
        if (*r.chunkSeconds > 0.0 && *r.chunkSeconds < 1.0)
            throw UsageError("option --chunk: a chunk needs at least 1 second (or 0 for the whole "
                             "file at once), got " +
                             juce::String(*r.chunkSeconds).toStdString());
    } else if (option == "--group-power") {
        r.common.settings.groupingPower = args.doubleValue(
            option, 0.1, 100.0, "hard", std::numeric_limits<double>::infinity());
        r.groupPowerGiven = true;
    } else {
        return parseCommonOption(option, args, r.common);
    }
    return true;
}

juce::var groupPowerJson(double power) {
    return std::isinf(power) ? juce::var("hard") : juce::var(power);
}

void useDefaultSet(SeparateRequest& r, const std::string& binaryPath) {
    if (!r.libraryPaths.empty() || r.components > 0 || !r.groupByPaths.empty()) return;
    const char* env = std::getenv(kTemplatesEnvironmentVariable);
    const auto candidates = defaultSetCandidates(binaryPath, env != nullptr ? env : "");
    const auto dir = findDefaultSet(candidates);
    if (!dir) throw InputError(defaultSetMissingMessage(candidates));
    r.libraryPaths = defaultSetFiles(*dir);
    r.defaultSet = true;
    if (!r.freeGiven) r.freeComponents = kDefaultSetFreeComponents;
    // The adaptation guard protects libraries learned from the user's own clips, whose
    // sources may explain each other. The generic shipped set only fits a recording once
    // its templates adapt to it: guarded, the no-library stems lose 3 dB on the dev set
    // (bench/RESULTS.md, "Shipped libraries").
    if (!r.common.adaptGuardGiven) r.common.settings.adaptMinDistinctness = 0.0f;
}

std::optional<StemSelection> stemSelection(const SeparateRequest& r, const TemplateLibrary* library) {
    if (!r.defaultSet || library == nullptr) return std::nullopt;
    std::vector<std::string> sources;
    for (const auto& s : library->sources) sources.push_back(s.name);
    sources.push_back("residual");  // the free components (loadLibraries refuses a clash)
    try {
        return selectStems(sources, "residual", r.stems);
    } catch (const InvalidArgument& e) {
        throw UsageError(std::string("option --stems: ") + e.what());
    }
}

void finaliseSeparateRequest(SeparateRequest& r) {
    const bool supervised = !r.libraryPaths.empty();
    if (!r.stems.empty() && !r.defaultSet)
        throw UsageError("--stems picks stems of the default template set (demix separate MIX "
                         "-o OUT without --templates, --components or --group-by)");
    if (r.defaultSet && r.freeComponents == 0)
        throw UsageError("--free 0: the default template set needs free components for the "
                         "'other' stem (leave --free out for the default, " +
                         std::to_string(kDefaultSetFreeComponents) + ")");
    if (!r.groupByPaths.empty() && !supervised && r.components == 0)
        throw UsageError("--group-by LIB needs --components K: the components it groups");
    if (supervised && r.components > 0)
        throw UsageError("give either --templates LIBRARY (supervised) or --components K "
                         "(unsupervised), not both");
    if (!supervised && r.components == 0)
        throw UsageError("nothing to separate with: give --templates LIBRARY or --components K");
    if (!supervised && r.freeComponents > 0)
        throw UsageError("--free K adds free components to --templates; with --components "
                         "every component is free already");
    if (supervised && r.sources > 0)
        throw UsageError("--sources S groups the components of --components K; with "
                         "--templates each library source is a stem");
    if (!r.groupByPaths.empty() && supervised)
        throw UsageError("--group-by LIB groups the free components of --components K; with "
                         "--templates the library templates are the components already "
                         "(use one or the other)");
    if (r.restartsGiven && supervised)
        throw UsageError("--restarts N repeats the unsupervised factorisation of --components K; "
                         "with --templates the library's template sets are the ensemble "
                         "(demix learn --restarts N)");
    if (r.restartsGiven && !supervised && r.sources == 0 && r.groupByPaths.empty())
        throw UsageError("--restarts N averages grouped sources; without --sources S or "
                         "--group-by LIB each component is a stem and has no identity across "
                         "random starts");
    if (r.groupPowerGiven && (supervised || r.groupByPaths.empty()))
        throw UsageError("--group-power P sets how softly --group-by LIB shares the components "
                         "of --components K between the library sources; without --group-by "
                         "there is no such grouping");
    if (r.chunkSeconds && *r.chunkSeconds > 0.0 && !r.common.plotDir.empty())
        throw UsageError("--chunk cannot be used with --plot: the pictures show the whole "
                         "file's decomposition");
    if (r.sources > r.components && !supervised)
        throw UsageError("--sources " + std::to_string(r.sources) + " is more than --components " +
                         std::to_string(r.components) + ": every source needs a component");
    finaliseCommonOptions(r.common);
}

void checkStemName(const std::string& name, const std::string& origin) {
    const std::string problem = sourceNameProblem(name);
    if (!problem.empty())
        throw InputError(origin + ": source name '" + printable(name) + "' " + problem +
                         "; it must be usable as a file name (e.g. letters, digits, '-', '_')");
}

TemplateLibrary loadLibraryFile(const std::string& path) {
    checkInputFile(path, "template library");
    try {
        return TemplateLibrary::load(path);
    } catch (const std::bad_alloc&) {
        throw InputError(inQuotes(path) + ": not a valid template library (sizes too large)");
    } catch (const std::exception& e) {
        throw InputError(inQuotes(path) + ": not a valid template library: " + e.what());
    }
}

namespace {

/// "drums, bass, piano"
std::string sourceList(const TemplateLibrary& library) {
    std::string list;
    for (const auto& s : library.sources) list += (list.empty() ? "" : ", ") + s.name;
    return list;
}

/// The libraries at `paths` merged into one (stem names checked). InputError naming the
/// file that is unreadable or cannot be combined with the first. With `resample`, a
/// library on another frequency grid (sample rate, FFT size, hop, window) is first
/// mapped onto the first one's (engine resampleLibrary) instead of being refused.
TemplateLibrary loadMerged(const std::vector<std::string>& paths, bool resample) {
    std::optional<TemplateLibrary> merged;
    for (const auto& path : paths) {
        TemplateLibrary library = loadLibraryFile(path);
        for (const auto& s : library.sources) checkStemName(s.name, inQuotes(path));
        if (!merged) {
            merged = std::move(library);
        } else {
            try {
                if (resample)
                    library = resampleLibrary(library, merged->settings.sampleRate,
                                              merged->settings.stft);
                merged->merge(library, path);
            } catch (const std::exception& e) {
                throw InputError(inQuotes(path) + ": cannot be combined with " +
                                 inQuotes(paths.front()) + ": " + e.what());
            }
        }
    }
    return std::move(*merged);
}

}  // namespace

std::optional<TemplateLibrary> loadLibraries(SeparateRequest& r) {
    for (const auto& path : r.libraryPaths) r.inputs.add(path);
    for (const auto& path : r.groupByPaths) r.inputs.add(path);
    if (!r.groupByPaths.empty()) {
        r.groupingLibrary = loadMerged(r.groupByPaths, true);
        const int count = static_cast<int>(r.groupingLibrary->sources.size());
        if (count < 2)
            throw UsageError("--group-by needs at least 2 sources to choose between, but the "
                             "libraries hold only '" + sourceList(*r.groupingLibrary) +
                             "' (every component would go to it); for one source and the rest, "
                             "use --templates LIB --free K");
        if (r.sources > 0 && r.sources != count)
            throw UsageError("--sources " + std::to_string(r.sources) + " does not match the " +
                             std::to_string(count) + " source(s) of the --group-by libraries (" +
                             sourceList(*r.groupingLibrary) + "): each library source is a stem; "
                             "leave --sources out");
        if (count > r.components)
            throw UsageError("--components " + std::to_string(r.components) + " is fewer than the " +
                             std::to_string(count) + " sources of the --group-by libraries (" +
                             sourceList(*r.groupingLibrary) + "): every source needs a component");
    }
    if (r.libraryPaths.empty()) return std::nullopt;
    std::optional<TemplateLibrary> merged = loadMerged(r.libraryPaths, false);
    const auto& lib = merged->settings;
    // Explicit analysis options must agree with the library: its templates only fit
    // spectra made the same way.
    auto mismatch = [&](const std::string& what, const std::string& given, const std::string& learned) {
        throw UsageError(what + " " + given + " was given, but the library " +
                         inQuotes(r.libraryPaths.front()) + " was learned with " + what + " " +
                         learned + "; leave the option out to use the library's");
    };
    if (r.common.fftGiven && r.common.settings.stft.fftSize != lib.stft.fftSize)
        mismatch("--fft", std::to_string(r.common.settings.stft.fftSize), std::to_string(lib.stft.fftSize));
    if (r.common.hopGiven && r.common.settings.stft.hop != lib.stft.hop)
        mismatch("--hop", std::to_string(r.common.settings.stft.hop), std::to_string(lib.stft.hop));
    if (r.common.windowGiven && r.common.settings.stft.window != lib.stft.window)
        mismatch("--window", toString(r.common.settings.stft.window), toString(lib.stft.window));
    adoptLibrarySettings(r.common, lib);
    if (r.freeComponents > 0 && merged->find("residual") >= 0)
        throw InputError("a library source is named 'residual', which --free also uses; "
                         "relearn it under another --name");
    return merged;
}

const TemplateLibrary& libraryForRate(const TemplateLibrary& library, double sampleRate,
                                      const std::string& input, TemplateLibrary& storage,
                                      Progress& progress) {
    if (library.settings.sampleRate == sampleRate) return library;
    storage = resampleLibrary(library, sampleRate, library.settings.stft);
    std::string note = inQuotes(input) + " is " + formatHz(sampleRate) +
                       "; the templates, learned at " + formatHz(library.settings.sampleRate) +
                       ", are resampled to it";
    if (library.settings.sampleRate < sampleRate)
        note += " (they say nothing above " + formatHz(library.settings.sampleRate / 2.0) +
                ": that band is split equally between the stems)";
    progress.info(note);
    return storage;
}

std::vector<std::string> stemNames(const SeparateRequest& r, const TemplateLibrary* library) {
    std::vector<std::string> names;
    if (library == nullptr && r.groupingLibrary) {
        for (const auto& s : r.groupingLibrary->sources) names.push_back(s.name);
    } else if (const auto selection = stemSelection(r, library)) {
        names = selection->names;
    } else if (library != nullptr) {
        for (const auto& s : library->sources) names.push_back(s.name);
        if (r.freeComponents > 0) {  // named as the engine names it (decomposeSupervised)
            std::string residual = "residual";
            for (int i = 2; library->find(residual) >= 0; ++i) residual = "residual-" + std::to_string(i);
            names.push_back(residual);
        }
    } else if (r.sources > 0) {
        for (int s = 1; s <= r.sources; ++s) names.push_back("source-" + std::to_string(s));
    } else {
        for (int k = 1; k <= r.components; ++k) names.push_back("component-" + std::to_string(k));
    }
    return names;
}

std::vector<std::string> outputPaths(const std::string& outDir, const std::vector<std::string>& stems,
                                     const std::string& plotDir) {
    const auto cwd = juce::File::getCurrentWorkingDirectory();
    std::vector<std::string> paths;
    for (const auto& name : stems)
        paths.push_back(cwd.getChildFile(outDir).getChildFile(name + ".wav").getFullPathName().toStdString());
    if (!plotDir.empty())
        for (const auto& name : plotFileNames())
            paths.push_back(cwd.getChildFile(plotDir).getChildFile(name).getFullPathName().toStdString());
    return paths;
}

SeparationOutcome separateFile(const std::string& input, const std::string& outDir,
                               const SeparateRequest& r, const TemplateLibrary* library,
                               const std::string& plotDir, Progress& progress) {
    // Before anything is read or written: the input is a regular file (a FIFO would block),
    // the stem names are file names, and no output is one of the inputs (by identity).
    checkInputFile(input, "audio file");
    const auto stemFiles = stemNames(r, library);
    for (const auto& name : stemFiles) checkStemName(name, inQuotes(input));
    InputFiles inputs = r.inputs;
    inputs.add(input);
    for (const auto& path : outputPaths(outDir, stemFiles, plotDir))
        inputs.checkOutput(path, "choose another -o folder");
    // Temporary files left by a killed run in this folder (their process is gone).
    removeStalePartials(outDir);

    // Long files: chunk by chunk, so memory does not grow with the length.
    if (const auto chunk = chunkSecondsFor(r, library, plotDir, input))
        return separateFileChunked(input, outDir, r, library, *chunk, progress);

    const auto start = std::chrono::steady_clock::now();
    const auto& settings = r.common.settings;
    const std::string label = juce::File(input).getFileName().toStdString();
    progress.begin(label);
    progress.update(0.0, "reading");

    AudioBuffer mix = readAudioFile(input);
    const double readSeconds = secondsSince(start);
    TemplateLibrary resampled;
    if (library != nullptr) library = &libraryForRate(*library, mix.sampleRate, input, resampled, progress);

    const juce::File outFolder = juce::File::getCurrentWorkingDirectory().getChildFile(outDir);

    checkComponentsFit(r, library != nullptr, mix.numSamples(), input);

    const Levels mixLevels = measureLevels(mix);
    if (mixLevels.energy == 0.0)
        progress.warning(inQuotes(input) + " is silent: every stem will be silent");

    prepareOutputFolder(outDir);
    if (!plotDir.empty()) prepareOutputFolder(plotDir);

    Decomposition decomposition;
    std::vector<Stem> stems;
    const auto decomposeStart = std::chrono::steady_clock::now();
    double decomposeSeconds = 0.0, renderSeconds = 0.0;
    try {
        if (library != nullptr)
            decomposition = decomposeSupervised(mix, *library, r.freeComponents, settings,
                                                progress.callback(0.0, 0.85));
        else if (r.groupingLibrary)
            decomposition = decomposeGroupedByLibrary(mix, r.components, *r.groupingLibrary,
                                                      settings, progress.callback(0.0, 0.85));
        else
            decomposition = decomposeUnsupervised(mix, r.components, r.sources, settings,
                                                  progress.callback(0.0, 0.85));
        decomposeSeconds = secondsSince(decomposeStart);
        const auto renderStart = std::chrono::steady_clock::now();
        stems = renderStems(mix, decomposition, settings, progress.callback(0.85, 0.97));
        if (const auto selection = stemSelection(r, library)) stems = applyStemSelection(stems, *selection);
        renderSeconds = secondsSince(renderStart);
        if (interrupted() || decomposition.nmf.cancelled) throw Cancelled();
    } catch (...) {
        rethrowSeparationError(input);
    }

    // Never write NaN: a non-finite stem sample is an engine failure, reported as such.
    for (const auto& stem : stems) {
        for (const auto& ch : stem.audio.channels)
            for (float v : ch)
                if (!std::isfinite(v))
                    throw ProcessingError(inQuotes(input) + ": separation produced non-finite "
                                          "samples in stem '" + stem.name + "'; nothing written");
        if (stem.audio.numChannels() != mix.numChannels() ||
            stem.audio.numSamples() != mix.numSamples())
            throw ProcessingError(inQuotes(input) + ": stem '" + stem.name +
                                  "' does not have the mix's shape; nothing written");
    }

    progress.update(0.97, "writing");
    const auto writeStart = std::chrono::steady_clock::now();
    SeparationOutcome outcome;
    juce::Array<juce::var> stemReports;
    double totalEnergy = 0.0;
    std::vector<Levels> levels;
    for (const auto& stem : stems) {
        levels.push_back(measureLevels(stem.audio));
        totalEnergy += levels.back().energy;
    }
    // Every stem is written to its temporary file first, then all are put in place
    // together (commitFiles): a failed run (disk full, interrupted) keeps none of its stems.
    std::vector<std::string> stemPaths;
    std::vector<const AudioBuffer*> stemAudio;
    for (const auto& stem : stems) {
        stemPaths.push_back(outFolder.getChildFile(stem.name + ".wav").getFullPathName().toStdString());
        stemAudio.push_back(&stem.audio);
    }
    const auto clippedStems = writeAudioFilesAllOrNone(stemPaths, stemAudio, r.common.format);
    for (std::size_t i = 0; i < stems.size(); ++i) {
        const auto& path = stemPaths[i];
        const bool clipped = clippedStems[i];
        if (clipped)
            progress.warning(inQuotes(path) + ": peaks at " + formatDb(levels[i].peakDb) +
                             " dBFS and was clipped to fit " + toString(r.common.format) +
                             "; use --format float32 to keep it whole");
        outcome.stemPaths.push_back(path);
        auto* s = new juce::DynamicObject();
        s->setProperty("name", juce::String(stems[i].name));
        s->setProperty("path", juce::String(path));
        s->setProperty("rms_dbfs", jsonNumber(levels[i].rmsDb));
        s->setProperty("peak_dbfs", jsonNumber(levels[i].peakDb));
        s->setProperty("energy_share", totalEnergy > 0.0 ? juce::var(levels[i].energy / totalEnergy)
                                                         : juce::var());
        s->setProperty("clipped", clipped);
        stemReports.add(juce::var(s));
    }
    const double writeSeconds = secondsSince(writeStart);

    juce::Array<juce::var> plotPaths;
    if (!plotDir.empty())
        for (const auto& p : writeDecompositionPlots(decomposition, settings.alpha, plotDir))
            plotPaths.add(juce::String(p));
    progress.update(1.0, "done");
    progress.end();

    auto* rep = new juce::DynamicObject();
    rep->setProperty("input", audioDescription(input, mix));
    rep->setProperty("mode", r.defaultSet ? "default set" : library != nullptr ? "supervised" : "unsupervised");
    juce::Array<juce::var> libs;
    for (const auto& p : r.libraryPaths) libs.add(juce::String(p));
    rep->setProperty("libraries", libs);
    if (r.groupingLibrary) {
        juce::Array<juce::var> grouping;
        for (const auto& p : r.groupByPaths) grouping.add(juce::String(p));
        rep->setProperty("group_by", grouping);
        juce::Array<juce::var> groups;
        for (const auto& g : decomposition.groups) {
            juce::Array<juce::var> members;
            for (int k : g) members.add(k);
            groups.add(members);
        }
        rep->setProperty("groups", groups);
        rep->setProperty("group_power", groupPowerJson(r.common.settings.groupingPower));
    }
    rep->setProperty("settings", settingsToJson(r.common));
    rep->setProperty("components", static_cast<int>(decomposition.W.cols()));
    rep->setProperty("ensemble_members",
                     std::max(1, static_cast<int>(decomposition.memberStarts.size())));
    rep->setProperty("frames", static_cast<int>(decomposition.V.cols()));
    rep->setProperty("iterations", decomposition.nmf.iterations);
    rep->setProperty("converged", decomposition.nmf.converged);
    rep->setProperty("objective", objectiveCurve(decomposition.nmf));
    auto* t = new juce::DynamicObject();
    t->setProperty("read", readSeconds);
    t->setProperty("decompose", decomposeSeconds);
    t->setProperty("render", renderSeconds);
    t->setProperty("write", writeSeconds);
    t->setProperty("total", secondsSince(start));
    rep->setProperty("seconds", juce::var(t));
    rep->setProperty("mix_rms_dbfs", jsonNumber(mixLevels.rmsDb));
    rep->setProperty("stems", stemReports);
    if (!plotDir.empty()) rep->setProperty("plots", plotPaths);
    outcome.report = juce::var(rep);
    return outcome;
}

const char* separateOptionsHelp() {
    return R"(Separation options:
  --templates LIB, -t LIB   template library from `demix learn` (repeat to combine
                            libraries; each library source becomes a stem)
  --free K                  also learn K free components, written as residual.wav
                            (with the default set: the 'other' stem; default 16)
  --stems A,B,...           with the default set: write only these stems (of drums,
                            bass, keys, voice, other); every source left out is still
                            modelled and added to other.wav, so the stems sum to the mix
  --components K, -k K      unsupervised: factorise into K components
  --sources S               unsupervised: group the K components into S sources
                            (source-1.wav ...); without it one stem per component
  --group-by LIB            unsupervised: group the K components by the sources of
                            template libraries (repeat to combine; e.g. the shipped
                            assets/templates/*.dmxt): one stem per library source,
                            named after it. The libraries only name and sort the
                            components, they are not part of the factorisation
  --restarts N              unsupervised with --sources or --group-by: average N
                            factorisations from seeds S, S+1, ... (--seed S), each
                            grouped on its own (blind sources matched to the first
                            run's); costs N times the factorisation and grouping
                            (default 3 with --group-by, 1 with --sources: the blind
                            grouping gained nothing robust from it)
  --group-power P|hard      with --group-by: share each component between the library
                            sources in proportion to their scores to the power P
                            (default 2; larger is harder); `hard` gives each component
                            to one source. Shared components are split, so the stems
                            still sum to the mix
  --chunk SECONDS           separate in crossfaded chunks of this length, reading and
                            writing block by block (memory independent of the file's
                            length); 0 = the whole file at once. Default: 60-s
                            chunks for --templates files over 90 s, 120-s chunks for
                            --components or --free files over 8 minutes (chunks
                            separate a little less well there: each learns its own
                            components; blind sources are matched from chunk to chunk
                            around each seam). Not with --plot
)";
}

}  // namespace demix::cli

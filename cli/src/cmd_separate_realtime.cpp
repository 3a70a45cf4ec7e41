// demix separate --realtime: a mix through the plugin's real-time separation (engine
// demix::separateRealtime, the code the plugin runs on its audio thread), latency removed.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "file_safety.hpp"
#include "separation.hpp"

#include "demix/file_names.hpp"
#include "demix/realtime.hpp"

#include <cmath>
#include <cstdio>
#include <set>

namespace demix::cli {
namespace {

const char* kRealtimeHelp = R"(Usage:
  demix separate MIX.wav --realtime --templates LIBRARY [--templates LIBRARY ...] -o OUTDIR
                 [--low-latency] [--iterations-per-frame N] [--alpha A] [--format F]

Runs exactly what the Demix plugin runs on its audio thread: the same real-time
separation, settings and defaults, in blocks of 512 samples, then removes its latency.
The library sources fill the plugin's source slots in order (at most 8, each with at
most 32 templates; a library learned on another grid is resampled as the plugin does);
the plugin's residual source comes last. Writes OUTDIR/<source>.wav for every library
source and OUTDIR/residual.wav, each with the mix's rate, channels and length; the stems
sum to the mix (float32). The mix must be mono or stereo.

  --low-latency            the plugin's "Low Latency" mode
  --iterations-per-frame N the plugin's "Iterations" (1..50, default 10)
  --alpha A                the plugin's "Sensitivity", the mask exponent (0.5..4, default 1)
  --format F               float32 (default), int24 or int16
  --quiet                  no progress lines
  -o OUTDIR                output folder (created if missing)
)";

}  // namespace

int runSeparateRealtime(const Arguments& arguments) {
    Args args(arguments);
    std::vector<std::string> inputs, libraries;
    std::string outDir;
    bool lowLatency = false, quiet = false;
    int iterations = kRealtimeIterationsPerFrame;
    float alpha = kRealtimeAlpha;
    SampleFormat format = SampleFormat::Float32;
    while (!args.done()) {
        const std::string token = args.next();
        if (token == "--help" || token == "-h") {
            std::printf("%s", kRealtimeHelp);
            return kExitOk;
        }
        if (!Args::isOption(token)) {
            inputs.push_back(token);
        } else if (token == "--realtime") {
        } else if (token == "-o" || token == "--output") {
            outDir = args.value(token);
        } else if (token == "--templates") {
            libraries.push_back(args.value(token));
        } else if (token == "--low-latency") {
            lowLatency = true;
        } else if (token == "--iterations-per-frame") {
            iterations = args.intValue(token, 1, 50);
        } else if (token == "--alpha") {
            alpha = static_cast<float>(args.doubleValue(token, 0.5, 4.0));
        } else if (token == "--format") {
            format = sampleFormatFromString(args.value(token));
        } else if (token == "--quiet" || token == "-q") {
            quiet = true;
        } else {
            throw UsageError("separate --realtime: option " + token +
                             " does not apply: the real-time path runs the plugin's settings "
                             "(see demix separate --realtime --help)");
        }
    }
    if (inputs.empty()) throw UsageError("separate --realtime: no mix given");
    if (inputs.size() > 1)
        throw UsageError("separate --realtime: one mix at a time ('" + inputs[1] + "' is extra)");
    if (outDir.empty()) throw UsageError("separate --realtime: -o OUTDIR is required");
    if (libraries.empty())
        throw UsageError("separate --realtime: give the sources' templates with --templates LIBRARY");

    // The same protections as every separation: the mix is a regular file, stem names
    // are portable file names distinct as files, and no output replaces an input.
    checkInputFile(inputs[0], "audio file");
    InputFiles inputFiles;
    inputFiles.add(inputs[0]);
    std::vector<RealtimeSource> named;
    std::set<std::string> seen = {fileNameKey("residual")};
    for (const auto& path : libraries) {
        inputFiles.add(path);
        const auto library = loadLibraryFile(path);
        for (const auto& source : library.sources) {
            checkStemName(source.name, "library '" + path + "'");
            if (!seen.insert(fileNameKey(source.name)).second)
                throw InputError("library '" + path + "': a source named '" + source.name +
                                 "' is already given (stem names must differ as file names; "
                                 "'residual' is the residual source's)");
            named.push_back({source.name, library.settings, source.templates});
        }
    }
    const juce::File folder = juce::File::getCurrentWorkingDirectory().getChildFile(outDir);
    std::vector<std::string> stemPaths;
    for (const auto& source : named)
        stemPaths.push_back(folder.getChildFile(source.name + ".wav").getFullPathName().toStdString());
    stemPaths.push_back(folder.getChildFile("residual.wav").getFullPathName().toStdString());
    for (const auto& path : stemPaths) inputFiles.checkOutput(path, "choose another -o folder");
    const AudioBuffer mix = readAudioFile(inputs[0]);
    if (mix.numChannels() > 2)
        throw InputError("'" + inputs[0] + "' has " + std::to_string(mix.numChannels()) +
                         " channels; the real-time path (like the plugin) takes mono or stereo");

    RealtimeModel model;
    try {
        model = buildRealtimeModel(named, mix.sampleRate,
                                   lowLatency ? RealtimeLatency::Low : RealtimeLatency::Normal,
                                   static_cast<int>(mix.numChannels()));
    } catch (const InvalidArgument& e) {
        throw InputError(std::string("separate --realtime: ") + e.what());
    }
    if (!quiet) {
        for (std::size_t i = 0; i < named.size(); ++i)
            if (model.resampled[i])
                std::fprintf(stderr, "note: '%s' resampled from %.0f Hz / FFT %d to %.0f Hz / FFT %d\n",
                             named[i].name.c_str(), named[i].learnedWith.sampleRate,
                             named[i].learnedWith.stft.fftSize, model.sampleRate, model.stft.fftSize);
        std::fprintf(stderr, "real-time path: FFT %d / hop %d, latency %d samples (%.1f ms, removed)\n",
                     model.stft.fftSize, model.stft.hop, model.latencySamples(),
                     1000.0 * model.latencySamples() / model.sampleRate);
    }
    const auto stems = separateRealtime(mix, model, alpha, iterations);

    prepareOutputFolder(outDir);
    removeStalePartials(outDir);
    // All stems or none: a failed run keeps none of its stems.
    std::vector<const AudioBuffer*> audio;
    for (const auto& stem : stems) audio.push_back(&stem);
    const auto clipped = writeAudioFilesAllOrNone(stemPaths, audio, format);
    for (std::size_t s = 0; s < stemPaths.size(); ++s) {
        if (clipped[s])
            std::fprintf(stderr, "warning: '%s' was clipped to fit %s; use --format float32\n",
                         stemPaths[s].c_str(), toString(format).c_str());
        if (!quiet) std::printf("%s\n", stemPaths[s].c_str());
    }
    return kExitOk;
}

}  // namespace demix::cli

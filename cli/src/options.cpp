#include "options.hpp"

#include "cli_error.hpp"

#include <thread>

namespace demix::cli {

SampleFormat sampleFormatFromString(const std::string& text) {
    if (text == "float32" || text == "float") return SampleFormat::Float32;
    if (text == "int24") return SampleFormat::Int24;
    if (text == "int16") return SampleFormat::Int16;
    throw UsageError("option --format must be float32, int24 or int16, not '" + text + "'");
}

std::string toString(SampleFormat format) {
    switch (format) {
        case SampleFormat::Float32: return "float32";
        case SampleFormat::Int24: return "int24";
        case SampleFormat::Int16: return "int16";
    }
    return "float32";
}

int bitsPerSample(SampleFormat format) {
    switch (format) {
        case SampleFormat::Float32: return 32;
        case SampleFormat::Int24: return 24;
        case SampleFormat::Int16: return 16;
    }
    return 32;
}

SeparationSettings cliDefaultSettings() {
    SeparationSettings s;
    s.stft.fftSize = 4096;
    s.stft.hop = 1024;
    s.alpha = 2.0f;
    // A short frozen stage and a firmer anchor: the adaptation then commits less of each
    // source's templates to the other sources' notes where the dictionaries overlap
    // (docs/quality.md, "Supervised stages").
    s.frozenIterations = 10;
    s.adaptAnchor = 0.35f;
    // Where the sources' templates explain each other the adaptation swaps them: below
    // this library distinctness it is skipped (docs/quality.md, "Adaptation guard").
    s.adaptMinDistinctness = 0.6f;
    return s;
}

bool parseCommonOption(const std::string& option, Args& args, CommonOptions& o) {
    auto& s = o.settings;
    if (option == "--fft") {
        s.stft.fftSize = args.intValue(option, 16, 1 << 16);
        if (s.stft.fftSize % 2 != 0) throw UsageError("option --fft must be even, not " +
                                                      std::to_string(s.stft.fftSize));
        o.fftGiven = true;
    } else if (option == "--hop") {
        s.stft.hop = args.intValue(option, 1, 1 << 16);
        o.hopGiven = true;
    } else if (option == "--window") {
        const std::string name = args.value(option);
        try {
            s.stft.window = windowFromString(name);
        } catch (const Error& e) {
            throw UsageError("option --window: " + std::string(e.what()) +
                             " (use hann or sqrt-hann)");
        }
        o.windowGiven = true;
    } else if (option == "--objective") {
        const std::string name = args.value(option);
        try {
            s.nmf.objective = objectiveFromString(name, &s.nmf.beta);
        } catch (const Error& e) {
            throw UsageError("option --objective: " + std::string(e.what()) +
                             " (use kl, frobenius, is or beta=B)");
        }
        o.objectiveGiven = true;
    } else if (option == "--solver") {
        const std::string name = args.value(option);
        try {
            s.nmf.solver = solverFromString(name);
        } catch (const Error& e) {
            throw UsageError("option --solver: " + std::string(e.what()) + " (use mu, als or hals)");
        }
    } else if (option == "--accelerate") {
        const std::string v = args.value(option);
        if (v != "on" && v != "off")
            throw UsageError("option --accelerate: expected on or off (got '" + v + "')");
        s.nmf.accelerate = v == "on";
        s.accelerateLearning = v == "on";  // learn: plain unless asked (engine default)
    } else if (option == "--precision") {
        const std::string name = args.value(option);
        try {
            s.nmf.precision = precisionFromString(name);
        } catch (const Error& e) {
            throw UsageError("option --precision: " + std::string(e.what()));
        }
    } else if (option == "--init") {
        const std::string name = args.value(option);
        try {
            s.nmf.init = initialisationFromString(name);
        } catch (const Error& e) {
            throw UsageError("option --init: " + std::string(e.what()) +
                             " (use random, nndsvd, nndsvda or nndsvdar)");
        }
    } else if (option == "--iterations") {
        s.nmf.maxIterations = args.intValue(option, 1, 1000000);
    } else if (option == "--tol") {
        s.nmf.tol = args.doubleValue(option, 0.0, 1.0);
    } else if (option == "--seed") {
        s.nmf.seed = args.uintValue(option);
    } else if (option == "--adapt") {
        s.adaptIterations = args.intValue(option, 0, 1000000);
    } else if (option == "--frozen") {
        s.frozenIterations = args.intValue(option, 0, 1000000);
    } else if (option == "--adapt-guard") {
        s.adaptMinDistinctness = static_cast<float>(args.doubleValue(option, 0.0, 1e6));
        o.adaptGuardGiven = true;
    } else if (option == "--anchor") {
        s.adaptAnchor = static_cast<float>(args.doubleValue(option, 0.0, 1e6));
    } else if (option == "--spatial") {
        s.spatialPasses = args.intValue(option, 0, 100);
    } else if (option == "--sparsity") {
        s.nmf.sparsityH = static_cast<float>(args.doubleValue(option, 0.0, 1e6));
    } else if (option == "--continuity") {
        s.nmf.continuityH = static_cast<float>(args.doubleValue(option, 0.0, 1e6));
    } else if (option == "--alpha") {
        s.alpha = static_cast<float>(args.doubleValue(option, 0.01, 100.0));
    } else if (option == "--threads") {
        const int n = args.intValue(option, 0, 1024);
        s.threads = n;
        s.nmf.threads = n;
    } else if (option == "--format") {
        o.format = sampleFormatFromString(args.value(option));
    } else if (option == "--json") {
        o.jsonPath = args.value(option);
        if (o.jsonPath.empty()) throw UsageError("option --json needs a file name");
    } else if (option == "--plot") {
        o.plotDir = args.value(option);
        if (o.plotDir.empty()) throw UsageError("option --plot needs a folder name");
    } else if (option == "--quiet" || option == "-q") {
        o.quiet = true;
    } else {
        return false;
    }
    return true;
}

void finaliseCommonOptions(CommonOptions& o) {
    auto& stft = o.settings.stft;
    if (o.fftGiven && !o.hopGiven) stft.hop = std::max(1, stft.fftSize / 4);
    if (stft.hop > stft.fftSize)
        throw UsageError("option --hop (" + std::to_string(stft.hop) +
                         ") must not be larger than --fft (" + std::to_string(stft.fftSize) + ")");
    try {
        stft.validate();
    } catch (const Error& e) {
        throw UsageError(std::string("bad STFT settings: ") + e.what());
    }
    const auto solver = o.settings.nmf.solver;
    if (solver != Solver::Multiplicative && o.settings.nmf.objective != Objective::Frobenius)
        throw UsageError("option --solver " + toString(solver) +
                         " needs --objective frobenius (multiplicative updates, --solver mu, "
                         "work with every objective)");
    // Output names that cannot work are refused before any work (not after the stems).
    const auto cwd = juce::File::getCurrentWorkingDirectory();
    if (!o.jsonPath.empty() && cwd.getChildFile(o.jsonPath).isDirectory())
        throw UsageError("option --json: '" + o.jsonPath + "' is a folder; give the report's file name");
    if (!o.plotDir.empty() && cwd.getChildFile(o.plotDir).existsAsFile())
        throw UsageError("option --plot: '" + o.plotDir + "' is a file; give a folder for the pictures");
    // Keep the engine's worker count and the STFT's in step.
    o.settings.nmf.threads = o.settings.threads;
}

void adoptLibrarySettings(CommonOptions& o, const AnalysisSettings& library) {
    auto& stft = o.settings.stft;
    if (!o.fftGiven) stft.fftSize = library.stft.fftSize;
    // An explicit --fft must equal the library's anyway (checked by the caller), so the
    // library's hop is the right default in every case.
    if (!o.hopGiven) stft.hop = library.stft.hop;
    if (!o.windowGiven) {
        stft.window = library.stft.window;
        stft.customWindow = library.stft.customWindow;
    }
    if (!o.objectiveGiven) {
        o.settings.nmf.objective = library.objective;
        o.settings.nmf.beta = library.beta;
    }
}

juce::var settingsToJson(const CommonOptions& o) {
    const auto& s = o.settings;
    auto* obj = new juce::DynamicObject();
    obj->setProperty("fft", s.stft.fftSize);
    obj->setProperty("hop", s.stft.hop);
    obj->setProperty("window", juce::String(toString(s.stft.window)));
    obj->setProperty("objective", juce::String(toString(s.nmf.objective, s.nmf.beta)));
    obj->setProperty("beta", betaOf(s.nmf.objective, s.nmf.beta));
    obj->setProperty("solver", juce::String(toString(s.nmf.solver)));
    obj->setProperty("accelerate", s.nmf.accelerate);
    obj->setProperty("accelerate_learning", s.accelerateLearning);
    obj->setProperty("precision", juce::String(toString(s.nmf.precision)));
    obj->setProperty("max_iterations", s.nmf.maxIterations);
    obj->setProperty("tol", s.nmf.tol);
    obj->setProperty("seed", juce::String(std::to_string(s.nmf.seed)));
    obj->setProperty("init", juce::String(toString(s.nmf.init)));
    obj->setProperty("alpha", s.alpha);
    obj->setProperty("sparsity", s.nmf.sparsityH);
    obj->setProperty("continuity", s.nmf.continuityH);
    obj->setProperty("adapt_iterations", s.adaptIterations);
    obj->setProperty("adapt_anchor", s.adaptAnchor);
    obj->setProperty("frozen_iterations", s.frozenIterations);
    obj->setProperty("adapt_guard", s.adaptMinDistinctness);
    obj->setProperty("spatial_passes", s.spatialPasses);
    obj->setProperty("threads", s.threads == 0
                                    ? static_cast<int>(std::thread::hardware_concurrency())
                                    : s.threads);
    obj->setProperty("format", juce::String(toString(o.format)));
    return juce::var(obj);
}

const char* commonOptionsHelp() {
    return R"(Analysis and NMF options:
  --fft N            FFT size in samples (even; default 4096, or the library's)
  --hop N            hop size in samples (default fft/4, or the library's)
  --window W         hann | sqrt-hann (default hann, or the library's)
  --objective O      kl | frobenius | is | beta=B (default kl)
  --solver S         mu (multiplicative updates, any objective) | als | hals
                     (alternating least squares, projected / hierarchical: frobenius)
  --accelerate A     on | off: accelerated solvers (MU extrapolated with restart, HALS
                     with repeated inner sweeps); default on, except for learn, the
                     short frozen stage of supervised separation and its adaptation
                     next to --free components (plain MU measured better there)
  --precision P      adaptive (default) | mixed | float32 | bfloat16: arithmetic of
                     the KL multiplicative updates on CPUs with AVX512-BF16 (elsewhere
                     all are float32). mixed: the model WH in float32, the update
                     products with bfloat16 operands and float32 sums (≈ 22 % less
                     NMF time); bfloat16: WH too (≈ 40 % less; objective ≈ 1e-4 off);
                     adaptive: bfloat16 while the objective still falls by more than
                     0.1 % per iteration, then mixed
  --init I           random | nndsvd | nndsvda | nndsvdar: how learned and free
                     templates start (default random, drawn from --seed)
  --iterations N     maximum NMF iterations (default 200)
  --tol X            stop when the objective improves by less than X relative to its
                     first value between checks (default 1e-4; 0 = run all iterations)
  --seed N           random seed; the same seed and thread count give identical files
  --alpha A          mask exponent: 2 power Wiener (default), 1 ratio mask, larger harder
  --sparsity L       L1 penalty on the activations (default 0; scale-free with KL:
                     templates have unit sum)
  --continuity M     temporal-continuity penalty on the activations (default 0)
  --adapt N          supervised: after the activations are solved with the library
                     templates fixed, N more iterations adapt the templates to the mix
                     (default 50; 0 = templates stay exactly as learned, faster)
  --frozen N         supervised with --adapt: at most N iterations with the templates
                     fixed before the adaptation (default 10; 0 = up to --iterations)
  --anchor A         supervised: how strongly adapted templates are pulled back toward
                     the library (default 0.35; larger = closer to the library)
  --adapt-guard D    supervised: skip the adaptation where the sources' templates
                     explain each other (library distinctness <= D; phased in up to
                     D + 0.1; default 0.6; 0 = off; docs/quality.md)
  --spatial N        stereo mixes: estimate each source's place in the stereo image in
                     N passes and render the stems with a spatial (multichannel) Wiener
                     filter (default 2; 0 = the same mask on both channels)
  --threads N        worker threads (default 0 = all cores)
Output options:
  --format F         float32 (default; stems sum to the input) | int24 | int16
  --json REPORT      write a JSON report (settings, iterations, objective curve,
                     timings, per-stem levels)
  --plot DIR         write PNG pictures: spectrogram, templates, activations, masks
  --quiet, -q        no progress output
)";
}

}  // namespace demix::cli

// learn → separate → stems: shape, sum, determinism, formats, reports, pictures, info.
#include "test_support.hpp"

#include "metrics.hpp"
#include "demix/template_library.hpp"

#include <catch2/catch.hpp>

#include <juce_audio_formats/juce_audio_formats.h>

using namespace demix;
using namespace demix::test;

namespace {

constexpr double kRate = 16000.0;
const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "40",
                                     "--seed", "1", "--quiet"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more = kFast) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

/// Training clips and a mix of a low harmonic tone ("bass") and noise bursts ("hats").
struct Scene {
    TempDir dir;
    AudioBuffer bass, hat, mix;
    Scene(int channels = 2) {
        writeWav(dir.path("bass-train.wav"), tone(110.0, 6, 1.5, kRate, channels, 0.3, 0.5));
        writeWav(dir.path("hats-train.wav"), hats(1.5, kRate, channels, 7));
        bass = tone(146.8, 6, 2.0, kRate, channels, 0.3, 0.4);
        hat = hats(2.0, kRate, channels, 99, 0.3, 0.3);
        mix = sum(bass, hat);
        writeWav(dir.path("mix.wav"), mix);
    }
    void learn() {
        auto r = runDemix(with({"learn", dir.path("bass-train.wav"), "--name", "bass", "-k", "6",
                                "-o", dir.path("bass.dmxt")}));
        REQUIRE(r.exitCode == 0);
        r = runDemix(with({"learn", dir.path("hats-train.wav"), "--name", "hats", "-k", "6", "-o",
                           dir.path("hats.dmxt")}));
        REQUIRE(r.exitCode == 0);
    }
};

}  // namespace

TEST_CASE("learn then separate writes one stem per source that sums to the mix", "[separate]") {
    Scene scene;
    scene.learn();
    REQUIRE(exists(scene.dir.path("bass.dmxt")));

    const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--templates",
                                  scene.dir.path("bass.dmxt"), "--templates",
                                  scene.dir.path("hats.dmxt"), "-o", scene.dir.path("out"),
                                  "--json", scene.dir.path("report.json")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    CHECK_FALSE(exists(scene.dir.path("out/residual.wav")));
    for (const auto* stem : {&bass, &hat}) {
        CHECK(stem->sampleRate == kRate);
        CHECK(stem->numChannels() == 2);
        CHECK(stem->numSamples() == scene.mix.numSamples());
    }
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);

    // Each stem resembles its source far better than the mix does.
    const auto bassScore = cli::scoreStem(scene.bass, bass);
    const auto mixAsBass = cli::scoreStem(scene.bass, scene.mix);
    CHECK(bassScore.sdr > mixAsBass.sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);

    // The JSON report holds settings, the objective curve and per-stem levels.
    const auto report = juce::JSON::parse(juce::File(scene.dir.path("report.json")));
    REQUIRE(report.isObject());
    CHECK(report["command"].toString() == "separate");
    CHECK(static_cast<int>(report["settings"]["fft"]) == 512);
    // Libraries learned with the default three restarts: every member separates the mix.
    CHECK(static_cast<int>(report["ensemble_members"]) == 3);
    CHECK(static_cast<int>(report["components"]) == 3 * (6 + 6));
    CHECK(static_cast<int>(report["iterations"]) >= 1);
    CHECK(report["objective"].getArray()->size() >= 1);
    CHECK(report["stems"].getArray()->size() == 2);
    CHECK(report["stems"][0]["name"].toString() == "bass");
    CHECK(static_cast<double>(report["seconds"]["total"]) > 0.0);
    CHECK(static_cast<double>(report["stems"][0]["energy_share"]) > 0.0);
}

TEST_CASE("separate --precision float32|bfloat16: every precision separates and is reported",
          "[separate][options]") {
    // On a CPU without AVX512-BF16 the engine runs float32 for all: the same checks hold.
    const std::string precision = GENERATE("float32", "bfloat16");
    CAPTURE(precision);
    Scene scene;
    scene.learn();
    const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--templates",
                                  scene.dir.path("bass.dmxt"), "--templates",
                                  scene.dir.path("hats.dmxt"), "--precision", precision, "-o",
                                  scene.dir.path("out"), "--json", scene.dir.path("report.json")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto hat = readWav(scene.dir.path("out/hats.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, hat)) <= 1e-5);
    CHECK(cli::scoreStem(scene.bass, bass).sdr > cli::scoreStem(scene.bass, scene.mix).sdr + 3.0);
    CHECK(cli::scoreStem(scene.hat, hat).sdr > cli::scoreStem(scene.hat, scene.mix).sdr + 3.0);
    const auto report = juce::JSON::parse(juce::File(scene.dir.path("report.json")));
    CHECK(report["settings"]["precision"].toString() == juce::String(precision));
}

TEST_CASE("a library learned at another sample rate is resampled to the mix's rate", "[separate][library]") {
    Scene scene;  // libraries learned at 16 kHz
    scene.learn();
    const double rate = 11025.0;
    const AudioBuffer bass = tone(146.8, 6, 2.0, rate, 2, 0.3, 0.4);
    const AudioBuffer hat = hats(2.0, rate, 2, 99, 0.3, 0.3);
    const AudioBuffer mix = sum(bass, hat);
    writeWav(scene.dir.path("mix11k.wav"), mix);

    std::vector<std::string> loud = kFast;
    loud.pop_back();  // without --quiet: the note is printed
    const auto r = runDemix(with({"separate", scene.dir.path("mix11k.wav"), "--templates",
                                  scene.dir.path("bass.dmxt"), "--templates",
                                  scene.dir.path("hats.dmxt"), "-o", scene.dir.path("out")},
                                 loud));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("mix11k.wav") && Catch::Contains("11025 Hz") &&
                          Catch::Contains("learned at 16000 Hz") && Catch::Contains("resampled"));
    const auto bassStem = readWav(scene.dir.path("out/bass.wav"));
    const auto hatStem = readWav(scene.dir.path("out/hats.wav"));
    CHECK(bassStem.sampleRate == rate);
    CHECK(bassStem.numSamples() == mix.numSamples());
    CHECK(relativeMaxError(mix, sum(bassStem, hatStem)) <= 1e-5);
    CHECK(cli::scoreStem(bass, bassStem).sdr > cli::scoreStem(bass, mix).sdr + 3.0);
    CHECK(cli::scoreStem(hat, hatStem).sdr > cli::scoreStem(hat, mix).sdr + 3.0);
}

TEST_CASE("separate --free adds a residual stem and the stems still sum to the mix", "[separate]") {
    Scene scene;
    scene.learn();
    const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--templates",
                                  scene.dir.path("bass.dmxt"), "--free", "3", "-o",
                                  scene.dir.path("out")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto bass = readWav(scene.dir.path("out/bass.wav"));
    const auto residual = readWav(scene.dir.path("out/residual.wav"));
    CHECK(relativeMaxError(scene.mix, sum(bass, residual)) <= 1e-5);
}

TEST_CASE("unsupervised separation names its stems source-N or component-N", "[separate]") {
    Scene scene(1);
    auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "4",
                            "--sources", "2", "-o", scene.dir.path("grouped")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto s1 = readWav(scene.dir.path("grouped/source-1.wav"));
    const auto s2 = readWav(scene.dir.path("grouped/source-2.wav"));
    CHECK_FALSE(exists(scene.dir.path("grouped/source-3.wav")));
    CHECK(relativeMaxError(scene.mix, sum(s1, s2)) <= 1e-5);

    r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "3", "-o",
                       scene.dir.path("each")}));
    REQUIRE(r.exitCode == 0);
    AudioBuffer total = readWav(scene.dir.path("each/component-1.wav"));
    for (int k = 2; k <= 3; ++k)
        total = sum(total, readWav(scene.dir.path("each/component-" + std::to_string(k) + ".wav")));
    CHECK_FALSE(exists(scene.dir.path("each/component-4.wav")));
    CHECK(relativeMaxError(scene.mix, total) <= 1e-5);
}

TEST_CASE("the same seed gives byte-identical stems", "[separate][determinism]") {
    Scene scene(1);
    for (const char* out : {"a", "b"}) {
        const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "4",
                                      "--sources", "2", "--threads", "2", "-o", scene.dir.path(out)}));
        REQUIRE(r.exitCode == 0);
    }
    for (const char* stem : {"source-1.wav", "source-2.wav"}) {
        const auto a = readBytes(scene.dir.path(std::string("a/") + stem));
        REQUIRE(a.size() > 44);
        CHECK(a == readBytes(scene.dir.path(std::string("b/") + stem)));
    }
}

TEST_CASE("separate --format writes int16 / int24 / float32 WAV", "[separate][format]") {
    Scene scene(1);
    for (const auto& [format, bits, isFloat] :
         {std::tuple{"int16", 16, false}, std::tuple{"int24", 24, false}, std::tuple{"float32", 32, true}}) {
        const std::string out = scene.dir.path(format);
        const auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--components", "2",
                                      "--format", format, "-o", out}));
        REQUIRE(r.exitCode == 0);
        cli::AudioFileInfo info;
        const auto stem = cli::readAudioFile(out + "/component-1.wav", &info);
        CHECK(info.bitsPerSample == bits);
        CHECK(info.floatingPoint == isFloat);
        CHECK(stem.numSamples() == scene.mix.numSamples());
    }
}

TEST_CASE("separate --plot writes PNG pictures and info describes a library", "[separate][plot][info]") {
    Scene scene(1);
    scene.learn();
    auto r = runDemix(with({"separate", scene.dir.path("mix.wav"), "--templates",
                            scene.dir.path("bass.dmxt"), "--free", "2", "-o", scene.dir.path("out"),
                            "--plot", scene.dir.path("plots")}));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    for (const char* png : {"spectrogram.png", "templates.png", "activations.png", "masks.png"}) {
        const auto bytes = readBytes(scene.dir.path(std::string("plots/") + png));
        INFO(png);
        REQUIRE(bytes.size() > 100);
        CHECK(bytes.substr(1, 3) == "PNG");
    }

    r = runDemix({"info", scene.dir.path("bass.dmxt")});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("16000 Hz"));
    CHECK_THAT(r.out, Catch::Contains("bass"));
    CHECK_THAT(r.out, Catch::Contains("6 templates"));
    CHECK_THAT(r.out, Catch::Contains("fft:          512"));
}

TEST_CASE("learn combines several inputs and progress goes to stderr unless --quiet", "[learn]") {
    TempDir dir;
    writeWav(dir.path("a.wav"), tone(220.0, 4, 0.5, kRate, 1));
    writeWav(dir.path("b.wav"), tone(330.0, 4, 0.5, kRate, 2));
    auto r = runDemix({"learn", dir.path("a.wav"), dir.path("b.wav"), "--name", "keys", "-k", "4",
                       "--fft", "512", "--iterations", "20", "-o", dir.path("keys.lib"), "--json",
                       dir.path("learn.json")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto report = juce::JSON::parse(juce::File(dir.path("learn.json")));
    CHECK(report["command"].toString() == "learn");
    CHECK(report["inputs"].getArray()->size() == 2);
    CHECK(static_cast<int>(report["inputs"][1]["channels"]) == 2);
    CHECK(static_cast<int>(report["components"]) == 4);
    CHECK(static_cast<int>(report["settings"]["hop"]) == 128);  // fft/4 by default
    CHECK_FALSE(static_cast<bool>(report["settings"]["accelerate_learning"]));  // plain MU
    // The convergence curve: from iteration 0, increasing iterations, never increasing
    // objective (KL multiplicative updates are monotone), ending at the reported count.
    const auto* curve = report["objective"].getArray();
    REQUIRE(curve != nullptr);
    REQUIRE(curve->size() >= 2);
    CHECK(static_cast<int>((*curve)[0]["iteration"]) == 0);
    for (int i = 1; i < curve->size(); ++i) {
        CHECK(static_cast<int>((*curve)[i]["iteration"]) > static_cast<int>((*curve)[i - 1]["iteration"]));
        CHECK(static_cast<double>((*curve)[i]["value"]) <= static_cast<double>((*curve)[i - 1]["value"]) * (1 + 1e-6));
    }
    CHECK(static_cast<int>(report["iterations"]) == static_cast<int>(curve->getLast()["iteration"]));
    CHECK(static_cast<int>(report["iterations"]) <= 20);
    CHECK(exists(dir.path("keys.lib")));  // exactly the path given, no extension added
    CHECK_THAT(r.err, Catch::Contains("demix: keys"));  // plain progress lines (not a tty)
    // Three template sets by default (restarts), each from its own random start.
    CHECK_THAT(r.out, Catch::Contains("learned 4 templates x 3 restarts for 'keys'"));
    CHECK(static_cast<int>(report["restarts"]) == 3);
    auto info = runDemix({"info", dir.path("keys.lib")});
    CHECK_THAT(info.out, Catch::Contains("version 2") && Catch::Contains("ensemble:     3 template sets") &&
                             Catch::Contains("(+2 more sets)"));

    // --restarts 1: one set, a version-1 file (the single-set format), the same first set.
    r = runDemix({"learn", dir.path("a.wav"), dir.path("b.wav"), "--name", "keys", "-k", "4",
                  "--fft", "512", "--iterations", "20", "--restarts", "1", "-o", dir.path("one.lib")});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("learned 4 templates for 'keys'"));
    const auto one = TemplateLibrary::load(dir.path("one.lib"));
    const auto three = TemplateLibrary::load(dir.path("keys.lib"));
    CHECK(one.ensembleSize() == 1);
    CHECK(one.sources[0].templates == three.sources[0].templates);
    CHECK(three.sources[0].alternates.size() == 2);
    info = runDemix({"info", dir.path("one.lib")});
    CHECK_THAT(info.out, Catch::Contains("version 1"));
    CHECK_THAT(info.out, !Catch::Contains("ensemble"));
    r = runDemix({"learn", dir.path("a.wav"), "--name", "keys", "--restarts", "0", "-o", dir.path("x.lib")});
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("--restarts"));

    r = runDemix({"learn", dir.path("a.wav"), "--name", "keys", "-k", "4", "--fft", "512",
                  "--iterations", "20", "--quiet", "-o", dir.path("quiet.lib")});
    REQUIRE(r.exitCode == 0);
    CHECK(r.err.empty());
    CHECK(r.out.empty());
}

TEST_CASE("Ctrl-C stops the work cleanly: exit 1, a message, no stem or temporary file", "[separate][interrupt]") {
    Scene scene(1);
    const auto r = runDemix({"separate", scene.dir.path("mix.wav"), "--components", "8",
                             "--iterations", "1000000", "--tol", "0", "-o", scene.dir.path("out")},
                            "", 60.0, 0.5);
    INFO(r.err);
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.err, Catch::Contains("mix.wav': interrupted"));
    const juce::File out(scene.dir.path("out"));
    CHECK((!out.exists() || out.findChildFiles(juce::File::findFiles, false, "*").isEmpty()));
}

TEST_CASE("progress is a redrawn bar on a terminal and plain lines otherwise", "[progress]") {
    Scene scene(1);
    const std::vector<std::string> args{"separate", scene.dir.path("mix.wav"), "--components", "3",
                                        "--iterations", "400", "--tol", "0", "-o",
                                        scene.dir.path("out")};
    const auto bar = runDemix(args, "", 120.0, -1.0, true);
    INFO(bar.err);
    REQUIRE(bar.exitCode == 0);
    CHECK_THAT(bar.err, Catch::Contains("\r\033[K["));
    CHECK_THAT(bar.err, Catch::Contains("] 100% mix.wav: done"));
    CHECK_THAT(bar.err, !Catch::Contains("demix: mix.wav:"));

    const auto lines = runDemix(args);
    CHECK_THAT(lines.err, Catch::Contains("demix: mix.wav: done 100%\n"));
    CHECK_THAT(lines.err, !Catch::Contains("\r"));

    auto quiet = args;
    quiet.push_back("--quiet");
    const auto none = runDemix(quiet, "", 120.0, -1.0, true);
    CHECK(none.exitCode == 0);
    CHECK(none.err.empty());
}

TEST_CASE("analysis and NMF options reach the engine and the report", "[separate][options]") {
    Scene scene(1);
    const auto r = runDemix({"separate", scene.dir.path("mix.wav"), "--components", "3", "--fft",
                             "1024", "--hop", "256", "--window", "sqrt-hann", "--objective",
                             "frobenius", "--solver", "als", "--accelerate", "off", "--iterations", "7", "--tol", "0",
                             "--alpha", "2", "--seed", "42", "--threads", "1", "--quiet", "-o",
                             scene.dir.path("out"), "--json", scene.dir.path("r.json")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto report = juce::JSON::parse(juce::File(scene.dir.path("r.json")));
    const auto settings = report["settings"];
    CHECK(static_cast<int>(settings["fft"]) == 1024);
    CHECK(static_cast<int>(settings["hop"]) == 256);
    CHECK(settings["window"].toString() == "sqrt-hann");
    CHECK(settings["objective"].toString() == "frobenius");
    CHECK(settings["solver"].toString() == "als");
    CHECK_FALSE(static_cast<bool>(settings["accelerate"]));
    CHECK(settings["precision"].toString() == "adaptive");  // the default
    CHECK(settings["seed"].toString() == "42");
    CHECK(static_cast<double>(settings["alpha"]) == 2.0);
    CHECK(static_cast<int>(settings["threads"]) == 1);
    CHECK(static_cast<int>(report["iterations"]) == 7);  // --tol 0 runs them all
    CHECK(static_cast<int>(report["frames"]) > 0);
    AudioBuffer total = readWav(scene.dir.path("out/component-1.wav"));
    for (int k = 2; k <= 3; ++k)
        total = sum(total, readWav(scene.dir.path("out/component-" + std::to_string(k) + ".wav")));
    CHECK(relativeMaxError(scene.mix, total) <= 1e-5);
}

TEST_CASE("separate --adapt sets the supervised template adaptation stage", "[separate][options]") {
    Scene scene;
    scene.learn();
    const auto run = [&](const std::string& adapt, const std::string& name,
                         std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"separate", scene.dir.path("mix.wav"), "--templates",
                                      scene.dir.path("bass.dmxt"), "--templates",
                                      scene.dir.path("hats.dmxt"), "--tol",
                                      "0", "--adapt", adapt, "--anchor", "2", "-o",
                                      scene.dir.path(name), "--json",
                                      scene.dir.path(name + ".json")};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = runDemix(with(args));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        return juce::JSON::parse(juce::File(scene.dir.path(name + ".json")));
    };
    const auto frozen = run("0", "frozen");
    CHECK(static_cast<int>(frozen["iterations"]) == 40);  // kFast's --iterations with --tol 0
    CHECK(static_cast<int>(frozen["settings"]["adapt_iterations"]) == 0);
    const auto adapted = run("4", "adapted");
    // Before adapting, the templates stay fixed for at most --frozen iterations (default 10).
    CHECK(static_cast<int>(adapted["iterations"]) == 10 + 4);
    CHECK(static_cast<int>(adapted["settings"]["adapt_iterations"]) == 4);
    CHECK(static_cast<int>(adapted["settings"]["frozen_iterations"]) == 10);
    CHECK(static_cast<double>(adapted["settings"]["adapt_anchor"]) == 2.0);
    // --frozen 0: the fixed-template stage runs up to --iterations (40 with --tol 0).
    const auto longFrozen = run("4", "long-frozen", {"--frozen", "0"});
    CHECK(static_cast<int>(longFrozen["iterations"]) == 40 + 4);
    const auto shortFrozen = run("4", "short-frozen", {"--frozen", "7"});
    CHECK(static_cast<int>(shortFrozen["iterations"]) == 7 + 4);
    // Adaptation changes the stems, and both still sum to the mix.
    const auto bassFrozen = readWav(scene.dir.path("frozen/bass.wav"));
    const auto bassAdapted = readWav(scene.dir.path("adapted/bass.wav"));
    CHECK(relativeMaxError(bassFrozen, bassAdapted) > 1e-6);
    CHECK(relativeMaxError(scene.mix, sum(bassAdapted, readWav(scene.dir.path("adapted/hats.wav")))) <= 1e-5);

    const auto bad = runDemix({"separate", scene.dir.path("mix.wav"), "--templates",
                               scene.dir.path("bass.dmxt"), "--adapt", "-1", "-o",
                               scene.dir.path("bad")});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Catch::Contains("--adapt"));
    const auto badFrozen = runDemix({"separate", scene.dir.path("mix.wav"), "--templates",
                                     scene.dir.path("bass.dmxt"), "--frozen", "-3", "-o",
                                     scene.dir.path("bad")});
    CHECK(badFrozen.exitCode == 2);
    CHECK_THAT(badFrozen.err, Catch::Contains("--frozen"));
}

TEST_CASE("separate defaults: STFT 4096/1024, alpha 2; --sparsity and --continuity reach the engine",
          "[separate][options]") {
    Scene scene(1);
    const auto run = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args{"separate", scene.dir.path("mix.wav"), "--components", "3",
                                      "--iterations", "15", "--tol", "0", "--threads", "1",
                                      "--quiet", "-o", scene.dir.path(name), "--json",
                                      scene.dir.path(name + ".json")};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = runDemix(args);
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        return juce::JSON::parse(juce::File(scene.dir.path(name + ".json")));
    };
    const auto plain = run("plain", {});
    CHECK(static_cast<int>(plain["settings"]["fft"]) == 4096);
    CHECK(static_cast<int>(plain["settings"]["hop"]) == 1024);
    CHECK(static_cast<double>(plain["settings"]["alpha"]) == 2.0);
    CHECK(static_cast<int>(plain["settings"]["frozen_iterations"]) == 10);
    CHECK(static_cast<double>(plain["settings"]["adapt_anchor"]) == Approx(0.35));
    CHECK(static_cast<double>(plain["settings"]["sparsity"]) == 0.0);
    CHECK(static_cast<double>(plain["settings"]["continuity"]) == 0.0);

    const auto penalised = run("penalised", {"--sparsity", "0.5", "--continuity", "0.01"});
    CHECK(static_cast<double>(penalised["settings"]["sparsity"]) == Approx(0.5));
    CHECK(static_cast<double>(penalised["settings"]["continuity"]) == Approx(0.01));
    // The penalties change the factorisation, hence the stems; they still sum to the mix.
    const auto a = readWav(scene.dir.path("plain/component-1.wav"));
    const auto b = readWav(scene.dir.path("penalised/component-1.wav"));
    CHECK(relativeMaxError(a, b) > 1e-4);
    AudioBuffer total = b;
    for (int k = 2; k <= 3; ++k)
        total = sum(total, readWav(scene.dir.path("penalised/component-" + std::to_string(k) + ".wav")));
    CHECK(relativeMaxError(scene.mix, total) <= 1e-5);

    for (const std::string option : {"--sparsity", "--continuity"}) {
        const auto bad = runDemix({"separate", scene.dir.path("mix.wav"), "--components", "3",
                                   option, "-1", "-o", scene.dir.path("bad")});
        CHECK(bad.exitCode == 2);
        CHECK_THAT(bad.err, Catch::Contains(option));
    }
}

TEST_CASE("separate --spatial: the stereo filter by default, masks with 0, and --init reaches the report",
          "[separate][options]") {
    Scene scene;
    // Pan the sources apart: the spatial filter then has something to use.
    AudioBuffer bass = scene.bass, hat = scene.hat;
    for (float& x : bass.channels[1]) x *= 0.3f;
    for (float& x : hat.channels[0]) x *= 0.3f;
    const AudioBuffer mix = sum(bass, hat);
    writeWav(scene.dir.path("panned.wav"), mix);
    scene.learn();
    const auto run = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args{"separate", scene.dir.path("panned.wav"), "--templates",
                                      scene.dir.path("bass.dmxt"), "--templates",
                                      scene.dir.path("hats.dmxt"), "-o", scene.dir.path(name),
                                      "--json", scene.dir.path(name + ".json")};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = runDemix(with(args));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        return juce::JSON::parse(juce::File(scene.dir.path(name + ".json")));
    };
    const auto spatial = run("spatial", {});
    CHECK(static_cast<int>(spatial["settings"]["spatial_passes"]) == 2);
    CHECK(spatial["settings"]["init"].toString() == "random");
    const auto masks = run("masks", {"--spatial", "0", "--init", "nndsvda"});
    CHECK(static_cast<int>(masks["settings"]["spatial_passes"]) == 0);
    CHECK(masks["settings"]["init"].toString() == "nndsvda");
    const AudioBuffer bassSpatial = readWav(scene.dir.path("spatial/bass.wav"));
    const AudioBuffer bassMasks = readWav(scene.dir.path("masks/bass.wav"));
    CHECK(relativeMaxError(bassMasks, bassSpatial) > 1e-4);
    // Both sum to the mix; the spatial filter's bass is closer to the true (panned) bass.
    CHECK(relativeMaxError(mix, sum(bassSpatial, readWav(scene.dir.path("spatial/hats.wav")))) <= 1e-5);
    CHECK(relativeMaxError(mix, sum(bassMasks, readWav(scene.dir.path("masks/hats.wav")))) <= 1e-5);
    CHECK(relativeMaxError(bass, bassSpatial) < relativeMaxError(bass, bassMasks));

    const auto bad = runDemix({"separate", scene.dir.path("panned.wav"), "--templates",
                               scene.dir.path("bass.dmxt"), "--spatial", "-1", "-o",
                               scene.dir.path("bad")});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Catch::Contains("--spatial"));
    const auto badInit = runDemix({"separate", scene.dir.path("panned.wav"), "--templates",
                                   scene.dir.path("bass.dmxt"), "--init", "svd", "-o",
                                   scene.dir.path("bad")});
    CHECK(badInit.exitCode == 2);
    CHECK_THAT(badInit.err, Catch::Contains("--init"));
}

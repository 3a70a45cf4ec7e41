#include "demix/separator.hpp"

#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings testSettings() { return smallSeparationSettings(1024, 256, 150); }

/// Max over channels of ||Σ stems − mix|| / ||mix||.
double sumError(const std::vector<Stem>& stems, const AudioBuffer& mix) {
    double worst = 0.0;
    for (std::size_t c = 0; c < mix.numChannels(); ++c) {
        std::vector<float> sum(mix.numSamples(), 0.0f);
        for (const Stem& stem : stems) {
            REQUIRE(stem.audio.numChannels() == mix.numChannels());
            REQUIRE(stem.audio.numSamples() == mix.numSamples());
            REQUIRE(stem.audio.sampleRate == mix.sampleRate);
            for (std::size_t n = 0; n < sum.size(); ++n) sum[n] += stem.audio.channels[c][n];
        }
        worst = std::max(worst, relativeRms(sum, mix.channels[c]));
    }
    return worst;
}

struct Scene {
    std::vector<float> tone, noise;
    AudioBuffer mix;
};

/// A mix of a tone and noise; stereo pans them apart. Odd length on purpose.
Scene makeScene(std::size_t channels, std::size_t n = 48001) {
    Scene scene;
    scene.tone = harmonicTone(n, 101);
    scene.noise = noiseBursts(n, 202);
    scene.mix.sampleRate = kTestRate;
    for (std::size_t c = 0; c < channels; ++c) {
        const float toneGain = channels == 1 ? 1.0f : (c == 0 ? 0.8f : 0.3f);
        const float noiseGain = channels == 1 ? 1.0f : (c == 0 ? 0.4f : 0.9f);
        std::vector<float> x(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = toneGain * scene.tone[i] + noiseGain * scene.noise[i];
        scene.mix.channels.push_back(std::move(x));
    }
    return scene;
}

TemplateLibrary trainedLibrary(const SeparationSettings& settings, int components = 8) {
    const std::size_t n = 3 * static_cast<std::size_t>(kTestRate);
    TemplateLibrary library =
        learnTemplates({monoBuffer(harmonicTone(n, 1)), monoBuffer(harmonicTone(n / 2, 2))}, "tone",
                       components, settings);
    library.merge(learnTemplates({monoBuffer(noiseBursts(n, 3))}, "noise", components, settings),
                  "noise library");
    return library;
}

}  // namespace

TEST_CASE("learnTemplates gives L1-normalised templates and the analysis settings", "[separator]") {
    const SeparationSettings settings = testSettings();
    const TemplateLibrary library = trainedLibrary(settings, 6);
    REQUIRE(library.sources.size() == 2);
    REQUIRE(library.sources[0].name == "tone");
    REQUIRE(library.sources[1].name == "noise");
    REQUIRE(library.settings.sampleRate == kTestRate);
    REQUIRE(library.settings.stft.fftSize == 1024);
    REQUIRE(library.settings.stft.hop == 256);
    for (const SourceTemplates& source : library.sources) {
        REQUIRE(source.templates.rows() == 513);
        REQUIRE(source.templates.cols() == 6);
        REQUIRE(source.templates.minCoeff() >= 0.0f);
        for (Eigen::Index k = 0; k < 6; ++k) REQUIRE(source.templates.col(k).sum() == Approx(1.0f).epsilon(1e-4));
    }
    // The tone's templates put their energy below 3 kHz, the noise's above.
    const Eigen::Index cutoff = 3000 * 1024 / 16000;
    const Matrix& tone = library.sources[0].templates;
    const Matrix& noise = library.sources[1].templates;
    REQUIRE(tone.topRows(cutoff).sum() > 0.9f * tone.sum());
    REQUIRE(noise.bottomRows(513 - cutoff).sum() > 0.6f * noise.sum());
}

TEST_CASE("learnTemplates learns from every channel and rejects bad input", "[separator]") {
    SeparationSettings settings = testSettings();
    const std::size_t n = 16000;
    AudioBuffer stereo;
    stereo.sampleRate = kTestRate;
    stereo.channels = {std::vector<float>(n, 0.0f), harmonicTone(n, 5)};  // only the right channel plays
    const TemplateLibrary library = learnTemplates({stereo}, "right", 2, settings);
    Eigen::Index peak;
    library.sources[0].templates.rowwise().sum().maxCoeff(&peak);
    // The loudest bin is a harmonic of one of the tone's pitches.
    const double hz = static_cast<double>(peak) * kTestRate / 1024.0;
    bool harmonic = false;
    for (double f0 : {220.0, 277.2, 330.0}) {
        const double h = hz / f0;
        harmonic = harmonic || std::abs(h - std::round(h)) * f0 < 16.0;
    }
    REQUIRE(harmonic);

    REQUIRE_THROWS_WITH(learnTemplates({monoBuffer(std::vector<float>(n, 0.0f))}, "quiet", 2, settings),
                        Catch::Contains("'quiet' are silent"));
    AudioBuffer other = monoBuffer(harmonicTone(n, 6));
    other.sampleRate = 44100.0;
    REQUIRE_THROWS_AS(learnTemplates({monoBuffer(harmonicTone(n, 6)), other}, "x", 2, settings),
                      InvalidArgument);
    REQUIRE_THROWS_AS(learnTemplates({}, "x", 2, settings), InvalidArgument);
    REQUIRE_THROWS_AS(learnTemplates({monoBuffer(harmonicTone(n, 6))}, "x", 0, settings), InvalidArgument);
    AudioBuffer bad = monoBuffer(harmonicTone(n, 6));
    bad.channels[0][100] = NAN;
    REQUIRE_THROWS_WITH(learnTemplates({bad}, "x", 2, settings), Catch::Contains("non-finite sample"));
}

TEST_CASE("supervised separation of tone and noise is clean (SDR > 10 dB)", "[separator]") {
    // adaptIterations = 0: the library is frozen; the default adapts it, anchored.
    int frozenIterations = 0;
    for (int adapt : {0, SeparationSettings{}.adaptIterations}) {
        CAPTURE(adapt);
        SeparationSettings settings = testSettings();
        settings.adaptIterations = adapt;
        const TemplateLibrary library = trainedLibrary(settings);
        const Scene scene = makeScene(1);
        const Decomposition d = decomposeSupervised(scene.mix, library, 0, settings);
        REQUIRE(d.sourceNames == std::vector<std::string>{"tone", "noise"});
        REQUIRE(d.groups.size() == 2);
        REQUIRE(d.W.cols() == 16);
        if (adapt == 0) {
            // The library's templates stay exactly as learned.
            REQUIRE(d.W.leftCols(8) == library.sources[0].templates);
            REQUIRE(d.W.rightCols(8) == library.sources[1].templates);
        } else {
            // Adapted to the mix, but still near the library (unit L1 columns).
            const Matrix& tone = library.sources[0].templates;
            const double moved = (d.W.leftCols(8) - tone).norm() / tone.norm();
            CAPTURE(moved);
            REQUIRE(moved > 0.0);
            REQUIRE(moved < 0.5);
            for (Eigen::Index k = 0; k < 16; ++k) REQUIRE(d.W.col(k).sum() == Approx(1.0f).epsilon(1e-3));
            // The adaptation stage (which may converge before `adapt` iterations) runs on
            // top of the frozen stage.
            REQUIRE(d.nmf.iterations > frozenIterations);
            REQUIRE(d.nmf.objectiveIterations.back() == d.nmf.iterations);
        }
        REQUIRE(d.V.cols() == d.H.cols());
        REQUIRE(d.nmf.iterations > 0);
        if (adapt == 0) frozenIterations = d.nmf.iterations;

        const std::vector<Stem> stems = renderStems(scene.mix, d, settings);
        REQUIRE(stems.size() == 2);
        REQUIRE(stems[0].name == "tone");
        const double toneSdr = sdrDb(scene.tone, stems[0].audio.channels[0]);
        const double noiseSdr = sdrDb(scene.noise, stems[1].audio.channels[0]);
        CAPTURE(toneSdr, noiseSdr);
        REQUIRE(toneSdr > 10.0);
        REQUIRE(noiseSdr > 10.0);
        REQUIRE(sumError(stems, scene.mix) < 1e-5);
    }
    SeparationSettings bad = testSettings();
    bad.adaptIterations = -1;
    REQUIRE_THROWS_WITH(decomposeSupervised(makeScene(1).mix, trainedLibrary(testSettings()), 0, bad),
                        Catch::Contains("adaptation"));
}

TEST_CASE("stems sum to the mix: supervised, semi-supervised, unsupervised, mono and stereo",
          "[separator]") {
    const SeparationSettings settings = testSettings();
    const TemplateLibrary library = trainedLibrary(settings, 4);
    TemplateLibrary toneOnly = library;
    toneOnly.sources.pop_back();
    for (std::size_t channels : {std::size_t{1}, std::size_t{2}}) {
        CAPTURE(channels);
        const Scene scene = makeScene(channels, 20011);
        for (float alpha : {1.0f, 2.0f}) {
            SeparationSettings s = settings;
            s.alpha = alpha;
            const Decomposition supervised = decomposeSupervised(scene.mix, library, 0, s);
            REQUIRE(sumError(renderStems(scene.mix, supervised, s), scene.mix) < 1e-5);

            const Decomposition semi = decomposeSupervised(scene.mix, toneOnly, 3, s);
            REQUIRE(semi.sourceNames == std::vector<std::string>{"tone", "residual"});
            REQUIRE(semi.groups[1] == std::vector<int>{4, 5, 6});
            const std::vector<Stem> semiStems = renderStems(scene.mix, semi, s);
            REQUIRE(semiStems[1].name == "residual");
            REQUIRE(sumError(semiStems, scene.mix) < 1e-5);
            // The residual takes the noise the tone's templates cannot explain.
            if (channels == 1) REQUIRE(sdrDb(scene.noise, semiStems[1].audio.channels[0]) > 3.0);

            const Decomposition grouped = decomposeUnsupervised(scene.mix, 6, 2, s);
            REQUIRE(grouped.sourceNames == std::vector<std::string>{"source-1", "source-2"});
            REQUIRE(sumError(renderStems(scene.mix, grouped, s), scene.mix) < 1e-5);

            const Decomposition perComponent = decomposeUnsupervised(scene.mix, 3, 0, s);
            REQUIRE(perComponent.sourceNames ==
                    std::vector<std::string>{"component-1", "component-2", "component-3"});
            REQUIRE(sumError(renderStems(scene.mix, perComponent, s), scene.mix) < 1e-5);
        }
    }
}

TEST_CASE("silence in gives silence out, without NaN", "[separator]") {
    const SeparationSettings settings = testSettings();
    const TemplateLibrary library = trainedLibrary(settings, 3);
    AudioBuffer silence;
    silence.sampleRate = kTestRate;
    silence.channels.assign(2, std::vector<float>(5000, 0.0f));
    const auto check = [&](const Decomposition& d) {
        REQUIRE(d.W.allFinite());
        REQUIRE(d.H.allFinite());
        for (const Stem& stem : renderStems(silence, d, settings)) {
            for (const auto& channel : stem.audio.channels) {
                REQUIRE(channel.size() == 5000);
                for (float x : channel) REQUIRE(x == 0.0f);
            }
        }
    };
    check(decomposeSupervised(silence, library, 0, settings));
    check(decomposeSupervised(silence, library, 2, settings));
    check(decomposeUnsupervised(silence, 4, 2, settings));
}

TEST_CASE("separators check their inputs", "[separator]") {
    const SeparationSettings settings = testSettings();
    const TemplateLibrary library = trainedLibrary(settings, 2);
    Scene scene = makeScene(1, 8000);
    scene.mix.sampleRate = 44100.0;
    REQUIRE_THROWS_WITH(decomposeSupervised(scene.mix, library, 0, settings),
                        Catch::Contains("learned at 16000 Hz, the audio is 44100 Hz"));
    scene.mix.sampleRate = kTestRate;
    SeparationSettings otherFft = settings;
    otherFft.stft.fftSize = 2048;
    REQUIRE_THROWS_AS(decomposeSupervised(scene.mix, library, 0, otherFft), LibraryError);
    REQUIRE_THROWS_AS(decomposeSupervised(scene.mix, library, -1, settings), InvalidArgument);
    REQUIRE_THROWS_AS(decomposeSupervised(scene.mix, TemplateLibrary{library.settings, {}}, 0, settings),
                      InvalidArgument);
    REQUIRE_THROWS_AS(decomposeUnsupervised(scene.mix, 0, 0, settings), InvalidArgument);
    REQUIRE_THROWS_AS(decomposeUnsupervised(scene.mix, 2, 3, settings), InvalidArgument);
    AudioBuffer uneven = scene.mix;
    uneven.channels.push_back(std::vector<float>(10, 0.0f));
    REQUIRE_THROWS_WITH(decomposeUnsupervised(uneven, 2, 1, settings), Catch::Contains("channel 2 has 10 samples"));
    REQUIRE_THROWS_AS(decomposeUnsupervised(AudioBuffer{}, 2, 1, settings), InvalidArgument);

    // renderStems refuses a decomposition of different audio.
    const Decomposition d = decomposeUnsupervised(scene.mix, 2, 1, settings);
    const Scene longer = makeScene(1, 9000);
    REQUIRE_THROWS_WITH(renderStems(longer.mix, d, settings), Catch::Contains("does not fit the mix"));
    Decomposition broken = d;
    broken.groups = {{0}, {0, 1}};
    REQUIRE_THROWS_AS(renderStems(scene.mix, broken, settings), InvalidArgument);
}

TEST_CASE("progress is reported in order and cancellation throws Cancelled", "[separator]") {
    const SeparationSettings settings = testSettings();
    const Scene scene = makeScene(2, 16000);
    std::vector<double> fractions;
    std::vector<std::string> stages;
    const ProgressCallback record = [&](double f, const std::string& stage) {
        fractions.push_back(f);
        stages.push_back(stage);
        return true;
    };
    const Decomposition d = decomposeUnsupervised(scene.mix, 4, 2, settings, record);
    renderStems(scene.mix, d, settings, record);
    REQUIRE(fractions.size() > 10);
    for (double f : fractions) {
        REQUIRE(f >= 0.0);
        REQUIRE(f <= 1.0);
    }
    REQUIRE(fractions.back() == 1.0);
    REQUIRE(std::find(stages.begin(), stages.end(), "separating") != stages.end());
    REQUIRE(stages.back() == "rendering");

    for (int stopAfter : {1, 5, 40}) {
        int calls = 0;
        const ProgressCallback cancel = [&](double, const std::string&) { return ++calls < stopAfter; };
        REQUIRE_THROWS_AS(decomposeUnsupervised(scene.mix, 4, 2, settings, cancel), Cancelled);
        REQUIRE(calls == stopAfter);  // stopped at once, no further callbacks
    }
    int calls = 0;
    const ProgressCallback cancelRender = [&](double, const std::string&) { return ++calls < 2; };
    REQUIRE_THROWS_AS(renderStems(scene.mix, d, settings, cancelRender), Cancelled);
    calls = 0;
    REQUIRE_THROWS_AS(learnTemplates({scene.mix}, "x", 2, settings, cancelRender), Cancelled);
}

TEST_CASE("groupComponents is deterministic, complete and finds planted groups", "[separator]") {
    // Two families: low-frequency templates active in the first half, high-frequency
    // templates active in the second half; interleaved component order.
    const Eigen::Index F = 64, T = 40, K = 8;
    std::mt19937 rng(4);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Matrix W = Matrix::Zero(F, K);
    Matrix H = Matrix::Zero(K, T);
    for (Eigen::Index k = 0; k < K; ++k) {
        const bool low = k % 2 == 0;
        for (Eigen::Index f = 0; f < F; ++f) {
            const bool inBand = low ? f < 16 : f >= 32;
            W(f, k) = (inBand ? 1.0f : 0.01f) * (0.5f + u(rng));
        }
        for (Eigen::Index t = 0; t < T; ++t) {
            const bool active = low ? t < T / 2 : t >= T / 2;
            H(k, t) = (active ? 1.0f : 0.02f) * (0.5f + u(rng));
        }
    }
    const ComponentGroups groups = groupComponents(W, H, 2);
    REQUIRE(groups == ComponentGroups{{0, 2, 4, 6}, {1, 3, 5, 7}});
    REQUIRE(groupComponents(W, H, 2, 99) == groups);

    for (int sources = 1; sources <= K; ++sources) {
        const ComponentGroups g = groupComponents(W, H, sources);
        REQUIRE(g.size() == static_cast<std::size_t>(sources));
        REQUIRE(g == groupComponents(W, H, sources));
        std::vector<int> seen;
        for (const auto& group : g) {
            REQUIRE_FALSE(group.empty());
            seen.insert(seen.end(), group.begin(), group.end());
        }
        std::sort(seen.begin(), seen.end());
        for (int k = 0; k < K; ++k) REQUIRE(seen[static_cast<std::size_t>(k)] == k);
    }
    // Silent components and all-zero activations still get a valid grouping.
    Matrix Wz = W;
    Wz.col(3).setZero();
    Matrix Hz = H;
    Hz.row(5).setZero();
    const ComponentGroups z = groupComponents(Wz, Hz, 3);
    REQUIRE(z.size() == 3);
    REQUIRE_NOTHROW(validateGroups(z, K));
    REQUIRE_THROWS_AS(groupComponents(W, H, 0), InvalidArgument);
    REQUIRE_THROWS_AS(groupComponents(W, H, 9), InvalidArgument);
    REQUIRE_THROWS_AS(groupComponents(W, H.topRows(7), 2), InvalidArgument);
}

TEST_CASE("unsupervised separation with automatic grouping recovers tone and noise", "[separator]") {
    const SeparationSettings settings = testSettings();
    const Scene scene = makeScene(1);
    const Decomposition d = decomposeUnsupervised(scene.mix, 8, 2, settings);
    const std::vector<Stem> stems = renderStems(scene.mix, d, settings);
    // The groups are unnamed: take the better of the two assignments.
    const double straight = sdrDb(scene.tone, stems[0].audio.channels[0]) +
                            sdrDb(scene.noise, stems[1].audio.channels[0]);
    const double swapped = sdrDb(scene.tone, stems[1].audio.channels[0]) +
                           sdrDb(scene.noise, stems[0].audio.channels[0]);
    const bool toneFirst = straight >= swapped;
    const double toneSdr = sdrDb(scene.tone, stems[toneFirst ? 0 : 1].audio.channels[0]);
    const double noiseSdr = sdrDb(scene.noise, stems[toneFirst ? 1 : 0].audio.channels[0]);
    // The mix itself as the estimate of each source, for comparison.
    const double toneInput = sdrDb(scene.tone, scene.mix.channels[0]);
    const double noiseInput = sdrDb(scene.noise, scene.mix.channels[0]);
    CAPTURE(toneSdr, noiseSdr, toneInput, noiseInput);
    REQUIRE(toneSdr > toneInput + 5.0);
    REQUIRE(noiseSdr > noiseInput + 5.0);
    REQUIRE(toneSdr > 5.0);
    REQUIRE(noiseSdr > 5.0);
}

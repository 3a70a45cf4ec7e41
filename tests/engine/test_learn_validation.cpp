// Held-out validation of template learning: the frame split, early stopping, the choice
// of K and learnTemplates with SeparationSettings::validation.

#include "demix/separator.hpp"

#include "../../engine/src/learn_validation.hpp"
#include "test_separator_signals.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using namespace demix;
using namespace demix::testing;

namespace {

Matrix spectrogramOf(const std::vector<float>& x, const SeparationSettings& s) {
    return Stft(s.stft).forward(x.data(), x.size()).cwiseAbs();
}

void checkUnitTemplates(const Matrix& W) {
    REQUIRE(W.allFinite());
    CHECK(W.minCoeff() >= 0.0f);
    for (Eigen::Index k = 0; k < W.cols(); ++k) CHECK(W.col(k).sum() == Approx(1.0).epsilon(1e-5));
}

/// Notes of 0.25 s on 25 chromatic pitches from 196 Hz (two octaves), 8 harmonics: most
/// held-out notes are pitches the fitting frames never play, so templates fitted ever
/// closer to the fitting notes explain the held-out ones worse (overfitting).
std::vector<float> wideTone(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> x(n, 0.0f);
    const std::size_t note = static_cast<std::size_t>(0.25 * kTestRate);
    for (std::size_t start = 0; start < n; start += note) {
        const double f0 = 196.0 * std::pow(2.0, static_cast<double>(rng() % 25) / 12.0);
        for (std::size_t i = 0; i < note && start + i < n; ++i) {
            const double t = static_cast<double>(i) / kTestRate;
            const double envelope = std::exp(-4.0 * t) * std::min(1.0, t * 200.0);
            double v = 0.0;
            for (int h = 1; h <= 8; ++h) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
            x[start + i] = static_cast<float>(0.3 * envelope * v);
        }
    }
    return x;
}

SeparationSettings validatedSettings() {
    SeparationSettings s = smallSeparationSettings(1024, 256, 150);
    s.validation.enabled = true;
    s.validation.folds = 1;
    s.validation.blockSeconds = 0.25;  // 16 frames at 16 kHz / 256
    return s;
}

}  // namespace

TEST_CASE("validation is off by default, 4 folds of 0.5-s blocks when on", "[separator][validation]") {
    const LearningValidation v = SeparationSettings{}.validation;
    CHECK_FALSE(v.enabled);
    CHECK(v.folds == 4);
    CHECK(v.holdOutEvery == 4);
    CHECK(v.blockSeconds == 0.5);
    CHECK(v.refit);
    CHECK(v.componentChoices.empty());
}

TEST_CASE("held-out split: interleaved blocks, guard frames, deterministic", "[separator][validation]") {
    const detail::FrameSplit split = detail::splitFrames(100, 10, 4, 3);
    std::vector<Eigen::Index> held;
    for (Eigen::Index t : {10, 50, 90})
        for (Eigen::Index i = 0; i < 10; ++i) held.push_back(t + i);
    CHECK(split.heldOut == held);
    // Fitting: everything else but the 3 frames either side of each held-out block.
    std::set<Eigen::Index> excluded{7, 8, 9, 20, 21, 22, 47, 48, 49, 60, 61, 62, 87, 88, 89};
    std::vector<Eigen::Index> fit;
    for (Eigen::Index t = 0; t < 100; ++t)
        if (!excluded.count(t) && std::find(held.begin(), held.end(), t) == held.end()) fit.push_back(t);
    CHECK(split.fit == fit);
    const detail::FrameSplit again = detail::splitFrames(100, 10, 4, 3);
    CHECK(again.fit == split.fit);
    CHECK(again.heldOut == split.heldOut);
    // Without guard frames the two parts cover every frame.
    const detail::FrameSplit noGuard = detail::splitFrames(37, 5, 2, 0);
    CHECK(noGuard.fit.size() + noGuard.heldOut.size() == 37);
    CHECK(noGuard.heldOut.front() == 5);
    // Too short for one held-out block.
    CHECK(detail::splitFrames(10, 10, 4, 3).heldOut.empty());
    CHECK_THROWS_AS(detail::splitFrames(100, 0, 4, 3), InvalidArgument);
    CHECK_THROWS_AS(detail::splitFrames(100, 10, 1, 3), InvalidArgument);
    CHECK_THROWS_AS(detail::splitFrames(100, 10, 4, -1), InvalidArgument);
    CHECK_THROWS_AS(detail::splitFrames(100, 10, 4, 3, 4), InvalidArgument);
    // Fold j holds out the blocks b with b % 4 == (1 + j) % 4; the folds cover every block.
    CHECK(detail::splitFrames(100, 10, 4, 3, 1).heldOut.front() == 20);
    CHECK(detail::splitFrames(100, 10, 4, 3, 3).heldOut.front() == 0);
}

TEST_CASE("early stopping keeps the templates of the best held-out check",
          "[separator][validation]") {
    const SeparationSettings s = validatedSettings();
    const Matrix V = spectrogramOf(wideTone(static_cast<std::size_t>(3.0 * kTestRate), 2), s);
    const detail::FrameSplit split = detail::splitFrames(V.cols(), 16, 4, 3);
    const Matrix Vfit = detail::selectFrames(V, split.fit);
    const Matrix Vheld = detail::selectFrames(V, split.heldOut);
    NmfSettings nmf = s.nmf;
    nmf.components = 6;
    nmf.maxIterations = 300;
    nmf.tol = 0.0;
    nmf.accelerate = false;
    nmf.threads = 1;
    nmf.precision = Precision::Mixed;  // what the validated run uses for Adaptive
    const detail::ValidatedRun run = detail::learnValidated(Vfit, Vheld, 6, nmf);

    REQUIRE(run.checkIterations.size() == 30);
    CHECK(run.checkIterations.front() == 10);
    CHECK(run.checkIterations.back() == 300);
    const auto best = std::min_element(run.heldOutCurve.begin(), run.heldOutCurve.end());
    CHECK(run.bestHeldOut == *best);
    CHECK(run.bestIteration == run.checkIterations[static_cast<std::size_t>(best - run.heldOutCurve.begin())]);
    // The fitting objective keeps falling, the held-out one turned up before the end.
    CHECK(run.fitObjective.back() < run.fitObjective[run.fitObjective.size() - 5]);
    CHECK(run.bestIteration < 300);
    CHECK(run.heldOutCurve.back() > run.bestHeldOut);
    checkUnitTemplates(run.W);

    // The templates are those of one uninterrupted run of exactly that many iterations
    // (the validated run goes in steps of evalEvery: the same updates, equal to rounding).
    NmfSettings fixed = nmf;
    fixed.maxIterations = run.bestIteration;
    Matrix W = factorize(Vfit, fixed).W;
    for (Eigen::Index k = 0; k < W.cols(); ++k) W.col(k) /= W.col(k).sum();
    CHECK((W - run.W).cwiseAbs().maxCoeff() <= 1e-3f * W.maxCoeff());
    // ... and not those of the last check.
    fixed.maxIterations = 300;
    Matrix last = factorize(Vfit, fixed).W;
    for (Eigen::Index k = 0; k < last.cols(); ++k) last.col(k) /= last.col(k).sum();
    CHECK((last - run.W).cwiseAbs().maxCoeff() > 1e-2f * W.maxCoeff());
    // The held-out value is that of the kept templates, activations solved from a flat
    // start, and solving 10× longer does not lower it: the measurement is the optimum.
    Matrix H = detail::neutralActivations(Vheld, 6);
    CHECK(detail::heldOutDivergence(Vheld, run.W, H, nmf) == Approx(run.bestHeldOut).epsilon(1e-9));
    H = detail::neutralActivations(Vheld, 6);
    CHECK(detail::heldOutDivergence(Vheld, run.W, H, nmf, 3000, 0.0) ==
          Approx(run.bestHeldOut).epsilon(1e-6));
    // The uninterrupted run's templates measure the same to rounding.
    H = detail::neutralActivations(Vheld, 6);
    CHECK(detail::heldOutDivergence(Vheld, W, H, nmf) == Approx(run.bestHeldOut).epsilon(1e-3));
}

TEST_CASE("learnTemplates with validation: chosen iterations, refit on all frames, report",
          "[separator][validation]") {
    SeparationSettings s = validatedSettings();
    const AudioBuffer clip = monoBuffer(harmonicTone(static_cast<std::size_t>(3.0 * kTestRate), 7));
    std::vector<LearningChoice> choices;
    s.onLearningChoice = [&](const LearningChoice& c) { choices.push_back(c); };
    const TemplateLibrary library = learnTemplates({clip}, "tone", 8, s);
    REQUIRE(choices.size() == 1);
    const LearningChoice c = choices.front();  // a copy: later runs push more
    CHECK(c.source == "tone");
    CHECK(c.components == 8);
    CHECK(c.heldOutFrames > 0);
    CHECK(c.fitFrames > c.heldOutFrames);
    CHECK(c.iterations > 0);
    CHECK(c.iterations % s.nmf.evalEvery == 0);
    CHECK(c.iterations <= s.nmf.maxIterations);
    REQUIRE(c.checkIterations.size() == c.heldOutCurve.size());
    CHECK(c.heldOut == *std::min_element(c.heldOutCurve.begin(), c.heldOutCurve.end()));
    REQUIRE(library.sources.size() == 1);
    checkUnitTemplates(library.sources[0].templates);
    CHECK(library.sources[0].templates.cols() == 8);

    // Refit = the unvalidated learner on every frame for exactly that many iterations.
    SeparationSettings plain = smallSeparationSettings(1024, 256, c.iterations);
    plain.nmf.tol = 0.0;
    plain.validation.enabled = false;
    const TemplateLibrary same = learnTemplates({clip}, "tone", 8, plain);
    CHECK(same.sources[0].templates == library.sources[0].templates);

    // Without refit: the templates of the fitting frames, another set.
    s.validation.refit = false;
    const TemplateLibrary kept = learnTemplates({clip}, "tone", 8, s);
    checkUnitTemplates(kept.sources[0].templates);
    CHECK(choices.back().iterations == c.iterations);
    CHECK(kept.sources[0].templates != library.sources[0].templates);
    // Deterministic.
    CHECK(learnTemplates({clip}, "tone", 8, s).sources[0].templates == kept.sources[0].templates);
}

TEST_CASE("cross-validation pools the folds' held-out curves", "[separator][validation]") {
    SeparationSettings s = validatedSettings();
    s.validation.folds = 4;
    s.nmf.tol = 0.0;
    s.nmf.maxIterations = 60;
    const std::vector<float> x = wideTone(static_cast<std::size_t>(3.0 * kTestRate), 4);
    std::vector<LearningChoice> choices;
    s.onLearningChoice = [&](const LearningChoice& c) { choices.push_back(c); };
    const TemplateLibrary library = learnTemplates({monoBuffer(x)}, "tone", 5, s);
    REQUIRE(choices.size() == 1);
    const LearningChoice c = choices.front();  // a copy: later runs push more

    // The pooled curve: the folds' curves weighted by their held-out frames.
    const Matrix V = spectrogramOf(x, s);
    NmfSettings nmf = s.nmf;
    nmf.components = 5;
    nmf.accelerate = false;
    std::vector<double> pooled(6, 0.0);
    double frames = 0.0;
    std::set<Eigen::Index> heldSomewhere;
    for (int fold = 0; fold < 4; ++fold) {
        const detail::FrameSplit split = detail::splitFrames(V.cols(), 16, 4, 3, fold);
        heldSomewhere.insert(split.heldOut.begin(), split.heldOut.end());
        const detail::ValidatedRun run = detail::learnValidated(
            detail::selectFrames(V, split.fit), detail::selectFrames(V, split.heldOut), 5, nmf);
        REQUIRE(run.heldOutCurve.size() == 6);
        for (std::size_t i = 0; i < 6; ++i) pooled[i] += run.heldOutCurve[i] * split.heldOut.size();
        frames += static_cast<double>(split.heldOut.size());
    }
    CHECK(heldSomewhere.size() == static_cast<std::size_t>(V.cols()));  // every frame held out once
    REQUIRE(c.heldOutCurve.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) CHECK(c.heldOutCurve[i] == Approx(pooled[i] / frames).epsilon(1e-9));
    const std::size_t best = static_cast<std::size_t>(
        std::min_element(pooled.begin(), pooled.end()) - pooled.begin());
    CHECK(c.iterations == 10 * static_cast<int>(best + 1));
    // Refit on all frames for that many iterations, as with one split.
    SeparationSettings plain = smallSeparationSettings(1024, 256, c.iterations);
    plain.nmf.tol = 0.0;
    plain.validation.enabled = false;
    CHECK(learnTemplates({monoBuffer(x)}, "tone", 5, plain).sources[0].templates ==
          library.sources[0].templates);

    s.validation.folds = 5;  // more folds than blocks in a cycle: as many as there are
    CHECK(learnTemplates({monoBuffer(x)}, "tone", 5, s).sources[0].templates ==
          library.sources[0].templates);
    s.validation.folds = 0;
    CHECK_THROWS_WITH(learnTemplates({monoBuffer(x)}, "tone", 5, s), Catch::Contains("folds >= 1"));
}

TEST_CASE("validation chooses K by the held-out divergence per frame", "[separator][validation]") {
    SeparationSettings s = validatedSettings();
    s.validation.componentChoices = {2, 6, 10};
    const AudioBuffer clip = monoBuffer(harmonicTone(static_cast<std::size_t>(3.0 * kTestRate), 9));
    std::vector<LearningChoice> choices;
    s.onLearningChoice = [&](const LearningChoice& c) { choices.push_back(c); };
    const TemplateLibrary library = learnTemplates({clip}, "tone", 16, s);
    REQUIRE(choices.size() == 1);
    const LearningChoice c = choices.front();  // a copy: later runs push more
    REQUIRE(c.candidateComponents == std::vector<int>{2, 6, 10});
    REQUIRE(c.candidateHeldOut.size() == 3);
    const std::size_t best = static_cast<std::size_t>(
        std::min_element(c.candidateHeldOut.begin(), c.candidateHeldOut.end()) -
        c.candidateHeldOut.begin());
    CHECK(c.components == c.candidateComponents[best]);
    CHECK(c.iterations == c.candidateIterations[best]);
    CHECK(library.sources[0].templates.cols() == c.components);
    checkUnitTemplates(library.sources[0].templates);
    // Two templates cannot describe three notes of 8 harmonics as well as six can.
    CHECK(c.candidateHeldOut[0] > c.candidateHeldOut[1]);
}

TEST_CASE("validation: short clips learn without it, bad settings are refused",
          "[separator][validation]") {
    SeparationSettings s = validatedSettings();
    std::vector<LearningChoice> choices;
    s.onLearningChoice = [&](const LearningChoice& c) { choices.push_back(c); };
    // 0.2 s: fewer frames than one block plus its neighbour.
    const AudioBuffer shortClip = monoBuffer(harmonicTone(static_cast<std::size_t>(0.2 * kTestRate), 3));
    const TemplateLibrary library = learnTemplates({shortClip}, "tone", 4, s);
    REQUIRE(choices.size() == 1);
    CHECK(choices[0].heldOutFrames == 0);
    CHECK(std::isnan(choices[0].heldOut));
    SeparationSettings plain = s;
    plain.validation.enabled = false;
    CHECK(learnTemplates({shortClip}, "tone", 4, plain).sources[0].templates ==
          library.sources[0].templates);

    const AudioBuffer clip = monoBuffer(harmonicTone(static_cast<std::size_t>(2.0 * kTestRate), 3));
    SeparationSettings bad = validatedSettings();
    bad.validation.blockSeconds = 0.0;
    CHECK_THROWS_WITH(learnTemplates({clip}, "tone", 4, bad),
                      Catch::Contains("blocks longer than 0 s"));
    bad = validatedSettings();
    bad.validation.holdOutEvery = 1;
    CHECK_THROWS_WITH(learnTemplates({clip}, "tone", 4, bad), Catch::Contains("holdOutEvery >= 2"));
    bad = validatedSettings();
    bad.validation.componentChoices = {4, 0};
    CHECK_THROWS_WITH(learnTemplates({clip}, "tone", 4, bad),
                      Catch::Contains("number of templates must be >= 1"));
    bad = validatedSettings();
    bad.validation.blockSeconds = std::nan("");
    CHECK_THROWS_AS(learnTemplates({clip}, "tone", 4, bad), InvalidArgument);
}

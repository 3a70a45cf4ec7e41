// SeparationSettings::onObjective: the live objective values of the offline separators.
#include "demix/separator.hpp"

#include "test_separator_signals.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <utility>
#include <vector>

using namespace demix;
using namespace demix::testing;

namespace {

using Points = std::vector<std::pair<int, double>>;

AudioBuffer toneAndNoise(std::size_t n) {
    const std::vector<float> tone = harmonicTone(n, 11);
    const std::vector<float> noise = noiseBursts(n, 12);
    std::vector<float> mix(n);
    for (std::size_t i = 0; i < n; ++i) mix[i] = tone[i] + noise[i];
    return monoBuffer(std::move(mix));
}

SeparationSettings observed(Points& points, int maxIterations, int evalEvery, double tol) {
    SeparationSettings s;
    s.stft.fftSize = 512;
    s.stft.hop = 128;
    s.nmf.maxIterations = maxIterations;
    s.nmf.evalEvery = evalEvery;
    s.nmf.tol = tol;
    s.threads = 1;
    s.onObjective = [&points](int iteration, double objective) {
        points.emplace_back(iteration, objective);
    };
    return s;
}

Points curveOf(const NmfResult& nmf) {
    REQUIRE(nmf.objective.size() == nmf.objectiveIterations.size());
    Points points;
    for (std::size_t i = 0; i < nmf.objective.size(); ++i)
        points.emplace_back(nmf.objectiveIterations[i], nmf.objective[i]);
    return points;
}

/// A tone-and-noise mix, 30-iteration settings without an observer, and a 3-template
/// library of the tone: the scene of the adapted-supervised tests.
struct AdaptedScene {
    static SeparationSettings unobserved() {
        Points unused;
        SeparationSettings s = observed(unused, 30, 10, 0.0);
        s.onObjective = nullptr;  // drops the only reference to `unused`
        return s;
    }
    AudioBuffer mix = toneAndNoise(16000);
    SeparationSettings settings = unobserved();
    TemplateLibrary library =
        learnTemplates({monoBuffer(harmonicTone(16000, 21))}, "tone", 3, settings);
};

}  // namespace

TEST_CASE("onObjective sees exactly the decomposition's objective curve", "[separator]") {
    const AudioBuffer mix = toneAndNoise(16000);
    const bool withProgress = GENERATE(false, true);
    const int evalEvery = GENERATE(1, 7);
    Points points;
    int progressCalls = 0;
    ProgressCallback progress;
    if (withProgress) progress = [&](double, const std::string&) { return ++progressCalls > 0; };

    // tol 0: runs all 40 iterations, so the last evaluation is the final-iteration one.
    const Decomposition d = decomposeUnsupervised(mix, 4, 2, observed(points, 40, evalEvery, 0.0),
                                                  progress);
    CHECK(d.nmf.iterations == 40);
    CHECK(points.size() >= 2);
    CHECK(points == curveOf(d.nmf));  // same numbers, same order, same iterations
    CHECK(points.front().first == 0);
    CHECK(points.back().first == 40);
    CHECK((withProgress ? progressCalls > 0 : progressCalls == 0));
}

TEST_CASE("onObjective includes the value that stopped a converged run", "[separator]") {
    const AudioBuffer mix = toneAndNoise(16000);
    Points points;
    const Decomposition d = decomposeUnsupervised(mix, 3, 2, observed(points, 500, 5, 1e-2));
    REQUIRE(d.nmf.converged);
    REQUIRE(d.nmf.iterations < 500);
    CHECK(points.size() >= 2);
    CHECK(points == curveOf(d.nmf));
}

TEST_CASE("onObjective observes supervised and learning runs, and changes no result",
          "[separator]") {
    const AudioBuffer mix = toneAndNoise(16000);
    Points learnPoints;
    SeparationSettings settings = observed(learnPoints, 30, 10, 0.0);
    const TemplateLibrary library =
        learnTemplates({monoBuffer(harmonicTone(16000, 21))}, "tone", 3, settings);
    // learnTemplates returns no curve: evaluations at iterations 0, 10, 20, 30, all finite.
    REQUIRE(learnPoints.size() == 4);
    for (std::size_t i = 0; i < learnPoints.size(); ++i) {
        CHECK(learnPoints[i].first == static_cast<int>(10 * i));
        CHECK(std::isfinite(learnPoints[i].second));
    }

    Points points;
    settings.onObjective = [&points](int iteration, double objective) {
        points.emplace_back(iteration, objective);
    };
    const Decomposition observedRun = decomposeSupervised(mix, library, 2, settings);
    // 30 iterations with the library frozen (0, 10, 20, 30), then the default adaptation
    // stage continues the same curve (40 … 30 + adaptIterations).
    // (every 10 iterations, and at the stage's last iteration).
    const int adapt = settings.adaptIterations;
    REQUIRE(points.size() == 4 + static_cast<std::size_t>((adapt + 9) / 10));
    for (std::size_t i = 0; i + 1 < points.size(); ++i) CHECK(points[i].first == static_cast<int>(10 * i));
    CHECK(points.back().first == 30 + adapt);
    CHECK(points == curveOf(observedRun.nmf));

    settings.onObjective = nullptr;
    const Decomposition plain = decomposeSupervised(mix, library, 2, settings);
    CHECK(plain.nmf.objective == observedRun.nmf.objective);
    CHECK(plain.W == observedRun.W);
    CHECK(plain.H == observedRun.H);
}

TEST_CASE("frozenIterations caps the frozen stage of an adapted supervised run", "[separator]") {
    const AdaptedScene scene;
    const AudioBuffer& mix = scene.mix;
    const TemplateLibrary& library = scene.library;
    SeparationSettings settings = scene.settings;
    settings.adaptIterations = 8;
    settings.frozenIterations = 12;  // < nmf.maxIterations (30): the first stage stops at 12
    const Decomposition capped = decomposeSupervised(mix, library, 2, settings);
    CHECK(capped.nmf.iterations == 12 + 8);
    // The curve's iterations run on across both stages: the first stage ends at 12.
    // The capped frozen stage is evaluated at its start and end only (0, 12), then the
    // adaptation every evalEvery (10) and at its end (20).
    const Points curve = curveOf(capped.nmf);
    REQUIRE(curve.size() == 3);
    CHECK(curve[0].first == 0);
    CHECK(curve[1].first == 12);
    CHECK(curve[2].first == 20);

    settings.frozenIterations = 0;  // 0 = up to nmf.maxIterations
    CHECK(decomposeSupervised(mix, library, 2, settings).nmf.iterations == 30 + 8);
    settings.frozenIterations = 100;  // a cap above maxIterations changes nothing
    CHECK(decomposeSupervised(mix, library, 2, settings).nmf.iterations == 30 + 8);
    settings.adaptIterations = 0;  // no adaptation: the frozen solve runs maxIterations
    settings.frozenIterations = 5;
    CHECK(decomposeSupervised(mix, library, 2, settings).nmf.iterations == 30);

    settings.frozenIterations = -1;
    CHECK_THROWS_AS(decomposeSupervised(mix, library, 2, settings), InvalidArgument);
}

TEST_CASE("an adapted supervised run: plain MU while frozen, the adaptation follows nmf.accelerate",
          "[separator]") {
    const AdaptedScene scene;
    const AudioBuffer& mix = scene.mix;
    const TemplateLibrary& library = scene.library;
    SeparationSettings settings = scene.settings;
    settings.adaptIterations = 8;
    settings.frozenIterations = 12;
    settings.nmf.accelerate = true;
    const Decomposition a = decomposeSupervised(mix, library, 0, settings);
    settings.nmf.accelerate = false;
    const Decomposition b = decomposeSupervised(mix, library, 0, settings);
    CHECK(a.nmf.iterations == 12 + 8);
    CHECK(b.nmf.iterations == 12 + 8);
    // The frozen stage (a bounded warm start whose depth was measured with plain MU) is
    // the same either way ...
    REQUIRE(a.nmf.objectiveIterations == b.nmf.objectiveIterations);
    std::size_t frozenRecords = 0;
    for (std::size_t i = 0; i < a.nmf.objective.size(); ++i) {
        if (a.nmf.objectiveIterations[i] > 12) break;
        CHECK(a.nmf.objective[i] == b.nmf.objective[i]);
        ++frozenRecords;
    }
    CHECK(frozenRecords >= 2);
    // ... the anchored adaptation of library templates is extrapolated: a better fit.
    CHECK(a.W != b.W);
    CHECK(a.nmf.objective.back() <= b.nmf.objective.back() * (1.0 + 1e-6));
    // With free components next to the library the adaptation stays plain MU (extrapolated,
    // the free components, anchored only to their frozen-stage start, took a library
    // source's share on dev).
    settings.nmf.accelerate = true;
    const Decomposition withFree = decomposeSupervised(mix, library, 2, settings);
    settings.nmf.accelerate = false;
    const Decomposition withFreePlain = decomposeSupervised(mix, library, 2, settings);
    CHECK(withFree.W == withFreePlain.W);
    CHECK(withFree.H == withFreePlain.H);
    // Without adaptation the frozen solve is a plain activation solve: there the setting
    // is honoured (extrapolation changes the iterates).
    settings.adaptIterations = 0;
    settings.nmf.accelerate = true;
    const Decomposition c = decomposeSupervised(mix, library, 2, settings);
    settings.nmf.accelerate = false;
    const Decomposition d = decomposeSupervised(mix, library, 2, settings);
    CHECK(c.H != d.H);
}

TEST_CASE("learnTemplates runs plain MU unless accelerateLearning is set", "[separator]") {
    SeparationSettings settings = AdaptedScene::unobserved();
    const AudioBuffer clip = monoBuffer(harmonicTone(16000, 21));
    settings.nmf.accelerate = true;
    const TemplateLibrary a = learnTemplates({clip}, "tone", 3, settings);
    settings.nmf.accelerate = false;
    const TemplateLibrary b = learnTemplates({clip}, "tone", 3, settings);
    // nmf.accelerate (for separations) does not change learning ...
    CHECK(a.sources[0].templates == b.sources[0].templates);
    // ... accelerateLearning does.
    CHECK_FALSE(SeparationSettings{}.accelerateLearning);
    settings.accelerateLearning = true;
    const TemplateLibrary c = learnTemplates({clip}, "tone", 3, settings);
    CHECK_FALSE(c.sources[0].templates == a.sources[0].templates);
}

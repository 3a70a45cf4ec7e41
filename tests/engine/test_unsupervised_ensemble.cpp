// Unsupervised restart ensembles (SeparationSettings::unsupervisedRestarts): M
// factorisations of the same mix, each grouped on its own, combined as W = [W_1 … W_M],
// H = [H_1; …; H_M] / M; the blind grouping's anonymous sources matched to the first
// member's (detail::matchSources).
#include "demix/separator.hpp"

#include "../../engine/src/separator_common.hpp"
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings restartSettings(int restarts, std::uint64_t seed) {
    SeparationSettings s = smallSeparationSettings(1024, 256, 150);
    s.unsupervisedRestarts = restarts;
    s.nmf.seed = seed;
    return s;
}

bool sameBits(const Matrix& a, const Matrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

double sumError(const std::vector<Stem>& stems, const AudioBuffer& mix) {
    double error = 0.0, energy = 0.0;
    for (std::size_t i = 0; i < mix.channels[0].size(); ++i) {
        double sum = 0.0;
        for (const Stem& stem : stems) sum += stem.audio.channels[0][i];
        error += (sum - mix.channels[0][i]) * (sum - mix.channels[0][i]);
        energy += static_cast<double>(mix.channels[0][i]) * mix.channels[0][i];
    }
    return std::sqrt(error / energy);
}

/// A tone and noise bursts: two sources the blind grouping tells apart.
struct Scene {
    std::vector<float> tone, noise;
    AudioBuffer mix;
};

Scene toneAndNoise() {
    const std::size_t n = 3 * static_cast<std::size_t>(kTestRate);
    Scene scene{harmonicTone(n, 31), noiseBursts(n, 32), {}};
    scene.mix = monoBuffer(scene.tone);
    for (std::size_t i = 0; i < n; ++i) scene.mix.channels[0][i] += scene.noise[i];
    return scene;
}

/// Components of `group` inside [start, start + count), shifted to start at 0.
std::vector<int> inBlock(const std::vector<int>& group, int start, int count) {
    std::vector<int> out;
    for (int k : group)
        if (k >= start && k < start + count) out.push_back(k - start);
    return out;
}

/// Index of the stem closer to the tone (higher SDR against it).
std::size_t toneStem(const Scene& scene, const std::vector<Stem>& stems) {
    return sdrDb(scene.tone, stems[0].audio.channels[0]) >=
                   sdrDb(scene.tone, stems[1].audio.channels[0])
               ? 0
               : 1;
}

}  // namespace

TEST_CASE("one unsupervised restart is exactly one factorisation", "[separator][ensemble]") {
    const Scene scene = toneAndNoise();
    const SeparationSettings settings = restartSettings(1, 5);
    const Decomposition d = decomposeUnsupervised(scene.mix, 8, 2, settings);
    REQUIRE(d.memberStarts.empty());
    REQUIRE(d.W.cols() == 8);
    NmfSettings nmf = settings.nmf;
    nmf.components = 8;
    nmf.threads = settings.threads;
    const NmfResult direct = factorize(d.V, nmf);
    REQUIRE(sameBits(d.W, direct.W));
    REQUIRE(sameBits(d.H, direct.H));
    REQUIRE(d.groups == groupComponents(direct.W, direct.H, 2));
    // One stem per component has no ensemble: restarts do not apply.
    const Decomposition perComponent = decomposeUnsupervised(scene.mix, 4, 0, restartSettings(3, 5));
    REQUIRE(perComponent.memberStarts.empty());
    REQUIRE(perComponent.W.cols() == 4);
    REQUIRE(sameBits(perComponent.W, decomposeUnsupervised(scene.mix, 4, 0, restartSettings(1, 5)).W));
}

TEST_CASE("a blind unsupervised ensemble averages single runs with their sources aligned",
          "[separator][ensemble]") {
    const Scene scene = toneAndNoise();
    const int K = 8, M = 3;
    // Base seed 0: Ward orders its groups by their smallest component, which depends on
    // the random start; with seeds 0, 1, 2 the tone is not source-1 in every run, so the
    // members must be reordered (checked below, so this test exercises the matching).
    const std::uint64_t base = 0;
    const Decomposition d = decomposeUnsupervised(scene.mix, K, 2, restartSettings(M, base));
    REQUIRE(d.W.cols() == M * K);
    REQUIRE(d.H.rows() == M * K);
    REQUIRE(d.memberStarts == std::vector<int>{0, K, 2 * K});
    REQUIRE(d.sourceNames == std::vector<std::string>{"source-1", "source-2"});

    std::vector<std::size_t> toneOf;  // per member: the single run's tone group
    bool reordered = false;
    std::size_t ensembleTone = 0;
    for (int m = 0; m < M; ++m) {
        CAPTURE(m);
        const SeparationSettings single = restartSettings(1, base + static_cast<std::uint64_t>(m));
        const Decomposition run = decomposeUnsupervised(scene.mix, K, 2, single);
        // Member m's block is exactly the single run with seed base + m, activations / M.
        REQUIRE(sameBits(d.W.middleCols(m * K, K), run.W));
        const Matrix scaled = run.H * (1.0f / static_cast<float>(M));
        REQUIRE(sameBits(d.H.middleRows(m * K, K), scaled));
        if (m == 0) REQUIRE(d.nmf.objective == run.nmf.objective);
        // Its groups are the single run's, possibly in another order.
        const std::vector<int> first = inBlock(d.groups[0], m * K, K);
        const std::vector<int> second = inBlock(d.groups[1], m * K, K);
        const bool same = first == run.groups[0] && second == run.groups[1];
        const bool swapped = first == run.groups[1] && second == run.groups[0];
        REQUIRE((same || swapped));
        if (m == 0) REQUIRE(same);
        reordered = reordered || swapped;
        // The tone in this single run, and where the ensemble put it.
        const std::vector<Stem> runStems = renderStems(scene.mix, run, single);
        const std::size_t tone = toneStem(scene, runStems);
        const std::size_t placed = swapped ? 1 - tone : tone;
        if (m == 0) ensembleTone = placed;
        REQUIRE(placed == ensembleTone);  // every member's tone group is the same source
    }
    REQUIRE(reordered);

    const std::vector<Stem> stems = renderStems(scene.mix, d, restartSettings(M, base));
    REQUIRE(sumError(stems, scene.mix) < 1e-5);
    const double toneSdr = sdrDb(scene.tone, stems[ensembleTone].audio.channels[0]);
    const double noiseSdr = sdrDb(scene.noise, stems[1 - ensembleTone].audio.channels[0]);
    CAPTURE(toneSdr, noiseSdr, sdrDb(scene.tone, scene.mix.channels[0]));
    REQUIRE(toneSdr > sdrDb(scene.tone, scene.mix.channels[0]) + 3.0);
    REQUIRE(noiseSdr > sdrDb(scene.noise, scene.mix.channels[0]) + 3.0);

    // Without the matching (the later members' sources the other way round), the stems
    // mix the sources: the alignment is what keeps the ensemble's stems apart.
    Decomposition misaligned = d;
    misaligned.groups = {{}, {}};
    for (std::size_t g = 0; g < 2; ++g)
        for (int k : d.groups[g]) misaligned.groups[k < K ? g : 1 - g].push_back(k);
    for (auto& group : misaligned.groups) std::sort(group.begin(), group.end());
    const std::vector<Stem> wrong = renderStems(scene.mix, misaligned, restartSettings(M, base));
    const double wrongTone = sdrDb(scene.tone, wrong[ensembleTone].audio.channels[0]);
    CAPTURE(wrongTone);
    REQUIRE(wrongTone < toneSdr - 3.0);
}

TEST_CASE("matchSources recovers a permutation of the sources", "[separator][ensemble]") {
    // Components with distinct random spectra and activations; the member holds the same
    // components in another column order with its groups listed in another order.
    for (const int sources : {3, 10}) {  // exhaustive (<= 8) and greedy matching
        CAPTURE(sources);
        const int K = 2 * sources;
        std::mt19937 rng(7u + static_cast<unsigned>(sources));
        std::uniform_real_distribution<float> u(0.0f, 1.0f);
        detail::Solved reference;
        reference.result.W = Matrix::NullaryExpr(40, K, [&]() { return u(rng); });
        reference.result.W = reference.result.W.array().pow(8.0f).matrix();  // peaky spectra
        reference.result.H = Matrix::NullaryExpr(K, 60, [&]() { return u(rng); });
        reference.result.H = reference.result.H.array().pow(8.0f).matrix();
        for (int s = 0; s < sources; ++s) reference.groups.push_back({2 * s, 2 * s + 1});

        std::vector<int> columns(static_cast<std::size_t>(K));
        std::iota(columns.begin(), columns.end(), 0);
        std::shuffle(columns.begin(), columns.end(), rng);  // member column c = reference columns[c]
        std::vector<int> where(static_cast<std::size_t>(K));
        for (int c = 0; c < K; ++c) where[static_cast<std::size_t>(columns[static_cast<std::size_t>(c)])] = c;
        std::vector<int> sourceOrder(static_cast<std::size_t>(sources));
        std::iota(sourceOrder.begin(), sourceOrder.end(), 0);
        std::shuffle(sourceOrder.begin(), sourceOrder.end(), rng);  // member group g = source sourceOrder[g]
        detail::Solved member;
        member.result.W.resize(40, K);
        member.result.H.resize(K, 60);
        for (int c = 0; c < K; ++c) {
            member.result.W.col(c) = reference.result.W.col(columns[static_cast<std::size_t>(c)]) * 3.0f;
            member.result.H.row(c) = reference.result.H.row(columns[static_cast<std::size_t>(c)]) / 3.0f;
        }
        for (int g = 0; g < sources; ++g) {
            std::vector<int> group;
            for (int k : reference.groups[static_cast<std::size_t>(sourceOrder[static_cast<std::size_t>(g)])])
                group.push_back(where[static_cast<std::size_t>(k)]);
            std::sort(group.begin(), group.end());
            member.groups.push_back(group);
        }
        const std::vector<int> order = detail::matchSources(reference, member);
        REQUIRE(order.size() == static_cast<std::size_t>(sources));
        for (int s = 0; s < sources; ++s) {
            CAPTURE(s, order);
            REQUIRE(sourceOrder[static_cast<std::size_t>(order[static_cast<std::size_t>(s)])] == s);
        }
        // A member identical to the reference matches itself.
        std::vector<int> identity(static_cast<std::size_t>(sources));
        std::iota(identity.begin(), identity.end(), 0);
        REQUIRE(detail::matchSources(reference, reference) == identity);
    }
}

TEST_CASE("unsupervised restarts report progress over every member and check their count",
          "[separator][ensemble]") {
    const Scene scene = toneAndNoise();
    std::vector<double> fractions;
    std::vector<std::string> stages;
    const ProgressCallback progress = [&](double f, const std::string& stage) {
        fractions.push_back(f);
        if (stages.empty() || stages.back() != stage) stages.push_back(stage);
        return true;
    };
    SeparationSettings settings = restartSettings(2, 0);
    std::vector<std::pair<int, double>> objective;
    settings.onObjective = [&](int iteration, double value) { objective.emplace_back(iteration, value); };
    const Decomposition d = decomposeUnsupervised(scene.mix, 6, 2, settings, progress);
    REQUIRE(std::is_sorted(fractions.begin(), fractions.end()));
    REQUIRE(fractions.back() == Approx(1.0));
    REQUIRE(stages == std::vector<std::string>{"analysing", "separating", "grouping", "separating",
                                               "grouping"});
    // Only the first member's objective curve is reported (the one the result keeps).
    REQUIRE(objective.size() == d.nmf.objective.size());

    // Cancelling in the second member stops the separation.
    int calls = 0;
    const ProgressCallback cancel = [&](double f, const std::string&) { return ++calls < 3 || f < 0.6; };
    REQUIRE_THROWS_AS(decomposeUnsupervised(scene.mix, 6, 2, restartSettings(2, 0), cancel), Cancelled);

    REQUIRE_THROWS_WITH(decomposeUnsupervised(scene.mix, 6, 2, restartSettings(-1, 0)),
                        Catch::Contains("restarts >= 0"));
    // 0 = the path's default: one factorisation blind, three grouped by libraries.
    REQUIRE(decomposeUnsupervised(scene.mix, 6, 2, restartSettings(0, 0)).memberStarts.empty());
    REQUIRE(unsupervisedRestartsFor(restartSettings(0, 0), false) == 1);
    REQUIRE(unsupervisedRestartsFor(restartSettings(0, 0), true) == 3);
    REQUIRE(unsupervisedRestartsFor(restartSettings(5, 0), false) == 5);
    REQUIRE(SeparationSettings{}.unsupervisedRestarts == 0);
    TemplateLibrary library;
    library.settings.stft = restartSettings(1, 0).stft;
    library.sources.push_back({"a", Matrix::Constant(513, 1, 1.0f / 513.0f), {}});
    library.sources.push_back({"b", Matrix::Constant(513, 1, 1.0f / 513.0f), {}});
    REQUIRE_THROWS_WITH(decomposeGroupedByLibrary(scene.mix, 6, library, restartSettings(-1, 0)),
                        Catch::Contains("restarts >= 0"));
}

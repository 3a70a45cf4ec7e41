// Grouping unsupervised components by template libraries (groupComponentsByLibrary,
// decomposeGroupedByLibrary): two synthetic pitched instruments whose libraries were
// learned from other performances.

#include "demix/separator.hpp"

#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace demix;
using namespace demix::testing;

namespace {

constexpr std::size_t kSeconds = 4;

std::vector<float> tonePart(std::uint32_t seed) {
    return harmonicTone(kSeconds * static_cast<std::size_t>(kTestRate), seed);
}
std::vector<float> clarinetPart(std::uint32_t seed) {
    return oddHarmonicTone(kSeconds * static_cast<std::size_t>(kTestRate), seed);
}

/// Libraries "tone" and "clarinet" learned from performances other than the mix's, with
/// `stft` (possibly another grid than the separation's), merged in the given order.
TemplateLibrary libraries(const StftSettings& stft, bool clarinetFirst = false) {
    SeparationSettings learn = smallSeparationSettings(stft.fftSize, stft.hop, 200);
    const TemplateLibrary tone = learnTemplates({monoBuffer(tonePart(21))}, "tone", 6, learn);
    const TemplateLibrary clarinet =
        learnTemplates({monoBuffer(clarinetPart(22))}, "clarinet", 6, learn);
    TemplateLibrary merged = clarinetFirst ? clarinet : tone;
    merged.merge(clarinetFirst ? tone : clarinet);
    return merged;
}

/// The source whose true magnitude spectrogram claims most of component k (ratio masks of
/// the true sources applied to w_k h_kᵀ), and the fraction it claims.
std::pair<int, double> trueOwner(const Matrix& A, const Matrix& B, const Decomposition& d,
                                 Eigen::Index k) {
    const Matrix component = d.W.col(k) * d.H.row(k);
    const Matrix total = (A + B).cwiseMax(1e-12f);
    const double a = (component.array() * A.array() / total.array()).sum();
    const double b = (component.array() * B.array() / total.array()).sum();
    return a >= b ? std::make_pair(0, a / (a + b)) : std::make_pair(1, b / (a + b));
}

/// Every component that clearly belongs to one instrument (the true sources give one of
/// them ≥ 80 % of it) is in that instrument's group, and at least half are that clear.
void requireTrueGrouping(const std::vector<float>& a, const std::vector<float>& b,
                         const Decomposition& d, const ComponentGroups& groups,
                         const SeparationSettings& settings) {
    const Stft stft(settings.stft);
    const Matrix A = magnitude(stft.forward(monoBuffer(a)));
    const Matrix B = magnitude(stft.forward(monoBuffer(b)));
    int clear = 0;
    for (int s = 0; s < 2; ++s) {
        for (int k : groups[static_cast<std::size_t>(s)]) {
            const auto [owner, fraction] = trueOwner(A, B, d, k);
            CAPTURE(k, s, owner, fraction, groups);
            if (fraction < 0.8) continue;
            ++clear;
            REQUIRE(owner == s);
        }
    }
    REQUIRE(clear >= d.W.cols() / 2);
}


std::vector<float> sumOf(const std::vector<float>& a, const std::vector<float>& b) {
    std::vector<float> mixed(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) mixed[i] = a[i] + b[i];
    return mixed;
}

/// ‖stem 1 + stem 2 − mix‖ / ‖mix‖ for two mono stems.
double stemsSumError(const std::vector<Stem>& stems, const std::vector<float>& mixed) {
    double error = 0.0, energy = 0.0;
    for (std::size_t i = 0; i < mixed.size(); ++i) {
        const double e = static_cast<double>(stems[0].audio.channels[0][i]) +
                         stems[1].audio.channels[0][i] - mixed[i];
        error += e * e;
        energy += static_cast<double>(mixed[i]) * mixed[i];
    }
    return std::sqrt(error / energy);
}

void requirePartition(const ComponentGroups& groups, int components) {
    std::vector<int> seen(static_cast<std::size_t>(components), 0);
    for (const auto& group : groups) {
        REQUIRE_FALSE(group.empty());
        REQUIRE(std::is_sorted(group.begin(), group.end()));
        for (int k : group) {
            REQUIRE(k >= 0);
            REQUIRE(k < components);
            ++seen[static_cast<std::size_t>(k)];
        }
    }
    for (int count : seen) REQUIRE(count == 1);
}

}  // namespace

TEST_CASE("hard grouping by libraries names the sources and recovers the true grouping",
          "[separator][grouping][library]") {
    const std::vector<float> a = tonePart(11), b = clarinetPart(12);
    const std::vector<float> mixed = sumOf(a, b);
    const AudioBuffer mix = monoBuffer(mixed);
    SeparationSettings settings = smallSeparationSettings(1024, 256, 200);
    settings.groupingPower = std::numeric_limits<double>::infinity();  // hard
    const TemplateLibrary library = libraries(settings.stft);
    const int K = 12;

    const Decomposition d = decomposeGroupedByLibrary(mix, K, library, settings);
    REQUIRE(d.sourceNames == std::vector<std::string>{"tone", "clarinet"});
    REQUIRE(d.groups.size() == 2);
    requirePartition(d.groups, K);
    // The factorisation is exactly the unsupervised one: the libraries are not in W.
    const Decomposition free = decomposeUnsupervised(mix, K, 0, settings);
    REQUIRE(d.W == free.W);
    REQUIRE(d.H == free.H);

    requireTrueGrouping(a, b, d, d.groups, settings);

    // The named stems are the instruments (no permutation needed) and sum to the mix.
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(stems.size() == 2);
    REQUIRE(stems[0].name == "tone");
    REQUIRE(stems[1].name == "clarinet");
    REQUIRE(stemsSumError(stems, mixed) <= 1e-5);
    const double sdrA = sdrDb(a, stems[0].audio.channels[0]);
    const double sdrB = sdrDb(b, stems[1].audio.channels[0]);
    const double inputA = sdrDb(a, mixed), inputB = sdrDb(b, mixed);
    CAPTURE(sdrA, sdrB, inputA, inputB);
    REQUIRE(sdrA > inputA + 6.0);
    REQUIRE(sdrB > inputB + 6.0);

    // The groups follow the library's source order, and do not depend on the threads.
    const TemplateLibrary reversed = libraries(settings.stft, true);
    const ComponentGroups swapped = groupComponentsByLibrary(d.V, d.W, d.H, reversed, d.analysis, 1);
    REQUIRE(swapped == ComponentGroups{d.groups[1], d.groups[0]});
    REQUIRE(groupComponentsByLibrary(d.V, d.W, d.H, library, d.analysis, 2) == d.groups);
    REQUIRE(groupComponentsByLibrary(d.V, d.W, d.H, library, d.analysis, 1) == d.groups);
}

TEST_CASE("soft grouping by libraries shares contested components and keeps the model",
          "[separator][grouping][library][shares]") {
    const std::vector<float> a = tonePart(11), b = clarinetPart(12);
    const std::vector<float> mixed = sumOf(a, b);
    const AudioBuffer mix = monoBuffer(mixed);
    const SeparationSettings settings = smallSeparationSettings(1024, 256, 200);
    REQUIRE(settings.groupingPower == 2.0);  // the default
    const TemplateLibrary library = libraries(settings.stft);
    const int K = 12;
    const Decomposition free = decomposeUnsupervised(mix, K, 0, settings);

    // Shares: every column sums to one; power ∞ is the hard grouping; a larger power is
    // harder (each component's largest share grows), and the largest share is the hard
    // grouping's choice.
    const ComponentGroups hard =
        groupComponentsByLibrary(free.V, free.W, free.H, library, free.analysis);
    const Eigen::MatrixXf soft =
        componentSharesByLibrary(free.V, free.W, free.H, library, free.analysis, 2.0);
    const Eigen::MatrixXf sharper =
        componentSharesByLibrary(free.V, free.W, free.H, library, free.analysis, 8.0);
    const Eigen::MatrixXf oneHot = componentSharesByLibrary(
        free.V, free.W, free.H, library, free.analysis, std::numeric_limits<double>::infinity());
    REQUIRE(soft.rows() == 2);
    REQUIRE(soft.cols() == K);
    int shared = 0;
    for (int s = 0; s < 2; ++s) {
        for (int k : hard[static_cast<std::size_t>(s)]) {
            CAPTURE(s, k, soft.col(k).transpose(), sharper.col(k).transpose());
            CHECK(std::abs(soft.col(k).sum() - 1.0f) <= 1e-5f);
            CHECK(oneHot(s, k) == 1.0f);
            CHECK(oneHot(1 - s, k) == 0.0f);
            CHECK(soft(s, k) >= 0.5f);
            CHECK(sharper(s, k) >= soft(s, k));
            if (soft(s, k) < 0.99f) ++shared;
        }
    }
    CHECK(shared >= 1);  // this scene has contested components

    // The decomposition: the free factorisation's components, shared ones split into
    // copies (splitSharedComponents), so the model W·H is unchanged.
    const Decomposition d = decomposeGroupedByLibrary(mix, K, library, settings);
    const SharedComponents split = splitSharedComponents(free.W, free.H, soft);
    REQUIRE(d.W == split.W);
    REQUIRE(d.H == split.H);
    REQUIRE(d.groups == split.groups);
    REQUIRE(d.W.cols() > K);
    requirePartition(d.groups, static_cast<int>(d.W.cols()));
    const Matrix model = free.W * free.H;
    CHECK((d.W * d.H - model).norm() <= 1e-5f * model.norm());

    // The stems sum to the mix and are the instruments, as with the hard grouping.
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(stems.size() == 2);
    REQUIRE(stemsSumError(stems, mixed) <= 1e-5);
    SeparationSettings hardSettings = settings;
    hardSettings.groupingPower = std::numeric_limits<double>::infinity();
    const std::vector<Stem> hardStems =
        renderStems(mix, decomposeGroupedByLibrary(mix, K, library, hardSettings), settings);
    const double sdrA = sdrDb(a, stems[0].audio.channels[0]);
    const double sdrB = sdrDb(b, stems[1].audio.channels[0]);
    const double hardA = sdrDb(a, hardStems[0].audio.channels[0]);
    const double hardB = sdrDb(b, hardStems[1].audio.channels[0]);
    CAPTURE(sdrA, sdrB, hardA, hardB);
    REQUIRE(sdrA > sdrDb(a, mixed) + 6.0);
    REQUIRE(sdrB > sdrDb(b, mixed) + 6.0);
    // Where the grouping is clear, as here (17-20 dB), sharing costs little.
    CHECK(sdrA > hardA - 1.0);
    CHECK(sdrB > hardB - 1.0);
}

TEST_CASE("the grouping power must be > 0", "[separator][grouping][library][shares]") {
    const AudioBuffer mix = monoBuffer(tonePart(41));
    SeparationSettings settings = smallSeparationSettings(1024, 256, 30);
    const TemplateLibrary library = libraries(settings.stft);
    const Decomposition d = decomposeUnsupervised(mix, 4, 0, settings);
    for (const double power : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
        CAPTURE(power);
        REQUIRE_THROWS_WITH(
            componentSharesByLibrary(d.V, d.W, d.H, library, d.analysis, power),
            Catch::Contains("the grouping power must be > 0 (infinity = hard grouping)"));
        settings.groupingPower = power;
        REQUIRE_THROWS_AS(decomposeGroupedByLibrary(mix, 4, library, settings), InvalidArgument);
    }
}

TEST_CASE("a library learned at another FFT size is resampled for grouping",
          "[separator][grouping][library]") {
    const std::vector<float> a = tonePart(31), b = clarinetPart(32);
    const std::vector<float> mixed = sumOf(a, b);
    const AudioBuffer mix = monoBuffer(mixed);
    const SeparationSettings settings = smallSeparationSettings(1024, 256, 200);
    const Decomposition d = decomposeUnsupervised(mix, 12, 0, settings);

    // Learned at FFT 2048 / hop 512: bins of 7.8 Hz, mapped onto the analysis' 15.6 Hz.
    const TemplateLibrary other = libraries(stftSettingsFor(2048, 512));
    REQUIRE(other.bins() == 1025);
    const ComponentGroups groups = groupComponentsByLibrary(d.V, d.W, d.H, other, d.analysis);
    requirePartition(groups, 12);
    requireTrueGrouping(a, b, d, groups, settings);

    // Named stems from the resampled library still beat the mix clearly.
    Decomposition named = d;
    named.groups = groups;
    named.sourceNames = {"tone", "clarinet"};
    const std::vector<Stem> stems = renderStems(mix, named, settings);
    CHECK(sdrDb(a, stems[0].audio.channels[0]) > sdrDb(a, mixed) + 6.0);
    CHECK(sdrDb(b, stems[1].audio.channels[0]) > sdrDb(b, mixed) + 6.0);
}

TEST_CASE("grouping by library refuses shapes and libraries that do not fit",
          "[separator][grouping][library]") {
    const AudioBuffer mix = monoBuffer(tonePart(41));
    const SeparationSettings settings = smallSeparationSettings(1024, 256, 30);
    const Decomposition d = decomposeUnsupervised(mix, 4, 0, settings);
    const TemplateLibrary library = libraries(settings.stft);

    // Templates on another grid than the analysis says.
    AnalysisSettings wrong = d.analysis;
    wrong.stft = stftSettingsFor(2048, 512);
    REQUIRE_THROWS_WITH(groupComponentsByLibrary(d.V, d.W, d.H, library, wrong),
                        Catch::Contains("FFT size 2048 gives 1025"));
    // Activations that do not match the templates or the spectrogram.
    REQUIRE_THROWS_AS(groupComponentsByLibrary(d.V, d.W, d.H.topRows(3), library, d.analysis),
                      InvalidArgument);
    REQUIRE_THROWS_AS(groupComponentsByLibrary(d.V, d.W, d.H.leftCols(5), library, d.analysis),
                      InvalidArgument);
    // More library sources than components; no sources at all.
    REQUIRE_THROWS_WITH(groupComponentsByLibrary(d.V, d.W.leftCols(1), d.H.topRows(1), library,
                                                 d.analysis),
                        Catch::Contains("cannot group 1 components into the 2 sources"));
    REQUIRE_THROWS_WITH(decomposeGroupedByLibrary(mix, 1, library, settings),
                        Catch::Contains("every source needs a component"));
    TemplateLibrary single = library;
    single.sources.resize(1);
    REQUIRE_THROWS_WITH(decomposeGroupedByLibrary(mix, 4, single, settings),
                        Catch::Contains("needs at least 2 sources to choose between, but the "
                                        "library holds only 'tone'"));
    TemplateLibrary empty;
    empty.settings = library.settings;
    REQUIRE_THROWS_AS(groupComponentsByLibrary(d.V, d.W, d.H, empty, d.analysis), InvalidArgument);
    // A source whose templates do not have its own FFT size's bins.
    TemplateLibrary broken = library;
    broken.sources[1].templates = Matrix::Ones(100, 3);
    REQUIRE_THROWS_AS(groupComponentsByLibrary(d.V, d.W, d.H, broken, d.analysis), LibraryError);
}

TEST_CASE("grouping by libraries with restarts combines single runs aligned by source name",
          "[separator][grouping][library][ensemble]") {
    const std::vector<float> a = tonePart(11), b = clarinetPart(12);
    const std::vector<float> mixed = sumOf(a, b);
    const AudioBuffer mix = monoBuffer(mixed);
    SeparationSettings settings = smallSeparationSettings(1024, 256, 200);
    const TemplateLibrary library = libraries(settings.stft);
    const int K = 12, M = 3;
    settings.nmf.seed = 4;
    settings.unsupervisedRestarts = M;

    const Decomposition d = decomposeGroupedByLibrary(mix, K, library, settings);
    REQUIRE(d.sourceNames == std::vector<std::string>{"tone", "clarinet"});
    REQUIRE(d.memberStarts.size() == M);
    REQUIRE(d.memberStarts[0] == 0);
    requirePartition(d.groups, static_cast<int>(d.W.cols()));
    for (int m = 0; m < M; ++m) {
        CAPTURE(m);
        SeparationSettings single = settings;
        single.unsupervisedRestarts = 1;
        single.nmf.seed = settings.nmf.seed + static_cast<std::uint64_t>(m);
        const Decomposition run = decomposeGroupedByLibrary(mix, K, library, single);
        REQUIRE(run.memberStarts.empty());
        // Each member's block is its single run (components shared by the soft grouping
        // split as there), activations / M.
        const int start = d.memberStarts[static_cast<std::size_t>(m)];
        const int size = static_cast<int>(run.W.cols());
        REQUIRE(size >= K);
        REQUIRE(start + size ==
                (m + 1 < M ? d.memberStarts[static_cast<std::size_t>(m) + 1] : d.W.cols()));
        REQUIRE(d.W.middleCols(start, size) == run.W);
        REQUIRE(d.H.middleRows(start, size) == run.H * (1.0f / static_cast<float>(M)));
        // Source s of every member is the library's source s: the single run's groups,
        // shifted to the member's block, in the same order.
        for (std::size_t s = 0; s < 2; ++s) {
            std::vector<int> block;
            for (int k : d.groups[s])
                if (k >= start && k < start + size) block.push_back(k - start);
            REQUIRE(block == run.groups[s]);
        }
    }
    // The named stems are the instruments and sum to the mix.
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(stemsSumError(stems, mixed) <= 1e-5);
    const double sdrA = sdrDb(a, stems[0].audio.channels[0]);
    const double sdrB = sdrDb(b, stems[1].audio.channels[0]);
    CAPTURE(sdrA, sdrB);
    REQUIRE(sdrA > sdrDb(a, mixed) + 6.0);
    REQUIRE(sdrB > sdrDb(b, mixed) + 6.0);
}

// learnTemplatesTogether: several sources in one library, plain and discriminative.

#include "demix/separator.hpp"

#include "test_separator_signals.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings settingsFor(int rounds) {
    SeparationSettings s = smallSeparationSettings(1024, 256, 100);
    s.discriminativeIterations = rounds;
    s.frozenIterations = 25;
    return s;
}

/// A second pitched instrument whose partials coincide with harmonics of harmonicTone's
/// (notes an octave and a fifth above its pitches, 4 equal harmonics): the two libraries
/// can explain part of each other.
std::vector<float> brightTone(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    const double pitches[] = {440.0, 554.4, 660.0};
    std::vector<float> x(n, 0.0f);
    const std::size_t note = static_cast<std::size_t>(0.2 * kTestRate);
    for (std::size_t start = 0; start < n; start += note) {
        const double f0 = pitches[rng() % 3];
        for (std::size_t i = 0; i < note && start + i < n; ++i) {
            const double t = static_cast<double>(i) / kTestRate;
            const double envelope = std::exp(-3.0 * t) * std::min(1.0, t * 100.0);
            double v = 0.0;
            for (int h = 1; h <= 4; ++h) v += std::sin(2.0 * M_PI * f0 * h * t);
            x[start + i] = static_cast<float>(0.1 * envelope * v);
        }
    }
    return x;
}

/// Σ_s d_KL(V_s | W_s H_s), H the activations of the mix of `a` and `b` solved with the
/// library frozen: how well each source's part of the mix rebuilds that source.
double ownSourceError(const TemplateLibrary& library, const std::vector<float>& a,
                      const std::vector<float>& b, const SeparationSettings& settings) {
    std::vector<float> sum(a.size());
    for (std::size_t n = 0; n < a.size(); ++n) sum[n] = a[n] + b[n];
    SeparationSettings frozen = settings;
    frozen.adaptIterations = 0;
    const Decomposition d = decomposeSupervised(monoBuffer(sum), library, 0, frozen);
    const Stft stft(settings.stft);
    double error = 0.0;
    const std::vector<float>* own[] = {&a, &b};
    for (int s = 0; s < 2; ++s) {
        const Matrix Vs = stft.forward(own[s]->data(), own[s]->size()).cwiseAbs();
        Matrix part = Matrix::Zero(Vs.rows(), Vs.cols());
        for (int k : d.groups[static_cast<std::size_t>(s)]) part += d.W.col(k) * d.H.row(k);
        error += divergence(Vs, part, Objective::KullbackLeibler);
    }
    return error;
}

}  // namespace

TEST_CASE("learnTemplatesTogether without refinement is learnTemplates per source",
          "[separator][together]") {
    const std::size_t n = static_cast<std::size_t>(2.0 * kTestRate);
    const SeparationSettings settings = settingsFor(0);
    const std::vector<SourceClips> sources{
        {"tone", {monoBuffer(harmonicTone(n, 1)), monoBuffer(harmonicTone(n / 2, 2))}, 6},
        {"noise", {monoBuffer(noiseBursts(n, 3))}, 4}};
    const TemplateLibrary together = learnTemplatesTogether(sources, settings);
    REQUIRE(together.sources.size() == 2);
    CHECK(together.sources[0].name == "tone");
    CHECK(together.sources[1].name == "noise");
    for (std::size_t s = 0; s < 2; ++s) {
        const TemplateLibrary alone = learnTemplates(sources[s].clips, sources[s].name,
                                                     sources[s].components, settings);
        CHECK(together.sources[s].templates == alone.sources[0].templates);  // bit-identical
    }
    CHECK(together.settings.stft.fftSize == 1024);
    CHECK(together.settings.sampleRate == kTestRate);
}

TEST_CASE("discriminative refinement makes each source's part of the training mix rebuild "
          "that source better", "[separator][together]") {
    const std::size_t n = static_cast<std::size_t>(3.0 * kTestRate);
    const std::vector<float> a = harmonicTone(n, 11), b = brightTone(n * 2 / 3, 12);
    const std::vector<SourceClips> sources{{"low", {monoBuffer(a)}, 6}, {"high", {monoBuffer(b)}, 6}};
    const TemplateLibrary plain = learnTemplatesTogether(sources, settingsFor(0));
    const TemplateLibrary refined = learnTemplatesTogether(sources, settingsFor(60));

    REQUIRE(refined.sources.size() == 2);
    for (std::size_t s = 0; s < 2; ++s) {
        const Matrix& W = refined.sources[s].templates;
        REQUIRE(W.rows() == plain.sources[s].templates.rows());
        REQUIRE(W.cols() == 6);
        CHECK(W.allFinite());
        CHECK(W.minCoeff() >= 0.0f);
        for (Eigen::Index k = 0; k < W.cols(); ++k) CHECK(W.col(k).sum() == Approx(1.0f).epsilon(1e-4));
        CHECK(W != plain.sources[s].templates);  // something was learned
    }
    // The training mix is the clips summed with the shorter one looped: rebuild it here.
    std::vector<float> looped(n);
    for (std::size_t i = 0; i < n; ++i) looped[i] = b[i % b.size()];
    const SeparationSettings measure = settingsFor(0);
    const double before = ownSourceError(plain, a, looped, measure);
    const double after = ownSourceError(refined, a, looped, measure);
    INFO("own-source KL error in the training mix: plain " << before << ", refined " << after);
    CHECK(after < 0.95 * before);  // measured: 11 % lower

    // Deterministic.
    const TemplateLibrary again = learnTemplatesTogether(sources, settingsFor(60));
    for (std::size_t s = 0; s < 2; ++s) CHECK(again.sources[s].templates == refined.sources[s].templates);
}

TEST_CASE("with restarts, every template set is refined as if it were the only one",
          "[separator][together][ensemble]") {
    const std::size_t n = static_cast<std::size_t>(2.0 * kTestRate);
    const std::vector<SourceClips> sources{{"low", {monoBuffer(harmonicTone(n, 11))}, 4},
                                           {"high", {monoBuffer(brightTone(n, 12))}, 4}};
    SeparationSettings settings = settingsFor(20);
    settings.learningRestarts = 2;
    const TemplateLibrary both = learnTemplatesTogether(sources, settings);
    REQUIRE(both.ensembleSize() == 2);
    for (int r = 0; r < 2; ++r) {
        CAPTURE(r);
        // Set r of the ensemble = the one-set library learned and refined from seed r.
        SeparationSettings one = settingsFor(20);
        one.nmf.seed = static_cast<std::uint64_t>(r);
        const TemplateLibrary single = learnTemplatesTogether(sources, one);
        SeparationSettings unrefined = settingsFor(0);
        unrefined.nmf.seed = one.nmf.seed;
        const TemplateLibrary plain = learnTemplatesTogether(sources, unrefined);
        for (std::size_t s = 0; s < 2; ++s) {
            const Matrix& set = r == 0 ? both.sources[s].templates : both.sources[s].alternates[0];
            CHECK(set == single.sources[s].templates);  // bit-identical
            CHECK(set != plain.sources[s].templates);   // and refined
        }
    }
}

TEST_CASE("learnTemplatesTogether checks its inputs", "[separator][together]") {
    const std::size_t n = static_cast<std::size_t>(1.0 * kTestRate);
    const SeparationSettings settings = settingsFor(5);
    CHECK_THROWS_AS(learnTemplatesTogether({}, settings), InvalidArgument);
    const SourceClips tone{"tone", {monoBuffer(harmonicTone(n, 1))}, 4};
    CHECK_THROWS_WITH(learnTemplatesTogether({tone, tone}, settings),
                      Catch::Contains("'tone' is given twice"));
    CHECK_THROWS_WITH(learnTemplatesTogether({tone, {"empty", {}, 4}}, settings),
                      Catch::Contains("'empty' needs at least one clip"));
    AudioBuffer other = monoBuffer(noiseBursts(n, 2));
    other.sampleRate = 8000.0;
    CHECK_THROWS_WITH(learnTemplatesTogether({tone, {"noise", {other}, 4}}, settings),
                      Catch::Contains("differ in sample rate"));
    SeparationSettings negative = settings;
    negative.discriminativeIterations = -1;
    CHECK_THROWS_AS(learnTemplatesTogether({tone}, negative), InvalidArgument);
    // One source: nothing to be discriminative against; the plain library comes back.
    CHECK(learnTemplatesTogether({tone}, settings).sources[0].templates ==
          learnTemplates(tone.clips, "tone", 4, settings).sources[0].templates);
}

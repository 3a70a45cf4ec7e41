// The spatial (multichannel) Wiener filter of stereo stems: the model on its own
// (engine/src/spatial_wiener.hpp) and through renderStems.

#include "../../engine/src/spatial_wiener.hpp"
#include "demix/separator.hpp"

#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace demix;
using namespace demix::testing;
using detail::StereoSpatialModel;

namespace {

/// S random masks for one frame (bins × 1 each), non-negative, summing to one per bin.
std::vector<Matrix> randomMasks(int sources, Eigen::Index bins, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<Matrix> masks(static_cast<std::size_t>(sources), Matrix(bins, 1));
    for (Eigen::Index f = 0; f < bins; ++f) {
        float sum = 0.0f;
        for (auto& m : masks) sum += (m(f, 0) = u(rng) * u(rng));
        for (auto& m : masks) m(f, 0) /= sum;
    }
    return masks;
}

ComplexMatrix randomFrame(Eigen::Index bins, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 1.0f);
    ComplexMatrix x(bins, 2);
    for (Eigen::Index f = 0; f < bins; ++f)
        for (Eigen::Index c = 0; c < 2; ++c) x(f, c) = {n(rng), n(rng)};
    return x;
}

/// SDR of a stereo estimate against a stereo reference, over both channels.
double stereoSdr(const std::vector<std::vector<float>>& reference, const AudioBuffer& estimate) {
    std::vector<float> ref, est;
    for (std::size_t c = 0; c < 2; ++c) {
        ref.insert(ref.end(), reference[c].begin(), reference[c].end());
        est.insert(est.end(), estimate.channels[c].begin(), estimate.channels[c].end());
    }
    return sdrDb(ref, est);
}

}  // namespace

TEST_CASE("spatial model: identity at first, filters sum to the identity, learns a pan",
          "[separator][spatial]") {
    const Eigen::Index bins = 33;
    const int sources = 3;
    StereoSpatialModel model(sources, bins);
    const ComplexMatrix x = randomFrame(bins, 1);
    const std::vector<Matrix> masks = randomMasks(sources, bins, 2);

    // Before any update every R_s = I: the estimates are exactly the masks times the mix.
    std::vector<ComplexMatrix> y;
    model.filter(x, masks, 0, y);
    REQUIRE(y.size() == 3);
    for (int s = 0; s < sources; ++s)
        for (Eigen::Index f = 0; f < bins; ++f)
            for (Eigen::Index c = 0; c < 2; ++c)
                REQUIRE(std::abs(y[s](f, c) - masks[s](f, 0) * x(f, c)) < 1e-6f * std::abs(x(f, c)) + 1e-7f);

    // accumulateMasked gathers what filter + accumulate gather from the identity model.
    {
        StereoSpatialModel direct(sources, bins), shortcut(sources, bins);
        for (std::uint32_t t = 0; t < 6; ++t) {
            const ComplexMatrix frame = randomFrame(bins, 300 + t);
            const std::vector<Matrix> m = randomMasks(sources, bins, 400 + t);
            direct.filter(frame, m, 0, y);
            direct.accumulate(y);
            shortcut.accumulateMasked(frame, m, 0);
        }
        REQUIRE(direct.isIdentity());
        direct.update();
        shortcut.update();
        REQUIRE_FALSE(direct.isIdentity());
        for (int s = 0; s < sources; ++s)
            for (Eigen::Index f = 0; f < bins; ++f) {
                double a00, a11, b00, b11;
                std::complex<double> a01, b01;
                direct.covariance(s, f, a00, a11, a01);
                shortcut.covariance(s, f, b00, b11, b01);
                REQUIRE(a00 == Approx(b00).epsilon(1e-5));
                REQUIRE(a11 == Approx(b11).epsilon(1e-5));
                REQUIRE(std::abs(a01 - b01) < 1e-5);
            }
    }

    // Source 0 only ever in the left channel, source 1 in both in phase, source 2 random.
    for (std::uint32_t t = 0; t < 40; ++t) {
        std::vector<ComplexMatrix> e{randomFrame(bins, 10 + t), randomFrame(bins, 100 + t),
                                     randomFrame(bins, 1000 + t)};
        e[0].col(1).setZero();
        e[1].col(1) = e[1].col(0);
        model.accumulate(e);
    }
    model.update();
    double r00, r11;
    std::complex<double> r01;
    model.covariance(0, 5, r00, r11, r01);  // hard left: trace 2 all on the left
    REQUIRE(r00 == Approx(2.0 + StereoSpatialModel::kLoading));
    REQUIRE(r11 == Approx(StereoSpatialModel::kLoading));
    REQUIRE(std::abs(r01) < 1e-12);
    model.covariance(1, 7, r00, r11, r01);  // centred, coherent: [[1, 1], [1, 1]]
    REQUIRE(r00 == Approx(1.0 + StereoSpatialModel::kLoading));
    REQUIRE(r11 == Approx(1.0 + StereoSpatialModel::kLoading));
    REQUIRE(r01.real() == Approx(1.0));
    REQUIRE(r01.imag() == Approx(0.0).margin(1e-9));

    // With any model the estimates sum to the mix (Σ_s m_s R_s Σ⁻¹ = I).
    for (std::uint32_t trial = 0; trial < 5; ++trial) {
        const ComplexMatrix mix = randomFrame(bins, 50 + trial);
        model.filter(mix, randomMasks(sources, bins, 60 + trial), 0, y);
        const ComplexMatrix sum = y[0] + y[1] + y[2];
        REQUIRE((sum - mix).norm() < 1e-5 * mix.norm());
    }

    // A bin where the left-only source holds all the power share gets the left channel
    // only: the filter puts what is in the right channel elsewhere.
    std::vector<Matrix> share(3, Matrix::Zero(bins, 1));
    share[0].setConstant(0.5f);
    share[1].setConstant(0.5f);
    model.filter(x, share, 0, y);
    for (Eigen::Index f = 0; f < bins; ++f) {
        REQUIRE(std::abs(y[2](f, 0)) < 1e-6f);  // no power share, no estimate
        REQUIRE(std::abs(y[0](f, 1)) < 1e-3f * std::abs(x(f, 1)) + 1e-6f);
    }
}

TEST_CASE("spatial filter in renderStems: sums to the mix, masks for a centred mix, "
          "better stems for a panned one", "[separator][spatial]") {
    SeparationSettings settings = smallSeparationSettings(1024, 256, 100);
    const std::size_t trainLength = 3 * static_cast<std::size_t>(kTestRate);
    TemplateLibrary library =
        learnTemplates({monoBuffer(harmonicTone(trainLength, 1))}, "tone", 8, settings);
    library.merge(learnTemplates({monoBuffer(noiseBursts(trainLength, 3))}, "noise", 8, settings),
                  "noise library");

    const std::size_t n = 40003;
    const std::vector<float> tone = harmonicTone(n, 101), noise = noiseBursts(n, 202);

    SECTION("a mono mix in both channels: exactly the masks' stems") {
        AudioBuffer mix = stereoMix(tone, noise, 0.7f, 0.7f, 0.7f, 0.7f);
        const Decomposition d = decomposeSupervised(mix, library, 0, settings);
        SeparationSettings masksOnly = settings;
        masksOnly.spatialPasses = 0;
        const std::vector<Stem> plain = renderStems(mix, d, masksOnly);
        const std::vector<Stem> spatial = renderStems(mix, d, settings);
        for (std::size_t s = 0; s < 2; ++s)
            for (std::size_t c = 0; c < 2; ++c)
                REQUIRE(relativeRms(spatial[s].audio.channels[c], plain[s].audio.channels[c]) < 1e-4);
    }

    SECTION("tone left, noise right: the spatial filter does better than the masks") {
        // The tone is mostly left, the noise mostly right; both leak into the other side.
        const float tl = 0.9f, tr = 0.25f, nl = 0.3f, nr = 0.9f;
        const AudioBuffer mix = stereoMix(tone, noise, tl, nl, tr, nr);
        const Decomposition d = decomposeSupervised(mix, library, 0, settings);
        std::vector<std::vector<float>> toneImage(2, tone), noiseImage(2, noise);
        for (std::size_t i = 0; i < n; ++i) {
            toneImage[0][i] *= tl;
            toneImage[1][i] *= tr;
            noiseImage[0][i] *= nl;
            noiseImage[1][i] *= nr;
        }
        double previous = -1e9;
        for (int passes : {0, 1, 2}) {
            CAPTURE(passes);
            SeparationSettings s = settings;
            s.spatialPasses = passes;
            const std::vector<Stem> stems = renderStems(mix, d, s);
            double worst = 0.0;
            for (std::size_t c = 0; c < 2; ++c) {
                std::vector<float> sum(n);
                for (std::size_t i = 0; i < n; ++i)
                    sum[i] = stems[0].audio.channels[c][i] + stems[1].audio.channels[c][i];
                worst = std::max(worst, relativeRms(sum, mix.channels[c]));
            }
            REQUIRE(worst < 1e-5);
            const double sdr = 0.5 * (stereoSdr(toneImage, stems[0].audio) +
                                      stereoSdr(noiseImage, stems[1].audio));
            CAPTURE(sdr, previous);
            if (passes == 0) REQUIRE(sdr > 8.0);
            if (passes > 0) REQUIRE(sdr > previous + (passes == 1 ? 1.0 : -0.1));
            previous = sdr;
        }
    }

    SECTION("bad settings") {
        const AudioBuffer mix = stereoMix(tone, noise, 1.0f, 0.5f, 0.5f, 1.0f);
        const Decomposition d = decomposeSupervised(mix, library, 0, settings);
        settings.spatialPasses = -1;
        REQUIRE_THROWS_WITH(renderStems(mix, d, settings), Catch::Contains("spatial passes"));
    }
}

TEST_CASE("an analyzer with a stride times larger hop gives every stride-th frame "
          "(the spatial passes' frames)", "[separator][spatial]") {
    const StftSettings base = stftSettingsFor(1024, 256);
    const std::vector<float> x = randomSignal(9001, 5);
    const ComplexMatrix offline = Stft(base).forward(x.data(), x.size());
    const int stride = 2;
    StftSettings strided = base;
    strided.hop = base.hop * stride;
    StreamingStftAnalyzer analyzer;
    analyzer.prepare(strided, strided.hop);
    std::vector<std::complex<float>> frame(static_cast<std::size_t>(base.bins()));
    std::vector<float> padded = x;
    padded.resize(static_cast<std::size_t>(offline.cols()) * base.hop, 0.0f);
    Eigen::Index t = 0;
    for (std::size_t fed = 0; fed + strided.hop <= padded.size(); fed += strided.hop, ++t) {
        REQUIRE(analyzer.push(padded.data() + fed, strided.hop) == strided.hop);
        REQUIRE(analyzer.popFrame(frame.data()));
        const Eigen::Index original = stride * t + stride - 1;
        for (Eigen::Index f = 0; f < base.bins(); ++f)
            REQUIRE(std::abs(frame[static_cast<std::size_t>(f)] - offline(f, original)) <=
                    1e-5f * (1.0f + std::abs(offline(f, original))));
    }
    REQUIRE(t == offline.cols() / stride);
}

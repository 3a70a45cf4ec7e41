// renderStems with its frames split over two workers (the spatial statistics over fixed
// segments, the synthesis over ranges of output samples) must give the same stems, bit for
// bit, as on one thread; errors and cancellation must stop both threads; with masks only
// they are the offline STFT → masks → offline inverse STFT, bit for bit.
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include "../../engine/src/masks_block.hpp"
#include "demix/separator.hpp"
#include "demix/stft.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::testing;

namespace {

struct Scene {
    SeparationSettings settings;
    TemplateLibrary library;
};

Scene scene() {
    Scene s{smallSeparationSettings(512, 128, 30), {}};
    s.settings.nmf.seed = 5;
    s.settings.adaptIterations = 0;
    const std::size_t n = static_cast<std::size_t>(2 * kTestRate);
    s.library = learnTemplates({monoBuffer(harmonicTone(n, 31))}, "tone", 4, s.settings);
    s.library.merge(learnTemplates({monoBuffer(noiseBursts(n, 32))}, "noise", 4, s.settings));
    return s;
}

}  // namespace

TEST_CASE("renderStems on two threads equals one thread bit for bit (masks and spatial filter)",
          "[separator][render]") {
    Scene sc = scene();
    const std::size_t n = static_cast<std::size_t>(3.3 * kTestRate);  // many 64-frame blocks
    const AudioBuffer stereo = stereoMix(harmonicTone(n, 41), noiseBursts(n, 42), 0.9f, 0.3f, 0.2f, 0.8f);
    const AudioBuffer mono = monoBuffer(harmonicTone(n, 43));
    for (const AudioBuffer* mix : {&stereo, &mono}) {
        for (int passes : {0, 2}) {
            CAPTURE(mix->numChannels(), passes);
            SeparationSettings s = sc.settings;
            s.spatialPasses = passes;
            const Decomposition d = decomposeSupervised(*mix, sc.library, 0, s);
            s.threads = 1;
            const std::vector<Stem> one = renderStems(*mix, d, s);
            s.threads = 2;
            std::vector<double> fractions;
            const std::vector<Stem> two = renderStems(*mix, d, s, [&](double f, const std::string&) {
                fractions.push_back(f);
                return true;
            });
            REQUIRE(one.size() == 2);
            REQUIRE(two.size() == 2);
            for (std::size_t k = 0; k < 2; ++k)
                for (std::size_t c = 0; c < mix->numChannels(); ++c)
                    REQUIRE(one[k].audio.channels[c] == two[k].audio.channels[c]);
            REQUIRE(fractions.size() > 4);
            for (std::size_t i = 1; i < fractions.size(); ++i) REQUIRE(fractions[i] >= fractions[i - 1]);
            CHECK(fractions.back() == 1.0);
        }
    }
    SECTION("cancelling stops the helper thread too") {
        SeparationSettings s = sc.settings;
        s.spatialPasses = 2;
        s.threads = 2;
        const Decomposition d = decomposeSupervised(stereo, sc.library, 0, s);
        for (int stopAt : {1, 3, 7}) {
            int calls = 0;
            REQUIRE_THROWS_AS(renderStems(stereo, d, s, [&](double, const std::string&) { return ++calls < stopAt; }),
                              Cancelled);
        }
    }
}

TEST_CASE("renderStems with masks only is the offline STFT, masks and inverse STFT, bit for bit",
          "[separator][render]") {
    Scene sc = scene();
    const std::size_t n = static_cast<std::size_t>(2.7 * kTestRate);
    const AudioBuffer stereo = stereoMix(harmonicTone(n, 51), noiseBursts(n, 52), 0.7f, 0.4f, 0.3f, 0.9f);
    SeparationSettings s = sc.settings;
    s.spatialPasses = 0;
    const Decomposition d = decomposeSupervised(stereo, sc.library, 0, s);
    // Reference: whole-channel offline STFT, the masks of each 64-frame block (as the
    // render computes them), mask × spectrum through an aligned vector, offline inverse.
    const Stft stft(d.analysis.stft);
    const Eigen::Index frames = d.H.cols(), bins = d.W.rows();
    std::vector<std::vector<std::vector<float>>> want(d.groups.size());
    std::vector<ComplexMatrix> X;
    for (const auto& channel : stereo.channels) X.push_back(stft.forward(channel.data(), n));
    std::vector<ComplexMatrix> masked(d.groups.size() * 2, ComplexMatrix(bins, frames));
    std::vector<Matrix> block;
    Eigen::Matrix<std::complex<float>, Eigen::Dynamic, 1> column(bins);
    for (Eigen::Index first = 0; first < frames; first += 64) {
        const Eigen::Index count = std::min<Eigen::Index>(64, frames - first);
        detail::wienerMasksBlock(d.W, d.H, d.groups, s.alpha, first, count, block);
        for (std::size_t k = 0; k < d.groups.size(); ++k)
            for (std::size_t c = 0; c < 2; ++c)
                for (Eigen::Index j = 0; j < count; ++j) {
                    column = X[c].col(first + j).cwiseProduct(block[k].col(j).cast<std::complex<float>>());
                    masked[k * 2 + c].col(first + j) = column;
                }
    }
    for (std::size_t k = 0; k < d.groups.size(); ++k)
        for (std::size_t c = 0; c < 2; ++c) want[k].push_back(stft.inverse(masked[k * 2 + c], n));
    for (int threads : {1, 2, 4}) {
        CAPTURE(threads);
        s.threads = threads;
        const std::vector<Stem> got = renderStems(stereo, d, s);
        REQUIRE(got.size() == d.groups.size());
        for (std::size_t k = 0; k < got.size(); ++k)
            for (std::size_t c = 0; c < 2; ++c) REQUIRE(got[k].audio.channels[c] == want[k][c]);
    }
}

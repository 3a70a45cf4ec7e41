// renderStems with a helper thread (analysis, masks and the spatial filter made one block of
// frames ahead of the statistics and the synthesis) must give the same stems, bit for
// bit, as on one thread; errors and cancellation must stop both threads.
#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include "demix/separator.hpp"

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

// Restart ensembles: learnTemplates with SeparationSettings::learningRestarts > 1 keeps
// every restart's templates (SourceTemplates::alternates); decomposeSupervised averages
// the members' models.
#include "demix/separator.hpp"

#include "test_separator_signals.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace demix;
using namespace demix::testing;

namespace {

SeparationSettings ensembleSettings(int restarts) {
    SeparationSettings s = smallSeparationSettings(1024, 256, 120);
    s.learningRestarts = restarts;
    return s;
}

bool sameBits(const Matrix& a, const Matrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

TemplateLibrary toneAndNoise(const SeparationSettings& settings) {
    const std::size_t n = 2 * static_cast<std::size_t>(kTestRate);
    TemplateLibrary library = learnTemplates({monoBuffer(harmonicTone(n, 1))}, "tone", 6, settings);
    library.merge(learnTemplates({monoBuffer(noiseBursts(n, 3))}, "noise", 6, settings), "noise");
    return library;
}

AudioBuffer mixOf(const std::vector<float>& a, const std::vector<float>& b) {
    AudioBuffer mix = monoBuffer(a);
    for (std::size_t i = 0; i < a.size(); ++i) mix.channels[0][i] += b[i];
    return mix;
}

double sumError(const std::vector<Stem>& stems, const AudioBuffer& mix) {
    std::vector<float> sum(mix.numSamples(), 0.0f);
    for (const Stem& stem : stems)
        for (std::size_t n = 0; n < sum.size(); ++n) sum[n] += stem.audio.channels[0][n];
    return relativeRms(sum, mix.channels[0]);
}

}  // namespace

TEST_CASE("learning restarts: the first set is the single-start library, each further set "
          "a single start from the next seed", "[ensemble]") {
    const std::size_t n = 2 * static_cast<std::size_t>(kTestRate);
    const std::vector<AudioBuffer> clips{monoBuffer(harmonicTone(n, 1))};
    SeparationSettings settings = ensembleSettings(3);
    settings.nmf.seed = 7;
    std::vector<double> fractions;
    int objectives = 0;
    settings.onObjective = [&](int, double) { ++objectives; };
    const TemplateLibrary ensemble = learnTemplates(
        clips, "tone", 5, settings, [&](double f, const std::string&) {
            fractions.push_back(f);
            return true;
        });
    REQUIRE(ensemble.ensembleSize() == 3);
    REQUIRE(ensemble.sources[0].alternates.size() == 2);

    SeparationSettings single = ensembleSettings(1);
    int singleObjectives = 0;
    single.onObjective = [&](int, double) { ++singleObjectives; };
    for (int r = 0; r < 3; ++r) {
        CAPTURE(r);
        single.nmf.seed = 7 + static_cast<std::uint64_t>(r);
        const TemplateLibrary one = learnTemplates(clips, "tone", 5, single);
        REQUIRE(one.ensembleSize() == 1);
        const Matrix& set = r == 0 ? ensemble.sources[0].templates
                                   : ensemble.sources[0].alternates[static_cast<std::size_t>(r - 1)];
        REQUIRE(sameBits(set, one.sources[0].templates));
        if (r == 0) REQUIRE(objectives == singleObjectives);  // only the first restart reports
    }
    // Different random starts end in different templates.
    REQUIRE((ensemble.sources[0].templates - ensemble.sources[0].alternates[0]).norm() > 1e-3);
    // Progress is monotone over all restarts and reaches the end.
    REQUIRE(std::is_sorted(fractions.begin(), fractions.end()));
    REQUIRE(fractions.back() == Approx(1.0));

    SeparationSettings none = ensembleSettings(0);
    REQUIRE_THROWS_WITH(learnTemplates(clips, "tone", 5, none), Catch::Contains("at least 1 restart"));
}

TEST_CASE("an ensemble library separates with the mean of its members' models", "[ensemble]") {
    const SeparationSettings settings = ensembleSettings(3);
    const TemplateLibrary library = toneAndNoise(settings);
    REQUIRE(library.ensembleSize() == 3);
    const std::size_t n = 48001;
    const std::vector<float> tone = harmonicTone(n, 101);
    const std::vector<float> noise = noiseBursts(n, 202);
    const AudioBuffer mix = mixOf(tone, noise);

    const Decomposition d = decomposeSupervised(mix, library, 0, settings);
    REQUIRE(d.W.cols() == 3 * 12);
    REQUIRE(d.sourceNames == std::vector<std::string>{"tone", "noise"});
    // Member m's components follow member m − 1's; each source owns its 6 in every member.
    REQUIRE(d.groups[0] == std::vector<int>{0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 24, 25, 26, 27, 28, 29});
    REQUIRE(d.groups[1].size() == 18);
    REQUIRE(d.memberStarts == std::vector<int>{0, 12, 24});
    for (int m = 0; m < 3; ++m) {
        CAPTURE(m);
        // Each member is exactly the single-set separation with that member's templates
        // (its activations scaled by 1/3, so W·H is the members' mean model).
        const Decomposition member = decomposeSupervised(mix, library.ensembleMember(m), 0, settings);
        REQUIRE(member.memberStarts.empty());
        REQUIRE(sameBits(d.W.middleCols(12 * m, 12), member.W));
        const Matrix scaled = member.H * (1.0f / 3.0f);
        REQUIRE(sameBits(d.H.middleRows(12 * m, 12), scaled));
        if (m == 0) REQUIRE(d.nmf.objective == member.nmf.objective);  // the first member's curve
    }
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(sumError(stems, mix) < 1e-5);
    CAPTURE(sdrDb(tone, stems[0].audio.channels[0]), sdrDb(noise, stems[1].audio.channels[0]));
    REQUIRE(sdrDb(tone, stems[0].audio.channels[0]) > 10.0);
    REQUIRE(sdrDb(noise, stems[1].audio.channels[0]) > 10.0);

    // Identical members give the single-set separation (to float rounding of the sums).
    TemplateLibrary copies = library.ensembleMember(0);
    for (SourceTemplates& source : copies.sources) source.alternates = {source.templates, source.templates};
    const std::vector<Stem> same = renderStems(mix, decomposeSupervised(mix, copies, 0, settings), settings);
    const std::vector<Stem> one = renderStems(
        mix, decomposeSupervised(mix, library.ensembleMember(0), 0, settings), settings);
    for (std::size_t s = 0; s < 2; ++s)
        REQUIRE(relativeRms(same[s].audio.channels[0], one[s].audio.channels[0]) < 1e-5);
}

TEST_CASE("an ensemble with free components keeps one residual source", "[ensemble]") {
    const SeparationSettings settings = ensembleSettings(2);
    TemplateLibrary library = toneAndNoise(settings);
    library.sources.pop_back();  // the tone only: the noise goes to the residual
    const std::size_t n = 48001;
    const std::vector<float> noise = noiseBursts(n, 202);
    const AudioBuffer mix = mixOf(harmonicTone(n, 101), noise);
    const Decomposition d = decomposeSupervised(mix, library, 3, settings);
    REQUIRE(d.sourceNames == std::vector<std::string>{"tone", "residual"});
    REQUIRE(d.groups[0] == std::vector<int>{0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14});
    REQUIRE(d.groups[1] == std::vector<int>{6, 7, 8, 15, 16, 17});
    REQUIRE(d.memberStarts == std::vector<int>{0, 9});
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(sumError(stems, mix) < 1e-5);
    REQUIRE(sdrDb(noise, stems[1].audio.channels[0]) > 3.0);
}

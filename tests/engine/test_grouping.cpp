// Automatic grouping of unsupervised components into sources (groupComponents and
// decomposeUnsupervised): two synthetic instruments with distinct timbres.

#include "demix/separator.hpp"

#include "test_separator_signals.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace demix;
using namespace demix::testing;

namespace {

/// A clarinet-like instrument: odd harmonics only (1/h), notes of 0.3 s from
/// {392, 466, 523} Hz with a soft attack, sustained; other pitches than harmonicTone.
std::vector<float> oddHarmonicTone(std::size_t n, std::uint32_t seed, float gain = 0.3f) {
    std::mt19937 rng(seed);
    const double pitches[] = {392.0, 466.2, 523.3};
    std::vector<float> x(n, 0.0f);
    const std::size_t note = static_cast<std::size_t>(0.3 * kTestRate);
    for (std::size_t start = 0; start < n; start += note) {
        const double f0 = pitches[rng() % 3];
        const double level = 0.5 + 0.5 * (rng() % 100) / 100.0;
        for (std::size_t i = 0; i < note && start + i < n; ++i) {
            const double t = static_cast<double>(i) / kTestRate;
            const double envelope = level * std::min(1.0, t * 40.0) * std::exp(-1.0 * t);
            double v = 0.0;
            for (int h = 1; h <= 15; h += 2) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
            x[start + i] = static_cast<float>(gain * envelope * v);
        }
    }
    return x;
}

/// The better of the two assignments of two anonymous stems: SDR (dB) of each source.
std::pair<double, double> bestSdr(const std::vector<float>& a, const std::vector<float>& b,
                                  const std::vector<Stem>& stems) {
    const double straight = sdrDb(a, stems[0].audio.channels[0]) + sdrDb(b, stems[1].audio.channels[0]);
    const double swapped = sdrDb(a, stems[1].audio.channels[0]) + sdrDb(b, stems[0].audio.channels[0]);
    const std::size_t ia = straight >= swapped ? 0 : 1;
    return {sdrDb(a, stems[ia].audio.channels[0]), sdrDb(b, stems[1 - ia].audio.channels[0])};
}

}  // namespace

TEST_CASE("unsupervised grouping separates two pitched instruments of distinct timbre",
          "[separator][grouping]") {
    const std::size_t n = 4 * static_cast<std::size_t>(kTestRate);
    const std::vector<float> a = harmonicTone(n, 11);
    const std::vector<float> b = oddHarmonicTone(n, 12);
    std::vector<float> mix(n);
    for (std::size_t i = 0; i < n; ++i) mix[i] = a[i] + b[i];
    const AudioBuffer buffer = monoBuffer(mix);
    const SeparationSettings settings = smallSeparationSettings(1024, 256, 200);

    const Decomposition d = decomposeUnsupervised(buffer, 12, 2, settings);
    REQUIRE(d.groups.size() == 2);
    // Deterministic: the same input and settings give the same groups.
    REQUIRE(decomposeUnsupervised(buffer, 12, 2, settings).groups == d.groups);
    REQUIRE(groupComponents(d.W, d.H, 2) == d.groups);

    const std::vector<Stem> stems = renderStems(buffer, d, settings);
    const auto [sdrA, sdrB] = bestSdr(a, b, stems);
    const double inputA = sdrDb(a, mix), inputB = sdrDb(b, mix);
    CAPTURE(sdrA, sdrB, inputA, inputB, d.groups);
    // Two pitched instruments are the hard case for automatic grouping (the timbre
    // feature depends on pitch; see bench/RESULTS.md, "Unsupervised, round 3"): this
    // performance gains 5.8 and 2.8 dB over the mix, other performances 1.5–12.9 dB on
    // average. A degenerate grouping (one source takes everything, or the notes are
    // split by register) leaves one stem at or below the mix: that is what this catches.
    REQUIRE(sdrA > inputA + 2.0);
    REQUIRE(sdrB > inputB + 2.0);
}

// Acceptance target for a pitch-invariant grouping, NOT run by default (hidden tag): the
// current MFCC + co-activation grouping fails it (it returns {0,1,2,3,4,6} / {5,7}: the
// cepstrum of a harmonic comb changes with its pitch more than with its harmonic
// pattern). Run it with `demix_engine_tests "[grouping-target]"`.
TEST_CASE("groupComponents groups the notes of two instruments by timbre and co-activity",
          "[.][grouping-target]") {
    // Templates as a factorisation of a real mix finds them: one per note. Instrument A
    // is bright (all harmonics, 1/h) on low notes, instrument B hollow (odd harmonics,
    // 1/h²) on higher notes; each plays one note at a time, both play throughout, so
    // co-activity alone cannot tell them apart. Bins of 10.77 Hz (4096-point FFT at
    // 44.1 kHz: 2049 bins).
    const Eigen::Index F = 2049, T = 400;
    const double binHz = 22050.0 / static_cast<double>(F - 1);
    const double pitchesA[] = {110.0, 130.8, 146.8, 164.8};
    const double pitchesB[] = {392.0, 440.0, 523.3, 587.3};
    const Eigen::Index K = 8;
    Matrix W = Matrix::Constant(F, K, 1e-6f);
    for (Eigen::Index k = 0; k < K; ++k) {
        const bool a = k % 2 == 0;  // interleaved: A, B, A, B, ...
        const double f0 = a ? pitchesA[k / 2] : pitchesB[k / 2];
        for (int h = 1; f0 * h < 20000.0; h += a ? 1 : 2) {
            const auto bin = static_cast<Eigen::Index>(std::lround(f0 * h / binHz));
            W(bin, k) += static_cast<float>(a ? 1.0 / h : 1.0 / (h * h));
        }
        W.col(k) /= W.col(k).sum();
    }
    std::mt19937 rng(7);
    Matrix H = Matrix::Constant(K, T, 1e-4f);
    for (Eigen::Index t = 0; t < T; t += 10) {  // a new note on each instrument every 10 frames
        const Eigen::Index noteA = 2 * static_cast<Eigen::Index>(rng() % 4);
        const Eigen::Index noteB = 2 * static_cast<Eigen::Index>(rng() % 4) + 1;
        for (Eigen::Index i = 0; i < 10; ++i) {
            H(noteA, t + i) = std::exp(-0.2f * static_cast<float>(i));
            H(noteB, t + i) = 0.7f;
        }
    }
    const ComponentGroups groups = groupComponents(W, H, 2);
    REQUIRE(groups == ComponentGroups{{0, 2, 4, 6}, {1, 3, 5, 7}});
    REQUIRE(groupComponents(W, H, 2) == groups);
}

// The supervised adaptation guard: libraryDistinctness on constructed dictionaries and the
// iterations adaptationIterationsFor leaves (SeparationSettings::adaptMinDistinctness).
#include "demix/separator.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using demix::Matrix;
using demix::SeparationSettings;
using demix::TemplateLibrary;

namespace {

constexpr int kFft = 1024;
constexpr double kRate = 44100.0;
constexpr Eigen::Index kBins = kFft / 2 + 1;

// A harmonic template: Gaussian peaks (2 bins wide) at the multiples of f0 up to `top` Hz,
// each partial 1/h as strong; L1-normalised.
Eigen::VectorXf harmonic(double f0, double top) {
    Eigen::VectorXf w = Eigen::VectorXf::Zero(kBins);
    for (int h = 1; h * f0 < top; ++h) {
        const double bin = h * f0 * kFft / kRate;
        for (Eigen::Index i = 0; i < kBins; ++i) {
            const double d = (double(i) - bin) / 2.0;
            w(i) += float(std::exp(-0.5 * d * d) / h);
        }
    }
    return w / w.sum();
}

// A band of flat noise between lo and hi Hz; L1-normalised.
Eigen::VectorXf band(double lo, double hi) {
    Eigen::VectorXf w = Eigen::VectorXf::Zero(kBins);
    for (Eigen::Index i = 0; i < kBins; ++i) {
        const double f = double(i) * kRate / kFft;
        if (f >= lo && f < hi) w(i) = 1.0f;
    }
    return w / w.sum();
}

Matrix harmonics(double f0First, double ratio, int count, double top) {
    Matrix W(kBins, count);
    for (int k = 0; k < count; ++k) W.col(k) = harmonic(f0First * std::pow(ratio, k), top);
    return W;
}

TemplateLibrary library(const Matrix& a, const Matrix& b) {
    TemplateLibrary lib;
    lib.settings.sampleRate = kRate;
    lib.settings.stft.fftSize = kFft;
    lib.settings.stft.hop = kFft / 4;
    lib.sources.push_back({"a", a, {}});
    lib.sources.push_back({"b", b, {}});
    return lib;
}

SeparationSettings guarded(float guard) {
    SeparationSettings s;
    s.stft.fftSize = kFft;
    s.stft.hop = kFft / 4;
    s.adaptIterations = 50;
    s.adaptMinDistinctness = guard;
    return s;
}

}  // namespace

TEST_CASE("adaptation guard: near-identical dictionaries explain each other, adaptation skipped",
          "[adaptguard]") {
    // Two instruments of one register: the same notes, a quarter tone apart (the same
    // third-octave envelopes).
    const Matrix a = harmonics(220.0, std::pow(2.0, 1.0 / 12.0), 8, 8000.0);
    const Matrix b = harmonics(220.0 * std::pow(2.0, 1.0 / 24.0), std::pow(2.0, 1.0 / 12.0), 8, 8000.0);
    const TemplateLibrary lib = library(a, b);
    std::vector<double> residuals;
    const double d = demix::libraryDistinctness(lib, &residuals);
    REQUIRE(residuals.size() == 2);
    CHECK(residuals[0] < 0.05);
    CHECK(residuals[1] < 0.05);
    CHECK(d == Approx((residuals[0] + residuals[1]) / 2.0));
    CHECK(d < 0.05);

    double seen = 0.0;
    CHECK(demix::adaptationIterationsFor(lib, guarded(0.6f), &seen) == 0);
    CHECK(seen == Approx(d));
    // Off: the adaptation runs in full and the measure is not taken.
    CHECK(demix::adaptationIterationsFor(lib, guarded(0.0f), &seen) == 50);
    CHECK(std::isinf(seen));
}

TEST_CASE("adaptation guard: distinct dictionaries keep the adaptation", "[adaptguard]") {
    // A low harmonic instrument (up to 1 kHz) next to high noise bands (4-16 kHz).
    const Matrix a = harmonics(110.0, std::pow(2.0, 1.0 / 12.0), 8, 1000.0);
    Matrix b(kBins, 4);
    for (int k = 0; k < 4; ++k) b.col(k) = band(4000.0 * std::pow(2.0, k / 2.0), 4000.0 * std::pow(2.0, (k + 2) / 2.0));
    const TemplateLibrary lib = library(a, b);
    std::vector<double> residuals;
    const double d = demix::libraryDistinctness(lib, &residuals);
    REQUIRE(residuals.size() == 2);
    CHECK(residuals[0] > 1.0);
    CHECK(residuals[1] > 1.0);
    CHECK(d > 1.0);
    CHECK(demix::adaptationIterationsFor(lib, guarded(0.6f)) == 50);
}

TEST_CASE("adaptation guard: phased in over the ramp, never for one source",
          "[adaptguard]") {
    const Matrix a = harmonics(220.0, std::pow(2.0, 1.0 / 12.0), 6, 8000.0);
    const Matrix b = harmonics(330.0, std::pow(2.0, 1.0 / 7.0), 6, 3000.0);
    const TemplateLibrary lib = library(a, b);
    const double d = demix::libraryDistinctness(lib);
    REQUIRE(d > 0.2);
    // Half-way up the ramp: half the iterations.
    const float guard = float(d - demix::kAdaptDistinctnessRamp / 2.0);
    CHECK(demix::adaptationIterationsFor(lib, guarded(guard)) == 25);
    CHECK(demix::adaptationIterationsFor(lib, guarded(float(d) + 0.01f)) == 0);
    CHECK(demix::adaptationIterationsFor(lib, guarded(float(d - demix::kAdaptDistinctnessRamp) - 0.01f)) == 50);

    TemplateLibrary one = lib;
    one.sources.pop_back();
    CHECK(std::isinf(demix::libraryDistinctness(one)));
    CHECK(demix::adaptationIterationsFor(one, guarded(0.6f)) == 50);

    SeparationSettings bad = guarded(-1.0f);
    CHECK_THROWS_AS(demix::adaptationIterationsFor(lib, bad), demix::InvalidArgument);
    SeparationSettings none = guarded(0.6f);
    none.adaptIterations = 0;
    CHECK(demix::adaptationIterationsFor(lib, none) == 0);
}

TEST_CASE("adaptation guard: a guarded supervised separation is the unadapted one",
          "[adaptguard]") {
    const Matrix a = harmonics(220.0, std::pow(2.0, 1.0 / 12.0), 4, 8000.0);
    const Matrix b = harmonics(220.0 * std::pow(2.0, 1.0 / 24.0), std::pow(2.0, 1.0 / 12.0), 4, 8000.0);
    const TemplateLibrary lib = library(a, b);
    demix::AudioBuffer mix;
    mix.sampleRate = kRate;
    mix.channels.assign(1, std::vector<float>(8192));
    for (std::size_t i = 0; i < mix.channels[0].size(); ++i)
        mix.channels[0][i] = float(0.3 * std::sin(2.0 * M_PI * 233.0 * double(i) / kRate) +
                                   0.2 * std::sin(2.0 * M_PI * 440.0 * double(i) / kRate));
    SeparationSettings s = guarded(0.6f);
    s.threads = 1;
    s.nmf.maxIterations = 40;
    const demix::Decomposition guardedRun = demix::decomposeSupervised(mix, lib, 0, s);
    SeparationSettings frozen = s;
    frozen.adaptIterations = 0;
    frozen.adaptMinDistinctness = 0.0f;
    const demix::Decomposition frozenRun = demix::decomposeSupervised(mix, lib, 0, frozen);
    CHECK(guardedRun.W == frozenRun.W);
    CHECK(guardedRun.H == frozenRun.H);
    CHECK(guardedRun.W == Matrix([&] { Matrix W(kBins, 8); W << a, b; return W; }()));
    SeparationSettings open = s;
    open.adaptMinDistinctness = 0.0f;
    const demix::Decomposition adapted = demix::decomposeSupervised(mix, lib, 0, open);
    CHECK_FALSE(adapted.W == frozenRun.W);
    // A negative guard is refused even when there is no adaptation to guard.
    SeparationSettings bad = frozen;
    bad.adaptMinDistinctness = -0.5f;
    CHECK_THROWS_WITH(demix::decomposeSupervised(mix, lib, 0, bad),
                      Catch::Contains("adaptMinDistinctness >= 0"));
}

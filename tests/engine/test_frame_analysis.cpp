// Direct frame analysis and mean magnitudes (engine/src/frame_analysis.cpp and
// separator_common.cpp): bit for bit what the offline STFT and std::abs give, whatever the
// order of frames or the number of threads.
#include "../../engine/src/frame_analysis.hpp"
#include "../../engine/src/separator_common.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <complex>
#include <limits>
#include <random>
#include <vector>

using namespace demix;
using demix::testing::randomSignal;
using demix::testing::stftSettingsFor;

TEST_CASE("frame analysis: |X| equals std::abs bit for bit, including edge values", "[stft][render]") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-140, 120);
    std::vector<std::complex<float>> X;
    for (int i = 0; i < 200000; ++i)
        X.emplace_back(std::ldexp(mantissa(rng), exponent(rng)), std::ldexp(mantissa(rng), exponent(rng)));
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    for (const float a : {0.0f, -0.0f, 1e-45f, FLT_MIN, 1.0f, 3e19f, FLT_MAX, -FLT_MAX, inf, -inf, nan})
        for (const float b : {0.0f, 2e-45f, 1.0f, -7e19f, FLT_MAX, inf, nan}) {
            X.emplace_back(a, b);
            X.emplace_back(b, a);
        }
    const auto n = static_cast<std::ptrdiff_t>(X.size());
    std::vector<float> got(X.size()), sum(X.size(), 0.5f);
    detail::addMagnitudes(X.data(), got.data(), n, false);
    detail::addMagnitudes(X.data(), sum.data(), n, true);
    for (std::size_t i = 0; i < X.size(); ++i) {
        CAPTURE(i, X[i].real(), X[i].imag());
        const float want = std::abs(X[i]);
        if (std::isnan(want)) {
            REQUIRE(std::isnan(got[i]));
        } else {
            REQUIRE(got[i] == want);
            REQUIRE(sum[i] == 0.5f + want);
        }
    }
}

TEST_CASE("frame analysis: any frame, in any order, equals the offline STFT's", "[stft][render]") {
    for (const auto& settings : {stftSettingsFor(2048, 512), stftSettingsFor(1000, 250), stftSettingsFor(4096, 1024)}) {
        CAPTURE(settings.fftSize, settings.hop);
        const std::vector<float> x = randomSignal(20000, 3);
        const Stft stft(settings);
        const ComplexMatrix X = stft.forward(x.data(), x.size());
        detail::FrameAnalyzer analyzer(settings);
        std::vector<std::complex<float>> frame(static_cast<std::size_t>(settings.bins()));
        for (long long t = X.cols() - 1; t >= 0; t -= 3) {  // backwards, edges included
            analyzer.analyse(x.data(), x.size(), t, frame.data());
            for (Eigen::Index f = 0; f < X.rows(); ++f) REQUIRE(frame[static_cast<std::size_t>(f)] == X(f, t));
        }
    }
}

TEST_CASE("frame analysis: mean magnitudes are the same bits for every thread count", "[stft][render]") {
    AudioBuffer mix;
    mix.sampleRate = 44100.0;
    mix.channels = {randomSignal(70000, 1), randomSignal(70000, 2, 0.3f)};
    const Stft stft(stftSettingsFor(2048, 512));
    // Reference: the offline STFT of each channel, std::abs, summed in channel order.
    const ComplexMatrix X0 = stft.forward(mix.channels[0].data(), mix.numSamples());
    const ComplexMatrix X1 = stft.forward(mix.channels[1].data(), mix.numSamples());
    Matrix want(X0.rows(), X0.cols());
    for (Eigen::Index t = 0; t < X0.cols(); ++t)
        for (Eigen::Index f = 0; f < X0.rows(); ++f) want(f, t) = (std::abs(X0(f, t)) + std::abs(X1(f, t))) / 2.0f;
    const ProgressCallback none;
    for (int threads : {1, 2, 3, 0}) {
        CAPTURE(threads);
        std::vector<double> fractions;
        const ProgressCallback record = [&](double f, const std::string&) {
            fractions.push_back(f);
            return true;
        };
        const detail::StageProgress progress(record, "analysing", 0.0, 1.0);
        const Matrix V = detail::meanMagnitude(mix, stft, progress, threads);
        REQUIRE(V.rows() == want.rows());
        REQUIRE(V.cols() == want.cols());
        CHECK((V.array() == want.array()).all());
        REQUIRE(!fractions.empty());
        CHECK(fractions.back() == 1.0);
        for (std::size_t i = 1; i < fractions.size(); ++i) CHECK(fractions[i] >= fractions[i - 1]);
    }
    // Cancelling stops every worker and throws on the calling thread.
    const ProgressCallback cancel = [](double f, const std::string&) { return f < 0.3; };
    const detail::StageProgress cancelling(cancel, "analysing", 0.0, 1.0);
    CHECK_THROWS_AS(detail::meanMagnitude(mix, stft, cancelling, 2), Cancelled);
}

TEST_CASE("frame analysis: a stride times larger hop gives every stride-th frame, bit for bit "
          "(the spatial passes' frames)", "[stft][render]") {
    for (const auto& base : {stftSettingsFor(1024, 256), stftSettingsFor(4096, 1024)}) {
        CAPTURE(base.fftSize);
        const std::vector<float> x = randomSignal(30001, 9);
        const ComplexMatrix offline = Stft(base).forward(x.data(), x.size());
        const int stride = base.fftSize / (2 * base.hop);
        StftSettings strided = base;
        strided.hop = base.hop * stride;
        detail::FrameAnalyzer analyzer(strided);
        std::vector<std::complex<float>> frame(static_cast<std::size_t>(base.bins()));
        for (Eigen::Index t = 0; stride * t + stride - 1 < offline.cols(); ++t) {
            analyzer.analyse(x.data(), x.size(), t, frame.data());
            for (Eigen::Index f = 0; f < base.bins(); ++f)
                REQUIRE(frame[static_cast<std::size_t>(f)] == offline(f, stride * t + stride - 1));
        }
    }
}

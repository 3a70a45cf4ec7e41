// The vectorised real FFT (engine/src/fft_real.cpp) against a double-precision DFT:
// forward, inverse (unnormalised, KissFFT's conventions), round trips, impulses, and
// which sizes it takes.
#include "../../engine/src/fft_real.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

using demix::detail::RealFft;

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

std::complex<double> root(long long k, long long n) {  // e^{-2πik/n}, k reduced exactly
    const double phase = kTwoPi * static_cast<double>(((k % n) + n) % n) / static_cast<double>(n);
    return {std::cos(phase), -std::sin(phase)};
}

// e^{-2πim/n} for m < n: the DFT references index it with k·j mod n (exact).
std::vector<std::complex<double>> roots(long long n) {
    std::vector<std::complex<double>> r(static_cast<std::size_t>(n));
    for (long long m = 0; m < n; ++m) r[static_cast<std::size_t>(m)] = root(m, n);
    return r;
}

std::vector<std::complex<double>> naiveForward(const std::vector<float>& x) {
    const long long n = static_cast<long long>(x.size());
    const auto w = roots(n);
    std::vector<std::complex<double>> X(static_cast<std::size_t>(n / 2 + 1));
    for (long long k = 0; k <= n / 2; ++k) {
        std::complex<double> acc = 0.0;
        for (long long j = 0; j < n; ++j)
            acc += static_cast<double>(x[static_cast<std::size_t>(j)]) * w[static_cast<std::size_t>((k * j) % n)];
        X[static_cast<std::size_t>(k)] = acc;
    }
    return X;
}

// Σ over the full Hermitian spectrum built from X[0 … n/2] (imaginary parts of X[0] and
// X[n/2] ignored), unnormalised.
std::vector<double> naiveInverse(const std::vector<std::complex<float>>& X, long long n) {
    const auto w = roots(n);
    std::vector<double> x(static_cast<std::size_t>(n));
    for (long long j = 0; j < n; ++j) {
        double acc = X[0].real() + X[static_cast<std::size_t>(n / 2)].real() * ((j % 2) ? -1.0 : 1.0);
        for (long long k = 1; k < n / 2; ++k) {
            const std::complex<double> v(X[static_cast<std::size_t>(k)].real(), X[static_cast<std::size_t>(k)].imag());
            acc += 2.0 * (v * std::conj(w[static_cast<std::size_t>((k * j) % n)])).real();
        }
        x[static_cast<std::size_t>(j)] = acc;
    }
    return x;
}

std::vector<float> noise(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x(n);
    for (auto& v : x) v = d(rng);
    return x;
}

}  // namespace

TEST_CASE("fft real: which sizes take the vectorised transform", "[stft][fft]") {
#if defined(__AVX2__) && defined(__FMA__)
    for (int n = RealFft::kMinSize; n <= (1 << 24); n *= 2) CHECK(RealFft::supports(n));
#endif
    for (int n : {0, 2, 16, 128, 255, 384, 1000, 6000, 4098, (1 << 25)}) {
        CAPTURE(n);
        CHECK_FALSE(RealFft::supports(n));
    }
}

TEST_CASE("fft real: forward and inverse equal a double-precision DFT", "[stft][fft]") {
    for (int n = RealFft::kMinSize; n <= 8192; n *= 2) {
        if (!RealFft::supports(n)) continue;
        CAPTURE(n);
        RealFft fft(n);
        REQUIRE(fft.size() == n);
        const std::vector<float> x = noise(static_cast<std::size_t>(n), static_cast<unsigned>(n));
        std::vector<std::complex<float>> X(static_cast<std::size_t>(n / 2 + 1));
        fft.forward(x.data(), X.data());
        const auto ref = naiveForward(x);
        double err = 0.0, norm = 0.0;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            err += std::norm(std::complex<double>(X[k].real(), X[k].imag()) - ref[k]);
            norm += std::norm(ref[k]);
        }
        CHECK(X[0].imag() == 0.0f);
        CHECK(X.back().imag() == 0.0f);
        CHECK(std::sqrt(err / norm) < 1e-6);

        // Inverse of an arbitrary spectrum, with junk in the ignored imaginary parts.
        std::vector<std::complex<float>> Y(X.size());
        const std::vector<float> re = noise(Y.size(), 7u * static_cast<unsigned>(n));
        const std::vector<float> im = noise(Y.size(), 11u * static_cast<unsigned>(n));
        for (std::size_t k = 0; k < Y.size(); ++k) Y[k] = {re[k], im[k]};
        std::vector<float> y(static_cast<std::size_t>(n));
        fft.inverse(Y.data(), y.data());
        const std::vector<double> yref = naiveInverse(Y, n);
        err = norm = 0.0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            err += (y[j] - yref[j]) * (y[j] - yref[j]);
            norm += yref[j] * yref[j];
        }
        CHECK(std::sqrt(err / norm) < 1e-6);

        // Round trip: inverse(forward(x)) = n·x.
        fft.inverse(X.data(), y.data());
        err = norm = 0.0;
        for (std::size_t j = 0; j < y.size(); ++j) {
            const double d = y[j] / static_cast<double>(n) - x[j];
            err += d * d;
            norm += static_cast<double>(x[j]) * x[j];
        }
        CHECK(std::sqrt(err / norm) < 1e-6);
    }
}

TEST_CASE("fft real: impulses give pure phase ramps, at the largest STFT sizes too", "[stft][fft]") {
    for (int n : {256, 4096, 65536}) {
        if (!RealFft::supports(n)) continue;
        CAPTURE(n);
        RealFft fft(n);
        std::vector<std::complex<float>> X(static_cast<std::size_t>(n / 2 + 1));
        for (int at : {0, 1, 7, n / 3, n - 1}) {
            CAPTURE(at);
            std::vector<float> x(static_cast<std::size_t>(n), 0.0f);
            x[static_cast<std::size_t>(at)] = 1.0f;
            fft.forward(x.data(), X.data());
            double worst = 0.0;
            for (std::size_t k = 0; k < X.size(); ++k) {
                const std::complex<double> want = root(static_cast<long long>(k) * at, n);
                worst = std::max(worst, std::abs(std::complex<double>(X[k].real(), X[k].imag()) - want));
            }
            CHECK(worst < 1e-5);
            std::vector<float> back(static_cast<std::size_t>(n));
            fft.inverse(X.data(), back.data());
            for (int j = 0; j < n; ++j)
                REQUIRE(std::fabs(back[static_cast<std::size_t>(j)] / n - (j == at ? 1.0f : 0.0f)) < 1e-5f);
        }
    }
}

TEST_CASE("fft real: the same input gives the same bits, whatever the plan object", "[stft][fft]") {
    const int n = 2048;
    if (!RealFft::supports(n)) return;
    RealFft a(n), b(n);
    const std::vector<float> x = noise(n, 3);
    std::vector<std::complex<float>> X1(n / 2 + 1), X2(n / 2 + 1);
    a.forward(x.data(), X1.data());
    b.forward(noise(n, 4).data(), X2.data());  // b's scratch holds another transform
    b.forward(x.data(), X2.data());
    CHECK(X1 == X2);
}

// Offline STFT: forward against a naive DFT, perfect reconstruction, edge cases,
// settings validation, window names, magnitude and multichannel threading.

#include "demix/stft.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

using namespace demix;
using demix::testing::randomSignal;
using demix::testing::relativeRms;
using demix::testing::stftSettingsFor;

namespace {

// Double-precision reference: frame t of x per the documented framing rule.
std::vector<std::complex<double>> naiveFrame(const std::vector<float>& x, const std::vector<float>& w,
                                             int hop, int t) {
    const int N = static_cast<int>(w.size());
    const long long start = static_cast<long long>(t + 1) * hop - N;
    const double twoPi = 6.283185307179586476925286766559;
    std::vector<std::complex<double>> X(static_cast<std::size_t>(N / 2 + 1));
    for (int k = 0; k <= N / 2; ++k) {
        std::complex<double> acc = 0.0;
        for (int n = 0; n < N; ++n) {
            const long long i = start + n;
            const double v = (i >= 0 && i < static_cast<long long>(x.size())) ? x[static_cast<std::size_t>(i)] : 0.0;
            // Reduce k*n mod N exactly so the reference stays accurate for large N.
            const double phase = twoPi * static_cast<double>((static_cast<long long>(k) * n) % N) / N;
            acc += static_cast<double>(w[static_cast<std::size_t>(n)]) * v *
                   std::complex<double>(std::cos(phase), -std::sin(phase));
        }
        X[static_cast<std::size_t>(k)] = acc;
    }
    return X;
}

double roundTripError(const StftSettings& settings, const std::vector<float>& x) {
    Stft stft(settings);
    const ComplexMatrix X = stft.forward(x.data(), x.size());
    const std::vector<float> y = stft.inverse(X, x.size());
    REQUIRE(y.size() == x.size());
    return relativeRms(y, x);
}

}  // namespace

TEST_CASE("stft: forward equals a naive double-precision DFT of each framed, windowed segment", "[stft]") {
    struct Case { int fftSize, hop; WindowType window; };
    const Case cases[] = {
        {2, 1, WindowType::Hann},        {6, 3, WindowType::Hann},    {14, 5, WindowType::SqrtHann},
        {16, 4, WindowType::Hann},       {30, 7, WindowType::Hann},   {100, 25, WindowType::SqrtHann},
        {202, 101, WindowType::SqrtHann}, {256, 64, WindowType::Hann}, {1000, 250, WindowType::Hann},
        {2048, 512, WindowType::Hann},
    };
    for (const Case& c : cases) {
        CAPTURE(c.fftSize, c.hop, toString(c.window));
        const StftSettings s = stftSettingsFor(c.fftSize, c.hop, c.window);
        Stft stft(s);
        const std::size_t n = static_cast<std::size_t>(2 * c.fftSize + 3);
        const std::vector<float> x = randomSignal(n, 1234u + static_cast<unsigned>(c.fftSize));
        const ComplexMatrix X = stft.forward(x.data(), x.size());
        REQUIRE(X.rows() == c.fftSize / 2 + 1);
        REQUIRE(X.cols() == static_cast<long>((n - 1 + c.fftSize) / c.hop));
        REQUIRE(X.cols() == stft.frameCount(n));
        const std::vector<float> w = makeWindow(s);
        // All frames for small sizes; for large ones the first, a middle and the last.
        std::vector<int> frames;
        if (c.fftSize <= 256) {
            for (int t = 0; t < X.cols(); ++t) frames.push_back(t);
        } else {
            frames = {0, static_cast<int>(X.cols() / 2), static_cast<int>(X.cols() - 1)};
        }
        for (int t : frames) {
            CAPTURE(t);
            const auto ref = naiveFrame(x, w, c.hop, t);
            double err = 0.0, norm = 0.0;
            for (int k = 0; k < X.rows(); ++k) {
                const std::complex<double> got(X(k, t).real(), X(k, t).imag());
                err += std::norm(got - ref[static_cast<std::size_t>(k)]);
                norm += std::norm(ref[static_cast<std::size_t>(k)]);
            }
            if (norm == 0.0)
                CHECK(err == 0.0);  // e.g. N = 2: only w[0] == 0 meets the signal
            else
                CHECK(std::sqrt(err / norm) < 2e-6);
        }
    }
}

TEST_CASE("stft: window shapes", "[stft]") {
    const std::vector<float> hann = makeWindow(stftSettingsFor(16, 4, WindowType::Hann));
    const std::vector<float> sqrtHann = makeWindow(stftSettingsFor(16, 4, WindowType::SqrtHann));
    REQUIRE(hann.size() == 16);
    CHECK(hann[0] == 0.0f);
    CHECK(hann[8] == Approx(1.0f));
    CHECK(hann[4] == Approx(0.5f));
    for (int k = 1; k < 16; ++k) {
        CHECK(hann[static_cast<std::size_t>(k)] == Approx(hann[static_cast<std::size_t>(16 - k)]));  // periodic
        CHECK(sqrtHann[static_cast<std::size_t>(k)] * sqrtHann[static_cast<std::size_t>(k)] ==
              Approx(hann[static_cast<std::size_t>(k)]).margin(1e-7));
    }
    StftSettings custom = stftSettingsFor(4, 2, WindowType::Custom);
    custom.customWindow = {0.25f, 1.0f, 0.5f, 0.75f};
    CHECK(makeWindow(custom) == custom.customWindow);
    CHECK(Stft(custom).window() == custom.customWindow);
}

TEST_CASE("stft: perfect reconstruction for FFT/hop/window combinations and awkward lengths", "[stft]") {
    struct Case { int fftSize, hop; WindowType window; };
    const Case cases[] = {
        {2048, 512, WindowType::Hann},  {2048, 1024, WindowType::Hann},  {2048, 512, WindowType::SqrtHann},
        {2048, 1024, WindowType::SqrtHann}, {1024, 256, WindowType::Hann}, {4096, 1024, WindowType::Hann},
        {1000, 300, WindowType::Hann},  {30, 7, WindowType::SqrtHann},    {14, 3, WindowType::Hann},
        {6, 3, WindowType::Hann},        {2, 1, WindowType::Hann},         {2, 1, WindowType::SqrtHann},
    };
    for (const Case& c : cases) {
        const StftSettings s = stftSettingsFor(c.fftSize, c.hop, c.window);
        const std::size_t N = static_cast<std::size_t>(c.fftSize);
        const std::size_t lengths[] = {1, 2, 3, 17, N - 1, N, N + 1, 5 * N + 3, 44101};
        for (std::size_t n : lengths) {
            CAPTURE(c.fftSize, c.hop, toString(c.window), n);
            CHECK(roundTripError(s, randomSignal(n, static_cast<unsigned>(n * 7 + N))) < 1e-5);
        }
    }
}

TEST_CASE("stft: perfect reconstruction with custom windows", "[stft]") {
    StftSettings rect = stftSettingsFor(16, 16, WindowType::Custom);
    rect.customWindow.assign(16, 1.0f);
    CHECK(roundTripError(rect, randomSignal(101, 5)) < 1e-6);
    rect.hop = 5;
    CHECK(roundTripError(rect, randomSignal(101, 6)) < 1e-6);

    StftSettings tri = stftSettingsFor(64, 16, WindowType::Custom);
    for (int i = 0; i < 64; ++i) tri.customWindow.push_back(1.0f - std::fabs(i - 32) / 32.0f);
    CHECK(roundTripError(tri, randomSignal(1001, 7)) < 1e-5);

    StftSettings scaled = stftSettingsFor(512, 128, WindowType::Custom);
    const std::vector<float> hann = makeWindow(stftSettingsFor(512, 128));
    for (float v : hann) scaled.customWindow.push_back(37.5f * v);  // gain must not matter
    CHECK(roundTripError(scaled, randomSignal(3001, 8)) < 1e-5);
}

TEST_CASE("stft: every hop that validate() accepts reconstructs, and hop <= N/2 is always accepted", "[stft]") {
    for (int N : {8, 16, 18, 30, 64}) {
        for (WindowType window : {WindowType::Hann, WindowType::SqrtHann}) {
            for (int hop = 1; hop <= N; ++hop) {
                CAPTURE(N, hop, toString(window));
                const StftSettings s = stftSettingsFor(N, hop, window);
                bool valid = true;
                try {
                    s.validate();
                } catch (const InvalidArgument& e) {
                    valid = false;
                    CHECK(std::string(e.what()).find("hop") != std::string::npos);
                }
                if (hop <= N / 2) CHECK(valid);
                if (hop == N) CHECK_FALSE(valid);  // w[0] == 0 is never overlapped
                if (valid) {
                    for (std::size_t n : {std::size_t(1), std::size_t(N - 1), std::size_t(7 * N + 1)})
                        CHECK(roundTripError(s, randomSignal(n, static_cast<unsigned>(hop * 31 + n))) < 1e-5);
                }
            }
        }
    }
}

TEST_CASE("stft: FFT longer than the signal, and n = 0 / n = 1", "[stft]") {
    Stft stft(stftSettingsFor(2048, 512));
    CHECK(stft.frameCount(0) == 0);
    CHECK(stft.frameCount(1) == 4);
    CHECK(stft.frameCount(512) == 4);
    CHECK(stft.frameCount(513) == 5);

    const ComplexMatrix empty = stft.forward(nullptr, 0);
    CHECK(empty.rows() == 1025);
    CHECK(empty.cols() == 0);
    CHECK(stft.inverse(empty, 0).empty());

    const std::vector<float> one = {0.75f};
    const ComplexMatrix X1 = stft.forward(one.data(), 1);
    REQUIRE(X1.cols() == 4);
    const std::vector<float> y1 = stft.inverse(X1, 1);
    REQUIRE(y1.size() == 1);
    CHECK(y1[0] == Approx(0.75f).epsilon(1e-5));

    const std::vector<float> x = randomSignal(300, 9);  // 300 < 2048
    const ComplexMatrix X = stft.forward(x.data(), x.size());
    CHECK(X.cols() == 4);
    CHECK(relativeRms(stft.inverse(X, x.size()), x) < 1e-5);

    AudioBuffer silent;
    silent.channels.assign(2, std::vector<float>());
    const Spectrogram S = stft.forward(silent, 2);
    REQUIRE(S.channels.size() == 2);
    CHECK(S.frames() == 0);
    const AudioBuffer back = stft.inverse(S, 0, 48000.0, 2);
    CHECK(back.numChannels() == 2);
    CHECK(back.numSamples() == 0);
    CHECK(back.sampleRate == 48000.0);
}

TEST_CASE("stft: zero, denormal and very loud input", "[stft]") {
    Stft stft(stftSettingsFor(1024, 256));
    const std::size_t n = 5000;

    const std::vector<float> zeros(n, 0.0f);
    const ComplexMatrix Z = stft.forward(zeros.data(), n);
    CHECK(Z.cwiseAbs().maxCoeff() == 0.0f);
    CHECK(stft.inverse(Z, n) == zeros);

    // Pure subnormal input: output finite and (flushed) within FLT_MIN of the input.
    std::vector<float> tiny = randomSignal(n, 10, 1.0f);
    for (auto& v : tiny) v *= 1e-39f;
    REQUIRE(std::fpclassify(tiny[1]) == FP_SUBNORMAL);
    const ComplexMatrix T = stft.forward(tiny.data(), n);
    CHECK(T.allFinite());
    const std::vector<float> yt = stft.inverse(T, n);
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(std::isfinite(yt[i]));
        REQUIRE(std::fabs(yt[i] - tiny[i]) <= FLT_MIN);
    }

    // Normal signal with subnormal stretches still reconstructs.
    std::vector<float> mixed = randomSignal(n, 11);
    for (std::size_t i = 1000; i < 3000; ++i) mixed[i] *= 1e-39f;
    CHECK(relativeRms(stft.inverse(stft.forward(mixed.data(), n), n), mixed) < 1e-5);

    for (float amplitude : {1e6f, 1e15f}) {
        CAPTURE(amplitude);
        const std::vector<float> loud = randomSignal(n, 12, amplitude);
        const ComplexMatrix L = stft.forward(loud.data(), n);
        REQUIRE(L.allFinite());
        Spectrogram spec;
        spec.channels = {L};
        const Matrix V = magnitude(spec);
        CHECK(V.allFinite());
        CHECK(V.maxCoeff() > amplitude);
        CHECK(relativeRms(stft.inverse(L, n), loud) < 1e-5);
    }
}

TEST_CASE("stft: settings validation names the bad field", "[stft]") {
    auto message = [](const StftSettings& s) -> std::string {
        try {
            s.validate();
        } catch (const InvalidArgument& e) {
            return e.what();
        }
        return "";
    };
    CHECK(message(stftSettingsFor(2048, 512)).empty());
    CHECK(message(stftSettingsFor(2047, 512)).find("fftSize") != std::string::npos);
    CHECK(message(stftSettingsFor(0, 1)).find("fftSize") != std::string::npos);
    CHECK(message(stftSettingsFor(-4, 1)).find("fftSize") != std::string::npos);
    CHECK(message(stftSettingsFor(2048, 0)).find("hop") != std::string::npos);
    CHECK(message(stftSettingsFor(2048, 4096)).find("hop") != std::string::npos);
    CHECK(message(stftSettingsFor(2048, 2048, WindowType::Hann)).find("hop") != std::string::npos);
    CHECK(message(stftSettingsFor(2048, 2048, WindowType::SqrtHann)).find("hop") != std::string::npos);
    CHECK(message(stftSettingsFor(2048, 2047, WindowType::SqrtHann)).find("hop") != std::string::npos);

    StftSettings custom = stftSettingsFor(8, 4, WindowType::Custom);
    CHECK(message(custom).find("customWindow") != std::string::npos);  // empty
    custom.customWindow.assign(8, 1.0f);
    CHECK(message(custom).empty());
    custom.customWindow[3] = NAN;
    CHECK(message(custom).find("customWindow") != std::string::npos);
    custom.customWindow.assign(8, 0.0f);
    CHECK(message(custom).find("customWindow") != std::string::npos);
    custom.customWindow = {0, 1, 1, 1, 0, 1, 1, 1};  // zero at offsets 0 and 4
    CHECK(message(custom).find("customWindow") != std::string::npos);

    CHECK_THROWS_AS(Stft(stftSettingsFor(2048, 0)), InvalidArgument);
    CHECK_THROWS_WITH(Stft(stftSettingsFor(7, 2)), Catch::Contains("fftSize"));
}

TEST_CASE("stft: window names round-trip", "[stft]") {
    for (WindowType w : {WindowType::Hann, WindowType::SqrtHann, WindowType::Custom})
        CHECK(windowFromString(toString(w)) == w);
    CHECK(toString(WindowType::Hann) == "hann");
    CHECK(toString(WindowType::SqrtHann) == "sqrt-hann");
    CHECK(windowFromString("Sqrt_Hann") == WindowType::SqrtHann);
    CHECK(windowFromString("HANN") == WindowType::Hann);
    CHECK_THROWS_AS(windowFromString("hamming"), InvalidArgument);
    CHECK_THROWS_WITH(windowFromString("hamming"), Catch::Contains("hamming"));
    CHECK_THROWS_AS(windowFromString(""), InvalidArgument);
}

TEST_CASE("stft: magnitude is the mean of |X| over channels", "[stft]") {
    Spectrogram s;
    CHECK(magnitude(s).size() == 0);
    ComplexMatrix a(2, 2), b(2, 2);
    a << std::complex<float>(3, 4), std::complex<float>(0, 0), std::complex<float>(-1, 0), std::complex<float>(1e30f, 1e30f);
    b << std::complex<float>(0, 1), std::complex<float>(0, -2), std::complex<float>(0, 0), std::complex<float>(0, 0);
    s.channels = {a};
    Matrix V = magnitude(s);
    CHECK(V(0, 0) == 5.0f);
    CHECK(V(1, 0) == 1.0f);
    CHECK(V(1, 1) == Approx(1.41421356e30f));
    s.channels = {a, b};
    V = magnitude(s);
    REQUIRE(V.rows() == 2);
    REQUIRE(V.cols() == 2);
    CHECK(V(0, 0) == 3.0f);
    CHECK(V(0, 1) == 1.0f);
    CHECK(V(1, 0) == 0.5f);
    CHECK(V(1, 1) == Approx(0.70710678e30f));
    CHECK((V.array() >= 0.0f).all());
    s.channels = {a, ComplexMatrix(2, 3)};
    CHECK_THROWS_AS(magnitude(s), InvalidArgument);
}

TEST_CASE("stft: multichannel with threads is bit-identical to single-threaded", "[stft]") {
    Stft stft(stftSettingsFor(2048, 512));
    AudioBuffer audio;
    audio.sampleRate = 22050.0;
    const std::size_t n = 30001;
    for (unsigned c = 0; c < 3; ++c) audio.channels.push_back(randomSignal(n, 100 + c));

    const Spectrogram one = stft.forward(audio, 1);
    REQUIRE(one.channels.size() == 3);
    REQUIRE(one.bins() == 1025);
    REQUIRE(one.frames() == stft.frameCount(n));
    CHECK(one.channels[1] == stft.forward(audio.channels[1].data(), n));
    for (int threads : {2, 3, 0, 8}) {
        CAPTURE(threads);
        const Spectrogram many = stft.forward(audio, threads);
        REQUIRE(many.channels.size() == 3);
        for (std::size_t c = 0; c < 3; ++c) CHECK(many.channels[c] == one.channels[c]);
    }

    const AudioBuffer back1 = stft.inverse(one, n, audio.sampleRate, 1);
    CHECK(back1.sampleRate == 22050.0);
    REQUIRE(back1.numChannels() == 3);
    for (std::size_t c = 0; c < 3; ++c) CHECK(relativeRms(back1.channels[c], audio.channels[c]) < 1e-5);
    CHECK(back1.channels[2] == stft.inverse(one.channels[2], n));
    for (int threads : {2, 0}) {
        const AudioBuffer back = stft.inverse(one, n, audio.sampleRate, threads);
        for (std::size_t c = 0; c < 3; ++c) CHECK(back.channels[c] == back1.channels[c]);
    }

    // The magnitude of a stereo signal whose channels are equal is that channel's |X|.
    AudioBuffer twin;
    twin.channels = {audio.channels[0], audio.channels[0]};
    const Matrix V = magnitude(stft.forward(twin, 2));
    CHECK(V.isApprox(one.channels[0].cwiseAbs(), 1e-6f));
}

TEST_CASE("stft: a mono signal is split across threads, bit-identically", "[stft]") {
    for (int hop : {512, 300}) {
        Stft stft(stftSettingsFor(2048, hop));
        for (std::size_t n : {std::size_t(1), std::size_t(300), std::size_t(4096), std::size_t(100003)}) {
            CAPTURE(hop, n);
            AudioBuffer mono;
            mono.channels = {randomSignal(n, static_cast<unsigned>(n))};
            const Spectrogram one = stft.forward(mono, 1);
            CHECK(one.channels[0] == stft.forward(mono.channels[0].data(), n));
            const AudioBuffer back = stft.inverse(one, n, 44100.0, 1);
            CHECK(back.channels[0] == stft.inverse(one.channels[0], n));
            CHECK(relativeRms(back.channels[0], mono.channels[0]) < 1e-5);
            for (int threads : {2, 3, 7}) {
                CAPTURE(threads);
                CHECK(stft.forward(mono, threads).channels[0] == one.channels[0]);
                CHECK(stft.inverse(one, n, 44100.0, threads).channels[0] == back.channels[0]);
            }
        }
    }
}

TEST_CASE("stft: shape errors are reported", "[stft]") {
    Stft stft(stftSettingsFor(64, 16));
    AudioBuffer ragged;
    ragged.channels = {std::vector<float>(100), std::vector<float>(99)};
    CHECK_THROWS_WITH(stft.forward(ragged), Catch::Contains("channel 1"));
    CHECK_THROWS_AS(stft.forward(ragged, -1), InvalidArgument);
    const ComplexMatrix X = stft.forward(ragged.channels[0].data(), 100);
    CHECK_THROWS_AS(stft.inverse(X, 200), InvalidArgument);
    CHECK_THROWS_AS(stft.inverse(ComplexMatrix(32, X.cols()), 100), InvalidArgument);
    Spectrogram bad;
    bad.channels = {X, ComplexMatrix(33, 1)};
    CHECK_THROWS_WITH(stft.inverse(bad, 100, 44100.0), Catch::Contains("channel 1"));
}

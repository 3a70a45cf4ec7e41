// resampleTemplates / resampleLibrary: templates moved to another sample rate or FFT size
// keep their spectral shape in Hz, and a resampled library separates audio at the new rate.
#include "demix/separator.hpp"
#include "demix/template_library.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace demix;

namespace {

/// One column with a single peak of 1 at `bin` (F = fft/2 + 1 rows).
Matrix peakAt(int fft, Eigen::Index bin) {
    Matrix W = Matrix::Zero(fft / 2 + 1, 1);
    W(bin, 0) = 1.0f;
    return W;
}

Eigen::Index argmax(const Matrix& W, Eigen::Index k) {
    Eigen::Index best = 0;
    W.col(k).maxCoeff(&best);
    return best;
}

/// Harmonic tone (f0 and 5 harmonics, 1/h, slow tremolo) at any sample rate.
std::vector<float> tone(double rate, double seconds, double f0) {
    std::vector<float> x(static_cast<std::size_t>(rate * seconds));
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / rate;
        double v = 0.0;
        for (int h = 1; h <= 6; ++h) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
        x[i] = static_cast<float>(0.2 * v * (0.6 + 0.4 * std::sin(2.0 * M_PI * 1.5 * t)));
    }
    return x;
}

AudioBuffer mono(double rate, std::vector<float> x) {
    AudioBuffer b;
    b.sampleRate = rate;
    b.channels.push_back(std::move(x));
    return b;
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb + 1e-30);
}

}  // namespace

TEST_CASE("resampleTemplates keeps a peak at the same frequency in Hz", "[library][resample]") {
    // 1000 Hz is bin 46.44 at 44.1 kHz / 2048 and bin 42.67 at 48 kHz / 2048.
    const Matrix W = peakAt(2048, 46);  // 46 · 44100 / 2048 = 990.5 Hz
    const Matrix R = resampleTemplates(W, 44100.0, 2048, 48000.0, 2048);
    REQUIRE(R.rows() == 1025);
    CHECK(argmax(R, 0) == 42);  // 42 · 48000 / 2048 = 984.4 Hz, the nearest bin below
    CHECK(R.col(0).sum() == Approx(1.0).epsilon(1e-6));
    CHECK(R.minCoeff() >= 0.0f);

    // Finer grid (4096 at the same rate): the peak lands on bin 92 = 2 · 46.
    const Matrix fine = resampleTemplates(W, 44100.0, 2048, 44100.0, 4096);
    REQUIRE(fine.rows() == 2049);
    CHECK(argmax(fine, 0) == 92);
    CHECK(fine.col(0).sum() == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("resampleTemplates: identical grids, same bin spacing, and coarser grids", "[library][resample]") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Matrix W(1025, 3);
    for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = u(rng);
    W(5, 1) = -0.5f;  // negative values are clamped

    const Matrix same = resampleTemplates(W, 44100.0, 2048, 44100.0, 2048);
    for (Eigen::Index k = 0; k < 3; ++k) {
        const Eigen::VectorXf expected = W.col(k).cwiseMax(0.0f) / W.col(k).cwiseMax(0.0f).sum();
        CHECK((same.col(k) - expected).cwiseAbs().maxCoeff() <= 1e-7f);
    }

    // 22.05 kHz / 1024 has the same 21.5 Hz bins: exactly the first 513 bins, renormalised.
    const Matrix half = resampleTemplates(W, 44100.0, 2048, 22050.0, 1024);
    REQUIRE(half.rows() == 513);
    for (Eigen::Index k = 0; k < 3; ++k) {
        const Eigen::VectorXf low = W.col(k).head(513).cwiseMax(0.0f);
        CHECK((half.col(k) - low / low.sum()).cwiseAbs().maxCoeff() <= 1e-6f);
    }

    // A 4× coarser grid averages 4 source bins (centred) per target bin.
    Matrix flat = Matrix::Ones(2049, 1);
    const Matrix coarse = resampleTemplates(flat, 44100.0, 4096, 44100.0, 1024);
    REQUIRE(coarse.rows() == 513);
    CHECK((coarse.array() - 1.0f / 513.0f).abs().maxCoeff() <= 1e-6f);
    // A narrow peak is not lost between target bins.
    const Matrix narrow = resampleTemplates(peakAt(4096, 402), 44100.0, 4096, 44100.0, 1024);
    CHECK(argmax(narrow, 0) == 101);  // target bin 101 covers source bins 402..405
    CHECK(narrow.col(0).sum() == Approx(1.0).epsilon(1e-6));

    // Above the library's Nyquist there is nothing: 16 kHz templates at 44.1 kHz.
    const Matrix up = resampleTemplates(Matrix::Ones(257, 1), 16000.0, 512, 44100.0, 2048);
    const Eigen::Index nyquistBin = static_cast<Eigen::Index>(8000.0 / (44100.0 / 2048)) + 1;
    CHECK(up.col(0).tail(1025 - nyquistBin).maxCoeff() == 0.0f);
    CHECK(up.col(0).head(nyquistBin - 1).minCoeff() > 0.0f);
}

TEST_CASE("resampleTemplates refuses bad grids with a clear message", "[library][resample]") {
    const Matrix W = Matrix::Ones(1025, 1);
    CHECK_THROWS_WITH(resampleTemplates(W, 44100.0, 2048, 0.0, 2048),
                      Catch::Contains("sample rate in [1000, 768000] Hz") && Catch::Contains("target"));
    CHECK_THROWS_WITH(resampleTemplates(W, 44100.0, 2048, 48000.0, 1023),
                      Catch::Contains("even FFT size"));
    CHECK_THROWS_WITH(resampleTemplates(W, 44100.0, 1024, 48000.0, 2048),
                      Catch::Contains("1025 rows") && Catch::Contains("needs 513"));
}

TEST_CASE("a library learned at 32 kHz separates a 22.05 kHz mix after resampleLibrary", "[library][resample][separator]") {
    SeparationSettings settings;
    settings.stft.fftSize = 1024;
    settings.stft.hop = 256;
    settings.nmf.maxIterations = 60;
    settings.threads = 1;

    TemplateLibrary library = learnTemplates({mono(32000.0, tone(32000.0, 2.0, 220.0))}, "tone", 4, settings);
    library.merge(learnTemplates({mono(32000.0, tone(32000.0, 2.0, 330.0))}, "fifth", 4, settings));
    settings.adaptIterations = 0;  // judge the templates as resampled, not as adapted

    // 22.05 kHz / 1024 has narrower bins (21.5 Hz) than 32 kHz / 1024 (31.25 Hz).
    const double rate = 22050.0;
    const std::vector<float> a = tone(rate, 3.0, 220.0), b = tone(rate, 3.0, 330.0);
    std::vector<float> mixed(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) mixed[i] = a[i] + b[i];
    const AudioBuffer mix = mono(rate, mixed);

    // Unresampled, the library is refused: it was learned at another rate.
    CHECK_THROWS_AS(decomposeSupervised(mix, library, 0, settings), LibraryError);

    const TemplateLibrary moved = resampleLibrary(library, rate, settings.stft);
    CHECK(moved.settings.sampleRate == rate);
    CHECK(moved.bins() == 513);
    CHECK(moved.sources[0].templates.rows() == 513);
    const Decomposition d = decomposeSupervised(mix, moved, 0, settings);
    const std::vector<Stem> stems = renderStems(mix, d, settings);
    REQUIRE(stems.size() == 2);
    const double toneFit = correlation(stems[0].audio.channels[0], a);
    CHECK(toneFit > 0.95);
    CHECK(correlation(stems[1].audio.channels[0], b) > 0.95);

    // The frequency mapping is what makes it work: the same templates merely relabelled
    // as 22.05 kHz (bins at the wrong frequencies: 220 Hz templates land near 320 Hz)
    // separate clearly worse.
    TemplateLibrary relabelled = library;
    relabelled.settings.sampleRate = rate;
    const Decomposition wrong = decomposeSupervised(mix, relabelled, 0, settings);
    const double wrongFit = correlation(renderStems(mix, wrong, settings)[0].audio.channels[0], a);
    INFO("tone correlation resampled " << toneFit << ", relabelled " << wrongFit);
    CHECK(wrongFit < toneFit - 0.2);

    // Same grid: the library comes back unchanged.
    const TemplateLibrary same = resampleLibrary(library, 32000.0, library.settings.stft);
    CHECK(same.sources[0].templates == library.sources[0].templates);
}

// Mapping templates between frequency grids (sample rate × FFT size).
#include "demix/template_library.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace demix {
namespace {

// The rates a library may have (template_library.hpp) bound the ratio of two grids' bin
// widths, so every index below fits and the work is bounded.
void checkGrid(double rate, int fft, const char* which) {
    if (!(rate >= kMinLibrarySampleRate && rate <= kMaxLibrarySampleRate) || fft < 2 ||
        fft % 2 != 0 || fft > (1 << 20)) {
        throw InvalidArgument(std::string("resampling templates needs a sample rate in [") +
                              std::to_string(static_cast<int>(kMinLibrarySampleRate)) + ", " +
                              std::to_string(static_cast<int>(kMaxLibrarySampleRate)) +
                              "] Hz and an even FFT size in [2, 2^20] for the " + which +
                              " grid, got " + std::to_string(rate) + " Hz and " + std::to_string(fft));
    }
}

/// Sum of source column k over the source bins lo..hi, the spectrum extended as a real
/// signal's is: mirrored about 0 Hz and about Nyquist, so periodic in 2·last bins. Whole
/// periods are counted at once: the work is below one period whatever the range.
double foldedSum(const Matrix& W, Eigen::Index k, Eigen::Index lo, Eigen::Index hi) {
    const Eigen::Index last = W.rows() - 1;
    const auto value = [&](Eigen::Index i) { return static_cast<double>(std::max(W(i, k), 0.0f)); };
    if (last == 0) return static_cast<double>(hi - lo + 1) * value(0);
    const Eigen::Index period = 2 * last;
    const Eigen::Index count = hi - lo + 1;
    double sum = 0.0;
    if (count >= period) {
        double once = value(0) + value(last);
        for (Eigen::Index i = 1; i < last; ++i) once += 2.0 * value(i);
        sum = static_cast<double>(count / period) * once;
    }
    for (Eigen::Index i = lo; i < lo + count % period; ++i) {
        Eigen::Index m = i % period;
        if (m < 0) m += period;
        if (m > last) m = period - m;
        sum += value(m);
    }
    return sum;
}

/// Source column k at fractional bin p (0 outside the source's range).
float interpolated(const Matrix& W, Eigen::Index k, double p) {
    const Eigen::Index last = W.rows() - 1;
    if (p < 0.0 || p > static_cast<double>(last)) return 0.0f;
    const auto i = std::min<Eigen::Index>(static_cast<Eigen::Index>(p), last);
    const Eigen::Index j = std::min<Eigen::Index>(i + 1, last);
    const auto t = static_cast<float>(p - static_cast<double>(i));
    return std::max(W(i, k), 0.0f) * (1.0f - t) + std::max(W(j, k), 0.0f) * t;
}

}  // namespace

Matrix resampleTemplates(const Matrix& templates, double fromRate, int fromFft, double toRate,
                         int toFft) {
    checkGrid(fromRate, fromFft, "library's");
    checkGrid(toRate, toFft, "target");
    const Eigen::Index fromBins = fromFft / 2 + 1, toBins = toFft / 2 + 1;
    if (templates.rows() != fromBins) {
        throw InvalidArgument("templates have " + std::to_string(templates.rows()) +
                              " rows; FFT size " + std::to_string(fromFft) + " needs " +
                              std::to_string(fromBins));
    }
    Matrix out(toBins, templates.cols());
    if (fromRate == toRate && fromFft == toFft) {
        out = templates.cwiseMax(0.0f);
    } else {
        // Width of one target bin, in source bins.
        const double width = (toRate / toFft) / (fromRate / fromFft);
        for (Eigen::Index k = 0; k < templates.cols(); ++k) {
            for (Eigen::Index j = 0; j < toBins; ++j) {
                const double centre = static_cast<double>(j) * width;
                if (width <= 1.0) {
                    out(j, k) = interpolated(templates, k, centre);
                    continue;
                }
                // Target bin j spans [centre − width/2, centre + width/2) in source bins;
                // indices below 0 or above the last bin mirror back (a real signal's
                // spectrum is symmetric about 0 Hz and about Nyquist). Above the source's
                // Nyquist there is no data: 0.
                if (centre > static_cast<double>(fromBins - 1) + 0.5) {
                    out(j, k) = 0.0f;
                    continue;
                }
                const auto lo = static_cast<Eigen::Index>(std::ceil(centre - width / 2.0));
                const auto hi = static_cast<Eigen::Index>(std::ceil(centre + width / 2.0)) - 1;
                out(j, k) = static_cast<float>(foldedSum(templates, k, lo, hi) /
                                               static_cast<double>(hi - lo + 1));
            }
        }
    }
    for (Eigen::Index k = 0; k < out.cols(); ++k) {
        const double sum = out.col(k).cast<double>().sum();
        if (sum > 0.0) out.col(k) /= static_cast<float>(sum);
    }
    return out;
}

TemplateLibrary resampleLibrary(const TemplateLibrary& library, double sampleRate,
                                const StftSettings& stft) {
    const AnalysisSettings& from = library.settings;
    if (from.sampleRate == sampleRate && from.stft.fftSize == stft.fftSize &&
        from.stft.hop == stft.hop && from.stft.window == stft.window &&
        from.stft.customWindow == stft.customWindow) {
        return library;
    }
    TemplateLibrary out;
    out.settings = from;
    out.settings.sampleRate = sampleRate;
    out.settings.stft = stft;
    const auto resample = [&](const Matrix& templates) {
        return resampleTemplates(templates, from.sampleRate, from.stft.fftSize, sampleRate,
                                 stft.fftSize);
    };
    for (const SourceTemplates& source : library.sources) {
        SourceTemplates mapped{source.name, resample(source.templates), {}};
        for (const Matrix& set : source.alternates) mapped.alternates.push_back(resample(set));
        out.sources.push_back(std::move(mapped));
    }
    return out;
}

}  // namespace demix

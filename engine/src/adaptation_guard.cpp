// The supervised adaptation guard: how far a library's sources can explain each other,
// and how many adaptation iterations that leaves (SeparationSettings::adaptMinDistinctness).

#include "demix/separator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace demix {
namespace {

// Third-octave bands from 50 Hz (one band below it) up to Nyquist, as a (bands × F) 0/1
// matrix; bands without a bin are left out. Bins rise in frequency, so each bin's band is
// the current row or a new one below it.
Matrix thirdOctaveBands(Eigen::Index bins, double sampleRate, int fftSize) {
    std::vector<double> edges{0.0, 50.0};
    const double nyquist = sampleRate / 2.0;
    while (edges.back() <= nyquist) edges.push_back(edges.back() * std::pow(2.0, 1.0 / 3.0));
    std::vector<Eigen::Index> row(static_cast<std::size_t>(bins));
    Eigen::Index rows = 0;
    long previous = -1;
    for (Eigen::Index i = 0; i < bins; ++i) {
        const double f = double(i) * sampleRate / double(fftSize);
        const long band = long(std::upper_bound(edges.begin(), edges.end(), f) - edges.begin()) - 1;
        if (band != previous) ++rows;
        previous = band;
        row[static_cast<std::size_t>(i)] = rows - 1;
    }
    Matrix M = Matrix::Zero(rows, bins);
    for (Eigen::Index i = 0; i < bins; ++i) M(row[static_cast<std::size_t>(i)], i) = 1.0f;
    return M;
}

// KL(target | basis·H) / Σ target, H fitted with basis fixed. A tiny floor keeps the
// (non-negative) matrices strictly positive, as MU and KL need.
double relativeResidual(const Matrix& target, const Matrix& basis) {
    const Matrix V = target.array() + 1e-9f;
    NmfSettings s;
    s.components = static_cast<int>(basis.cols());
    s.maxIterations = 200;
    s.tol = 0.0;
    s.accelerate = false;
    s.precision = Precision::Float32;
    s.threads = 1;
    s.evalEvery = s.maxIterations;
    NmfInit init;
    init.W = Matrix(basis.array() + 1e-9f);
    init.freezeW.assign(static_cast<std::size_t>(basis.cols()), true);
    // Neutral start: each column's mass shared equally by the basis columns.
    Matrix H(basis.cols(), V.cols());
    const Eigen::RowVectorXf mass = V.colwise().sum();
    for (Eigen::Index k = 0; k < H.rows(); ++k)
        H.row(k) = mass / float(init.W->col(k).sum() * float(basis.cols()));
    init.H = std::move(H);
    const NmfResult fit = factorize(V, s, init);
    const Matrix R = fit.W * fit.H;
    return divergence(V, R, Objective::KullbackLeibler) / double(V.cast<double>().sum());
}

}  // namespace

double libraryDistinctness(const TemplateLibrary& library, std::vector<double>* sourceResiduals) {
    if (sourceResiduals) sourceResiduals->clear();
    const int fftSize = library.settings.stft.fftSize;
    const Eigen::Index bins = fftSize / 2 + 1;
    for (const SourceTemplates& source : library.sources) {
        if (source.templates.cols() < 1 || source.templates.rows() != bins) {
            throw InvalidArgument("libraryDistinctness: source '" + source.name + "' has " +
                                  std::to_string(source.templates.rows()) + " x " +
                                  std::to_string(source.templates.cols()) +
                                  " templates; the library's FFT needs " +
                                  std::to_string(bins) + " rows and at least one template");
        }
    }
    if (library.sources.size() < 2) return std::numeric_limits<double>::infinity();
    const Matrix bands = thirdOctaveBands(bins, library.settings.sampleRate, fftSize);
    double sum = 0.0;
    for (std::size_t s = 0; s < library.sources.size(); ++s) {
        Eigen::Index otherCount = 0;
        for (std::size_t q = 0; q < library.sources.size(); ++q)
            if (q != s) otherCount += library.sources[q].templates.cols();
        Matrix others(bins, otherCount);
        Eigen::Index at = 0;
        for (std::size_t q = 0; q < library.sources.size(); ++q) {
            if (q == s) continue;
            const Matrix& t = library.sources[q].templates;
            others.middleCols(at, t.cols()) = t;
            at += t.cols();
        }
        const double r = relativeResidual(bands * library.sources[s].templates, bands * others);
        if (sourceResiduals) sourceResiduals->push_back(r);
        sum += r;
    }
    return sum / double(library.sources.size());
}

int adaptationIterationsFor(const TemplateLibrary& library, const SeparationSettings& settings,
                            double* distinctness) {
    if (distinctness) *distinctness = std::numeric_limits<double>::infinity();
    if (settings.adaptIterations <= 0 || settings.nmf.solver != Solver::Multiplicative) return 0;
    if (!(settings.adaptMinDistinctness >= 0.0f) || !std::isfinite(settings.adaptMinDistinctness)) {
        throw InvalidArgument("the adaptation guard needs adaptMinDistinctness >= 0, got " +
                              std::to_string(settings.adaptMinDistinctness));
    }
    if (settings.adaptMinDistinctness == 0.0f || library.sources.size() < 2)
        return settings.adaptIterations;
    const double d = libraryDistinctness(library);
    if (distinctness) *distinctness = d;
    const double share =
        std::clamp((d - double(settings.adaptMinDistinctness)) / kAdaptDistinctnessRamp, 0.0, 1.0);
    return static_cast<int>(std::lround(share * settings.adaptIterations));
}

}  // namespace demix

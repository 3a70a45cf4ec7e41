#include "metrics.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <cmath>
#include <limits>

namespace demix::cli {
namespace {

using VectorD = Eigen::VectorXd;
using MatrixD = Eigen::MatrixXd;
constexpr double kEps = 1e-12;

double db(double num, double den) { return 10.0 * std::log10((num + kEps) / (den + kEps)); }

}  // namespace

std::pair<double, double> bssEvalEnergies(const std::vector<float>& reference,
                                          const std::vector<float>& estimate, int filterLength) {
    const auto n = static_cast<Eigen::Index>(reference.size());
    const Eigen::Index L = filterLength;
    // s and ŝ, zero-padded by L − 1 samples at the end (as BSS Eval does).
    VectorD s = VectorD::Zero(n + L - 1), e = VectorD::Zero(n + L - 1);
    for (Eigen::Index i = 0; i < n; ++i) {
        s(i) = reference[static_cast<std::size_t>(i)];
        e(i) = estimate[static_cast<std::size_t>(i)];
    }
    // G(a, b) = ⟨s delayed by a, s delayed by b⟩ = R(|a − b|);  D(a) = ⟨s delayed by a, ŝ⟩.
    VectorD R(L), D(L);
    for (Eigen::Index lag = 0; lag < L; ++lag) {
        const Eigen::Index len = n + L - 1 - lag;
        R(lag) = s.head(len).dot(s.segment(lag, len));
        D(lag) = s.head(len).dot(e.segment(lag, len));
    }
    MatrixD G(L, L);
    for (Eigen::Index a = 0; a < L; ++a)
        for (Eigen::Index b = 0; b < L; ++b) G(a, b) = R(std::abs(a - b));

    VectorD c = G.ldlt().solve(D);
    if (!c.allFinite() || (G * c - D).norm() > 1e-6 * std::max(D.norm(), 1e-300))
        c = G.completeOrthogonalDecomposition().solve(D);  // singular G: least squares
    // P ŝ = Σ_a c(a) · (s delayed by a), over n + L − 1 samples.
    VectorD proj = VectorD::Zero(n + L - 1);
    for (Eigen::Index a = 0; a < L; ++a) proj.segment(a, n + L - 1 - a) += c(a) * s.head(n + L - 1 - a);
    return {proj.squaredNorm(), (e - proj).squaredNorm()};
}

StemScore scoreStem(const AudioBuffer& reference, const AudioBuffer& estimate) {
    double ss = 0.0, se = 0.0, dd = 0.0;
    for (std::size_t c = 0; c < reference.numChannels(); ++c) {
        const auto& s = reference.channels[c];
        const auto& e = estimate.channels[c];
        for (std::size_t n = 0; n < s.size(); ++n) {
            const double sv = s[n], ev = e[n];
            ss += sv * sv;
            se += sv * ev;
            dd += (sv - ev) * (sv - ev);
        }
    }
    StemScore score;
    if (ss <= 0.0) {
        score.sdr = score.siSdr = score.snr = std::numeric_limits<double>::quiet_NaN();
        return score;
    }
    score.snr = db(ss, dd);

    // SI-SDR, with a second pass for the scaled-target residual (no cancellation).
    const double a = se / ss;
    double noise = 0.0;
    for (std::size_t c = 0; c < reference.numChannels(); ++c) {
        const auto& s = reference.channels[c];
        const auto& e = estimate.channels[c];
        for (std::size_t n = 0; n < s.size(); ++n) {
            const double r = a * s[n] - static_cast<double>(e[n]);
            noise += r * r;
        }
    }
    score.siSdr = db(a * a * ss, noise);

    double target = 0.0, distortion = 0.0;
    for (std::size_t c = 0; c < reference.numChannels(); ++c) {
        const auto [p, d] = bssEvalEnergies(reference.channels[c], estimate.channels[c]);
        target += p;
        distortion += d;
    }
    score.sdr = db(target, distortion);
    return score;
}

}  // namespace demix::cli

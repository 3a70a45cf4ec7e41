#include "spatial_wiener.hpp"

#include <cmath>

namespace demix::detail {

StereoSpatialModel::StereoSpatialModel(int sources, Eigen::Index bins)
    : sources_(sources),
      bins_(bins),
      model_(static_cast<std::size_t>(sources) * static_cast<std::size_t>(bins)),
      stats_(model_.size(), Cov{0.0, 0.0, 0.0}) {}

void StereoSpatialModel::filter(const ComplexMatrix& mix, const std::vector<Matrix>& masks,
                                Eigen::Index column, std::vector<ComplexMatrix>& out) const {
    out.resize(static_cast<std::size_t>(sources_));
    for (ComplexMatrix& o : out) o.resize(bins_, 2);
    for (Eigen::Index f = 0; f < bins_; ++f) {
        // Σ = Σ_j m_j R_j (Hermitian: a, d real, b = Σ(0, 1)).
        double a = 0.0, d = 0.0;
        std::complex<double> b = 0.0;
        for (int s = 0; s < sources_; ++s) {
            const Cov& r = model_[static_cast<std::size_t>(s * bins_ + f)];
            const double m = masks[static_cast<std::size_t>(s)](f, column);
            a += m * r.r00;
            d += m * r.r11;
            b += m * r.r01;
        }
        const double det = a * d - std::norm(b);
        const std::complex<double> x0 = mix(f, 0), x1 = mix(f, 1);
        std::complex<double> z0 = 0.0, z1 = 0.0;  // Σ⁻¹ x
        if (det > 0.0 && std::isfinite(det)) {
            z0 = (d * x0 - b * x1) / det;
            z1 = (-std::conj(b) * x0 + a * x1) / det;
        }
        for (int s = 0; s < sources_; ++s) {
            const Cov& r = model_[static_cast<std::size_t>(s * bins_ + f)];
            const double m = masks[static_cast<std::size_t>(s)](f, column);
            ComplexMatrix& o = out[static_cast<std::size_t>(s)];
            if (det > 0.0 && std::isfinite(det)) {
                o(f, 0) = std::complex<float>(m * (r.r00 * z0 + r.r01 * z1));
                o(f, 1) = std::complex<float>(m * (std::conj(r.r01) * z0 + r.r11 * z1));
            } else {  // Σ singular only if every mask is zero: cannot happen; stay safe
                o(f, 0) = std::complex<float>(m * x0);
                o(f, 1) = std::complex<float>(m * x1);
            }
        }
    }
}

void StereoSpatialModel::accumulate(const std::vector<ComplexMatrix>& estimates) {
    for (int s = 0; s < sources_; ++s) {
        const ComplexMatrix& y = estimates[static_cast<std::size_t>(s)];
        for (Eigen::Index f = 0; f < bins_; ++f) {
            Cov& c = stats_[static_cast<std::size_t>(s * bins_ + f)];
            const std::complex<double> y0 = y(f, 0), y1 = y(f, 1);
            c.r00 += std::norm(y0);
            c.r11 += std::norm(y1);
            c.r01 += y0 * std::conj(y1);
        }
    }
}

void StereoSpatialModel::update() {
    for (std::size_t i = 0; i < model_.size(); ++i) {
        Cov& c = stats_[i];
        const double trace = c.r00 + c.r11;
        Cov r;  // identity unless there is energy to estimate from
        if (trace > 0.0 && std::isfinite(trace)) {
            const double scale = 2.0 / trace;
            r.r00 = c.r00 * scale + kLoading;
            r.r11 = c.r11 * scale + kLoading;
            r.r01 = c.r01 * scale;
        }
        model_[i] = r;
        c = Cov{0.0, 0.0, 0.0};
    }
}

void StereoSpatialModel::covariance(int source, Eigen::Index bin, double& r00, double& r11,
                                    std::complex<double>& r01) const {
    const Cov& r = model_[static_cast<std::size_t>(source * bins_ + bin)];
    r00 = r.r00;
    r11 = r.r11;
    r01 = r.r01;
}

}  // namespace demix::detail

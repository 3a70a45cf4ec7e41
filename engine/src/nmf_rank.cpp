// Rank helpers: the K that covers a fraction of V's energy (singular values) and the
// reconstruction error for a list of K.
#include "nmf_internal.hpp"

#include <cmath>

namespace demix {

int suggestRank(const Matrix& V, double energyFraction)
{
    if (!(energyFraction > 0.0 && energyFraction <= 1.0))
        throw InvalidArgument("suggestRank: energyFraction must be in (0, 1] (got " +
                              std::to_string(energyFraction) + ")");
    if (V.size() == 0) throw InvalidArgument("suggestRank: V is empty");
    const nmf_detail::VectorD s = nmf_detail::singularValues(V);
    const double total = s.squaredNorm();
    if (!(total > 0.0)) return 1;  // silent V: one component is as good as any
    double covered = 0.0;
    for (Eigen::Index k = 0; k < s.size(); ++k) {
        covered += s(k) * s(k);
        // Relative slack so that energyFraction = 1 is reached despite rounding.
        if (covered >= energyFraction * total * (1.0 - 1e-12)) return static_cast<int>(k + 1);
    }
    return static_cast<int>(s.size());
}

std::vector<double> reconstructionErrorCurve(const Matrix& V, const std::vector<int>& ranks,
                                             const NmfSettings& settings)
{
    std::vector<double> curve;
    curve.reserve(ranks.size());
    const double beta = betaOf(settings.objective, settings.beta);
    for (int K : ranks) {
        NmfSettings s = settings;
        s.components = K;
        const NmfResult r = factorize(V, s);
        const Matrix WH = r.W * r.H;
        if (beta == 2.0) {
            const double norm = V.cast<double>().norm();
            curve.push_back(norm > 0.0 ? (V - WH).cast<double>().norm() / norm : 0.0);
        } else {
            // d(V | WH) relative to d(V | mean(V)), the error of the best constant model.
            const double mean = V.cast<double>().mean();
            const Matrix constant = Matrix::Constant(V.rows(), V.cols(), static_cast<float>(mean));
            const double base = divergence(V, constant, settings.objective, settings.beta);
            const double d = divergence(V, WH, settings.objective, settings.beta);
            curve.push_back(base > 0.0 ? d / base : 0.0);
        }
    }
    return curve;
}

}  // namespace demix

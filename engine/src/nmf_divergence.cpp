// The β-divergence d_β(V | WH), summed in double (Févotte & Idier 2011; the same values as
// scikit-learn's _beta_divergence: Frobenius is ½‖V − WH‖²).
#include "nmf_internal.hpp"

#include <algorithm>
#include <cmath>

namespace demix {
namespace nmf_detail {

double divergenceSum(const float* v, const float* y, std::size_t n, double beta)
{
    const double eps = kEpsilon;
    double sum = 0.0;
    if (beta == 2.0) {
        for (std::size_t i = 0; i < n; ++i) {
            const double d = double(v[i]) - double(y[i]);
            sum += d * d;
        }
        return 0.5 * sum;
    }
    if (beta == 1.0) {
        // v log(v/y) − v + y, written as y·(r log r − r + 1) with r = v/y so that terms
        // near a perfect fit do not cancel; v = 0 contributes y.
        for (std::size_t i = 0; i < n; ++i) {
            const double x = v[i];
            if (x <= 0.0) {
                sum += y[i];
                continue;
            }
            const double m = std::max(double(y[i]), eps);
            const double r = x / m;
            sum += m * (r * std::log(r) - (r - 1.0));
        }
        return sum;
    }
    if (beta == 0.0) {
        for (std::size_t i = 0; i < n; ++i) {
            const double r = std::max(double(v[i]), eps) / std::max(double(y[i]), eps);
            sum += (r - 1.0) - std::log(r);
        }
        return sum;
    }
    const double scale = 1.0 / (beta * (beta - 1.0));
    for (std::size_t i = 0; i < n; ++i) {
        double x = v[i];
        if (beta <= 0.0) {
            x = std::max(x, eps);
        } else if (x <= 0.0) {
            sum += std::pow(double(y[i]), beta) / beta;  // d_β(0 | y) = y^β / β
            continue;
        }
        const double m = std::max(double(y[i]), eps);
        // (x^β + (β−1) m^β − β x m^(β−1)) / (β(β−1))
        const double mb1 = std::pow(m, beta - 1.0);
        const double xb = x > 0.0 ? std::pow(x, beta) : 0.0;
        sum += (xb + (beta - 1.0) * mb1 * m - beta * x * mb1) * scale;
    }
    return sum;
}

}  // namespace nmf_detail

double divergence(const Matrix& V, const Matrix& WH, Objective objective, float beta)
{
    if (V.rows() != WH.rows() || V.cols() != WH.cols())
        throw InvalidArgument("divergence: V is " + std::to_string(V.rows()) + " x " +
                              std::to_string(V.cols()) + " but WH is " +
                              std::to_string(WH.rows()) + " x " + std::to_string(WH.cols()));
    const double b = betaOf(objective, beta);
    if (!std::isfinite(b)) throw InvalidArgument("divergence: beta must be finite");
    return nmf_detail::divergenceSum(V.data(), WH.data(), static_cast<std::size_t>(V.size()), b);
}

}  // namespace demix

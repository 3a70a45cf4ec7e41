// Initial W and H: seeded random (scaled by √(mean(V)/K)) and the NNDSVD family
// (Boutsidis & Gallopoulos 2008).
#include "nmf_internal.hpp"

#include <algorithm>
#include <cmath>

namespace demix {
namespace nmf_detail {

Uniform01::Uniform01(std::uint64_t seed) : engine_(seed) {}

double Uniform01::next()
{
    // 53 high bits → [0, 1), shifted by half a unit → (0, 1): never exactly 0 or 1.
    const std::uint64_t bits = engine_() >> 11;
    return (static_cast<double>(bits) + 0.5) * (1.0 / 9007199254740992.0);
}

}  // namespace nmf_detail

namespace {

using nmf_detail::MatrixD;
using nmf_detail::Uniform01;

double meanOf(const Matrix& V)
{
    if (V.size() == 0) return 0.0;
    return V.cast<double>().sum() / static_cast<double>(V.size());
}

/// Random init: entries avg·u with u uniform in (0, 2) (mean 1), avg = √(mean(V)/K), so
/// E[WH] ≈ mean(V). W is drawn first (column-major), then H (column-major).
void randomInit(const Matrix& V, int K, std::uint64_t seed, Matrix& W, Matrix& H)
{
    const double avg = std::sqrt(std::max(meanOf(V), 0.0) / K);
    Uniform01 u(seed);
    W.resize(V.rows(), K);
    H.resize(K, V.cols());
    for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = static_cast<float>(avg * 2.0 * u.next());
    for (Eigen::Index i = 0; i < H.size(); ++i) H.data()[i] = static_cast<float>(avg * 2.0 * u.next());
}

void nndsvdInit(const Matrix& V, int K, Initialisation method, std::uint64_t seed, Matrix& W,
                Matrix& H)
{
    const Eigen::Index F = V.rows(), T = V.cols();
    const nmf_detail::Svd svd = nmf_detail::leadingSvd(V, K);
    const Eigen::Index r = svd.s.size();
    MatrixD Wd = MatrixD::Zero(F, K);
    MatrixD Hd = MatrixD::Zero(K, T);
    for (Eigen::Index k = 0; k < r; ++k) {
        const double s = svd.s(k);
        if (s <= 0.0) continue;
        const auto x = svd.U.col(k);
        const auto y = svd.Vt.row(k).transpose();
        if (k == 0) {
            // The leading pair can be chosen non-negative (Perron–Frobenius).
            Wd.col(0) = std::sqrt(s) * x.cwiseAbs();
            Hd.row(0) = std::sqrt(s) * y.cwiseAbs().transpose();
            continue;
        }
        const nmf_detail::VectorD xp = x.cwiseMax(0.0), xn = (-x).cwiseMax(0.0);
        const nmf_detail::VectorD yp = y.cwiseMax(0.0), yn = (-y).cwiseMax(0.0);
        const double xpn = xp.norm(), xnn = xn.norm(), ypn = yp.norm(), ynn = yn.norm();
        const double mp = xpn * ypn, mn = xnn * ynn;
        if (std::max(mp, mn) <= 0.0) continue;
        const bool positive = mp >= mn;
        const double m = positive ? mp : mn;
        const double scale = std::sqrt(s * m);
        if (positive) {
            Wd.col(k) = scale * xp / xpn;
            Hd.row(k) = scale * yp.transpose() / ypn;
        } else {
            Wd.col(k) = scale * xn / xnn;
            Hd.row(k) = scale * yn.transpose() / ynn;
        }
    }
    W = Wd.cast<float>();
    H = Hd.cast<float>();
    // Values too small to matter are zero in plain NNDSVD; the variants fill zeros.
    for (Eigen::Index i = 0; i < W.size(); ++i)
        if (W.data()[i] < kTiny) W.data()[i] = 0.0f;
    for (Eigen::Index i = 0; i < H.size(); ++i)
        if (H.data()[i] < kTiny) H.data()[i] = 0.0f;
    if (method == Initialisation::Nndsvd) return;
    const double mean = meanOf(V);
    if (method == Initialisation::Nndsvda) {
        for (Eigen::Index i = 0; i < W.size(); ++i)
            if (W.data()[i] == 0.0f) W.data()[i] = static_cast<float>(mean);
        for (Eigen::Index i = 0; i < H.size(); ++i)
            if (H.data()[i] == 0.0f) H.data()[i] = static_cast<float>(mean);
        return;
    }
    // NNDSVDar: zeros become small random values mean(V)·u/50, u uniform in (0, 1)
    // (mean mean(V)/100), drawn for W first, then H.
    Uniform01 u(seed);
    const double small = std::max(mean, 0.0) / 50.0;
    for (Eigen::Index i = 0; i < W.size(); ++i)
        if (W.data()[i] == 0.0f) W.data()[i] = static_cast<float>(small * u.next());
    for (Eigen::Index i = 0; i < H.size(); ++i)
        if (H.data()[i] == 0.0f) H.data()[i] = static_cast<float>(small * u.next());
}

}  // namespace

void initialise(const Matrix& V, int components, Initialisation method, std::uint64_t seed,
                Matrix& W, Matrix& H)
{
    if (components < 1)
        throw InvalidArgument("NMF: the number of components must be at least 1 (got " +
                              std::to_string(components) + ")");
    if (method == Initialisation::Random)
        randomInit(V, components, seed, W, H);
    else
        nndsvdInit(V, components, method, seed, W, H);
}

}  // namespace demix

// Singular values and leading singular vectors of a spectrogram from the eigen-
// decomposition of its smaller Gram matrix (used by NNDSVD and the rank helper).
#include "nmf_internal.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>

namespace demix::nmf_detail {
namespace {

/// Gram matrix of the smaller side: V Vᵀ if F <= T, else Vᵀ V (in double).
MatrixD gram(const Matrix& V, bool rowsSide)
{
    // Exact double products for small inputs; the float product (fast GEMM) otherwise.
    const double work = double(V.rows()) * double(V.cols()) * double(std::min(V.rows(), V.cols()));
    if (work <= 5.0e7) {
        const MatrixD Vd = V.cast<double>();
        return rowsSide ? MatrixD(Vd * Vd.transpose()) : MatrixD(Vd.transpose() * Vd);
    }
    const Matrix G = rowsSide ? Matrix(V * V.transpose()) : Matrix(V.transpose() * V);
    return G.cast<double>();
}

}  // namespace

Svd leadingSvd(const Matrix& V, int k)
{
    const bool rowsSide = V.rows() <= V.cols();
    const Eigen::Index n = std::min(V.rows(), V.cols());
    const Eigen::Index r = std::min<Eigen::Index>(k, n);
    Svd out;
    out.U = MatrixD::Zero(V.rows(), r);
    out.s = VectorD::Zero(r);
    out.Vt = MatrixD::Zero(r, V.cols());
    if (r == 0) return out;
    Eigen::SelfAdjointEigenSolver<MatrixD> solver(gram(V, rowsSide));
    const VectorD& lambda = solver.eigenvalues();  // increasing
    const MatrixD& vectors = solver.eigenvectors();
    const MatrixD Vd = V.cast<double>();
    for (Eigen::Index i = 0; i < r; ++i) {
        const Eigen::Index j = n - 1 - i;
        const double s = std::sqrt(std::max(lambda(j), 0.0));
        out.s(i) = s;
        if (s <= 0.0) continue;
        if (rowsSide) {
            out.U.col(i) = vectors.col(j);
            out.Vt.row(i) = (Vd.transpose() * vectors.col(j)).transpose() / s;
        } else {
            out.Vt.row(i) = vectors.col(j).transpose();
            out.U.col(i) = Vd * vectors.col(j) / s;
        }
    }
    return out;
}

VectorD singularValues(const Matrix& V)
{
    const bool rowsSide = V.rows() <= V.cols();
    const Eigen::Index n = std::min(V.rows(), V.cols());
    if (n == 0) return VectorD();
    Eigen::SelfAdjointEigenSolver<MatrixD> solver(gram(V, rowsSide), Eigen::EigenvaluesOnly);
    VectorD s(n);
    for (Eigen::Index i = 0; i < n; ++i)
        s(i) = std::sqrt(std::max(solver.eigenvalues()(n - 1 - i), 0.0));
    return s;
}

}  // namespace demix::nmf_detail

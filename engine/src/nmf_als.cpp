// Projected alternating least squares for ½‖V − WH‖² + λ_W ΣW + λ_H ΣH. Each half-step
// solves the unconstrained least-squares problem for the free columns of W (rows of H),
// projects it onto X >= 0 and then moves from the old X towards that point by the exact
// minimiser of the (quadratic) objective on the segment. Plain projected ALS can
// increase the objective; with this safeguard it never does.
#include "nmf_loops.hpp"
#include "nmf_products.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>

namespace demix::nmf_detail {
namespace {

/// Minimises f(X) = ½ tr(XᵀXQ) − tr(XᵀP) + λΣX over the free columns of X (n × K), X >= 0.
void halfStep(Matrix& X, const Matrix& P, const Matrix& Q, const std::vector<bool>& freeMask,
              float lambda)
{
    const Eigen::Index K = X.cols(), n = X.rows();
    std::vector<Eigen::Index> freeIdx, fixedIdx;
    for (Eigen::Index k = 0; k < K; ++k)
        (freeMask[static_cast<std::size_t>(k)] ? freeIdx : fixedIdx).push_back(k);
    const auto S = static_cast<Eigen::Index>(freeIdx.size());
    if (S == 0) return;
    const MatrixD Qd = Q.cast<double>();
    MatrixD Qss(S, S);
    for (Eigen::Index i = 0; i < S; ++i)
        for (Eigen::Index j = 0; j < S; ++j) Qss(i, j) = Qd(freeIdx[i], freeIdx[j]);
    // rhs = P_S − X_Z Q_ZS − λ
    MatrixD rhs(n, S);
    for (Eigen::Index j = 0; j < S; ++j) rhs.col(j) = P.col(freeIdx[j]).cast<double>();
    for (Eigen::Index z : fixedIdx)
        for (Eigen::Index j = 0; j < S; ++j)
            rhs.col(j) -= X.col(z).cast<double>() * Qd(z, freeIdx[j]);
    if (lambda > 0.0f) rhs.array() -= double(lambda);
    // Small ridge so that a singular Q (dead components, K > rank) stays solvable.
    const double ridge = 1e-12 * std::max(Qss.trace() / double(S), 1e-300) + 1e-300;
    Qss.diagonal().array() += ridge;
    const Eigen::LDLT<MatrixD> ldlt(Qss);
    const MatrixD solution = ldlt.solve(rhs.transpose()).transpose();  // n × S
    // Direction D = max(solution, 0) − X_S; objective along X + αD is g α + ½ c α².
    MatrixD D(n, S), XS(n, S);
    for (Eigen::Index j = 0; j < S; ++j) {
        XS.col(j) = X.col(freeIdx[j]).cast<double>();
        for (Eigen::Index i = 0; i < n; ++i) {
            const double target = solution(i, j);
            D(i, j) = std::isfinite(target) ? std::max(target, 0.0) - XS(i, j) : 0.0;
        }
    }
    const MatrixD Xd = X.cast<double>();
    MatrixD gradient = Xd * Qd;  // n × K: XQ − P
    gradient -= P.cast<double>();
    double g = 0.0;
    for (Eigen::Index j = 0; j < S; ++j) g += D.col(j).dot(gradient.col(freeIdx[j]));
    if (lambda > 0.0f) g += double(lambda) * D.sum();
    const double c = ((D * Qss).array() * D.array()).sum();
    double alpha = 1.0;
    if (c > 0.0)
        alpha = std::clamp(-g / c, 0.0, 1.0);
    else if (g >= 0.0)
        alpha = 0.0;
    if (alpha == 0.0) return;
    for (Eigen::Index j = 0; j < S; ++j) {
        auto col = X.col(freeIdx[j]);
        for (Eigen::Index i = 0; i < n; ++i) {
            const float v = static_cast<float>(XS(i, j) + alpha * D(i, j));
            col(i) = v >= kTiny ? v : 0.0f;
        }
    }
}

}  // namespace

void alsIteration(const StepContext& ctx, Matrix& W, Matrix& H)
{
    const Matrix& V = *ctx.V;
    if (ctx.anyFreeW) {
        const Matrix P = timesTransposed(V, H, ctx.workers);
        const Matrix Q = H * H.transpose();
        halfStep(W, P, Q, ctx.freeW, ctx.sparsityW);
    }
    if (ctx.anyFreeH) {
        const Matrix R = transposedTimes(W, V, ctx.workers);
        const Matrix G = W.transpose() * W;
        Matrix Ht = H.transpose();
        halfStep(Ht, R.transpose(), G, ctx.freeH, ctx.sparsityH);
        H = Ht.transpose();
    }
}

void runAls(LoopContext& loop)
{
    const StepContext& ctx = loop.ctx;
    NmfResult& result = loop.result;
    Matrix& W = result.W;
    Matrix& H = result.H;
    for (int it = 0;; ++it) {
        if (loop.evaluatesAt(it) && loop.log.record(it, penalisedObjective(ctx, W, H))) {
            result.converged = true;
            return;
        }
        if (it == loop.settings.maxIterations) return;
        alsIteration(ctx, W, H);
        if (ctx.normaliseW) normaliseColumns(ctx, W, H);
        if (!loop.finished(it + 1)) return;
    }
}

}  // namespace demix::nmf_detail

// Hierarchical ALS (Cichocki & Phan 2009) for ½‖V − WH‖² + λ_W ΣW + λ_H ΣH: each free
// column of W (then each free row of H) is replaced by its exact non-negative minimiser
// with the others fixed, so the objective never increases.
#include "nmf_loops.hpp"
#include "nmf_products.hpp"

namespace demix::nmf_detail {
namespace {

/// One sweep over the free columns of X (n × K) minimising ½ tr(XᵀXQ) − tr(XᵀP) + λΣX.
void sweep(Matrix& X, const Matrix& P, const Matrix& Q, const std::vector<bool>& freeMask,
           float lambda)
{
    for (Eigen::Index k = 0; k < X.cols(); ++k) {
        if (!freeMask[static_cast<std::size_t>(k)]) continue;
        const float q = Q(k, k);
        if (!(q > 0.0f)) continue;
        Eigen::VectorXf column = X.col(k) + (P.col(k) - X * Q.col(k)).array().matrix() / q;
        if (lambda > 0.0f) column.array() -= lambda / q;
        for (Eigen::Index i = 0; i < column.size(); ++i)
            column(i) = column(i) >= kTiny ? column(i) : 0.0f;
        X.col(k) = column;
    }
}

}  // namespace

void halsIteration(const StepContext& ctx, Matrix& W, Matrix& H)
{
    const Matrix& V = *ctx.V;
    if (ctx.anyFreeW) {
        const Matrix P = timesTransposed(V, H, ctx.workers);  // F × K
        const Matrix Q = H * H.transpose();                    // K × K
        sweep(W, P, Q, ctx.freeW, ctx.sparsityW);
    }
    if (ctx.anyFreeH) {
        const Matrix R = transposedTimes(W, V, ctx.workers);  // K × T
        const Matrix G = W.transpose() * W;                    // K × K
        Matrix Ht = H.transpose();
        sweep(Ht, R.transpose(), G, ctx.freeH, ctx.sparsityH);
        H = Ht.transpose();
    }
}

void runHals(LoopContext& loop)
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
        halsIteration(ctx, W, H);
        if (ctx.normaliseW) normaliseColumns(ctx, W, H);
        if (!loop.finished(it + 1)) return;
    }
}

}  // namespace demix::nmf_detail

// The penalised NMF objective, evaluated blocked over time (WH is never stored whole).
#include "nmf_internal.hpp"

#include <vector>

namespace demix::nmf_detail {

double penalties(const StepContext& ctx, const Matrix& W, const Matrix& H)
{
    double p = 0.0;
    if (ctx.sparsityW > 0.0f) p += double(ctx.sparsityW) * W.cast<double>().sum();
    if (ctx.sparsityH > 0.0f) p += double(ctx.sparsityH) * H.cast<double>().sum();
    if (ctx.continuityH > 0.0f && H.cols() > 1) {
        double c = 0.0;
        for (Eigen::Index t = 1; t < H.cols(); ++t)
            for (Eigen::Index k = 0; k < H.rows(); ++k) {
                const double d = double(H(k, t)) - double(H(k, t - 1));
                c += d * d;
            }
        p += double(ctx.continuityH) * c;
    }
    return p;
}

double penalisedObjective(const StepContext& ctx, const Matrix& W, const Matrix& H)
{
    const Matrix& V = *ctx.V;
    const Eigen::Index F = V.rows(), T = V.cols();
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    std::vector<double> partial(static_cast<std::size_t>(ctx.workers), 0.0);
    parallelRun(ctx.workers, [&](int worker) {
        Eigen::Index first, last;
        blockRange(worker, ctx.workers, blocks, first, last);
        Matrix WH(F, kBlockFrames);
        double sum = 0.0;
        for (Eigen::Index b = first; b < last; ++b) {
            const Eigen::Index t0 = b * kBlockFrames;
            const Eigen::Index n = std::min<Eigen::Index>(kBlockFrames, T - t0);
            auto whb = WH.leftCols(n);
            whb.noalias() = W * H.middleCols(t0, n);
            sum += divergenceSumFast(V.data() + t0 * F, whb.data(), static_cast<std::size_t>(F * n),
                                 ctx.beta);
        }
        partial[static_cast<std::size_t>(worker)] = sum;
    });
    double total = 0.0;
    for (double p : partial) total += p;  // fixed order
    return total + penalties(ctx, W, H);
}

void flushTiny(Matrix& M)
{
    float* p = M.data();
    for (Eigen::Index i = 0; i < M.size(); ++i)
        if (!(p[i] >= kTiny)) p[i] = 0.0f;
}

}  // namespace demix::nmf_detail

// Threaded, blocked V·Hᵀ and Wᵀ·V for the ALS and HALS solvers.
#include "nmf_products.hpp"

#include <vector>

namespace demix::nmf_detail {

Matrix timesTransposed(const Matrix& V, const Matrix& H, int workers)
{
    const Eigen::Index F = V.rows(), T = V.cols(), K = H.rows();
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    std::vector<Matrix> partial(static_cast<std::size_t>(workers));
    parallelRun(workers, [&](int worker) {
        Matrix& acc = partial[static_cast<std::size_t>(worker)];
        acc = Matrix::Zero(F, K);
        Eigen::Index first, last;
        blockRange(worker, workers, blocks, first, last);
        if (first >= last) return;
        const Eigen::Index t0 = first * kBlockFrames;
        const Eigen::Index t1 = std::min<Eigen::Index>(last * kBlockFrames, T);
        acc.noalias() += V.middleCols(t0, t1 - t0) * H.middleCols(t0, t1 - t0).transpose();
    });
    Matrix out = std::move(partial[0]);
    for (int w = 1; w < workers; ++w) out += partial[static_cast<std::size_t>(w)];
    return out;
}

Matrix transposedTimes(const Matrix& W, const Matrix& V, int workers)
{
    const Eigen::Index T = V.cols();
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    Matrix out(W.cols(), T);
    parallelRun(workers, [&](int worker) {
        Eigen::Index first, last;
        blockRange(worker, workers, blocks, first, last);
        if (first >= last) return;
        const Eigen::Index t0 = first * kBlockFrames;
        const Eigen::Index t1 = std::min<Eigen::Index>(last * kBlockFrames, T);
        out.middleCols(t0, t1 - t0).noalias() = W.transpose() * V.middleCols(t0, t1 - t0);
    });
    return out;
}

}  // namespace demix::nmf_detail

// Hierarchical ALS (Cichocki & Phan 2009) for ½‖V − WH‖² + λ_W ΣW + λ_H ΣH: each free
// column of W (then each free row of H) is replaced by its exact non-negative minimiser
// with the others fixed, so the objective never increases.
//
// Only the two large products touch V: P = V Hᵀ (F × K) for the W half-step and
// R = Wᵀ V (K × T) for the H half-step. With settings.accelerate, each product is reused
// for several sweeps (Gillis & Glineur 2012, "Accelerated multiplicative updates and
// hierarchical alternating least squares algorithms for NMF"): a sweep costs about
// 1/ρ of the product (ρ ≈ T/K for W, F/K for H), so up to 1 + α·ρ sweeps are run, and
// they stop once a sweep changes the block by less than δ times the first sweep did.
// The columns of H are independent given W, so H is swept per 128-frame block (in cache,
// threaded, each block with its own stopping rule). The same pass forms the block of R
// and, once the block's H is final, adds its share of the next P = V Hᵀ while V's block
// is still in cache: V is read once per iteration. Per-worker partial sums are reduced
// in worker order (bit-identical for a given thread count).
//
// The objective comes from the same products (no W·H):
//   ½‖V − WH‖² = ½ (‖V‖² − 2 Σ H∘R + Σ (WᵀW)∘(HHᵀ)),
// in double from the float products. Their rounding costs about 1e-7 × ½‖V‖²/objective
// relative (1e-5 on music at K = 32, where the fit leaves about 1% of ‖V‖²); where the
// fit is closer than ½‖V‖²/100 the objective is evaluated directly instead.
#include "nmf_loops.hpp"
#include "nmf_products.hpp"

#include <algorithm>
#include <cmath>

namespace demix::nmf_detail {
namespace {

// Gillis & Glineur's recommended α and δ. On the 3-minute bench spectrogram α = 1 took 53
// instead of 65 iterations to scikit-learn's objective, δ = 0.3 or 0.03 more (85, 151).
constexpr double kInnerAlpha = 0.5;  // share of the product's cost spent on extra sweeps
constexpr double kInnerDelta = 0.1;  // stop when a sweep moves < δ × the first sweep
constexpr int kMaxSweeps = 100;
constexpr double kMaxCancellation = 100.0;

inline float kept(float x) { return x >= kTiny ? x : 0.0f; }

int sweepBudget(bool accelerate, double rho)
{
    if (!accelerate) return 1;
    return static_cast<int>(std::clamp(1.0 + kInnerAlpha * rho, 1.0, double(kMaxSweeps)));
}

/// Up to `sweeps` sweeps over the free columns of W (F × K) for
/// min ½ tr(WᵀW Q) − tr(Wᵀ P) + λ ΣW, W >= 0.
void updateW(Matrix& W, const Matrix& P, const Matrix& Q, const std::vector<bool>& freeW,
             float lambda, int sweeps)
{
    const Eigen::Index F = W.rows(), K = W.cols();
    Eigen::VectorXf wq(F);
    double firstChange = 0.0;
    for (int s = 0; s < sweeps; ++s) {
        double change = 0.0;
        for (Eigen::Index k = 0; k < K; ++k) {
            if (!freeW[static_cast<std::size_t>(k)]) continue;
            const float q = Q(k, k);
            if (!(q > 0.0f)) continue;
            wq.noalias() = W * Q.col(k);
            float* w = W.col(k).data();
            const float* p = P.col(k).data();
            for (Eigen::Index f = 0; f < F; ++f) {
                const float old = w[f];
                w[f] = kept(old + (p[f] - wq(f) - lambda) / q);
                const double d = double(w[f]) - double(old);
                change += d * d;
            }
        }
        if (s == 0) firstChange = change;
        if (!(change > kInnerDelta * kInnerDelta * firstChange)) break;
    }
}

/// The same for the free rows of one block of H (K × n), given transposed: Ht (n × K) and
/// Rt = (WᵀV)ᵀ for the block, G = WᵀW. Column k of Ht is contiguous, so each row update
/// is a vectorised array expression (`old` is scratch of at least n floats).
void updateHBlock(Matrix& Ht, const Matrix& Rt, const Matrix& G, const std::vector<bool>& freeH,
                  float lambda, int sweeps, Eigen::VectorXf& gh, Eigen::ArrayXf& old)
{
    const Eigen::Index n = Ht.rows(), K = Ht.cols();
    double firstChange = 0.0;
    for (int s = 0; s < sweeps; ++s) {
        double change = 0.0;
        for (Eigen::Index k = 0; k < K; ++k) {
            if (!freeH[static_cast<std::size_t>(k)]) continue;
            const float g = G(k, k);
            if (!(g > 0.0f)) continue;
            auto gk = gh.head(n);
            gk.noalias() = Ht * G.col(k);
            auto h = Ht.col(k).array();
            auto was = old.head(n);
            was = h;
            const auto x = was + (Rt.col(k).array() - gk.array() - lambda) * (1.0f / g);
            h = (x >= kTiny).select(x, 0.0f);
            change += double((h - was).square().sum());
        }
        if (s == 0) firstChange = change;
        if (!(change > kInnerDelta * kInnerDelta * firstChange)) break;
    }
}

double sumOfSquares(const Matrix& V)
{
    double sum = 0.0;
    const float* v = V.data();
    for (Eigen::Index i = 0; i < V.size(); ++i) sum += double(v[i]) * double(v[i]);
    return sum;
}

/// ½(‖V‖² − 2·cross + Σ (WᵀW)∘B) with B = HHᵀ (double), clamped at 0. WᵀW is formed in
/// double here: the sum cancels ‖V‖² to a few percent on music, so its terms need more
/// than float accuracy.
double halfResidual(double normV2, double cross, const Matrix& W, const MatrixD& B)
{
    const MatrixD Wd = W.cast<double>();
    const MatrixD G = Wd.transpose() * Wd;
    return std::max(0.0, 0.5 * (normV2 - 2.0 * cross + (G.array() * B.array()).sum()));
}

}  // namespace

void runHals(LoopContext& loop)
{
    const StepContext& ctx = loop.ctx;
    NmfResult& result = loop.result;
    Matrix& W = result.W;
    Matrix& H = result.H;
    const Matrix& V = *ctx.V;
    const Eigen::Index F = V.rows(), T = V.cols(), K = W.cols();
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    const bool accelerate = loop.settings.accelerate;
    const double rhoW = double(T) * double(F + K) / (double(F) * double(K));
    const double rhoH = double(F) * double(T + K) / (double(T) * double(K));
    const int sweepsW = sweepBudget(accelerate, rhoW);
    const int sweepsH = sweepBudget(accelerate, rhoH);
    const double normV2 = sumOfSquares(V);
    const int maxIt = loop.settings.maxIterations;
    const auto workers = static_cast<std::size_t>(ctx.workers);

    if (loop.log.record(0, penalisedObjective(ctx, W, H)) || maxIt == 0) {
        result.converged = maxIt > 0;
        return;
    }
    // P = V Hᵀ and HHᵀ of the current H. After the first iteration both come out of the
    // H pass (accumulated block by block while V's block is in cache), so each
    // iteration reads V once.
    Matrix P, G;
    MatrixD HHt;
    if (ctx.anyFreeW) {
        P = timesTransposed(V, H, ctx.workers);
        HHt = (H * H.transpose()).cast<double>();
    }
    std::vector<MatrixD> partialHHt(workers);
    std::vector<Matrix> partialP(workers);
    std::vector<double> partialCross(workers);
    for (int it = 0; it < maxIt; ++it) {
        double value = 0.0;
        if (ctx.anyFreeW) {
            const Matrix Q = HHt.cast<float>();
            updateW(W, P, Q, ctx.freeW, ctx.sparsityW, sweepsW);
            if (!ctx.anyFreeH)  // H fixed: P and HHᵀ stay valid
                value = halfResidual(normV2,
                                     (W.array().cast<double>() * P.array().cast<double>()).sum(), W, HHt);
        }
        if (ctx.anyFreeH) {
            const bool nextP = ctx.anyFreeW && it + 1 < maxIt;
            G.noalias() = W.transpose() * W;
            parallelRun(ctx.workers, [&](int worker) {
                const auto w = static_cast<std::size_t>(worker);
                Eigen::Index first, last;
                blockRange(worker, ctx.workers, blocks, first, last);
                MatrixD& hh = partialHHt[w];
                hh.setZero(K, K);
                if (nextP) partialP[w].setZero(F, K);
                double cross = 0.0;
                Eigen::VectorXf gh(kBlockFrames);
                Eigen::ArrayXf old(kBlockFrames);
                Matrix hb(K, K), Rb(K, kBlockFrames), Ht(kBlockFrames, K), Rt(kBlockFrames, K);
                for (Eigen::Index b = first; b < last; ++b) {
                    const Eigen::Index t0 = b * kBlockFrames;
                    const Eigen::Index n = std::min<Eigen::Index>(kBlockFrames, T - t0);
                    const auto Vb = V.middleCols(t0, n);
                    auto Hb = H.middleCols(t0, n);
                    auto rb = Rb.leftCols(n);
                    rb.noalias() = W.transpose() * Vb;  // this block of R = WᵀV
                    Ht.resize(n, K);
                    Rt.resize(n, K);
                    Ht = Hb.transpose();
                    Rt = rb.transpose();
                    updateHBlock(Ht, Rt, G, ctx.freeH, ctx.sparsityH, sweepsH, gh, old);
                    Hb = Ht.transpose();
                    // HHᵀ per block in float, summed over blocks in double.
                    hb.noalias() = Hb * Hb.transpose();
                    hh += hb.cast<double>();
                    cross += (Hb.array().cast<double>() * rb.array().cast<double>()).sum();
                    if (nextP) partialP[w].noalias() += Vb * Hb.transpose();
                }
                partialCross[w] = cross;
            });
            HHt = partialHHt[0];
            double cross = partialCross[0];
            if (nextP) P = partialP[0];
            for (std::size_t w = 1; w < workers; ++w) {  // fixed order
                HHt += partialHHt[w];
                cross += partialCross[w];
                if (nextP) P += partialP[w];
            }
            value = halfResidual(normV2, cross, W, HHt);
        }
        if (ctx.normaliseW) {
            // WH, hence the divergence, is unchanged; P = V Hᵀ and HHᵀ follow H's rows.
            ctx.workspace->pendingScale.setOnes(K);
            normaliseColumns(ctx, W, H);
            const Eigen::VectorXd scale = ctx.workspace->pendingScale.cast<double>();
            ctx.workspace->pendingScale.resize(0);
            if (ctx.anyFreeW) {
                for (Eigen::Index k = 0; k < K; ++k) P.col(k) *= static_cast<float>(scale(k));
                HHt = scale.asDiagonal() * HHt * scale.asDiagonal();
            }
        }
        // The product form loses about 1e-7 × ½‖V‖²/objective to cancellation (R and P
        // are float products): past kMaxCancellation, evaluate directly.
        const bool recordNow = loop.evaluatesAt(it + 1);
        if ((!ctx.anyFreeW && !ctx.anyFreeH) || (recordNow && 0.5 * normV2 > kMaxCancellation * value))
            value = penalisedObjective(ctx, W, H);
        else
            value += penalties(ctx, W, H);
        if (recordNow && loop.log.record(it + 1, value)) {
            result.iterations = it + 1;
            result.converged = true;
            return;
        }
        if (!loop.finished(it + 1)) return;
    }
}

}  // namespace demix::nmf_detail

#pragma once
/// \file nmf_internal.hpp
/// Pieces shared by the NMF translation units (not part of the public API).

#include "demix/nmf.hpp"
#include "nmf_kl_kernel.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

namespace demix::nmf_detail {

/// Frames per time block in the blocked kernels: a block of WH (F × 128 floats) stays in
/// the worker's cache while it is used for both products.
constexpr int kBlockFrames = 128;

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using VectorD = Eigen::Matrix<double, Eigen::Dynamic, 1>;

// ---- divergence (nmf_divergence.cpp) -------------------------------------------------

/// Σ d_β(v_i | y_i) over n elements, each term computed and summed in double.
/// Where v > 0, y is floored at kEpsilon (except for β = 2); v = 0 gives the exact limit
/// d_β(0 | y) = y^β / β for β > 0; for β <= 0, v is floored at kEpsilon too.
double divergenceSum(const float* v, const float* y, std::size_t n, double beta);

/// The same sum, faster and slightly less exact (float terms, double accumulation) for
/// KL and Frobenius with AVX2; other β fall back to divergenceSum. Used for the
/// objective curve inside factorize (nmf_divergence_fast.cpp).
double divergenceSumFast(const float* v, const float* y, std::size_t n, double beta);

// ---- random numbers (nmf_init.cpp) ---------------------------------------------------

/// Deterministic uniform numbers in (0, 1) from std::mt19937_64 with our own mapping
/// (53 high bits, offset by half a unit), so results do not depend on the standard
/// library's distribution implementations.
class Uniform01 {
public:
    explicit Uniform01(std::uint64_t seed);
    double next();

private:
    std::mt19937_64 engine_;
};

// ---- SVD helpers (nmf_svd.cpp) -------------------------------------------------------

/// Leading singular triplets of V: U (F × r), s (r), Vt (r × T), r = min(k, F, T),
/// singular values in decreasing order. Computed from the eigen-decomposition of the
/// smaller Gram matrix (V Vᵀ or Vᵀ V) in double.
struct Svd {
    MatrixD U;
    VectorD s;
    MatrixD Vt;
};
Svd leadingSvd(const Matrix& V, int k);

/// All min(F, T) singular values of V, decreasing.
VectorD singularValues(const Matrix& V);

// ---- threads (nmf_parallel.cpp) ------------------------------------------------------

/// Sets flush-to-zero and denormals-are-zero in this thread's MXCSR for its lifetime and
/// restores the previous mode afterwards (no-op on non-x86 targets).
class FlushDenormals {
public:
    FlushDenormals();
    ~FlushDenormals();
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;

private:
    unsigned saved_ = 0;
};

/// Runs job(worker) for worker = 0 .. workers − 1, worker 0 on the calling thread, each
/// with denormals flushed. Returns when all are done; rethrows the first worker's
/// exception (in worker order).
void parallelRun(int workers, const std::function<void(int worker)>& job);

/// Worker count actually used for a problem of F × T × K: `requested` (0 = hardware
/// threads), reduced to 1 for small problems, never more than the number of time blocks.
int effectiveWorkers(int requested, Eigen::Index F, Eigen::Index T, Eigen::Index K);

/// The contiguous range of time blocks [first, last) owned by `worker` out of `workers`
/// (a fixed split: it depends only on the block count and the worker count).
void blockRange(int worker, int workers, Eigen::Index numBlocks, Eigen::Index& first,
                Eigen::Index& last);

// ---- solver steps ---------------------------------------------------------------------

/// Per-worker buffers reused across iterations (no allocation inside the loop).
struct WorkerBuffers {
    Matrix WH;    ///< F × block: WH, then V·(WH)^(β−2)
    Matrix B;     ///< F × block: (WH)^(β−1) (β ≠ 1)
    Matrix num;   ///< F × K accumulator (W update) / K × block (H update)
    Matrix den;   ///< as num
    Matrix numH;  ///< K × block
    Matrix denH;  ///< K × block
    /// KL kernel (nmf_kl_kernel.hpp): block buffer R and the packed F × K accumulator.
    std::vector<float> klBlock, klNum;
    klkernel::MixedBuffers klMixed;  ///< bf16 block buffers (NmfSettings::precision Mixed)
    std::vector<double> klRowSumsH;  ///< Mixed: row sums of the H blocks accumulated (K)
    double divergence = 0.0;
    double sampledDivergence = 0.0;  ///< the sampled blocks' part (SampledObjective)
};
struct Workspace {
    std::vector<WorkerBuffers> workers;
    Matrix Hold;  ///< copy of H for the continuity term
    /// The last H pass already accumulated the next W update / the divergence of the
    /// current W, H (MU only; fused to read V once per iteration).
    bool pendingAccumulators = false;
    bool pendingDivergence = false;
    /// Column scales applied by normalisation since the accumulators were made.
    Eigen::VectorXf pendingScale;
    /// W packed for the KL kernel (refilled before each pass that uses it).
    klkernel::PackedW packedW;
};

/// Everything the solver steps need besides W and H.
struct StepContext {
    const Matrix* V = nullptr;
    double beta = 1.0;
    float sparsityW = 0.0f;
    float sparsityH = 0.0f;
    float continuityH = 0.0f;
    /// MU H updates set activations below this to 0 (max(settings.activationFloor, kTiny)).
    float activationFloor = kTiny;
    /// Anchor of free W columns to `anchor` (settings.anchorW; MU only); null = none.
    const Matrix* anchor = nullptr;
    float anchorW = 0.0f;
    /// W columns are renormalised after every iteration (settings.normaliseW).
    bool normaliseW = false;
    std::vector<bool> freeW;  ///< size K: column k of W may change
    std::vector<bool> freeH;  ///< size K: row k of H may change
    bool anyFreeW = true;
    bool anyFreeH = true;
    /// Arithmetic of the KL MU products of the next iteration: settings.precision, or for
    /// Adaptive Bfloat16/Mixed as the loop decides (never Adaptive itself; bf16 only where
    /// the CPU can).
    Precision precision = Precision::Float32;
    int workers = 1;
    Workspace* workspace = nullptr;  ///< owned by factorize; sized for `workers`
};

/// A cheaper stand-in for the objective, for decisions that need not be exact (the
/// accept/restart test of accelerated MU): the divergence over one time step in `stride`
/// (steps of the MU pass, at fixed frame positions: t0 / step ≡ 0 mod stride, so the
/// sample does not depend on the worker count), scaled by T / (sampled frames), plus the
/// exact penalties. stride 0 = off.
struct SampledObjective {
    int stride = 0;
    /// true: also compute the exact objective (into *objective); false: *objective gets
    /// the sampled value and the other blocks skip the divergence.
    bool exact = true;
    double value = 0.0;  ///< out: the sampled objective
};

/// Frames per step of the MU passes for this problem (the unit of SampledObjective).
Eigen::Index multiplicativeStep(const StepContext& ctx);

/// One multiplicative-update iteration (W then H). If `objective` is non-null, the
/// objective of the incoming W, H (before this iteration) is computed on the way (or
/// taken from the previous H pass) and stored there; if `stopBeforeUpdate` then returns
/// true, nothing is changed (used for the convergence test). `prepareNext`: accumulate
/// the next iteration's W update during the H pass; `evaluateNext`: also the divergence
/// of the resulting W, H. `sample` (with objective non-null): see SampledObjective; not
/// combined with prepareNext/evaluateNext. Implemented in nmf_mu.cpp.
bool multiplicativeIteration(const StepContext& ctx, Matrix& W, Matrix& H, double* objective,
                             const std::function<bool(double)>& stopBeforeUpdate,
                             bool prepareNext, bool evaluateNext,
                             SampledObjective* sample = nullptr);

/// The objective of the current W, H if the last MU iteration computed its divergence.
bool pendingObjective(const StepContext& ctx, const Matrix& W, const Matrix& H, double& value);

/// One projected-ALS iteration (W then H) for the Frobenius objective, each half-step
/// safeguarded by an exact line search so the objective never increases (nmf_als.cpp).
void alsIteration(const StepContext& ctx, Matrix& W, Matrix& H);

/// The penalised objective of W, H: d_β(V | WH) + λ_W ΣW + λ_H ΣH + μ Σ (ΔH)², computed
/// blocked over time with `ctx.workers` threads (nmf_objective.cpp).
double penalisedObjective(const StepContext& ctx, const Matrix& W, const Matrix& H);

/// The penalty part alone (λ_W ΣW + λ_H ΣH + μ Σ_t (H_t − H_{t−1})²), in double.
double penalties(const StepContext& ctx, const Matrix& W, const Matrix& H);

/// Sets entries of M below kTiny (including negative zero and any negative value) to 0.
void flushTiny(Matrix& M);

}  // namespace demix::nmf_detail

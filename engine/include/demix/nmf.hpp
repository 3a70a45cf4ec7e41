#pragma once
/// \file nmf.hpp
/// Non-negative matrix factorisation V (F × T) ≈ W (F × K) · H (K × T).
///
/// Objectives: generalised Kullback–Leibler (default), Frobenius (reported as ½‖V − WH‖²_F,
/// scikit-learn's convention), Itakura–Saito and the β-divergence family d_β (β = 2
/// Frobenius, β = 1 KL, β = 0 IS), defined as in Févotte & Idier 2011; values agree with
/// scikit-learn's `_beta_divergence` (tested against stored fixtures).
///
/// Solvers: multiplicative updates (every objective; exponent γ(β) of Févotte & Idier
/// for MM monotonicity), projected alternating least squares (each half-step safeguarded
/// by an exact line search, so it never increases the objective) and HALS (Frobenius
/// only; its objective comes from the products it already forms, ½(‖V‖² − 2 tr(Hᵀ WᵀV)
/// + tr(WᵀW HHᵀ)), or from W·H when the fit is within 1% of ‖V‖², where that form
/// would lose accuracy). Iteration order: W first, then H (like scikit-learn).
/// NmfSettings::accelerate (default on) accelerates MU and HALS.
///
/// Numerics: one epsilon floor, `kEpsilon`, guards every division and logarithm; W and
/// H entries are clamped to >= 0 and flushed to zero below kTiny; all-zero rows, columns
/// or an all-zero V never produce NaN or Inf.
///
/// Determinism: the same V, settings (seed included) and thread count give bit-identical
/// W and H (threads own fixed ranges of 128-frame blocks and partial sums are reduced in a
/// fixed order). Different thread counts agree to rounding only. Worker threads run with
/// flush-to-zero / denormals-are-zero set (restored afterwards).
///
/// Thread-safety: `factorize` is re-entrant (no shared state); it may use
/// `settings.threads` worker threads internally: helpers owned by the calling thread,
/// started at its first parallel factorisation and kept (blocked when idle) until that
/// thread exits, so that the passes of an iteration do not each start a thread.
/// Not real-time safe (allocates, blocks).

#include "demix/types.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace demix {

/// Floor used in divisions and logarithms (applied to WH and denominators).
constexpr float kEpsilon = 1e-10f;
/// W/H entries below this are set to zero (avoids subnormal slow-down).
constexpr float kTiny = 1e-30f;
/// Precision::Adaptive switches from Bfloat16 to Mixed once the recorded objective falls
/// by less than this fraction of its value per iteration ...
constexpr double kAdaptivePrecisionProgress = 1e-3;
/// ... or once the KL objective is below this fraction of ΣV (an RMS relative misfit of
/// WH below ≈ 4.5 %, within about 10× bf16's rounding of W·H, ≈ 0.3 %).
constexpr double kAdaptivePrecisionMisfit = 1e-3;

enum class Objective { KullbackLeibler, Frobenius, ItakuraSaito, Beta };
enum class Solver { Multiplicative, Als, Hals };
enum class Initialisation { Random, Nndsvd, Nndsvda, Nndsvdar };
/// Arithmetic of the KL multiplicative-update products (NmfSettings::precision).
enum class Precision { Float32, Mixed, Bfloat16, Adaptive };

/// Parse "kl", "frobenius", "is", "beta=B" (sets *beta). Throws InvalidArgument.
Objective objectiveFromString(const std::string& text, float* beta);
std::string toString(Objective objective, float beta = 1.0f);
/// "mu", "als", "hals". Throws InvalidArgument.
Solver solverFromString(const std::string& text);
std::string toString(Solver solver);
/// "random", "nndsvd", "nndsvda", "nndsvdar". Throws InvalidArgument.
Initialisation initialisationFromString(const std::string& text);
std::string toString(Initialisation init);

/// "float32", "mixed", "bfloat16", "adaptive". Throws InvalidArgument.
Precision precisionFromString(const std::string& text);
std::string toString(Precision precision);

/// β of an objective (KL 1, Frobenius 2, IS 0, Beta: the given beta).
float betaOf(Objective objective, float beta);

struct NmfSettings {
    int components = 16;                              ///< K (must be >= 1)
    Objective objective = Objective::KullbackLeibler;
    float beta = 1.0f;                                ///< only for Objective::Beta
    Solver solver = Solver::Multiplicative;           ///< ALS/HALS need Frobenius
    Initialisation init = Initialisation::Random;     ///< when no W/H is given
    std::uint64_t seed = 0;
    int maxIterations = 200;
    /// Stop when (obj_prev − obj) / obj_first < tol, checked every evalEvery iterations
    /// (scikit-learn's rule, applied to the objective itself rather than its square
    /// root). tol = 0 runs exactly maxIterations.
    double tol = 1e-4;
    int evalEvery = 10;
    /// L1 penalty λ·ΣH. With normaliseW, MU uses the normalised-gradient W update
    /// (Eggert & Körner) so the scale moved into H cannot undo the penalty. Note: with KL
    /// and unit-L1 free columns ΣH ≈ ΣV, so the penalty mainly acts with fixed templates.
    float sparsityH = 0.0f;
    /// L1 penalty λ·ΣW (meant for normaliseW = false: unit-L1 columns have a fixed ΣW).
    float sparsityW = 0.0f;
    /// Temporal continuity μ·Σ_k Σ_t (H_{k,t} − H_{k,t−1})², MU only. Its gradient is split
    /// into positive (2μ·n_t·H_{k,t}) and negative (2μ·(H_{k,t−1} + H_{k,t+1})) parts added
    /// to the MU denominator/numerator (Virtanen 2007's heuristic: not guaranteed
    /// monotone).
    float continuityH = 0.0f;
    /// Template anchor a >= 0, MU only: after each W update every free column of W is
    /// pulled back toward its starting value W₀ (the given or initialised W):
    /// W ← (W + a·W₀)/(1 + a). For KL this is the MM step of d(V|WH) +
    /// a·Σ_k h_k·KL(W₀_k | W_k) (h_k = Σ_t H_kt): templates adapt to the data but stay
    /// near a library. The anchor term is not part of the reported objective. 0 = off.
    float anchorW = 0.0f;
    /// Normalise each free column of W to unit L1 norm after every iteration, moving the
    /// scale into H (WH unchanged). Only components whose W column and H row are both
    /// free are normalised; frozen parts are never touched.
    bool normaliseW = true;
    /// Accelerated solvers (default on; off = the plain updates, e.g. to compare with
    /// scikit-learn iteration by iteration).
    /// - MU: extrapolation with restart (after Ang & Gillis 2019). After each iteration W
    ///   and H are pushed further along their last multiplicative step, Y = X_n ∘
    ///   (X_n / X_{n−1})^β (geometric, so no entry changes sign or is revived from 0).
    ///   The objective of Y comes out of the same pass as the next update; if it is above
    ///   the previous accepted value, that update is abandoned, the iteration restarts
    ///   from the plain X_n (never worse than the previous value, as MU is monotone) and
    ///   β shrinks; while accepted, β grows towards a ceiling of 1. So the objective is
    ///   evaluated every iteration (recorded every evalEvery), the recorded values never
    ///   increase (up to float rounding of a plain step), and the W, H returned are the
    ///   best iterate; after maxIterations they are a plain MU iterate. With evalEvery > 1
    ///   and at least 2048 frames (KL with AVX2; else 4096), the test between recorded iterations
    ///   uses the objective of a fixed 1/8 sample of the frames (far cheaper; the exact
    ///   objective may then rise slightly between recorded iterations), while recorded
    ///   iterations stay exact and strictly non-increasing, and the W, H returned are
    ///   the best recorded iterate (its exact objective is the last one). Not applied with
    ///   continuityH (that runs plain MU). With anchorW the restart test sees the
    ///   objective without the anchor term, and each W update re-applies the anchor to
    ///   the extrapolated W. Fewer iterations to a given objective on music
    ///   (docs/performance.md).
    /// - HALS: each product with V is reused for several sweeps (Gillis & Glineur 2012):
    ///   up to 1 + ρ/2 sweeps, ρ the product's cost over a sweep's, stopping once a sweep
    ///   moves the factor by less than 1/10 of the first. Monotone like plain HALS.
    /// - ALS: no effect.
    /// Results stay bit-identical for the same inputs, settings and thread count.
    bool accelerate = true;
    /// MU only: after every multiplicative activation update, entries of H below this
    /// value are set to 0 (and, like any zero of MU, stay 0; an extrapolated point of
    /// `accelerate` is not floored). 0 (default) = only the kTiny flush.
    /// scikit-learn's KL/IS MU zeroes activations below 2.22e-16 (float64 epsilon); set
    /// that value to reproduce its iterates. It is an
    /// absolute threshold, so it depends on the scale of V.
    float activationFloor = 0.0f;
    /// Arithmetic of the products W·H, Wᵀ·R and R·Hᵀ (R = V / WH) of KL multiplicative
    /// updates — nearly all of their cost. On a CPU with AVX512F/BW/VL and AVX512-BF16
    /// (checked at run time; elsewhere every choice is exactly Float32), the update
    /// products can take bfloat16 (8 significant bits) operands summed pairwise into
    /// float32 accumulators (`vdpbf16ps`: twice the products per instruction of a float
    /// FMA). Only for KL (β = 1) MU; the objective (always from float products, and
    /// evaluating it never changes the iterates), the updates and all reductions stay
    /// float32/double. Every choice is deterministic (same inputs, settings, thread count
    /// and CPU → same bits).
    ///  - Float32: float operands and sums (and what every choice is without the CPU
    ///    feature).
    ///  - Mixed: the model W·H and E = V / WH − 1 in float32; only the operands of the two
    ///    update products Wᵀ·E and E·Hᵀ (W, H, E) rounded to bf16 (the exact ones-part
    ///    Wᵀ·1, 1·Hᵀ added in float32). Faster than Float32, with an objective close to
    ///    Float32's (the model that decides the fit stays float32).
    ///  - Bfloat16: W·H from bf16 operands too. Faster still; E then carries W·H's
    ///    rounding, so the objective drifts further from Float32's
    ///    (either sign).
    ///  - Adaptive (default): Bfloat16 while the fit is far from converged, Mixed from the
    ///    iteration after the first recorded objective (recorded every evalEvery
    ///    iterations) that has fallen by less than kAdaptivePrecisionProgress (1e-3) of
    ///    its value per iteration since the previous record (or has risen), or that is
    ///    below kAdaptivePrecisionMisfit (1e-3) × ΣV (a nearly exact fit, where bf16's
    ///    rounding of W·H would be a visible part of the misfit); never back. bf16's
    ///    effect on the objective (≈ 1e-4 relative) is then an order of magnitude below
    ///    one iteration's progress, and the last iterations, which set the final
    ///    accuracy, run Mixed. (Music spectrograms fit to ≈ 0.09 ΣV.) Without a record before the end (evalEvery >=
    ///    maxIterations) the whole run is Mixed. Unlike the fixed choices, the iterates
    ///    depend on evalEvery (it decides when the switch is seen).
    ///    NmfResult::bfloat16Iterations says how many iterations ran Bfloat16.
    /// Speeds, objectives and separation quality of each choice: docs/performance.md,
    /// docs/quality.md.
    Precision precision = Precision::Adaptive;
    /// Worker threads; 0 = all hardware threads (then results depend on the machine's
    /// core count). Small problems (F·T·K < 4e6) always run on the calling thread.
    int threads = 0;
};

/// Optional starting point and freezing. Frozen parts are never changed (bit-identical).
struct NmfInit {
    std::optional<Matrix> W;  ///< F × K; if absent, initialised per settings.init
    std::optional<Matrix> H;  ///< K × T; if absent, initialised per settings.init
    std::vector<bool> freezeW;  ///< size 0 or K: true = column k of W is fixed
    std::vector<bool> freezeH;  ///< size 0 or K: true = row k of H is fixed
    /// With W and H given: their penalised objective (as NmfResult::objective), when the
    /// caller already knows it — e.g. the last recorded value of an earlier factorisation
    /// of the same V with the same objective and penalties. Recorded for iteration 0
    /// instead of evaluating it again where that evaluation would cost a pass over V
    /// (the plain MU loop; accelerated MU when its accept/restart test is sampled).
    /// Trusted, not checked.
    std::optional<double> objective;
};

struct NmfResult {
    Matrix W;  ///< F × K templates
    Matrix H;  ///< K × T activations
    /// Penalised objective d_β(V | WH) + λ_W ΣW + λ_H ΣH + μ Σ(ΔH)² (in double) after
    /// init, then every evalEvery iterations and after the last iteration run (unless
    /// cancelled).
    std::vector<double> objective;
    std::vector<int> objectiveIterations;  ///< the iteration of each objective value
    int iterations = 0;
    /// Iterations whose W·H came from bf16 operands (Precision::Bfloat16, or Adaptive
    /// before its switch; 0 without the CPU feature or for other objectives).
    int bfloat16Iterations = 0;
    bool converged = false;
    bool cancelled = false;
};

/// Called on the calling thread after every iteration with (iterations done so far,
/// maxIterations, the most recently evaluated objective — possibly from an earlier
/// iteration). Return false to cancel: factorize returns at once with cancelled = true
/// and the W, H of the last finished iteration.
using NmfProgress = std::function<bool(int iteration, int maxIterations, double objective)>;

/// Runs NMF. Throws InvalidArgument for bad settings (K < 1, empty/negative/non-finite V,
/// ALS/HALS with a non-Frobenius objective or with continuityH or anchorW, wrongly shaped or negative
/// init, freeze masks of the wrong size or freezing a part that was not given, negative
/// penalties, evalEvery < 1, tol < 0). If only one of W, H is given, the other comes from
/// settings.init.
NmfResult factorize(const Matrix& V, const NmfSettings& settings, const NmfInit& init = {},
                    const NmfProgress& progress = {});

/// The objective d_β(V | WH) (+ nothing else: penalties are not included), each term
/// computed and summed in double. Where V > 0, WH is floored at kEpsilon; V = 0 gives
/// the exact limit (WH for KL, WH^β/β for β > 0); for β <= 0 V is floored too.
/// Throws InvalidArgument if the shapes differ.
double divergence(const Matrix& V, const Matrix& WH, Objective objective, float beta = 1.0f);

/// Initial W, H for V with the given method (used by factorize; exposed for tests).
/// Random: entries √(mean(V)/K)·u, u uniform in (0, 2) from std::mt19937_64(seed) with
/// Demix's own mapping (53 bits), W first then H, column-major — identical on every
/// platform. NNDSVD (Boutsidis & Gallopoulos) from the leading singular vectors (Gram
/// eigen-decomposition in double); components beyond min(F, T) are zero. NNDSVDa fills
/// zeros with mean(V) and NNDSVDar with mean(V)·u/50 (u in (0, 1)), as in scikit-learn.
void initialise(const Matrix& V, int components, Initialisation method, std::uint64_t seed,
                Matrix& W, Matrix& H);

/// Smallest K whose leading singular values hold `energyFraction` (0..1] of
/// V's energy (sum of squared singular values). 1 for a silent V. Throws
/// InvalidArgument for a fraction outside (0, 1] or an empty V.
int suggestRank(const Matrix& V, double energyFraction);

/// Relative reconstruction error ‖V − WH‖/‖V‖ (Frobenius) or d(V|WH)/d(V|mean) for each K in
/// `ranks`, using `settings` (components overridden by each K).
std::vector<double> reconstructionErrorCurve(const Matrix& V, const std::vector<int>& ranks,
                                             const NmfSettings& settings);

}  // namespace demix

#pragma once
/// \file nmf.hpp
/// Non-negative matrix factorisation V (F × T) ≈ W (F × K) · H (K × T).
///
/// Objectives: generalised Kullback–Leibler (default), Frobenius (½‖V − WH‖²… reported as
/// the plain squared error ‖V − WH‖²_F / 2 like scikit-learn), Itakura–Saito and the
/// β-divergence family d_β (β = 2 Frobenius, β = 1 KL, β = 0 IS), defined as in
/// Févotte & Idier 2011 and scikit-learn's `_beta_divergence` (objective values agree
/// with it).
///
/// Solvers: multiplicative updates (every objective; exponent γ(β) of Févotte & Idier
/// for MM monotonicity), projected alternating least squares and HALS (Frobenius only).
///
/// Numerics: one epsilon floor, `kEpsilon`, guards every division and logarithm; W and
/// H entries are clamped to >= 0 and flushed to zero below kTiny; all-zero rows, columns
/// or an all-zero V never produce NaN or Inf.
///
/// Determinism: the same V, settings (seed included) and thread count give bit-identical
/// W and H.
///
/// Thread-safety: `factorize` is re-entrant (no shared state); it may use
/// `settings.threads` worker threads internally. Not real-time safe (allocates).

#include "demix/types.hpp"

#include <cstdint>
#include <optional>

namespace demix {

/// Floor used in divisions and logarithms (applied to WH and denominators).
constexpr float kEpsilon = 1e-10f;
/// W/H entries below this are set to zero (avoids subnormal slow-down).
constexpr float kTiny = 1e-30f;

enum class Objective { KullbackLeibler, Frobenius, ItakuraSaito, Beta };
enum class Solver { Multiplicative, Als, Hals };
enum class Initialisation { Random, Nndsvd, Nndsvda, Nndsvdar };

/// Parse "kl", "frobenius", "is", "beta=B" (sets *beta). Throws InvalidArgument.
Objective objectiveFromString(const std::string& text, float* beta);
std::string toString(Objective objective, float beta = 1.0f);
/// "mu", "als", "hals". Throws InvalidArgument.
Solver solverFromString(const std::string& text);
std::string toString(Solver solver);
/// "random", "nndsvd", "nndsvda", "nndsvdar". Throws InvalidArgument.
Initialisation initialisationFromString(const std::string& text);
std::string toString(Initialisation init);

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
    /// (scikit-learn's rule). tol = 0 runs exactly maxIterations.
    double tol = 1e-4;
    int evalEvery = 10;
    float sparsityH = 0.0f;    ///< L1 penalty λ·Σ|H|
    float sparsityW = 0.0f;    ///< L1 penalty λ·Σ|W|
    float continuityH = 0.0f;  ///< temporal continuity μ·Σ_t (H_{k,t} − H_{k,t−1})², MU only
    /// Normalise each free column of W to unit L1 norm after every iteration, moving the
    /// scale into H (WH unchanged). Frozen columns are never touched.
    bool normaliseW = true;
    int threads = 0;  ///< worker threads; 0 = all hardware threads
};

/// Optional starting point and freezing. Frozen parts are never changed (bit-identical).
struct NmfInit {
    std::optional<Matrix> W;  ///< F × K; if absent, initialised per settings.init
    std::optional<Matrix> H;  ///< K × T; if absent, initialised per settings.init
    std::vector<bool> freezeW;  ///< size 0 or K: true = column k of W is fixed
    std::vector<bool> freezeH;  ///< size 0 or K: true = row k of H is fixed
};

struct NmfResult {
    Matrix W;  ///< F × K templates
    Matrix H;  ///< K × T activations
    std::vector<double> objective;  ///< value after init, then every evalEvery iterations
    std::vector<int> objectiveIterations;  ///< the iteration of each objective value
    int iterations = 0;
    bool converged = false;
    bool cancelled = false;
};

/// Called every iteration with (iteration, maxIterations, latest objective or NaN if
/// not evaluated this iteration). Return false to cancel: the result then has
/// cancelled = true and the W, H of the last finished iteration.
using NmfProgress = std::function<bool(int iteration, int maxIterations, double objective)>;

/// Runs NMF. Throws InvalidArgument for bad settings (K < 1, negative V, NaN in V,
/// ALS with a non-Frobenius objective, wrongly shaped init or freeze masks).
NmfResult factorize(const Matrix& V, const NmfSettings& settings, const NmfInit& init = {},
                    const NmfProgress& progress = {});

/// The objective d_β(V | WH) (+ nothing else: penalties are not included), in double.
double divergence(const Matrix& V, const Matrix& WH, Objective objective, float beta = 1.0f);

/// Initial W, H for V with the given method (used by factorize; exposed for tests).
void initialise(const Matrix& V, int components, Initialisation method, std::uint64_t seed,
                Matrix& W, Matrix& H);

/// Smallest K whose leading singular values hold `energyFraction` (0..1] of
/// V's energy (sum of squared singular values).
int suggestRank(const Matrix& V, double energyFraction);

/// Relative reconstruction error ‖V − WH‖/‖V‖ (Frobenius) or d(V|WH)/d(V|mean) for each K in
/// `ranks`, using `settings` (components overridden by each K).
std::vector<double> reconstructionErrorCurve(const Matrix& V, const std::vector<int>& ranks,
                                             const NmfSettings& settings);

}  // namespace demix

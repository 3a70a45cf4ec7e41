// Multiplicative updates accelerated by extrapolation with restart (in the spirit of
// Ang & Gillis 2019, "Accelerating nonnegative matrix factorization algorithms using
// extrapolation"; our own variant):
//
//   X_{n+1} = MU(Y_n)                                  (one plain iteration: W, then H)
//   Y_{n+1} = X_{n+1} ∘ (X_{n+1} / X_n)^β_n             (W and H, free parts only)
//
// The extrapolation is geometric (a step in log space): MU steps are multiplicative, and
// a linear step X + β(X − X_n) clipped at zero kills entries for good (MU never revives
// a zero) — tried first, it made MU far slower.
//
// The objective of every Y_n comes for free from the first pass of the MU kernel (fused
// with the W-update products). Y_n is accepted only if its objective is not above the
// previous accepted one; otherwise the update is abandoned before anything changes, the
// iterate falls back to the plain X_n (whose objective is at most the previous accepted
// one, since MU never increases it), and β shrinks. While Y keeps being accepted, β grows
// towards a ceiling that itself grows slowly up to 1; a restart lowers the ceiling.
// So the recorded objectives never increase, and the returned W, H are the best iterate
// seen (up to float rounding of an MU step). No extrapolation follows the last
// iteration, so a run that reaches maxIterations returns a plain MU iterate.
//
// Sampled decisions. The exact objective costs one logarithm per element of V, about a
// quarter of an accelerated iteration. So when evalEvery > 1 and V has enough frames,
// the accept/restart test between evaluations compares a sampled objective instead: the
// divergence over one MU time step in kSampleStride (fixed frame positions, so the
// sample does not depend on the thread count), scaled to all frames, plus the exact
// penalties. That test is approximate: the full objective may rise slightly across
// iterates accepted between two evaluations. Evaluated iterations stay exact and guard
// what is recorded: an extrapolated point above the last recorded value is rejected
// like any other, and if the plain iterate is above it too, the run continues from the
// last recorded iterate (kept in Wbest, Hbest). The final objective is exact and belongs
// to the returned W, H. So with sampling the recorded values never increase (no
// rounding allowance needed) and the result is the best recorded iterate. The sample
// costs ≈ 1/8 of the exact objective between evaluations and reaches a target objective
// in as many iterations as exact decisions (bench/RESULTS.md, figure 2).
#include "nmf_loops.hpp"

#include <algorithm>
#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define DEMIX_EXTRAPOLATE_AVX2 1
#endif

namespace demix::nmf_detail {
namespace {

// Extrapolation schedule (Ang & Gillis's rule): start, growth while accepted, shrink on
// restart, slow growth of the ceiling. Chosen on music spectrograms and random problems:
// a ceiling above 1 or faster growth gives more restarts and no fewer iterations
// (bench/RESULTS.md, appendix).
constexpr double kBetaStart = 0.5;
constexpr double kBetaGrowth = 1.05;
constexpr double kBetaShrink = 1.5;
constexpr double kCeilingGrowth = 1.05;
constexpr double kCeilingMax = 1.0;
/// The extrapolation factor (x/x_prev)^β is kept within [2^−kMaxLog2, 2^kMaxLog2]: MU can
/// never revive an entry pushed to zero, and one step must not blow an entry up.
constexpr float kMaxLog2 = 6.0f;
/// Sampled accept/restart test: one MU time step (64 or 128 frames) in kSampleStride, used
/// when the problem has at least kMinSampledSteps sampled steps and evalEvery > 1.
constexpr int kSampleStride = 8;
constexpr Eigen::Index kMinSampledSteps = 4;

inline float flushed(float x) { return x >= kTiny ? x : 0.0f; }

/// One entry: now·(now/prev)^β (geometric: the natural extrapolation for multiplicative
/// steps, it never changes the sign nor revives a zero).
inline float extrapolated(float now, float prev, float beta)
{
    if (!(now > 0.0f) || !(prev > 0.0f)) return now;
    const float e = std::clamp(beta * std::log2(now / prev), -kMaxLog2, kMaxLog2);
    return flushed(now * std::exp2(e));
}

#ifdef DEMIX_EXTRAPOLATE_AVX2
/// 8 entries at once: log2 and exp2 by short polynomials (about 1e-5 relative; the
/// factor is a heuristic, only its determinism matters).
inline __m256 extrapolated8(__m256 now, __m256 prev, __m256 beta)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    const __m256 valid = _mm256_and_ps(_mm256_cmp_ps(now, zero, _CMP_GT_OQ),
                                       _mm256_cmp_ps(prev, zero, _CMP_GT_OQ));
    const __m256 r = _mm256_div_ps(now, _mm256_blendv_ps(one, prev, valid));
    // log2 r = e + log2 m, m in [1, 2)
    const __m256i bits = _mm256_castps_si256(r);
    const __m256 e = _mm256_cvtepi32_ps(
        _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    const __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000)));
    const __m256 u = _mm256_sub_ps(m, one);
    // log2(1 + u) on [0, 1): our least-squares degree-5 fit, zero at u = 0 (error 3e-5)
    __m256 p = _mm256_set1_ps(0.045885527f);
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-0.19442267f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(0.41542195f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-0.7086821f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(1.4418258f));
    const __m256 lg = _mm256_fmadd_ps(p, u, e);
    __m256 x = _mm256_mul_ps(beta, lg);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-kMaxLog2)), _mm256_set1_ps(kMaxLog2));
    // 2^x = 2^i · 2^f, f in [0, 1): least-squares degree-5 fit, exactly 1 at f = 0 (3e-7)
    const __m256 fl = _mm256_floor_ps(x);
    const __m256 f = _mm256_sub_ps(x, fl);
    __m256 q = _mm256_set1_ps(0.0018766434f);
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(0.0089889546f));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(0.055828184f));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(0.24015319f));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(0.69315275f));
    q = _mm256_fmadd_ps(q, f, one);
    const __m256i scale = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(fl), _mm256_set1_epi32(127)), 23);
    const __m256 y = _mm256_mul_ps(now, _mm256_mul_ps(q, _mm256_castsi256_ps(scale)));
    const __m256 kept = _mm256_and_ps(y, _mm256_cmp_ps(y, _mm256_set1_ps(kTiny), _CMP_GE_OQ));
    return _mm256_blendv_ps(now, kept, valid);
}
#endif

/// x ← extrapolated(x, prev), prev ← old x, over n contiguous entries.
void extrapolateRange(float* x, float* prev, Eigen::Index n, float beta)
{
    Eigen::Index i = 0;
#ifdef DEMIX_EXTRAPOLATE_AVX2
    const __m256 b = _mm256_set1_ps(beta);
    for (; i + 8 <= n; i += 8) {
        const __m256 now = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(x + i, extrapolated8(now, _mm256_loadu_ps(prev + i), b));
        _mm256_storeu_ps(prev + i, now);
    }
#endif
    for (; i < n; ++i) {
        const float now = x[i];
        x[i] = extrapolated(now, prev[i], beta);
        prev[i] = now;
    }
}

/// Extrapolates the free columns of W and the free rows of H, on `workers` threads. Each
/// entry's arithmetic does not depend on the split: ranges of H start at multiples of 8
/// (extrapolateRange's vector width) so that only the matrix's last entries take the
/// scalar path, as they do on one thread.
void extrapolate(const StepContext& ctx, bool allFreeH, float beta, Matrix& W, Matrix& Wprev,
                 Matrix& H, Matrix& Hprev)
{
    const int workers = ctx.workers;
    const Eigen::Index K = H.rows();
    const Eigen::Index vectors = H.size() / 8;
    parallelRun(workers, [&](int worker) {
        Eigen::Index first, last;
        if (ctx.anyFreeW) {
            blockRange(worker, workers, W.cols(), first, last);
            for (Eigen::Index k = first; k < last; ++k)
                if (ctx.freeW[static_cast<std::size_t>(k)])
                    extrapolateRange(W.col(k).data(), Wprev.col(k).data(), W.rows(), beta);
        }
        if (!ctx.anyFreeH) return;
        if (allFreeH) {
            blockRange(worker, workers, vectors, first, last);
            const Eigen::Index end = worker + 1 == workers ? H.size() : last * 8;
            extrapolateRange(H.data() + first * 8, Hprev.data() + first * 8, end - first * 8, beta);
            return;
        }
        blockRange(worker, workers, H.cols(), first, last);
        for (Eigen::Index t = first; t < last; ++t)
            for (Eigen::Index k = 0; k < K; ++k)
                if (ctx.freeH[static_cast<std::size_t>(k)])
                    extrapolateRange(&H(k, t), &Hprev(k, t), 1, beta);
    });
}

}  // namespace

void runExtrapolatedMultiplicative(LoopContext& loop)
{
    const StepContext& ctx = loop.ctx;
    NmfResult& result = loop.result;
    Matrix& W = result.W;  // Y_n: the point the next iteration starts from
    Matrix& H = result.H;
    Matrix Wplain = W, Hplain = H;  // X_n: the last plain MU iterate
    const int maxIt = loop.settings.maxIterations;
    const bool allFreeH =
        std::find(ctx.freeH.begin(), ctx.freeH.end(), false) == ctx.freeH.end();

    // Between evaluations the accept/restart test uses the sampled objective (one time
    // step in kSampleStride) when there are enough steps for a fair sample; evaluations
    // stay exact and guard the recorded values (Wbest, Hbest: the last recorded iterate).
    const Eigen::Index steps =
        (ctx.V->cols() + multiplicativeStep(ctx) - 1) / multiplicativeStep(ctx);
    const bool sampling =
        loop.settings.evalEvery > 1 && steps >= kMinSampledSteps * kSampleStride;
    Matrix Wbest, Hbest;
    double recorded = std::numeric_limits<double>::infinity();

    double beta = kBetaStart, ceiling = kCeilingMax;
    double used = 0.0, usedBefore = 0.0;  // β of the current Y_n and of Y_{n−1}
    // The (sampled, when sampling) objective of the point the current iteration started from.
    double accepted = std::numeric_limits<double>::infinity();
    bool extrapolated = false;  // W, H differ from Wplain, Hplain
    for (int it = 0;; ++it) {
        loop.adaptPrecision();
        const bool evalNow = loop.evaluatesAt(it);
        if (it == maxIt) {
            if (evalNow && !loop.log.has(it)) {
                double value = penalisedObjective(ctx, W, H);
                if (sampling && !(value <= recorded)) {  // drifted up since the last record
                    W = Wbest;
                    H = Hbest;
                    value = recorded;
                }
                result.converged = loop.log.record(it, value);
            }
            return;
        }
        bool rejected = false, fellBack = false, fromBest = false, stop = false;
        SampledObjective sample;
        sample.stride = sampling ? kSampleStride : 0;
        // A known starting objective (NmfInit::objective) is recorded as it is; the
        // sampled one still comes from the pass, for the accept/restart test.
        const bool known = it == 0 && sampling && loop.initialObjective.has_value();
        sample.exact = !sampling || (evalNow && !known);
        auto check = [&](double measured) {
            const double value = known ? *loop.initialObjective : measured;
            const double proxy = sampling ? sample.value : value;
            // Exact evaluations between sampled decisions: never record a value above the
            // last recorded one.
            const bool aboveRecord = sampling && evalNow && !fromBest && !(value <= recorded);
            if (extrapolated && (!(proxy <= accepted) || aboveRecord)) {
                rejected = true;
                return true;  // abandon this update: nothing has changed yet
            }
            if (aboveRecord) {
                fellBack = true;  // even the plain iterate: back to the recorded one
                return true;
            }
            accepted = proxy;
            if (evalNow) {
                recorded = value;
                if (sampling) {
                    Wbest = W;
                    Hbest = H;
                }
                stop = loop.log.record(it, value);
            }
            return stop;
        };
        double value = 0.0;
        auto iterate = [&] {
            return multiplicativeIteration(ctx, W, H, &value, check, /*prepareNext=*/false,
                                           /*evaluateNext=*/false, &sample);
        };
        bool stopped = iterate();
        if (rejected) {
            // Restart from the plain iterate, whose objective is <= the accepted one.
            W = Wplain;
            H = Hplain;
            extrapolated = false;
            beta = used / kBetaShrink;
            ceiling = std::max(usedBefore, beta);  // the last β that kept working
            rejected = false;
            stopped = iterate();
        }
        if (fellBack) {
            // The sampled decisions since the last evaluation let the objective rise:
            // continue from the recorded iterate (its value is the recorded one).
            W = Wplain = Wbest;
            H = Hplain = Hbest;
            extrapolated = false;
            beta = std::min(beta, used / kBetaShrink);
            ceiling = std::max(usedBefore, beta);
            fromBest = true;
            stopped = iterate();
        }
        if (stopped || stop) {
            result.converged = true;
            return;
        }
        if (ctx.normaliseW) normaliseColumns(ctx, W, H);
        if (it + 1 < maxIt) {
            // W, H = X_{n+1}; the plain copies still hold X_n.
            const auto b = static_cast<float>(beta);
            extrapolate(ctx, allFreeH, b, W, Wplain, H, Hplain);
            extrapolated = true;
            usedBefore = used;
            used = beta;
            beta = std::min(ceiling, beta * kBetaGrowth);
            ceiling = std::min(kCeilingMax, ceiling * kCeilingGrowth);
        }
        if (!loop.finished(it + 1)) {
            if (extrapolated) {  // return the finished iterate, not the extrapolated one
                W = Wplain;
                H = Hplain;
            }
            return;
        }
    }
}

}  // namespace demix::nmf_detail

// Multiplicative updates for the β-divergence (Févotte & Idier 2011), blocked over time:
// for each block of frames, WH, the weights V·(WH)^(β−2) and (WH)^(β−1) and the products
// with W or H are formed while the block is in cache. Each worker owns a fixed range of
// blocks and private accumulators, reduced in worker order (deterministic per thread
// count).
//
// Update (exponent γ(β) = 1/(2−β) for β < 1, 1 for 1 ≤ β ≤ 2, 1/(β−1) for β > 2 makes
// each half-step a majorisation–minimisation step, so d_β never increases):
//   W ← W ∘ [ (V·(WH)^(β−2)) Hᵀ / ((WH)^(β−1) Hᵀ + λ_W) ]^γ
//   H ← H ∘ [ (Wᵀ(V·(WH)^(β−2)) + c⁻) / (Wᵀ(WH)^(β−1) + λ_H + c⁺) ]^γ
// For β = 1 the denominators are the row sums of H / column sums of W (no ones-matrix
// product). c⁺, c⁻ split the gradient of the temporal-continuity term
// μ Σ_t (h_t − h_{t−1})² into its positive part 2μ·n_t·h_t (n_t neighbours) and negative
// part 2μ(h_{t−1} + h_{t+1}) (Virtanen 2007's heuristic; with μ > 0 monotonicity is not
// guaranteed).
// With an anchor a (settings.anchorW), each updated free column is then blended with its
// starting value, W ← (W + a·W₀)/(1 + a): for KL exactly the MM step of the penalty
// a·Σ_k h_k·KL(W₀_k | W_k), which keeps adapted library templates near the library.
#include "nmf_internal.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace demix::nmf_detail {
namespace {

double gammaOf(double beta)
{
    if (beta < 1.0) return 1.0 / (2.0 - beta);
    if (beta > 2.0) return 1.0 / (beta - 1.0);
    return 1.0;
}

/// Overwrites wh (n values of WH) with A = V·(WH)^(β−2) and, unless β = 1, writes
/// B = (WH)^(β−1) into b.
void weights(const float* v, float* wh, float* b, std::size_t n, double beta)
{
    const float eps = kEpsilon;
    if (beta == 1.0) {
        std::size_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
        // v / max(wh, ε) as v·rcp with one Newton step (≈ 1 ulp; far cheaper than a
        // division). Deterministic on a given CPU.
        const __m256 e8 = _mm256_set1_ps(eps), one = _mm256_set1_ps(1.0f);
        for (; i + 8 <= n; i += 8) {
            const __m256 y = _mm256_max_ps(_mm256_loadu_ps(wh + i), e8);
            __m256 r = _mm256_rcp_ps(y);
            r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(y, r, one), r);
            _mm256_storeu_ps(wh + i, _mm256_mul_ps(_mm256_loadu_ps(v + i), r));
        }
#endif
        for (; i < n; ++i) wh[i] = v[i] / std::max(wh[i], eps);
    } else if (beta == 2.0) {
        for (std::size_t i = 0; i < n; ++i) {
            b[i] = wh[i];
            wh[i] = v[i];
        }
    } else if (beta == 0.0) {
        for (std::size_t i = 0; i < n; ++i) {
            const float inv = 1.0f / std::max(wh[i], eps);
            b[i] = inv;
            wh[i] = v[i] * inv * inv;
        }
    } else {
        const float e = static_cast<float>(beta - 2.0);
        for (std::size_t i = 0; i < n; ++i) {
            const float y = std::max(wh[i], eps);
            const float p = std::pow(y, e);
            b[i] = p * y;
            wh[i] = v[i] * p;
        }
    }
}

/// x ← x·(num/den)^γ, den floored at kEpsilon, results below kTiny flushed to zero.
inline float muFactor(float num, float den, double gamma)
{
    const float ratio = num / std::max(den, kEpsilon);
    return gamma == 1.0 ? ratio : static_cast<float>(std::pow(double(ratio), gamma));
}

inline float flushed(float x) { return x >= kTiny ? x : 0.0f; }

}  // namespace

Eigen::Index multiplicativeStep(const StepContext& ctx)
{
    // The KL kernel works on half blocks, so that V and R of a step (2 × F × 64 floats)
    // stay in a 1 MB L2 together with W (other step widths: bench/RESULTS.md, appendix).
    return ctx.beta == 1.0 && klkernel::available() ? kBlockFrames / 2 : kBlockFrames;
}

bool multiplicativeIteration(const StepContext& ctx, Matrix& W, Matrix& H, double* objective,
                             const std::function<bool(double)>& stopBeforeUpdate,
                             bool prepareNext, bool evaluateNext, SampledObjective* sample)
{
    const Matrix& V = *ctx.V;
    const Eigen::Index F = V.rows(), T = V.cols(), K = W.cols();
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    const double beta = ctx.beta;
    const bool kl = beta == 1.0;
    const double gamma = gammaOf(beta);
    const int workers = ctx.workers;
    const bool updateW = ctx.anyFreeW;
    Workspace& ws = *ctx.workspace;
    std::vector<WorkerBuffers>& acc = ws.workers;
    // KL with AVX2: the register-tiled kernels of nmf_kl_kernel.cpp instead of Eigen GEMMs.
    const bool fast = kl && klkernel::available();
    klkernel::PackedW& packed = ws.packedW;
    const Eigen::Index step = multiplicativeStep(ctx);  // frames per step through a block
    // Objective on a sample of the steps (pass 1 only): which steps, and whether the
    // others still need their divergence (exact objective too).
    const int stride = sample && objective ? sample->stride : 0;
    auto sampled = [&](Eigen::Index t0) { return stride > 0 && (t0 / step) % stride == 0; };

    // Prepares a worker's buffers; zeroes only what is about to be accumulated.
    auto reset = [&](WorkerBuffers& a, bool wantDivergence, bool wantAccumulators) {
        if (wantDivergence) a.divergence = a.sampledDivergence = 0.0;
        if (fast) {
            if (wantAccumulators) a.klNum.assign(klkernel::accumulatorSize(packed), 0.0f);
            a.klBlock.resize(static_cast<std::size_t>(packed.paddedRows() * kBlockFrames));
            if (packed.mixed) {
                a.klMixed.prepare(packed, kBlockFrames);
                if (wantAccumulators) a.klRowSumsH.assign(static_cast<std::size_t>(K), 0.0);
            }
            return;
        }
        if (wantAccumulators) {
            a.num.setZero(F, K);
            if (!kl) a.den.setZero(F, K);
        }
        a.WH.resize(F, kBlockFrames);
        if (!kl) a.B.resize(F, kBlockFrames);
    };
    // For one block of the current W and the given H columns: the divergence and/or the
    // W-update accumulators Σ A·Hᵀ (and Σ B·Hᵀ).
    auto accumulate = [&](WorkerBuffers& a, const auto& Hb, Eigen::Index t0, Eigen::Index n,
                          bool wantDivergence, bool wantAccumulators) {
        double& divergence = sampled(t0) ? a.sampledDivergence : a.divergence;
        if (fast) {
            const float* vb = V.data() + t0 * F;
            const float* hb = H.data() + t0 * K;
            const Eigen::Index following = T - t0 - n;  // V columns that may be prefetched
            float* R = a.klBlock.data();
            // With bf16 products and the W update's accumulators wanted, the divergence
            // comes from the same W·H as E instead of a second W·H in float32 when that
            // W·H is float32 (Mixed), or when only a sampled objective is wanted (an
            // approximate accept/restart test anyway): from bf16 operands it is within
            // ≈ 1e-5 of the float32 value on music, more near an exact fit
            // (klbf16::excessByRows), so recorded objectives keep the float kernel. Either
            // way the update's products are the same with or without it (evaluating the
            // objective does not change the iterates).
            const bool approximate = stride > 0 && !sample->exact;
            const bool fused = packed.mixed && wantAccumulators && (packed.floatModel || approximate);
            if (wantDivergence && !fused)
                divergence += klkernel::ratioDivergence(packed, hb, n, vb, R, following);
            if (!wantAccumulators) return;
            if (packed.mixed) {
                klkernel::mixedExcessTimesTransposed(packed, hb, n, vb, a.klMixed, a.klNum.data(),
                                                     following, fused && wantDivergence ? &divergence : nullptr);
                double* rowSums = a.klRowSumsH.data();
                for (Eigen::Index j = 0; j < n; ++j)
                    for (Eigen::Index k = 0; k < K; ++k) rowSums[k] += hb[j * K + k];
            } else if (wantDivergence)
                klkernel::accumulateTimesTransposed(packed, R, hb, n, a.klNum.data());
            else
                klkernel::ratioTimesTransposed(packed, hb, n, vb, R, a.klNum.data(), following);
            return;
        }
        auto whb = a.WH.leftCols(n);
        whb.noalias() = W * Hb;
        const float* vb = V.data() + t0 * F;
        const auto count = static_cast<std::size_t>(F * n);
        if (wantDivergence) divergence += divergenceSumFast(vb, whb.data(), count, beta);
        if (!wantAccumulators) return;
        weights(vb, whb.data(), kl ? nullptr : a.B.data(), count, beta);
        a.num.noalias() += whb * Hb.transpose();
        if (!kl) a.den.noalias() += a.B.leftCols(n) * Hb.transpose();
    };

    // ---- pass 1: accumulate the W update (and the objective of the incoming W, H),
    // unless the previous iteration's H pass already did it ----
    const bool wantAccumulators = updateW && !ws.pendingAccumulators;
    const bool wantDivergence = objective && !ws.pendingDivergence;
    if (wantAccumulators || wantDivergence) {
        if (fast) klkernel::pack(W, packed, ctx.precision, workers);
        parallelRun(workers, [&](int worker) {
            WorkerBuffers& a = acc[static_cast<std::size_t>(worker)];
            reset(a, wantDivergence, wantAccumulators);
            Eigen::Index first, last;
            blockRange(worker, workers, blocks, first, last);
            const Eigen::Index tEnd = std::min<Eigen::Index>(last * kBlockFrames, T);
            for (Eigen::Index t0 = first * kBlockFrames; t0 < tEnd; t0 += step) {
                const Eigen::Index n = std::min<Eigen::Index>(step, tEnd - t0);
                const bool divergenceHere =
                    wantDivergence && (stride == 0 || sample->exact || sampled(t0));
                if (divergenceHere || wantAccumulators)
                    accumulate(a, H.middleCols(t0, n), t0, n, divergenceHere, wantAccumulators);
            }
        });
    }
    if (objective) {
        const double p = penalties(ctx, W, H);
        if (stride > 0) {
            double ds = 0.0, d = 0.0;
            Eigen::Index frames = 0;
            for (Eigen::Index t0 = 0; t0 < T; t0 += step)
                if (sampled(t0)) frames += std::min<Eigen::Index>(step, T - t0);
            for (const auto& a : acc) {  // worker order
                ds += a.sampledDivergence;
                d += a.divergence + a.sampledDivergence;
            }
            sample->value = ds * (double(T) / double(frames)) + p;
            *objective = sample->exact ? d + p : sample->value;
        } else {
            double d = 0.0;
            for (const auto& a : acc) d += a.divergence;  // worker order
            *objective = d + p;
        }
        if (stopBeforeUpdate && stopBeforeUpdate(*objective)) return true;
    }
    if (updateW) {
        Matrix& num = acc[0].num;
        Matrix& den = acc[0].den;
        if (fast) num.resize(F, K);
        Eigen::VectorXf hsum;
        if (kl) hsum = H.rowwise().sum();
        const bool scaled = ws.pendingAccumulators && ws.pendingScale.size() == K;
        const float lw = ctx.sparsityW;
        // With L1 on H and normalised W, plain updates would let W's scale (moved into
        // H by the normalisation) undo the penalty. The gradient of d(V | W̄H) with
        // W̄ = W/‖W‖₁ adds Σ_f W̄ den to the numerator and Σ_f W̄ num to the denominator
        // (Eggert & Körner 2004's normalised update, here for the L1 norm).
        const bool normalisedGradient = ctx.normaliseW && ctx.sparsityH > 0.0f;
        // Components [k0, k1): reduce the workers' accumulators (in worker order), then
        // update those columns of W. Columns are independent, so disjoint ranges run on
        // different threads with the same result as one.
        auto updateColumns = [&](Eigen::Index k0, Eigen::Index k1) {
            if (k0 >= k1) return;
            if (fast) {
                std::vector<float>& sum = acc[0].klNum;
                for (Eigen::Index t = 0; t < packed.tiles; ++t) {
                    const auto first = static_cast<std::size_t>((t * K + k0) * klkernel::kTileRows);
                    const auto last = static_cast<std::size_t>((t * K + k1) * klkernel::kTileRows);
                    for (int w = 1; w < workers; ++w) {
                        const std::vector<float>& part = acc[static_cast<std::size_t>(w)].klNum;
                        for (std::size_t i = first; i < last; ++i) sum[i] += part[i];
                    }
                }
                klkernel::unpackColumns(packed, sum.data(), num, k0, k1);
                if (packed.mixed) {
                    // The mixed kernels accumulate (V/WH − 1)·Hᵀ: add 1·Hᵀ, the row sums
                    // of the H they saw (summed alongside, in double, reduced in worker
                    // order).
                    for (Eigen::Index k = k0; k < k1; ++k) {
                        double rowSum = 0.0;
                        for (int w = 0; w < workers; ++w)
                            rowSum += acc[static_cast<std::size_t>(w)].klRowSumsH[static_cast<std::size_t>(k)];
                        num.col(k).array() += static_cast<float>(rowSum);
                    }
                }
            } else {
                for (int w = 1; w < workers; ++w)
                    num.middleCols(k0, k1 - k0) += acc[static_cast<std::size_t>(w)].num.middleCols(k0, k1 - k0);
                if (!kl)
                    for (int w = 1; w < workers; ++w)
                        den.middleCols(k0, k1 - k0) += acc[static_cast<std::size_t>(w)].den.middleCols(k0, k1 - k0);
            }
            for (Eigen::Index k = k0; k < k1; ++k) {
                // Accumulated before the column normalisation scaled row k of H by s_k.
                if (scaled && ws.pendingScale(k) != 1.0f) {
                    num.col(k) *= ws.pendingScale(k);
                    if (!kl) den.col(k) *= ws.pendingScale(k);
                }
                if (!ctx.freeW[static_cast<std::size_t>(k)]) continue;
                // For KL the denominator is the row sum of H, the same for every f.
                auto denominator = [&](Eigen::Index f) { return kl ? hsum(k) : den(f, k); };
                float addNum = 0.0f, addDen = 0.0f;
                if (normalisedGradient && ctx.freeH[static_cast<std::size_t>(k)]) {
                    double norm = 0.0, sn = 0.0, sd = 0.0;
                    for (Eigen::Index f = 0; f < F; ++f) {
                        norm += W(f, k);
                        sn += double(W(f, k)) * num(f, k);
                        sd += double(W(f, k)) * (denominator(f) + lw);
                    }
                    if (norm > 0.0) {
                        addNum = static_cast<float>(sd / norm);
                        addDen = static_cast<float>(sn / norm);
                    }
                }
                for (Eigen::Index f = 0; f < F; ++f)
                    W(f, k) = flushed(W(f, k) * muFactor(num(f, k) + addNum,
                                                         denominator(f) + lw + addDen, gamma));
                if (ctx.anchor) {
                    const float a = ctx.anchorW, keep = 1.0f / (1.0f + a);
                    for (Eigen::Index f = 0; f < F; ++f)
                        W(f, k) = flushed((W(f, k) + a * (*ctx.anchor)(f, k)) * keep);
                }
            }
        };
        parallelRun(workers, [&](int worker) {
            Eigen::Index k0, k1;
            blockRange(worker, workers, K, k0, k1);
            updateColumns(k0, k1);
        });
    }
    ws.pendingAccumulators = false;
    ws.pendingDivergence = false;

    // ---- pass 2: update H block by block with the new W; while each updated block is
    // in cache, also accumulate the next iteration's W update and/or objective ----
    if (!ctx.anyFreeH) return false;
    const bool nextAccumulators = prepareNext && updateW;
    const bool nextDivergence = evaluateNext;
    const float mu = ctx.continuityH;
    const float hFloor = ctx.activationFloor;  // >= kTiny
    Matrix& Hold = ws.Hold;
    if (mu > 0.0f) Hold = H;
    Eigen::VectorXf wsum;
    if (kl) wsum = W.colwise().sum().transpose();
    // KL denominators max(Σ_f W + λ_H, ε) and the free rows, per component.
    std::vector<float> klDown;
    std::vector<unsigned char> klFree;
    if (fast) {
        klkernel::pack(W, packed, ctx.precision, workers);
        klDown.resize(static_cast<std::size_t>(K));
        klFree.resize(static_cast<std::size_t>(K));
        for (Eigen::Index k = 0; k < K; ++k) {
            klDown[static_cast<std::size_t>(k)] = std::max(wsum(k) + ctx.sparsityH, kEpsilon);
            klFree[static_cast<std::size_t>(k)] = ctx.freeH[static_cast<std::size_t>(k)] ? 1 : 0;
        }
    }
    parallelRun(workers, [&](int worker) {
        WorkerBuffers& a = acc[static_cast<std::size_t>(worker)];
        reset(a, nextDivergence, nextAccumulators);
        a.numH.resize(K, kBlockFrames);
        a.denH.resize(K, kBlockFrames);
        Matrix& WH = a.WH;
        Matrix& B = a.B;
        Eigen::Index first, last;
        blockRange(worker, workers, blocks, first, last);
        const Eigen::Index tEnd = std::min<Eigen::Index>(last * kBlockFrames, T);
        for (Eigen::Index t0 = first * kBlockFrames; t0 < tEnd; t0 += step) {
            const Eigen::Index n = std::min<Eigen::Index>(step, tEnd - t0);
            auto Hb = H.middleCols(t0, n);
            auto nb = a.numH.leftCols(n);
            auto db = a.denH.leftCols(n);
            if (fast && packed.mixed) {
                klkernel::mixedRatioTransposedTimes(packed, H.data() + t0 * K, n, V.data() + t0 * F,
                                                    wsum.data(), a.klMixed, nb.data(), tEnd - t0 - n);
            } else if (fast) {
                klkernel::ratio(packed, H.data() + t0 * K, n, V.data() + t0 * F,
                                a.klBlock.data(), /*productOnly=*/false, tEnd - t0 - n);
                klkernel::transposedTimes(packed, a.klBlock.data(), n, nb.data());
            } else {
                auto whb = WH.leftCols(n);
                whb.noalias() = W * Hb;
                weights(V.data() + t0 * F, whb.data(), kl ? nullptr : B.data(),
                        static_cast<std::size_t>(F * n), beta);
                nb.noalias() = W.transpose() * whb;
            }
            if (fast && mu == 0.0f) {
                // The same update as below (same operations, same bits), written so that
                // the compiler vectorises it over k.
                float* h = H.data() + t0 * K;
                const float* up = nb.data();
                for (Eigen::Index j = 0; j < n; ++j, h += K, up += K)
                    for (Eigen::Index k = 0; k < K; ++k) {
                        const float x = h[k] * (up[k] / klDown[static_cast<std::size_t>(k)]);
                        const float y = x >= hFloor ? x : 0.0f;
                        h[k] = klFree[static_cast<std::size_t>(k)] ? y : h[k];
                    }
                if (nextAccumulators || nextDivergence)
                    accumulate(a, H.middleCols(t0, n), t0, n, nextDivergence, nextAccumulators);
                continue;
            }
            if (kl)
                db = wsum.replicate(1, n);
            else
                db.noalias() = W.transpose() * B.leftCols(n);
            for (Eigen::Index j = 0; j < n; ++j) {
                const Eigen::Index t = t0 + j;
                for (Eigen::Index k = 0; k < K; ++k) {
                    if (!ctx.freeH[static_cast<std::size_t>(k)]) continue;
                    float up = nb(k, j);
                    float down = db(k, j) + ctx.sparsityH;
                    if (mu > 0.0f) {
                        float neighbours = 0.0f, count = 0.0f;
                        if (t > 0) neighbours += Hold(k, t - 1), count += 1.0f;
                        if (t + 1 < T) neighbours += Hold(k, t + 1), count += 1.0f;
                        up += 2.0f * mu * neighbours;
                        down += 2.0f * mu * count * Hold(k, t);
                    }
                    const float x = Hb(k, j) * muFactor(up, down, gamma);
                    Hb(k, j) = x >= hFloor ? x : 0.0f;
                }
            }
            if (nextAccumulators || nextDivergence)
                accumulate(a, H.middleCols(t0, n), t0, n, nextDivergence, nextAccumulators);
        }
    });
    ws.pendingAccumulators = nextAccumulators;
    ws.pendingDivergence = nextDivergence;
    ws.pendingScale.setOnes(K);
    return false;
}

bool pendingObjective(const StepContext& ctx, const Matrix& W, const Matrix& H, double& value)
{
    const Workspace& ws = *ctx.workspace;
    if (!ws.pendingDivergence) return false;
    double d = 0.0;
    for (const auto& a : ws.workers) d += a.divergence + a.sampledDivergence;
    value = d + penalties(ctx, W, H);
    return true;
}

}  // namespace demix::nmf_detail

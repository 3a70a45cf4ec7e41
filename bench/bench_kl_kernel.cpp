// bench_kl_kernel: one-core throughput of the KL-MU block products, float32 kernels
// (nmf_kl_kernel.cpp) against the mixed-precision ones (nmf_kl_bf16.cpp: bf16 operands,
// float32 accumulation), on figure 1's data, in the 64-frame steps nmf_mu.cpp uses.
//
//   bench_kl_kernel DIR [--frames N] [--runs 5]
//
// DIR holds V.npy, W0.npy, H0.npy (bench/sklearn_nmf.py writes them). Per kernel and for
// the whole per-iteration sequence (ratio + Wᵀ·R, then ratio + R·Hᵀ: the four products of
// one KL-MU iteration), prints the median GFLOP/s of the runs, the two precisions run
// alternately (2·F·K flops per frame and product), and the largest relative difference between the two precisions' Wᵀ·R and R·Hᵀ
// (against the float32 kernels, as a sanity check of the layouts).
#include "../engine/src/nmf_kl_bf16.hpp"
#include "../engine/src/nmf_kl_kernel.hpp"
#include "bench_nmf_npy.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kk = demix::nmf_detail::klkernel;
namespace kb = demix::nmf_detail::klbf16;
using Index = Eigen::Index;

namespace {

double seconds(const std::function<void()>& body)
{
    const auto start = std::chrono::steady_clock::now();
    body();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> t)
{
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

/// Medians of `runs` timings of a and b, run alternately (a, b, a, b, ...) so that both
/// see the same machine load; b is skipped (1 s) when `withB` is false.
std::pair<double, double> alternating(int runs, bool withB, const std::function<void()>& a,
                                      const std::function<void()>& b)
{
    std::vector<double> ta, tb;
    for (int r = 0; r < runs; ++r) {
        ta.push_back(seconds(a));
        tb.push_back(withB ? seconds(b) : 1.0);
    }
    return {median(ta), median(tb)};
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_kl_kernel DIR [--frames N] [--runs N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    Index frames = 4096;
    int runs = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--frames") frames = std::atol(value.c_str());
        else if (key == "--runs") runs = std::atoi(value.c_str());
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
#if defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040u);  // FTZ | DAZ, as the engine's workers
#endif
    const demix::Matrix Vall = bench::readNpy(dir + "/V.npy");
    const demix::Matrix W = bench::readNpy(dir + "/W0.npy");
    const demix::Matrix Hall = bench::readNpy(dir + "/H0.npy");
    const Index T = std::min<Index>(frames, Vall.cols());
    const demix::Matrix V = Vall.leftCols(T);
    const demix::Matrix H = Hall.leftCols(T);
    const Index F = V.rows(), K = W.cols(), step = 64;
    const double gflop = 2.0 * double(F) * double(K) * double(T) * 1e-9;  // one product
    std::printf("F %ld T %ld K %ld, one thread, %ld-frame steps, median of %d\n", long(F), long(T),
                long(K), long(step), runs);

    kk::PackedW packed;
    kk::pack(W, packed);
    std::vector<float> R(std::size_t(packed.paddedRows() * step));
    std::vector<float> out(std::size_t(K * T)), acc(kk::accumulatorSize(packed), 0.0f);

    const kb::Layout l = kb::layoutFor(F, K);
    std::vector<kb::bf16> panels(l.panelsSize()), rows(l.rowsSize()), Rb(l.blockSize(step)),
        scratch(l.scratchSize(step));
    std::vector<float> outB(std::size_t(K * T)), accB(l.accumulatorSize(), 0.0f);
    const Eigen::VectorXf colSums = W.colwise().sum().transpose();
    const Eigen::VectorXf rowSums = H.rowwise().sum();
    const bool bf16 = kb::compiled() && __builtin_cpu_supports("avx512bf16");
    if (bf16) kb::pack(l, W.data(), panels.data(), rows.data(), 0, l.tiles);
    else std::printf("no AVX512-BF16 here: float32 kernels only\n");

    auto steps = [&](const std::function<void(Index, Index)>& body) {
        for (Index t0 = 0; t0 < T; t0 += step) body(t0, std::min(step, T - t0));
    };
    const float* Hd = H.data();
    const float* Vd = V.data();
    auto report = [&](const char* name, double products, double f32, double b16) {
        if (bf16)
            std::printf("%-34s float32 %6.1f GFLOP/s   bf16 %6.1f GFLOP/s   speed-up %.2fx\n", name,
                        products * gflop / f32, products * gflop / b16, f32 / b16);
        else
            std::printf("%-34s float32 %6.1f GFLOP/s\n", name, products * gflop / f32);
    };

    // Each product alone: W·H + ratio by itself; Wᵀ·R and R·Hᵀ as (ratio + product) minus
    // the ratio (their input R is made per step: T frames of R would not stay in cache).
    const auto [tRatio, tRatioB] = alternating(
        runs, bf16,
        [&] {
            steps([&](Index t0, Index n) {
                kk::ratio(packed, Hd + t0 * K, n, Vd + t0 * F, R.data(), false, T - t0 - n);
            });
        },
        [&] {
            steps([&](Index t0, Index n) {
                kb::excessByRows(l, panels.data(), nullptr, Hd + t0 * K, n, Vd + t0 * F, Rb.data(),
                                 scratch.data(), T - t0 - n);
            });
        });
    report("W·H and V/WH (by rows)", 1, tRatio, tRatioB);
    const auto [tRatio2, tRatioFramesB] = alternating(
        runs, bf16,
        [&] {
            steps([&](Index t0, Index n) {
                kk::ratio(packed, Hd + t0 * K, n, Vd + t0 * F, R.data(), false, T - t0 - n);
            });
        },
        [&] {
            steps([&](Index t0, Index n) {
                kb::excessByFrames(l, panels.data(), nullptr, Hd + t0 * K, n, Vd + t0 * F, Rb.data(),
                                   scratch.data(), T - t0 - n);
            });
        });
    report("W·H and V/WH (by frames)", 1, tRatio2, tRatioFramesB);
    const auto [tH, tHB] = alternating(
        runs, bf16,
        [&] {
            steps([&](Index t0, Index n) {
                kk::ratio(packed, Hd + t0 * K, n, Vd + t0 * F, R.data(), false, T - t0 - n);
                kk::transposedTimes(packed, R.data(), n, out.data() + t0 * K);
            });
        },
        [&] {
            steps([&](Index t0, Index n) {
                kb::excessByRows(l, panels.data(), nullptr, Hd + t0 * K, n, Vd + t0 * F, Rb.data(),
                                 scratch.data(), T - t0 - n);
                kb::transposedTimes(l, rows.data(), Rb.data(), n, colSums.data(), outB.data() + t0 * K);
            });
        });
    report("Wᵀ·R alone", 1, tH - tRatio, tHB - tRatioB);
    const auto [tW, tWB] = alternating(
        runs, bf16,
        [&] {
            std::fill(acc.begin(), acc.end(), 0.0f);
            steps([&](Index t0, Index n) {
                kk::ratio(packed, Hd + t0 * K, n, Vd + t0 * F, R.data(), false, T - t0 - n);
                kk::accumulateTimesTransposed(packed, R.data(), Hd + t0 * K, n, acc.data());
            });
        },
        [&] {
            std::fill(accB.begin(), accB.end(), 0.0f);
            steps([&](Index t0, Index n) {
                kb::excessByFrames(l, panels.data(), nullptr, Hd + t0 * K, n, Vd + t0 * F, Rb.data(),
                                   scratch.data(), T - t0 - n);
                kb::accumulateTimesTransposed(l, Rb.data(), Hd + t0 * K, n, accB.data(), scratch.data());
            });
        });
    report("R·Hᵀ alone", 1, tW - tRatio2, tWB - tRatioFramesB);
    report("iteration (4 products, no H update)", 4, tH + tW, tHB + tWB);

    if (bf16) {
        double dOut = 0.0, sOut = 0.0, dAcc = 0.0, sAcc = 0.0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            dOut = std::max(dOut, double(std::fabs(out[i] - outB[i])));
            sOut = std::max(sOut, double(std::fabs(out[i])));
        }
        for (Index f = 0; f < F; ++f)
            for (Index k = 0; k < K; ++k) {
                const double a = acc[std::size_t(((f / 16) * K + k) * 16 + f % 16)];
                const double b = accB[kb::accumulatorIndex(l, f, k)] + double(rowSums(k));
                dAcc = std::max(dAcc, std::fabs(a - b) / std::max(std::fabs(a), 1e-30));
                sAcc = std::max(sAcc, std::fabs(a));
            }
        std::printf("largest |bf16 − float32| / max: Wᵀ·R %.2e;  R·Hᵀ elementwise relative %.2e\n",
                    dOut / sOut, dAcc);
    }
    return 0;
}

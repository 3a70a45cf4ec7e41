// Register-tiled KL-MU block products (see nmf_kl_kernel.hpp). With AVX2 + FMA each
// product is a 16-row × up-to-6-column (or 16 × 6 transposed) tile of 12 accumulators
// kept in registers over the whole inner dimension; WH never leaves the registers: it is
// turned into R = V / WH in the tile's epilogue (reciprocal with one Newton step, the
// same arithmetic as the Eigen path's weights()). Without AVX2 a plain scalar version
// with the same layouts is compiled (callers use the Eigen path there anyway).
#include "nmf_kl_kernel.hpp"
#include "nmf_internal.hpp"  // parallelRun, blockRange

#include <algorithm>
#include <atomic>
#include <cmath>
#include <type_traits>

#if defined(__AVX2__) && defined(__FMA__)
#include "nmf_simd.hpp"
#define DEMIX_KL_AVX2 1
#endif

namespace demix::nmf_detail::klkernel {

using Index = Eigen::Index;

namespace {

/// Calls body(start, size) for `count` items split into the fewest groups of at most
/// MaxSize, sizes as equal as possible (so no group is much narrower than the rest:
/// narrow groups leave the FMA pipes waiting on too few accumulator chains).
template <int MaxSize, typename Body>
inline void splitEvenly(Index count, Body&& body)
{
    const Index groups = (count + MaxSize - 1) / MaxSize;
    Index start = 0;
    for (Index g = 0; g < groups; ++g) {
        const Index end = count * (g + 1) / groups;
        body(start, end - start);
        start = end;
    }
}

#ifdef DEMIX_KL_AVX2

constexpr int kMaxCols = 6;  // 2 × 6 accumulators + 2 operands + 1 broadcast ≤ 16 ymm

inline __m256 floored(__m256 y) { return _mm256_max_ps(y, _mm256_set1_ps(kEpsilon)); }

/// 1 / y to about 1 ulp: the 12-bit estimate and one Newton step (far cheaper than a
/// division; the Eigen path's weights() does the same).
inline __m256 reciprocal(__m256 y)
{
    const __m256 r = _mm256_rcp_ps(y);
    return _mm256_fmadd_ps(r, _mm256_fnmadd_ps(y, r, _mm256_set1_ps(1.0f)), r);
}

/// 16 rows of W (a panel) times NJ columns of H (leading dimension K).
template <int NJ>
__attribute__((always_inline)) inline void productTile(const float* panel, Index K, const float* H, __m256 (&lo)[NJ],
                        __m256 (&hi)[NJ])
{
    _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) lo[j] = hi[j] = _mm256_setzero_ps();
    for (Index k = 0; k < K; ++k) {
        const __m256 w0 = _mm256_loadu_ps(panel + 16 * k);
        const __m256 w1 = _mm256_loadu_ps(panel + 16 * k + 8);
        _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) {
            const __m256 h = _mm256_broadcast_ss(H + j * K + k);
            lo[j] = _mm256_fmadd_ps(w0, h, lo[j]);
            hi[j] = _mm256_fmadd_ps(w1, h, hi[j]);
        }
    }
}

/// What a ratio tile writes: R = V / WH, WH itself, or R plus the KL divergence terms.
enum class Mode { Ratio, Product, RatioDivergence };

/// Adds the KL terms y·(r log r − (r − 1)) of 8 elements (r = v / y, y = max(WH, ε); v = 0
/// gives y, since 0·log tiny = 0) to the double lanes lo, hi; lanes not in `mask` add 0.
/// The same terms as divergenceSumFast(), with r from the reciprocal instead of a
/// division.
template <bool Masked>
__attribute__((always_inline)) inline void addDivergence(__m256 y, __m256 r, __m256i mask,
                                                         __m256d& lo, __m256d& hi)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 rl = _mm256_mul_ps(r, simd::log8(_mm256_max_ps(r, _mm256_set1_ps(1.17549435e-38f))));
    __m256 t = _mm256_mul_ps(y, _mm256_sub_ps(rl, _mm256_sub_ps(r, one)));
    if (Masked) t = _mm256_and_ps(t, _mm256_castsi256_ps(mask));
    simd::addTo(lo, hi, t);
}

/// R tile (16 × NJ, leading dimension ldR) = V / (W H) (or W H) for the `rows` ≤ 16 valid
/// rows; padded rows are written as zero (their W rows are zero and their V values are
/// masked out). Template flags instead of run-time branches keep the accumulator arrays
/// in registers (GCC leaves them in memory when the epilogue loop branches).
template <int NJ, Mode M, bool FullRows>
__attribute__((always_inline)) inline void ratioTileT(const float* panel, Index K, const float* H,
                                                      const float* V, Index ldV, __m256i mask0,
                                                      __m256i mask1, float* R, Index ldR,
                                                      __m256d& sumLo, __m256d& sumHi)
{
    __m256 lo[NJ], hi[NJ];
    productTile<NJ>(panel, K, H, lo, hi);
    _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) {
        float* out = R + j * ldR;
        if (M == Mode::Product) {
            _mm256_storeu_ps(out, lo[j]);
            _mm256_storeu_ps(out + 8, hi[j]);
        } else {
            const float* v = V + j * ldV;
            const __m256 v0 = FullRows ? _mm256_loadu_ps(v) : _mm256_maskload_ps(v, mask0);
            const __m256 v1 = FullRows ? _mm256_loadu_ps(v + 8) : _mm256_maskload_ps(v + 8, mask1);
            const __m256 y0 = floored(lo[j]), y1 = floored(hi[j]);
            const __m256 r0 = _mm256_mul_ps(v0, reciprocal(y0));
            const __m256 r1 = _mm256_mul_ps(v1, reciprocal(y1));
            _mm256_storeu_ps(out, r0);
            _mm256_storeu_ps(out + 8, r1);
            if (M == Mode::RatioDivergence) {
                addDivergence<!FullRows>(y0, r0, mask0, sumLo, sumHi);
                addDivergence<!FullRows>(y1, r1, mask1, sumLo, sumHi);
            }
        }
    }
}

template <int NJ, Mode M>
inline void ratioTile(const float* panel, Index K, const float* H, const float* V, Index ldV,
                      Index rows, float* R, Index ldR, __m256d& sumLo, __m256d& sumHi)
{
    if (M == Mode::Product) {
        ratioTileT<NJ, M, true>(panel, K, H, V, ldV, __m256i{}, __m256i{}, R, ldR, sumLo, sumHi);
    } else if (rows == kTileRows) {
        ratioTileT<NJ, M, true>(panel, K, H, V, ldV, __m256i{}, __m256i{}, R, ldR, sumLo, sumHi);
    } else {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i r = _mm256_set1_epi32(static_cast<int>(rows));
        const __m256i mask0 = _mm256_cmpgt_epi32(r, lane);
        const __m256i mask1 = _mm256_cmpgt_epi32(r, _mm256_add_epi32(lane, _mm256_set1_epi32(8)));
        ratioTileT<NJ, M, false>(panel, K, H, V, ldV, mask0, mask1, R, ldR, sumLo, sumHi);
    }
}

template <typename Fn>
inline void dispatchCols(Index nj, Fn&& fn)
{
    switch (nj) {
    case 1: fn(std::integral_constant<int, 1>{}); break;
    case 2: fn(std::integral_constant<int, 2>{}); break;
    case 3: fn(std::integral_constant<int, 3>{}); break;
    case 4: fn(std::integral_constant<int, 4>{}); break;
    case 5: fn(std::integral_constant<int, 5>{}); break;
    default: fn(std::integral_constant<int, 6>{}); break;
    }
}

/// out (16 k × NJ columns) = Wᵀ R for k0 .. k0 + 15 (rows layout, reduction over all F);
/// with FullK false only the first `valid` k are stored.
template <int NJ, bool FullK>
__attribute__((always_inline)) inline void transposedTileT(const float* rowsW, Index Kp, Index k0,
                                                           Index F, const float* R, Index ldR,
                                                           Index K, Index valid, float* out)
{
    __m256 lo[NJ], hi[NJ];
    _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) lo[j] = hi[j] = _mm256_setzero_ps();
    const float* w = rowsW + k0;
    for (Index f = 0; f < F; ++f, w += Kp) {
        const __m256 w0 = _mm256_loadu_ps(w);
        const __m256 w1 = _mm256_loadu_ps(w + 8);
        _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) {
            const __m256 r = _mm256_broadcast_ss(R + j * ldR + f);
            lo[j] = _mm256_fmadd_ps(w0, r, lo[j]);
            hi[j] = _mm256_fmadd_ps(w1, r, hi[j]);
        }
    }
    _Pragma("GCC unroll 8") for (int j = 0; j < NJ; ++j) {
        float* o = out + j * K + k0;
        if (FullK) {
            _mm256_storeu_ps(o, lo[j]);
            _mm256_storeu_ps(o + 8, hi[j]);
        } else {
            alignas(32) float tmp[16];
            _mm256_store_ps(tmp, lo[j]);
            _mm256_store_ps(tmp + 8, hi[j]);
            for (Index i = 0; i < valid; ++i) o[i] = tmp[i];
        }
    }
}

template <int NJ>
inline void transposedTile(const float* rowsW, Index Kp, Index k0, Index F, const float* R,
                           Index ldR, Index K, float* out)
{
    const Index valid = std::min<Index>(16, K - k0);
    if (valid == 16)
        transposedTileT<NJ, true>(rowsW, Kp, k0, F, R, ldR, K, valid, out);
    else
        transposedTileT<NJ, false>(rowsW, Kp, k0, F, R, ldR, K, valid, out);
}

/// accPanel (K × 16) rows k0 .. k0 + NK − 1 += Σ_j R(:, j) H(k, j) for one 16-row tile.
template <int NK>
inline void accumulateTile(const float* R, Index ldR, const float* H, Index K, Index k0,
                           Index n, float* accPanel)
{
    __m256 lo[NK], hi[NK];
    _Pragma("GCC unroll 8") for (int k = 0; k < NK; ++k) lo[k] = hi[k] = _mm256_setzero_ps();
    const float* h = H + k0;
    for (Index j = 0; j < n; ++j, h += K) {
        const __m256 r0 = _mm256_loadu_ps(R + j * ldR);
        const __m256 r1 = _mm256_loadu_ps(R + j * ldR + 8);
        _Pragma("GCC unroll 8") for (int k = 0; k < NK; ++k) {
            const __m256 b = _mm256_broadcast_ss(h + k);
            lo[k] = _mm256_fmadd_ps(r0, b, lo[k]);
            hi[k] = _mm256_fmadd_ps(r1, b, hi[k]);
        }
    }
    _Pragma("GCC unroll 8") for (int k = 0; k < NK; ++k) {
        float* a = accPanel + (k0 + k) * 16;
        _mm256_storeu_ps(a, _mm256_add_ps(_mm256_loadu_ps(a), lo[k]));
        _mm256_storeu_ps(a + 8, _mm256_add_ps(_mm256_loadu_ps(a + 8), hi[k]));
    }
}

/// Accumulates one tile's R (16 × n, leading dimension ldR) times Hᵀ into its panel.
inline void accumulatePanel(const float* R, Index ldR, const float* H, Index K, Index n,
                            float* accPanel)
{
    splitEvenly<kMaxCols>(K, [&](Index k0, Index nk) {
        dispatchCols(nk, [&](auto c) {
            accumulateTile<decltype(c)::value>(R, ldR, H, K, k0, n, accPanel);
        });
    });
}

#else  // scalar fallback with the same layouts

inline float ratioOf(float v, float y) { return v / std::max(y, kEpsilon); }

#endif

}  // namespace

bool available()
{
#ifdef DEMIX_KL_AVX2
    return true;
#else
    return false;
#endif
}

static_assert(klbf16::kFloor == kEpsilon, "the mixed kernels floor WH at kEpsilon too");

namespace {

std::atomic<bool> mixedForcedOff{false};

bool cpuHasBf16()
{
#if defined(__x86_64__) && defined(__GNUC__)
    // __builtin_cpu_supports checks the OS's XSAVE support of the AVX-512 state too.
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx512bf16");
    return has;
#else
    return false;
#endif
}

}  // namespace

bool mixedAvailable()
{
    // The CPU first: nothing of the AVX-512 TU runs before the CPU is known to have it.
    return !mixedForcedOff.load() && available() && cpuHasBf16() && klbf16::compiled();
}

void forceMixedUnavailable(bool unavailable) { mixedForcedOff.store(unavailable); }

void MixedBuffers::prepare(const PackedW& w, Index frames)
{
    E.resize(w.bf16.blockSize(frames));
    scratch.resize(w.bf16.scratchSize(frames));
}

void mixedExcessTimesTransposed(const PackedW& w, const float* H, Index n, const float* V,
                                MixedBuffers& b, float* acc, Index following, double* divergence)
{
    klbf16::excessByFrames(w.bf16, w.panelsBf16.data(), w.floatModel ? w.panels.data() : nullptr,
                           H, n, V, b.E.data(), b.scratch.data(), following, divergence);
    klbf16::accumulateTimesTransposed(w.bf16, b.E.data(), H, n, acc, b.scratch.data());
}

void mixedRatioTransposedTimes(const PackedW& w, const float* H, Index n, const float* V,
                               const float* colSumsW, MixedBuffers& b, float* out,
                               Index following)
{
    klbf16::excessByRows(w.bf16, w.panelsBf16.data(), w.floatModel ? w.panels.data() : nullptr,
                         H, n, V, b.E.data(), b.scratch.data(), following);
    klbf16::transposedTimes(w.bf16, w.rowsBf16.data(), b.E.data(), n, colSumsW, out);
}

void pack(const Matrix& W, PackedW& p, Precision precision, int workers)
{
    const bool reshaped = p.F != W.rows() || p.K != W.cols() || p.panels.empty();
    p.F = W.rows();
    p.K = W.cols();
    p.tiles = (p.F + kTileRows - 1) / kTileRows;
    p.Kp = (p.K + 15) / 16 * 16;
    p.mixed = precision != Precision::Float32 && mixedAvailable();
    p.floatModel = p.mixed && precision == Precision::Mixed;
    if (reshaped) {
        // The padding (rows >= F of the panels, components >= K of the rows) is zeroed
        // here once; the packing below writes only the entries of W.
        p.panels.assign(static_cast<std::size_t>(p.tiles * p.K * kTileRows), 0.0f);
        p.rows.assign(static_cast<std::size_t>(p.F * p.Kp), 0.0f);
        p.bf16 = klbf16::layoutFor(p.F, p.K);
    }
    if (p.mixed) {
        p.panelsBf16.resize(p.bf16.panelsSize());
        p.rowsBf16.resize(p.bf16.rowsSize());
    }
    // Tile by tile (W is column major: a tile is 16 contiguous floats per component), in
    // disjoint tile ranges per worker. The float rows (F × Kp) serve the Float32 Wᵀ·R
    // only; with bf16 products the bf16 rows replace them.
    const auto packTiles = [&](Index t0, Index t1) {
        for (Index t = t0; t < t1; ++t) {
            const Index f0 = t * kTileRows, f1 = std::min(p.F, f0 + kTileRows);
            for (Index k = 0; k < p.K; ++k) {
                const float* w = W.col(k).data();
                float* panel = p.panels.data() + (t * p.K + k) * kTileRows;
                for (Index f = f0; f < f1; ++f) panel[f - f0] = w[f];
                if (!p.mixed)
                    for (Index f = f0; f < f1; ++f) p.rows[static_cast<std::size_t>(f * p.Kp + k)] = w[f];
            }
        }
        if (p.mixed)
            klbf16::pack(p.bf16, W.data(), p.panelsBf16.data(), p.rowsBf16.data(), t0, t1);
    };
    parallelRun(workers, [&](int worker) {
        Index first, last;
        blockRange(worker, workers, p.tiles, first, last);
        packTiles(first, last);
    });
}

void unpack(const PackedW& w, const float* acc, Matrix& out)
{
    out.resize(w.F, w.K);
    unpackColumns(w, acc, out, 0, w.K);
}

void unpackColumns(const PackedW& w, const float* acc, Matrix& out, Index k0, Index k1)
{
    if (w.mixed) {
        for (Index k = k0; k < k1; ++k)
            for (Index f = 0; f < w.F; ++f) out(f, k) = acc[klbf16::accumulatorIndex(w.bf16, f, k)];
        return;
    }
    for (Index k = k0; k < k1; ++k)
        for (Index f = 0; f < w.F; ++f)
            out(f, k) = acc[((f / kTileRows) * w.K + k) * kTileRows + f % kTileRows];
}

#ifdef DEMIX_KL_AVX2

namespace {

template <Mode M>
double ratioBlock(const PackedW& w, const float* H, Index n, const float* V, float* R,
                  Index following)
{
    const Index ldR = w.paddedRows();
    const Index available = n + std::max<Index>(following, 0);
    __m256d sumLo = _mm256_setzero_pd(), sumHi = _mm256_setzero_pd();
    splitEvenly<kMaxCols>(n, [&](Index j0, Index nj) {
        // V columns of the next group (or the next block): each column is only one 4 KB
        // page, too short for the hardware prefetcher to ramp up, so one line per column
        // is requested for each tile of this group.
        const Index p0 = std::min(j0 + nj, available), p1 = std::min(j0 + 2 * nj, available);
        dispatchCols(nj, [&](auto c) {
            constexpr int NJ = decltype(c)::value;
            for (Index t = 0; t < w.tiles; ++t) {
                const Index f0 = t * kTileRows;
                for (Index p = p0; p < p1; ++p)
                    _mm_prefetch(reinterpret_cast<const char*>(V + p * w.F + f0), _MM_HINT_T0);
                ratioTile<NJ, M>(w.panels.data() + t * w.K * kTileRows, w.K, H + j0 * w.K,
                                 V + j0 * w.F + f0, w.F, std::min(kTileRows, w.F - f0),
                                 R + j0 * ldR + f0, ldR, sumLo, sumHi);
            }
        });
    });
    return simd::reduce(sumLo, sumHi);
}

}  // namespace

void ratio(const PackedW& w, const float* H, Index n, const float* V, float* R, bool productOnly,
           Index following)
{
    if (productOnly)
        ratioBlock<Mode::Product>(w, H, n, V, R, following);
    else
        ratioBlock<Mode::Ratio>(w, H, n, V, R, following);
}

double ratioDivergence(const PackedW& w, const float* H, Index n, const float* V, float* R,
                       Index following)
{
    return ratioBlock<Mode::RatioDivergence>(w, H, n, V, R, following);
}

void transposedTimes(const PackedW& w, const float* R, Index n, float* out)
{
    const Index ldR = w.paddedRows();
    splitEvenly<kMaxCols>(n, [&](Index j0, Index nj) {
        dispatchCols(nj, [&](auto c) {
            constexpr int NJ = decltype(c)::value;
            for (Index k0 = 0; k0 < w.K; k0 += 16)
                transposedTile<NJ>(w.rows.data(), w.Kp, k0, w.F, R + j0 * ldR, ldR, w.K,
                                   out + j0 * w.K);
        });
    });
}

void accumulateTimesTransposed(const PackedW& w, const float* R, const float* H, Index n,
                               float* acc)
{
    const Index ldR = w.paddedRows();
    for (Index t = 0; t < w.tiles; ++t)
        accumulatePanel(R + t * kTileRows, ldR, H, w.K, n, acc + t * w.K * kTileRows);
}

#else

void ratio(const PackedW& w, const float* H, Index n, const float* V, float* R, bool productOnly,
           Index)
{
    const Index ldR = w.paddedRows();
    for (Index j = 0; j < n; ++j)
        for (Index f = 0; f < ldR; ++f) {
            float y = 0.0f;
            if (f < w.F)
                for (Index k = 0; k < w.K; ++k)
                    y += w.rows[static_cast<std::size_t>(f * w.Kp + k)] * H[j * w.K + k];
            R[j * ldR + f] = f >= w.F ? 0.0f : productOnly ? y : ratioOf(V[j * w.F + f], y);
        }
}

double ratioDivergence(const PackedW& w, const float* H, Index n, const float* V, float* R,
                       Index following)
{
    ratio(w, H, n, V, R, /*productOnly=*/true, following);
    const Index ldR = w.paddedRows();
    double sum = 0.0;
    for (Index j = 0; j < n; ++j)
        for (Index f = 0; f < w.F; ++f) {
            float& r = R[j * ldR + f];
            const double y = std::max(r, kEpsilon), v = V[j * w.F + f];
            sum += v > 0.0 ? v * std::log(v / y) - v + y : y;
            r = ratioOf(V[j * w.F + f], r);
        }
    return sum;
}

void transposedTimes(const PackedW& w, const float* R, Index n, float* out)
{
    const Index ldR = w.paddedRows();
    for (Index j = 0; j < n; ++j)
        for (Index k = 0; k < w.K; ++k) {
            float s = 0.0f;
            for (Index f = 0; f < w.F; ++f)
                s += w.rows[static_cast<std::size_t>(f * w.Kp + k)] * R[j * ldR + f];
            out[j * w.K + k] = s;
        }
}

void accumulateTimesTransposed(const PackedW& w, const float* R, const float* H, Index n,
                               float* acc)
{
    const Index ldR = w.paddedRows();
    for (Index f = 0; f < w.F; ++f)
        for (Index k = 0; k < w.K; ++k) {
            float s = 0.0f;
            for (Index j = 0; j < n; ++j) s += R[j * ldR + f] * H[j * w.K + k];
            acc[((f / kTileRows) * w.K + k) * kTileRows + f % kTileRows] += s;
        }
}

#endif

void ratioTimesTransposed(const PackedW& w, const float* H, Index n, const float* V, float* R,
                          float* acc, Index following)
{
    ratio(w, H, n, V, R, /*productOnly=*/false, following);
    accumulateTimesTransposed(w, R, H, n, acc);
}

}  // namespace demix::nmf_detail::klkernel

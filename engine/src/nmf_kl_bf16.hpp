#pragma once
/// \file nmf_kl_bf16.hpp
/// Mixed-precision KL-MU block products (not part of the public API): bfloat16 operands,
/// float32 accumulation, with AVX512-BF16's `vdpbf16ps` (two bf16 products per float
/// lane and instruction: twice the products per instruction of a float FMA).
///
/// This header is free of Eigen on purpose: nmf_kl_bf16.cpp is the one translation unit
/// built with AVX-512 flags, and an Eigen type (whose alignment depends on those flags) or
/// any inline function shared with the portable TUs would break the rest of the engine's
/// ABI or leak AVX-512 code into it. Only raw pointers cross this interface; callers
/// (nmf_kl_kernel.cpp) own every buffer and call these functions only when compiled() is
/// true and the CPU has AVX512F/BW/VL/BF16.
///
/// What is rounded to bf16 (8 significant bits): W, H and E = V / max(WH, ε) − 1 as the
/// *operands* of the products (with float panels given to excessBy*(), W·H itself is
/// float32 and only the operands of Wᵀ·E and E·Hᵀ are rounded). Each product pair is summed in float32 (the accumulators
/// stay float32 over the whole reduction); WH is floored and V / WH − 1 is formed in
/// float32 before E is rounded. E rather than R = V / WH: where the fit is good R ≈ 1,
/// and bf16 steps near 1 (2⁻⁸, 2⁻⁷) would swamp R − 1, which is all the update's
/// information; the exact ones-part is added in float32 (Wᵀ·1 = column sums of W here,
/// 1·Hᵀ = row sums of H by the caller). Rounding R instead moved the objective far more
/// (bench/RESULTS.md, appendix).
/// Same inputs → same bits on a given CPU (fixed operation order, no threads).
///
/// Layouts (bf16 values as uint16_t; F rows, K components, n frames of a block):
///  - panels: tiles × pairsK × 32: for tile t and component pair p, rows 16t .. 16t + 15
///    as (W(f, 2p), W(f, 2p + 1)) pairs (rows ≥ F and components ≥ K are zero): the W of
///    W·H.
///  - rows:   pairsF × Kp × 2: for row pair q, (W(2q, k), W(2q + 1, k)) for every k < Kp
///    (zero padded): the W of Wᵀ·R.
///  - E "by rows" (excessByRows): column-major, leading dimension paddedRows; consecutive
///    rows form the pairs of Wᵀ·E. Rows ≥ F are zero.
///  - E "by frames" (excessByFrames): per frame pair j = 2c, 2c + 1 and tile t, 32 values
///    at (c·tiles + t)·32: 16 (E(f, 2c), E(f, 2c + 1)) pairs, rows in the order kLaneRow
///    (the order one interleave of two float vectors gives). A missing odd frame is zero.
///  - accumulators of E·Hᵀ: float, tiles × K × 16 like the float kernel's panel layout,
///    but the 16 rows of each tile in the order kLaneRow (see unpackRow()).

#include <cstddef>
#include <cstdint>

namespace demix::nmf_detail::klbf16 {

using Index = std::ptrdiff_t;
using bf16 = std::uint16_t;

/// WH is floored at this before dividing (equals demix::kEpsilon; checked where both are
/// visible).
constexpr float kFloor = 1e-10f;

/// Accumulator lane i of a tile holds row kLaneRow[i] of that tile.
constexpr int kLaneRow[16] = {0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};

/// True when the kernels below were compiled in (x86-64 with a compiler that knows
/// AVX512-BF16). The caller must also check the CPU.
bool compiled();

/// Shapes of the packed operands for F rows and K components.
struct Layout {
    Index F = 0, K = 0;
    Index tiles = 0;   ///< ⌈F / 16⌉
    Index pairsK = 0;  ///< ⌈K / 2⌉
    Index pairsF = 0;  ///< ⌈F / 2⌉
    Index Kp = 0;      ///< K rounded up to 16
    Index paddedRows() const { return tiles * 16; }
    std::size_t panelsSize() const { return std::size_t(tiles * pairsK * 32); }
    std::size_t rowsSize() const { return std::size_t(pairsF * Kp * 2); }
    /// bf16 values of an E block of n frames (either layout).
    std::size_t blockSize(Index n) const { return std::size_t(paddedRows() * (n + 1)); }
    /// bf16 values of the H scratch a block of n frames needs.
    std::size_t scratchSize(Index n) const { return std::size_t((2 * pairsK + 2 * K) * (n + 1)); }
    /// Floats of an E·Hᵀ accumulator.
    std::size_t accumulatorSize() const { return std::size_t(tiles * K * 16); }
};

Layout layoutFor(Index F, Index K);

/// Fills panels and rows (sizes from the layout) from W (F × K, column-major), for the
/// tiles [tileBegin, tileEnd) (and their row pairs): disjoint ranges may be packed by
/// different threads.
void pack(const Layout& l, const float* W, bf16* panels, bf16* rows, Index tileBegin,
          Index tileEnd);

/// E = V / max(W H, kFloor) − 1 in the "by rows" layout (for transposedTimes). H: K × n
/// (leading dimension K), V: F × n (leading dimension F). `scratch`: scratchSize(n)
/// values. `following`: V columns after the block that may be prefetched (never read).
/// W H comes from the bf16 `panels` and H rounded to bf16 — or, when `floatPanels` is
/// not null (W in the float kernel's panel layout: tiles × K × 16 floats), from float W
/// and H with float FMAs, so that only E itself is rounded (Precision::Mixed).
/// `divergence` (may be null): adds Σ d_KL(V | WH) over the block, from the same WH as E
/// (float32 terms y·(r log r − r + 1), summed in double lanes, as the float kernels'
/// ratioDivergence; with bf16 W·H the sum carries its rounding, measured ≈ 1e-5 of the
/// objective on a real spectrogram, far below one iteration's progress).
void excessByRows(const Layout& l, const bf16* panels, const float* floatPanels, const float* H,
                  Index n, const float* V, bf16* E, bf16* scratch, Index following,
                  double* divergence = nullptr);

/// The same E in the "by frames" layout (for accumulateTimesTransposed).
void excessByFrames(const Layout& l, const bf16* panels, const float* floatPanels, const float* H,
                    Index n, const float* V, bf16* E, bf16* scratch, Index following,
                    double* divergence = nullptr);

/// out (K × n floats, leading dimension K) = colSums + Wᵀ E (= Wᵀ R with colSums = Wᵀ·1,
/// K floats), E from excessByRows().
void transposedTimes(const Layout& l, const bf16* rows, const bf16* E, Index n,
                     const float* colSums, float* out);

/// acc += E Hᵀ over the n frames, E from excessByFrames(), H: K × n (leading dimension K).
/// (R Hᵀ = E Hᵀ + the row sums of H, which the caller adds.)
void accumulateTimesTransposed(const Layout& l, const bf16* E, const float* H, Index n,
                               float* acc, bf16* scratch);

/// Index into an E·Hᵀ accumulator of row f, component k.
inline std::size_t accumulatorIndex(const Layout& l, Index f, Index k)
{
    static constexpr int laneOfRow[16] = {0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15};
    return std::size_t(((f / 16) * l.K + k) * 16 + laneOfRow[f % 16]);
}

}  // namespace demix::nmf_detail::klbf16

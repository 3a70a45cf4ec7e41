#pragma once
/// \file nmf_kl_kernel.hpp
/// Register-tiled products for the KL multiplicative update (β = 1), on one block of n
/// frames at a time (not part of the public API). Raw float pointers, column-major
/// matrices, no allocation: the caller owns every buffer.
///
/// W is packed once per pass into
///  - panels: tiles × K × 16 floats, tile i holding rows 16i .. 16i + 15 of W for every k
///    (rows ≥ F are zero), the operand of W·H and of the F × K accumulators;
///  - rows:   F × Kp floats (W row-major, Kp = K rounded up to 16, padding zero), the
///    operand of Wᵀ·R (filled only when W is not also packed in bf16, whose rows replace
///    it).
/// Block buffers R have leading dimension tiles·16 (rows ≥ F are written as zero).
/// The F × K accumulators use the panel layout.
///
/// Every function gives the same result for the same inputs on a given CPU (fixed
/// operation order; no threads inside).
///
/// Mixed precision (NmfSettings::precision Mixed or Bfloat16): pack(W, p, precision) on a
/// CPU with AVX512-BF16 also packs W in bf16 (p.mixed), and the mixed*() functions below
/// then form the update products with bf16 operands and float32 accumulation
/// (nmf_kl_bf16.hpp; W·H too unless p.floatModel); the accumulators keep
/// their size but hold each tile's rows in the order klbf16::kLaneRow (unpack() knows) and
/// lack the row sums of H (see mixedExcessTimesTransposed()).

#include "demix/nmf.hpp"
#include "nmf_kl_bf16.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace demix::nmf_detail::klkernel {

constexpr Eigen::Index kTileRows = 16;

/// True when the kernels were compiled with AVX2 + FMA (otherwise callers keep the Eigen
/// path and the functions below must not be called).
bool available();

/// W packed for the kernels, owned by the caller's workspace and refilled each pass.
struct PackedW {
    Eigen::Index F = 0, K = 0, tiles = 0, Kp = 0;
    std::vector<float> panels;  ///< tiles × K × 16
    std::vector<float> rows;    ///< F × Kp
    /// Mixed precision: W also in bf16 (klbf16 layouts), used by the mixed*() functions.
    bool mixed = false;
    /// With `mixed`: W·H (the model, hence E = V/WH − 1) from the float panels, only the
    /// operands of Wᵀ·E and E·Hᵀ in bf16 (Precision::Mixed); false: W·H from bf16
    /// operands too (Precision::Bfloat16).
    bool floatModel = false;
    klbf16::Layout bf16;
    std::vector<std::uint16_t> panelsBf16, rowsBf16;
    /// Rows of block buffers (= tiles·16).
    Eigen::Index paddedRows() const { return tiles * kTileRows; }
};

/// True when the mixed-precision kernels can run here: compiled in (x86-64, a compiler
/// with AVX512-BF16) and the CPU (and OS) support AVX512F/BW/VL and AVX512-BF16.
bool mixedAvailable();

/// Test hook: pretend the CPU lacks AVX512-BF16 (true) or use the real check (false), to
/// exercise the Float32 fallback of Precision::Mixed / Bfloat16 on any machine. Not thread-safe
/// against running factorisations.
void forceMixedUnavailable(bool unavailable);

/// Fills `p` from W (F × K). Reuses the vectors' storage when the shape is unchanged.
/// With Mixed or Bfloat16 and mixedAvailable(), also the bf16 copies (p.mixed = true).
/// `workers` > 1 packs disjoint tile ranges on that many threads (parallelRun).
void pack(const Matrix& W, PackedW& p, Precision precision = Precision::Float32,
          int workers = 1);

/// Per-worker bf16 block buffers of the mixed-precision path.
struct MixedBuffers {
    std::vector<std::uint16_t> E, scratch;
    /// Sizes the buffers for blocks of up to `frames` frames.
    void prepare(const PackedW& w, Eigen::Index frames);
};

/// Mixed precision (w.mixed): acc += (V / max(W H, ε) − 1) Hᵀ for the block — the R·Hᵀ
/// of ratioTimesTransposed() minus the row sums of H, which the caller adds once (see
/// nmf_kl_bf16.hpp for why). Unpack with unpack().
/// `divergence` (may be null): also adds Σ d_KL(V | WH) over the block, from the W·H the
/// update uses (float32 with w.floatModel, else bf16 operands: see klbf16::excessByRows).
void mixedExcessTimesTransposed(const PackedW& w, const float* H, Eigen::Index n,
                                const float* V, MixedBuffers& b, float* acc,
                                Eigen::Index following = 0, double* divergence = nullptr);

/// Mixed precision: out (K × n, leading dimension K) = Wᵀ (V / max(W H, ε)), given the
/// column sums of W (K floats: Wᵀ·1, added in float32).
void mixedRatioTransposedTimes(const PackedW& w, const float* H, Eigen::Index n, const float* V,
                               const float* colSumsW, MixedBuffers& b, float* out,
                               Eigen::Index following = 0);

/// For a block of n frames: R(:, j) = V(:, j) / max((W H)(:, j), ε) (or, with
/// `productOnly`, R = W H). H: K × n (leading dimension K), V: F × n (leading dimension
/// F), R: paddedRows × n. `following`: how many columns of V after the block exist (they
/// may be prefetched; never read).
void ratio(const PackedW& w, const float* H, Eigen::Index n, const float* V, float* R,
           bool productOnly, Eigen::Index following = 0);

/// As ratio() (not productOnly), and returns Σ d_KL(V | WH) over the block: float terms
/// y·(r log r − r + 1), y = max(WH, ε), r = V / y, summed in double lanes (the objective
/// for free while R is made).
double ratioDivergence(const PackedW& w, const float* H, Eigen::Index n, const float* V, float* R,
                       Eigen::Index following = 0);

/// out (K × n, leading dimension K) = Wᵀ R, R as written by ratio().
void transposedTimes(const PackedW& w, const float* R, Eigen::Index n, float* out);

/// acc (panel layout) += R Hᵀ over the n frames of the block, R as written by ratio().
void accumulateTimesTransposed(const PackedW& w, const float* R, const float* H, Eigen::Index n,
                               float* acc);

/// acc (panel layout) += (V / max(W H, ε)) Hᵀ for the block: ratio() into R (the
/// caller's block buffer, overwritten) then accumulateTimesTransposed(). (Fusing per
/// 16-row tile was slower: it walks V across columns 4100 bytes apart, which alias in L1.)
void ratioTimesTransposed(const PackedW& w, const float* H, Eigen::Index n, const float* V,
                          float* R, float* acc, Eigen::Index following = 0);

/// Number of floats of an accumulator in panel layout.
inline std::size_t accumulatorSize(const PackedW& w)
{
    return static_cast<std::size_t>(w.tiles * w.K * kTileRows);
}

/// out (F × K) = acc (panel layout; rows in klbf16::kLaneRow order when w.mixed).
void unpack(const PackedW& w, const float* acc, Matrix& out);
/// Columns [k0, k1) of unpack(); `out` must already be F × K.
void unpackColumns(const PackedW& w, const float* acc, Matrix& out, Eigen::Index k0,
                   Eigen::Index k1);

}  // namespace demix::nmf_detail::klkernel

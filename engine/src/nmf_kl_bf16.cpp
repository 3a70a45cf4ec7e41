// Mixed-precision KL-MU block products (see nmf_kl_bf16.hpp). This is the one engine TU
// built with -mavx512f -mavx512bw -mavx512vl -mavx512bf16 (engine/CMakeLists.txt), and
// its functions run only after the caller has checked the CPU. To keep AVX-512 code out
// of the rest of the engine, it includes no Eigen and no standard header with inline
// functions it would instantiate (a weak inline instance compiled here could be the one
// the linker keeps), and it does not call the header's inline helpers.
//
// Tiles: each product keeps 12 or 16 zmm accumulators (16 float lanes each) over its
// whole reduction, one `vdpbf16ps` adding two products per lane; the operands are one
// 64-byte load (32 bf16 = 16 pairs) and one 32-bit broadcast (one pair) per accumulator
// column.
#include "nmf_kl_bf16.hpp"

#include <cstring>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512BF16__)
// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*(), which
// -Wmaybe-uninitialized reports at every use; the values are fully written.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define DEMIX_KL_BF16 1
#endif

namespace demix::nmf_detail::klbf16 {

Layout layoutFor(Index F, Index K)
{
    Layout l;
    l.F = F;
    l.K = K;
    l.tiles = (F + 15) / 16;
    l.pairsK = (K + 1) / 2;
    l.pairsF = (F + 1) / 2;
    l.Kp = (K + 15) / 16 * 16;
    return l;
}

#ifdef DEMIX_KL_BF16

bool compiled() { return true; }

namespace {

inline Index minIndex(Index a, Index b) { return a < b ? a : b; }
inline Index maxIndex(Index a, Index b) { return a > b ? a : b; }

/// One bf16 pair (32 bits) broadcast to every lane.
__attribute__((always_inline)) inline __m512bh pairAt(const bf16* p)
{
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return (__m512bh)_mm512_set1_epi32(v);
}

__attribute__((always_inline)) inline __m512bh load32(const bf16* p)
{
    return (__m512bh)_mm512_loadu_si512(p);
}

__attribute__((always_inline)) inline __mmask16 firstLanes(Index count)
{
    return count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1u);
}

/// 32 bf16 = (a[i], b[i]) for i = 0 .. 15 in lane order (natural order).
__attribute__((always_inline)) inline __m512i interleaveOrdered(__m512 a, __m512 b)
{
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    return (__m512i)_mm512_cvtne2ps_pbh(_mm512_permutex2var_ps(a, hi, b),
                                        _mm512_permutex2var_ps(a, lo, b));
}

/// 32 bf16 = (a[i], b[i]) pairs with i in the order kLaneRow (two in-lane unpacks: cheaper
/// than the ordered interleave, used for R in the epilogue).
__attribute__((always_inline)) inline __m512i interleaveLanes(__m512 a, __m512 b)
{
    return (__m512i)_mm512_cvtne2ps_pbh(_mm512_unpackhi_ps(a, b), _mm512_unpacklo_ps(a, b));
}

/// Calls body(start, size) for `count` items split into the fewest groups of at most
/// `maxSize`, sizes as equal as possible.
template <typename Body>
inline void splitEvenly(Index count, Index maxSize, Body&& body)
{
    const Index groups = (count + maxSize - 1) / maxSize;
    Index start = 0;
    for (Index g = 0; g < groups; ++g) {
        const Index end = count * (g + 1) / groups;
        body(start, end - start);
        start = end;
    }
}

template <int N>
struct Cols {
    static constexpr int value = N;
};

/// fn(Cols<c>) for c = count (1 .. Max).
template <int Max, typename Fn>
inline void dispatch(Index count, Fn&& fn)
{
    if constexpr (Max > 1) {
        if (count < Max) return dispatch<Max - 1>(count, fn);
    }
    fn(Cols<Max>{});
}

// ---- H conversions (per block) ----

/// Hk (pairsK·2 × n) = H in bf16, column by column, zero padded to an even K: the pairs
/// of W·H (along k).
void convertAlongK(const float* H, Index K, Index n, Index K2, bf16* Hk)
{
    for (Index j = 0; j < n; ++j)
        for (Index k = 0; k < K2; k += 16) {
            const __mmask16 m = firstLanes(K - k > 0 ? K - k : 0);
            const __m512 h = _mm512_maskz_loadu_ps(m, H + j * K + k);
            const __m256i b = (__m256i)_mm512_cvtneps_pbh(h);
            _mm256_mask_storeu_epi16(Hk + j * K2 + k, firstLanes(K2 - k), b);
        }
}

/// Hj ((n + 1) / 2 frame pairs × K × 2) = (H(k, 2c), H(k, 2c + 1)) in bf16, the pairs of
/// R·Hᵀ (along frames); a missing odd frame is zero.
void convertAlongFrames(const float* H, Index K, Index n, bf16* Hj)
{
    const Index pairs = (n + 1) / 2;
    for (Index c = 0; c < pairs; ++c) {
        const float* a = H + 2 * c * K;
        const bool second = 2 * c + 1 < n;
        for (Index k = 0; k < K; k += 16) {
            const __mmask16 m = firstLanes(K - k);
            const __m512 x = _mm512_maskz_loadu_ps(m, a + k);
            const __m512 y = second ? _mm512_maskz_loadu_ps(m, a + K + k) : _mm512_setzero_ps();
            const __mmask32 m2 = K - k >= 16 ? __mmask32(0xffffffffu) : __mmask32((1u << (2 * (K - k))) - 1u);
            _mm512_mask_storeu_epi16(Hj + (c * K + k) * 2, m2, interleaveOrdered(x, y));
        }
    }
}

// ---- the KL divergence of a tile (the objective, fused into the E epilogue) ----

/// Natural log of 16 positive normal floats, the same method as the float kernels'
/// (nmf_simd.hpp, log8; not shared: this TU must not use the portable TUs' inline code):
/// x = m·2^e with m in [√½, √2), log m = 2 atanh(s), s = (m − 1)/(m + 1), series to s⁹.
__attribute__((always_inline)) inline __m512 log16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);  // [1, 2)
    __m512 e = _mm512_getexp_ps(x);                                          // floor(log2 x)
    const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, big, e, one);
    const __m512 s = _mm512_div_ps(_mm512_sub_ps(m, one), _mm512_add_ps(m, one));
    const __m512 z = _mm512_mul_ps(s, s);
    __m512 p = _mm512_set1_ps(1.0f / 9.0f);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 7.0f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 5.0f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 3.0f));
    p = _mm512_mul_ps(p, z);
    const __m512 twoS = _mm512_add_ps(s, s);
    const __m512 logm = _mm512_fmadd_ps(twoS, p, twoS);
    // e·ln2 split in a high part exact in float and a low correction.
    return _mm512_fmadd_ps(e, _mm512_set1_ps(0.693145751953125f),
                           _mm512_fmadd_ps(e, _mm512_set1_ps(1.428606765330187e-06f), logm));
}

/// Running sum of KL terms in double lanes (two halves of 8).
struct DivergenceSum {
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();

    /// Adds d(x | y) = y·(r log r − (r − 1)), r = x / y, for the lanes in `rows` (the
    /// float kernels' formula: exact 0·log 0 = 0 through the floor on r).
    __attribute__((always_inline)) inline void add(__m512 y, __m512 r, __mmask16 rows)
    {
        const __m512 one = _mm512_set1_ps(1.0f);
        const __m512 rl = _mm512_mul_ps(r, log16(_mm512_max_ps(r, _mm512_set1_ps(1.17549435e-38f))));
        const __m512 t = _mm512_maskz_mul_ps(rows, y, _mm512_sub_ps(rl, _mm512_sub_ps(r, one)));
        lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(t)));
        const __m256 upper = _mm512_castps512_ps256(_mm512_shuffle_f32x4(t, t, 0xee));  // lanes 8..15
        hi = _mm512_add_pd(hi, _mm512_cvtps_pd(upper));
    }
    double total() const
    {
        alignas(64) double a[8];
        _mm512_store_pd(a, _mm512_add_pd(lo, hi));
        return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    }
};

// ---- W·H and E = V / WH − 1 ----

constexpr int kExcessCols = 6;  // frames of an excess tile: 2 tiles × 6 = 12 accumulators

/// Epilogue output: by rows (one column of 16 bf16 per frame) or by frames (pairs).
enum class Out { ByRows, ByFrames };

/// NT consecutive 16-row tiles × NJ frames of E = V / max(WH, ε) − 1 (zero in rows ≥ F;
/// only the last of the NT tiles may be partial, `rowMask`). Two tiles share each
/// broadcast of H: one broadcast per two products instead of one per product (the
/// broadcasts compete with the products for the vector pipes). `Phantom`: the last frame
/// does not exist (ByFrames with odd n) and its E is zero. Per tile, the panels (bf16:
/// pairsK × 32 values, float: K × 16) and the E columns (16 values by rows, 32 by
/// frames) follow each other.
template <int NT, int NJ, Out O, bool FullRows, bool Phantom, bool Div>
__attribute__((always_inline)) inline void excessTile(const bf16* panel, Index pairsK,
                                                     const bf16* Hk, Index K2, const float* V,
                                                     Index ldV, __mmask16 rowMask, bf16* R,
                                                     Index ldR, const float* panelF,
                                                     const float* Hf, Index K,
                                                     DivergenceSum& divergence)
{
    __m512 acc[NT][NJ];
    _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
        _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j) acc[i][j] = _mm512_setzero_ps();
    if (panelF) {
        // The model WH in float32 (float W panel, float H): E then carries only its own
        // bf16 rounding (Precision::Mixed). A phantom frame has no column of H to read.
        constexpr int real = Phantom ? NJ - 1 : NJ;
        for (Index k = 0; k < K; ++k) {
            __m512 w[NT];
            _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
                w[i] = _mm512_loadu_ps(panelF + i * K * 16 + 16 * k);
            _Pragma("GCC unroll 16") for (int j = 0; j < real; ++j) {
                const __m512 h = _mm512_set1_ps(Hf[j * K + k]);
                _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
                    acc[i][j] = _mm512_fmadd_ps(w[i], h, acc[i][j]);
            }
        }
    } else {
        for (Index p = 0; p < pairsK; ++p) {
            __m512bh w[NT];
            _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
                w[i] = load32(panel + i * pairsK * 32 + 32 * p);
            _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j) {
                const __m512bh h = pairAt(Hk + j * K2 + 2 * p);
                _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
                    acc[i][j] = _mm512_dpbf16_ps(acc[i][j], w[i], h);
            }
        }
    }
    const __m512 floor = _mm512_set1_ps(kFloor), one = _mm512_set1_ps(1.0f);
    _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i) {
        const bool masked = !FullRows && i == NT - 1;
        const __mmask16 rows = masked ? rowMask : __mmask16(0xffff);
        _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j) {
            if (Phantom && j == NJ - 1) {
                acc[i][j] = _mm512_setzero_ps();
                continue;
            }
            const float* v = V + j * ldV + 16 * i;
            const __m512 x = masked ? _mm512_maskz_loadu_ps(rows, v) : _mm512_loadu_ps(v);
            const __m512 y = _mm512_max_ps(acc[i][j], floor);
            // 1/y: the 14-bit estimate and one Newton step, as the float kernel; V / y − 1
            // is formed in float32 (one FMA) and only then rounded to bf16.
            const __m512 e = _mm512_rcp14_ps(y);
            const __m512 inv = _mm512_fmadd_ps(e, _mm512_fnmadd_ps(y, e, one), e);
            const __m512 excess = _mm512_fmsub_ps(x, inv, one);
            if (Div) divergence.add(y, _mm512_mul_ps(x, inv), rows);
            acc[i][j] = masked ? _mm512_maskz_mov_ps(rows, excess) : excess;
        }
    }
    _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i) {
        if (O == Out::ByRows) {
            _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j)
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(R + j * ldR + 16 * i),
                                    (__m256i)_mm512_cvtneps_pbh(acc[i][j]));
        } else {
            // ldR here is the distance between frame pairs (tiles·32).
            _Pragma("GCC unroll 8") for (int c = 0; c < NJ / 2; ++c)
                _mm512_storeu_si512(R + c * ldR + 32 * i, interleaveLanes(acc[i][2 * c], acc[i][2 * c + 1]));
        }
    }
}

/// Tiles [t, t + count) (count 1 or 2; only the last may be partial: `rows` valid rows).
template <int NJ, Out O, bool Phantom, bool Div>
inline void excessTiles(Index count, const bf16* panel, Index pairsK, const bf16* Hk, Index K2,
                        const float* V, Index ldV, Index rows, bf16* R, Index ldR,
                        const float* panelF, const float* Hf, Index K, DivergenceSum& d)
{
    if (count == 2)
        excessTile<2, NJ, O, true, Phantom, Div>(panel, pairsK, Hk, K2, V, ldV, 0xffff, R, ldR, panelF, Hf, K, d);
    else if (rows == 16)
        excessTile<1, NJ, O, true, Phantom, Div>(panel, pairsK, Hk, K2, V, ldV, 0xffff, R, ldR, panelF, Hf, K, d);
    else
        excessTile<1, NJ, O, false, Phantom, Div>(panel, pairsK, Hk, K2, V, ldV, firstLanes(rows), R, ldR, panelF, Hf, K, d);
}

template <Out O, bool Div>
void excessBlock(const Layout& l, const bf16* panels, const float* H, Index n, const float* V,
                bf16* R, bf16* scratch, Index following, const float* panelsF,
                double* divergence)
{
    DivergenceSum sum;
    const Index K2 = 2 * l.pairsK, tiles = l.tiles, F = l.F;
    if (!panelsF) convertAlongK(H, l.K, n, K2, scratch);
    const Index available = n + maxIndex(following, 0);
    // Column groups: frames for ByRows; frame pairs for ByFrames (a missing last frame
    // of an odd n is a phantom column).
    const Index units = O == Out::ByRows ? n : (n + 1) / 2;
    const Index maxUnits = O == Out::ByRows ? kExcessCols : kExcessCols / 2;
    splitEvenly(units, maxUnits, [&](Index u0, Index nu) {
        const Index j0 = O == Out::ByRows ? u0 : 2 * u0;
        const Index nj = O == Out::ByRows ? nu : minIndex(2 * nu, n - j0);
        const bool phantom = O == Out::ByFrames && nj % 2 == 1;
        const Index p0 = minIndex(j0 + nj, available), p1 = minIndex(j0 + 2 * nj, available);
        dispatch<kExcessCols>(O == Out::ByRows ? nj : 2 * nu, [&](auto c) {
            constexpr int NJ = decltype(c)::value;
            if constexpr (O == Out::ByFrames && NJ % 2 == 1) {
                return;  // never: by frames, the tile width is even
            } else {
                for (Index t = 0; t < tiles;) {
                    const Index f0 = t * 16;
                    // Two tiles at once while both are full.
                    const Index count = t + 1 < tiles && F - f0 >= 32 ? 2 : 1;
                    for (Index q = 0; q < count; ++q)
                        for (Index p = p0; p < p1; ++p)
                            _mm_prefetch(reinterpret_cast<const char*>(V + p * F + f0 + 16 * q), _MM_HINT_T0);
                    const bf16* panel = panels + t * l.pairsK * 32;
                    const bf16* hk = scratch + j0 * K2;
                    const float* v = V + j0 * F + f0;
                    const Index rows = minIndex(16 * count, F - f0) - 16 * (count - 1);
                    const float* pf = panelsF ? panelsF + t * l.K * 16 : nullptr;
                    const float* hf = H + j0 * l.K;
                    if (O == Out::ByRows) {
                        excessTiles<NJ, O, false, Div>(count, panel, l.pairsK, hk, K2, v, F, rows,
                                                      R + j0 * tiles * 16 + f0, tiles * 16, pf, hf, l.K, sum);
                    } else {
                        bf16* r = R + ((j0 / 2) * tiles + t) * 32;
                        if (phantom)
                            excessTiles<NJ, O, true, Div>(count, panel, l.pairsK, hk, K2, v, F, rows, r, tiles * 32, pf, hf, l.K, sum);
                        else
                            excessTiles<NJ, O, false, Div>(count, panel, l.pairsK, hk, K2, v, F, rows, r, tiles * 32, pf, hf, l.K, sum);
                    }
                    t += count;
                }
            }
        });
    });
    if (Div) *divergence += sum.total();
}

// ---- Wᵀ·R ----

constexpr int kTransposedCols = 6;  // 32 components × 6 frames = 12 accumulators

/// out rows k0 .. k0 + 16·NI − 1 (of K) × NJ frames = Wᵀ·1 + Wᵀ E, reduced over all row
/// pairs.
template <int NI, int NJ>
__attribute__((always_inline)) inline void transposedTile(const bf16* rows, Index Kp, Index k0,
                                                          Index pairsF, const bf16* R, Index ldR,
                                                          Index K, const float* colSums, float* out)
{
    __m512 acc[NI][NJ];
    _Pragma("GCC unroll 2") for (int i = 0; i < NI; ++i)
        _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j) acc[i][j] = _mm512_setzero_ps();
    const bf16* w = rows + 2 * k0;
    for (Index q = 0; q < pairsF; ++q, w += 2 * Kp) {
        __m512bh wi[NI];
        _Pragma("GCC unroll 2") for (int i = 0; i < NI; ++i) wi[i] = load32(w + 32 * i);
        _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j) {
            const __m512bh r = pairAt(R + j * ldR + 2 * q);
            _Pragma("GCC unroll 2") for (int i = 0; i < NI; ++i)
                acc[i][j] = _mm512_dpbf16_ps(acc[i][j], wi[i], r);
        }
    }
    _Pragma("GCC unroll 2") for (int i = 0; i < NI; ++i) {
        const Index k = k0 + 16 * i;
        const __mmask16 m = firstLanes(K - k);
        const __m512 ones = _mm512_maskz_loadu_ps(m, colSums + k);  // Wᵀ·1
        _Pragma("GCC unroll 16") for (int j = 0; j < NJ; ++j)
            _mm512_mask_storeu_ps(out + j * K + k, m, _mm512_add_ps(ones, acc[i][j]));
    }
}

// ---- R·Hᵀ ----

constexpr int kAccumulateComponents = 6;  // 2 tiles × 6 components = 12 accumulators

/// acc (tiles t0 .. t0 + NT − 1, components k0 .. k0 + NK − 1) += Σ over frame pairs.
template <int NT, int NK>
__attribute__((always_inline)) inline void accumulateTile(const bf16* R, Index tiles, Index t0,
                                                          const bf16* Hj, Index K, Index k0,
                                                          Index pairs, float* acc)
{
    __m512 a[NT][NK];
    _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
        _Pragma("GCC unroll 16") for (int k = 0; k < NK; ++k) a[i][k] = _mm512_setzero_ps();
    const bf16* r = R + t0 * 32;
    const bf16* h = Hj + 2 * k0;
    for (Index c = 0; c < pairs; ++c, r += tiles * 32, h += 2 * K) {
        __m512bh ri[NT];
        _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i) ri[i] = load32(r + 32 * i);
        _Pragma("GCC unroll 16") for (int k = 0; k < NK; ++k) {
            const __m512bh b = pairAt(h + 2 * k);
            _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
                a[i][k] = _mm512_dpbf16_ps(a[i][k], ri[i], b);
        }
    }
    _Pragma("GCC unroll 2") for (int i = 0; i < NT; ++i)
        _Pragma("GCC unroll 16") for (int k = 0; k < NK; ++k) {
            float* p = acc + ((t0 + i) * K + k0 + k) * 16;
            _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), a[i][k]));
        }
}

}  // namespace

void pack(const Layout& l, const float* W, bf16* panels, bf16* rows, Index tileBegin,
          Index tileEnd)
{
    const Index F = l.F, K = l.K;
    // panels: per tile and component pair, rows interleaved with the pair.
    for (Index t = tileBegin; t < tileEnd; ++t) {
        const Index f0 = t * 16;
        const __mmask16 m = firstLanes(F - f0);
        for (Index p = 0; p < l.pairsK; ++p) {
            const __m512 a = _mm512_maskz_loadu_ps(m, W + 2 * p * F + f0);
            const __m512 b = 2 * p + 1 < K ? _mm512_maskz_loadu_ps(m, W + (2 * p + 1) * F + f0)
                                           : _mm512_setzero_ps();
            _mm512_storeu_si512(panels + (t * l.pairsK + p) * 32, interleaveOrdered(a, b));
        }
    }
    // rows: per row pair, (W(2q, k), W(2q + 1, k)) for k < Kp; tile t holds pairs 8t .. 8t + 7.
    alignas(64) float a[16], b[16];
    const Index qEnd = minIndex(l.pairsF, tileEnd * 8);
    for (Index q = tileBegin * 8; q < qEnd; ++q) {
        const Index f = 2 * q;
        for (Index k0 = 0; k0 < l.Kp; k0 += 16) {
            for (Index i = 0; i < 16; ++i) {
                const Index k = k0 + i;
                a[i] = k < K ? W[k * F + f] : 0.0f;
                b[i] = k < K && f + 1 < F ? W[k * F + f + 1] : 0.0f;
            }
            _mm512_storeu_si512(rows + (q * l.Kp + k0) * 2,
                                interleaveOrdered(_mm512_load_ps(a), _mm512_load_ps(b)));
        }
    }
}

namespace {

/// excessBlock with the divergence compiled in only when it is wanted.
template <Out O>
void excess(const Layout& l, const bf16* panels, const float* floatPanels, const float* H,
            Index n, const float* V, bf16* E, bf16* scratch, Index following, double* divergence)
{
    if (divergence)
        excessBlock<O, true>(l, panels, H, n, V, E, scratch, following, floatPanels, divergence);
    else
        excessBlock<O, false>(l, panels, H, n, V, E, scratch, following, floatPanels, nullptr);
}

}  // namespace

void excessByRows(const Layout& l, const bf16* panels, const float* floatPanels, const float* H,
                  Index n, const float* V, bf16* E, bf16* scratch, Index following,
                  double* divergence)
{
    excess<Out::ByRows>(l, panels, floatPanels, H, n, V, E, scratch, following, divergence);
}

void excessByFrames(const Layout& l, const bf16* panels, const float* floatPanels, const float* H,
                    Index n, const float* V, bf16* E, bf16* scratch, Index following,
                    double* divergence)
{
    excess<Out::ByFrames>(l, panels, floatPanels, H, n, V, E, scratch, following, divergence);
}

void transposedTimes(const Layout& l, const bf16* rows, const bf16* R, Index n,
                     const float* colSums, float* out)
{
    const Index ldR = l.tiles * 16;
    splitEvenly(n, kTransposedCols, [&](Index j0, Index nj) {
        dispatch<kTransposedCols>(nj, [&](auto c) {
            constexpr int NJ = decltype(c)::value;
            Index k0 = 0;
            for (; k0 + 32 <= l.Kp; k0 += 32)
                transposedTile<2, NJ>(rows, l.Kp, k0, l.pairsF, R + j0 * ldR, ldR, l.K,
                                      colSums, out + j0 * l.K);
            if (k0 < l.Kp)
                transposedTile<1, NJ>(rows, l.Kp, k0, l.pairsF, R + j0 * ldR, ldR, l.K,
                                      colSums, out + j0 * l.K);
        });
    });
}

void accumulateTimesTransposed(const Layout& l, const bf16* R, const float* H, Index n,
                               float* acc, bf16* scratch)
{
    convertAlongFrames(H, l.K, n, scratch);
    const Index pairs = (n + 1) / 2;
    splitEvenly(l.K, kAccumulateComponents, [&](Index k0, Index nk) {
        dispatch<kAccumulateComponents>(nk, [&](auto c) {
            constexpr int NK = decltype(c)::value;
            Index t = 0;
            for (; t + 2 <= l.tiles; t += 2)
                accumulateTile<2, NK>(R, l.tiles, t, scratch, l.K, k0, pairs, acc);
            if (t < l.tiles) accumulateTile<1, NK>(R, l.tiles, t, scratch, l.K, k0, pairs, acc);
        });
    });
}

#else  // no AVX512-BF16 compiler support: never called (compiled() is false)

bool compiled() { return false; }
void pack(const Layout&, const float*, bf16*, bf16*, Index, Index) {}
void excessByRows(const Layout&, const bf16*, const float*, const float*, Index, const float*, bf16*, bf16*, Index, double*) {}
void excessByFrames(const Layout&, const bf16*, const float*, const float*, Index, const float*, bf16*, bf16*, Index, double*) {}
void transposedTimes(const Layout&, const bf16*, const bf16*, Index, const float*, float*) {}
void accumulateTimesTransposed(const Layout&, const bf16*, const float*, Index, float*, bf16*) {}

#endif

}  // namespace demix::nmf_detail::klbf16

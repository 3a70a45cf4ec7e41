// Vectorised real FFT (see fft_real.hpp): N/2-point complex Stockham FFT in split
// re/im arrays + the even/odd recombination of a real transform.
//
// The complex FFT of length M is a sequence of radix-4 passes. Pass (len, stride), with
// len · stride = M and m = len / 4, maps src to dst by
//     dst[q + stride·(4p + r)] = w_len^{r·p} · Σ_t src[q + stride·(p + t·m)] · (−i)^{r·t}
// for p < m, q < stride, r < 4 (w_len = e^{−2πi/len}); then len /= 4, stride *= 4, and a
// last radix-2 pass when len is left at 2. The output is in natural order (autosort).
// Each pass vectorises over q when stride >= 8, over pairs of p when stride == 4 and
// over p (with a 4 × 8 transpose on the store) when stride == 1.

#include "fft_real.hpp"

#include <cmath>
#include <utility>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define DEMIX_FFT_AVX2 1
#endif

namespace demix::detail {

bool RealFft::supports(int n) noexcept {
#ifdef DEMIX_FFT_AVX2
    return n >= kMinSize && n <= (1 << 24) && (n & (n - 1)) == 0;
#else
    (void)n;
    return false;
#endif
}

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

/// e^{−2πi·k/n} with k reduced mod n exactly (accurate for large n).
std::complex<double> unitRoot(long long k, long long n) {
    const double phase = kTwoPi * static_cast<double>(k % n) / static_cast<double>(n);
    return {std::cos(phase), -std::sin(phase)};
}

}  // namespace

RealFft::RealFft(int n) : n_(n), half_(n / 2) {
    for (int len = half_, stride = 1; len >= 4; len /= 4, stride *= 4) {
        Pass pass;
        pass.len = len;
        pass.stride = stride;
        const int m = len / 4;
        // The stride-4 pass loads one twiddle per 4 lanes (two p per vector).
        const int repeat = stride == 4 ? 4 : 1;
        const std::size_t block = static_cast<std::size_t>(m) * static_cast<std::size_t>(repeat);
        pass.twiddles.resize(6 * block);
        for (int p = 0; p < m; ++p) {
            for (int r = 1; r <= 3; ++r) {
                const std::complex<double> w = unitRoot(static_cast<long long>(r) * p, len);
                for (int j = 0; j < repeat; ++j) {
                    const std::size_t at = static_cast<std::size_t>(p) * static_cast<std::size_t>(repeat) +
                                           static_cast<std::size_t>(j);
                    pass.twiddles[static_cast<std::size_t>(2 * (r - 1)) * block + at] = static_cast<float>(w.real());
                    pass.twiddles[static_cast<std::size_t>(2 * (r - 1) + 1) * block + at] = static_cast<float>(w.imag());
                }
            }
        }
        passes_.push_back(std::move(pass));
        if (len == 4) break;
        if (len == 8) {
            finalRadix2_ = true;
            break;
        }
    }
    postRe_.resize(static_cast<std::size_t>(half_));
    postIm_.resize(static_cast<std::size_t>(half_));
    for (int k = 0; k < half_; ++k) {
        const std::complex<double> w = unitRoot(k, n_);
        postRe_[static_cast<std::size_t>(k)] = static_cast<float>(w.real());
        postIm_[static_cast<std::size_t>(k)] = static_cast<float>(w.imag());
    }
    bufA_.assign(2 * static_cast<std::size_t>(half_), 0.0f);
    bufB_.assign(2 * static_cast<std::size_t>(half_), 0.0f);
}

#ifdef DEMIX_FFT_AVX2

namespace {

struct Cv {  // 8 complex values, split
    __m256 r, i;
};

inline Cv load(const float* re, const float* im) { return {_mm256_loadu_ps(re), _mm256_loadu_ps(im)}; }
inline Cv add(Cv a, Cv b) { return {_mm256_add_ps(a.r, b.r), _mm256_add_ps(a.i, b.i)}; }
inline Cv sub(Cv a, Cv b) { return {_mm256_sub_ps(a.r, b.r), _mm256_sub_ps(a.i, b.i)}; }
inline Cv mul(Cv w, Cv t) {
    return {_mm256_fmsub_ps(w.r, t.r, _mm256_mul_ps(w.i, t.i)),
            _mm256_fmadd_ps(w.r, t.i, _mm256_mul_ps(w.i, t.r))};
}

/// The radix-4 butterfly: y0 = a+b+c+d, y1 = w1·(a − ib − c + id), y2 = w2·(a − b + c − d),
/// y3 = w3·(a + ib − c − id).
inline void butterfly(Cv a, Cv b, Cv c, Cv d, Cv w1, Cv w2, Cv w3, Cv y[4]) {
    const Cv apc = add(a, c), amc = sub(a, c), bpd = add(b, d), bmd = sub(b, d);
    y[0] = add(apc, bpd);
    const Cv t1{_mm256_add_ps(amc.r, bmd.i), _mm256_sub_ps(amc.i, bmd.r)};  // amc − i·bmd
    const Cv t3{_mm256_sub_ps(amc.r, bmd.i), _mm256_add_ps(amc.i, bmd.r)};  // amc + i·bmd
    y[1] = mul(w1, t1);
    y[2] = mul(w2, sub(apc, bpd));
    y[3] = mul(w3, t3);
}

/// Stores y0..y3 (8 lanes each) interleaved: out[4j + r] = y_r[j].
inline void storeTransposed(float* out, __m256 y0, __m256 y1, __m256 y2, __m256 y3) {
    const __m256 t0 = _mm256_unpacklo_ps(y0, y1), t1 = _mm256_unpackhi_ps(y0, y1);
    const __m256 t2 = _mm256_unpacklo_ps(y2, y3), t3 = _mm256_unpackhi_ps(y2, y3);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    _mm256_storeu_ps(out, _mm256_permute2f128_ps(u0, u1, 0x20));
    _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(u2, u3, 0x20));
    _mm256_storeu_ps(out + 16, _mm256_permute2f128_ps(u0, u1, 0x31));
    _mm256_storeu_ps(out + 24, _mm256_permute2f128_ps(u2, u3, 0x31));
}

/// 16 interleaved floats (8 complex) → re, im.
inline Cv deinterleave(const float* p) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const __m256 even = _mm256_shuffle_ps(a, b, 0x88);  // a0 a2 b0 b2 | a4 a6 b4 b6
    const __m256 odd = _mm256_shuffle_ps(a, b, 0xDD);
    return {_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xD8)),
            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odd), 0xD8))};
}

/// re, im → 16 interleaved floats.
inline void interleave(float* p, __m256 re, __m256 im) {
    const __m256 lo = _mm256_unpacklo_ps(re, im), hi = _mm256_unpackhi_ps(re, im);
    _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

inline __m256 reversed(__m256 v) { return _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0)); }

}  // namespace

void RealFft::complexForward(float*& re, float*& im) noexcept {
    const int M = half_;
    float* sr = re;
    float* si = im;
    float* dr = sr == bufA_.data() ? bufB_.data() : bufA_.data();
    float* di = dr + M;
    for (const Pass& pass : passes_) {
        const int s = pass.stride;
        const int m = pass.len / 4;
        const float* tw = pass.twiddles.data();
        if (s == 1) {
            const float *w1r = tw, *w1i = tw + m, *w2r = tw + 2 * m, *w2i = tw + 3 * m, *w3r = tw + 4 * m,
                        *w3i = tw + 5 * m;
            for (int p = 0; p < m; p += 8) {
                Cv y[4];
                butterfly(load(sr + p, si + p), load(sr + p + m, si + p + m), load(sr + p + 2 * m, si + p + 2 * m),
                          load(sr + p + 3 * m, si + p + 3 * m), load(w1r + p, w1i + p), load(w2r + p, w2i + p),
                          load(w3r + p, w3i + p), y);
                storeTransposed(dr + 4 * p, y[0].r, y[1].r, y[2].r, y[3].r);
                storeTransposed(di + 4 * p, y[0].i, y[1].i, y[2].i, y[3].i);
            }
        } else if (s == 4) {
            const int b = 4 * m;  // twiddle block: one value per lane
            const float *w1r = tw, *w1i = tw + b, *w2r = tw + 2 * b, *w2i = tw + 3 * b, *w3r = tw + 4 * b,
                        *w3i = tw + 5 * b;
            for (int p = 0; p < m; p += 2) {
                const int at = 4 * p;  // lanes: (p, q = 0..3), (p + 1, q = 0..3)
                Cv y[4];
                butterfly(load(sr + at, si + at), load(sr + at + b, si + at + b), load(sr + at + 2 * b, si + at + 2 * b),
                          load(sr + at + 3 * b, si + at + 3 * b), load(w1r + at, w1i + at), load(w2r + at, w2i + at),
                          load(w3r + at, w3i + at), y);
                for (int r = 0; r < 4; ++r) {
                    float* o0r = dr + 4 * (4 * p + r);
                    float* o0i = di + 4 * (4 * p + r);
                    _mm_storeu_ps(o0r, _mm256_castps256_ps128(y[r].r));
                    _mm_storeu_ps(o0i, _mm256_castps256_ps128(y[r].i));
                    _mm_storeu_ps(o0r + 16, _mm256_extractf128_ps(y[r].r, 1));
                    _mm_storeu_ps(o0i + 16, _mm256_extractf128_ps(y[r].i, 1));
                }
            }
        } else {
            const std::size_t sm = static_cast<std::size_t>(s) * static_cast<std::size_t>(m);
            for (int p = 0; p < m; ++p) {
                const Cv w1{_mm256_set1_ps(tw[p]), _mm256_set1_ps(tw[m + p])};
                const Cv w2{_mm256_set1_ps(tw[2 * m + p]), _mm256_set1_ps(tw[3 * m + p])};
                const Cv w3{_mm256_set1_ps(tw[4 * m + p]), _mm256_set1_ps(tw[5 * m + p])};
                const std::size_t in = static_cast<std::size_t>(s) * static_cast<std::size_t>(p);
                const std::size_t out = static_cast<std::size_t>(s) * static_cast<std::size_t>(4 * p);
                for (int q = 0; q < s; q += 8) {
                    Cv y[4];
                    const std::size_t i0 = in + static_cast<std::size_t>(q);
                    butterfly(load(sr + i0, si + i0), load(sr + i0 + sm, si + i0 + sm),
                              load(sr + i0 + 2 * sm, si + i0 + 2 * sm), load(sr + i0 + 3 * sm, si + i0 + 3 * sm), w1,
                              w2, w3, y);
                    for (int r = 0; r < 4; ++r) {
                        const std::size_t o = out + static_cast<std::size_t>(r * s + q);
                        _mm256_storeu_ps(dr + o, y[r].r);
                        _mm256_storeu_ps(di + o, y[r].i);
                    }
                }
            }
        }
        std::swap(sr, dr);
        std::swap(si, di);
    }
    if (finalRadix2_) {
        const int s = M / 2;
        for (int q = 0; q < s; q += 8) {
            const Cv a = load(sr + q, si + q), b = load(sr + q + s, si + q + s);
            const Cv sum = add(a, b), diff = sub(a, b);
            _mm256_storeu_ps(dr + q, sum.r);
            _mm256_storeu_ps(di + q, sum.i);
            _mm256_storeu_ps(dr + q + s, diff.r);
            _mm256_storeu_ps(di + q + s, diff.i);
        }
        std::swap(sr, dr);
        std::swap(si, di);
    }
    re = sr;
    im = si;
}

void RealFft::forward(const float* time, std::complex<float>* freq) noexcept {
    const int M = half_;
    float* zr = bufA_.data();
    float* zi = zr + M;
    for (int j = 0; j < M; j += 8) {  // z[j] = x[2j] + i·x[2j + 1]
        const Cv z = deinterleave(time + 2 * j);
        _mm256_storeu_ps(zr + j, z.r);
        _mm256_storeu_ps(zi + j, z.i);
    }
    complexForward(zr, zi);
    // X[k] = E[k] + e^{−2πik/N}·O[k] with E = (Z[k] + conj Z[M−k]) / 2 and
    // O = (Z[k] − conj Z[M−k]) / 2i, the DFTs of the even and odd samples.
    float* X = reinterpret_cast<float*>(freq);
    X[0] = zr[0] + zi[0];
    X[1] = 0.0f;
    X[2 * M] = zr[0] - zi[0];
    X[2 * M + 1] = 0.0f;
    const auto scalar = [&](int k) {
        const float ar = zr[k], ai = zi[k], br = zr[M - k], bi = zi[M - k];
        const float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
        const float orr = 0.5f * (ai + bi), oi = 0.5f * (br - ar);
        const float wr = postRe_[static_cast<std::size_t>(k)], wi = postIm_[static_cast<std::size_t>(k)];
        X[2 * k] = er + (wr * orr - wi * oi);
        X[2 * k + 1] = ei + (wr * oi + wi * orr);
    };
    for (int k = 1; k < 8; ++k) scalar(k);
    const __m256 half = _mm256_set1_ps(0.5f);
    for (int k = 8; k < M; k += 8) {
        const Cv a = load(zr + k, zi + k);
        const Cv b{reversed(_mm256_loadu_ps(zr + M - k - 7)), reversed(_mm256_loadu_ps(zi + M - k - 7))};
        const __m256 er = _mm256_mul_ps(half, _mm256_add_ps(a.r, b.r));
        const __m256 ei = _mm256_mul_ps(half, _mm256_sub_ps(a.i, b.i));
        const __m256 orr = _mm256_mul_ps(half, _mm256_add_ps(a.i, b.i));
        const __m256 oi = _mm256_mul_ps(half, _mm256_sub_ps(b.r, a.r));
        const Cv wo = mul(load(postRe_.data() + k, postIm_.data() + k), Cv{orr, oi});
        interleave(X + 2 * k, _mm256_add_ps(er, wo.r), _mm256_add_ps(ei, wo.i));
    }
}

void RealFft::inverse(const std::complex<float>* freq, float* time) noexcept {
    const int M = half_;
    const float* X = reinterpret_cast<const float*>(freq);
    // 2Z[k] = A + i·e^{+2πik/N}·B with A = X[k] + conj X[M−k], B = X[k] − conj X[M−k];
    // the inverse complex FFT is conj(FFT(conj(·))), so conj(2Z) is stored.
    float* zr = bufA_.data();
    float* zi = zr + M;
    zr[0] = X[0] + X[2 * M];
    zi[0] = -(X[0] - X[2 * M]);
    const auto scalar = [&](int k) {
        const float xr = X[2 * k], xi = X[2 * k + 1], yr = X[2 * (M - k)], yi = X[2 * (M - k) + 1];
        const float ar = xr + yr, ai = xi - yi, br = xr - yr, bi = xi + yi;
        const float wr = postRe_[static_cast<std::size_t>(k)], wi = postIm_[static_cast<std::size_t>(k)];
        const float cr = wr * br + wi * bi, ci = wr * bi - wi * br;  // e^{+2πik/N}·B
        zr[k] = ar - ci;
        zi[k] = -(ai + cr);
    };
    for (int k = 1; k < 8; ++k) scalar(k);
    for (int k = 8; k < M; k += 8) {
        const Cv x = deinterleave(X + 2 * k);
        const Cv yv = deinterleave(X + 2 * (M - k - 7));
        const Cv y{reversed(yv.r), reversed(yv.i)};
        const __m256 ar = _mm256_add_ps(x.r, y.r), ai = _mm256_sub_ps(x.i, y.i);
        const __m256 br = _mm256_sub_ps(x.r, y.r), bi = _mm256_add_ps(x.i, y.i);
        const __m256 wr = _mm256_loadu_ps(postRe_.data() + k), wi = _mm256_loadu_ps(postIm_.data() + k);
        const __m256 cr = _mm256_fmadd_ps(wr, br, _mm256_mul_ps(wi, bi));
        const __m256 ci = _mm256_fmsub_ps(wr, bi, _mm256_mul_ps(wi, br));
        _mm256_storeu_ps(zr + k, _mm256_sub_ps(ar, ci));
        _mm256_storeu_ps(zi + k, _mm256_sub_ps(_mm256_setzero_ps(), _mm256_add_ps(ai, cr)));
    }
    complexForward(zr, zi);
    // z = conj(result): x[2j] = Re, x[2j + 1] = −Im.
    const __m256 zero = _mm256_setzero_ps();
    for (int j = 0; j < M; j += 8)
        interleave(time + 2 * j, _mm256_loadu_ps(zr + j), _mm256_sub_ps(zero, _mm256_loadu_ps(zi + j)));
}

#else  // no AVX2: supports() is false, so these are never called.

void RealFft::complexForward(float*&, float*&) noexcept {}
void RealFft::forward(const float*, std::complex<float>*) noexcept {}
void RealFft::inverse(const std::complex<float>*, float*) noexcept {}

#endif

}  // namespace demix::detail

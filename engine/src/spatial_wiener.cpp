#include "spatial_wiener.hpp"

#include <algorithm>
#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace demix::detail {
namespace {

/// Bin f of the 2 × 2 outer product y yᴴ of a stereo frame (channels as interleaved
/// re, im floats): |y0|², |y1|² and y0·conj(y1).
struct Outer {
    double r00, r11, re, im;
};
inline Outer outer(const float* y0, const float* y1, Eigen::Index f) {
    const double ar = y0[2 * f], ai = y0[2 * f + 1];
    const double br = y1[2 * f], bi = y1[2 * f + 1];
    return {ar * ar + ai * ai, br * br + bi * bi, ar * br + ai * bi, ai * br - ar * bi};
}

/// filter for a source count known at compile time, 4 bins at a time in double with
/// AVX2 (one sweep over the bins: Σ, Σ⁻¹x and every y_s per bin stay in registers). The
/// last F mod 4 bins run the same operations (explicit FMAs) one at a time, so every bin
/// gets the same arithmetic wherever it sits.
template <int S>
void filterFused(Eigen::Index F, const float* x0, const float* x1, const float* const* m,
                 const double* const* r00, const double* const* r11, const double* const* rre,
                 const double* const* rim, float* const* y0, float* const* y1) {
    Eigen::Index f = 0;
#if defined(__AVX2__) && defined(__FMA__)
    const __m256d floor = _mm256_set1_pd(1e-300), one = _mm256_set1_pd(1.0);
    for (; f + 4 <= F; f += 4) {
        __m256d a = _mm256_setzero_pd(), d = a, br = a, bi = a;
        __m256d ms[S];
        for (int s = 0; s < S; ++s) {
            ms[s] = _mm256_cvtps_pd(_mm_loadu_ps(m[s] + f));
            a = _mm256_fmadd_pd(ms[s], _mm256_loadu_pd(r00[s] + f), a);
            d = _mm256_fmadd_pd(ms[s], _mm256_loadu_pd(r11[s] + f), d);
            br = _mm256_fmadd_pd(ms[s], _mm256_loadu_pd(rre[s] + f), br);
            bi = _mm256_fmadd_pd(ms[s], _mm256_loadu_pd(rim[s] + f), bi);
        }
        const __m256d det = _mm256_fmsub_pd(a, d, _mm256_fmadd_pd(br, br, _mm256_mul_pd(bi, bi)));
        const __m256d inv = _mm256_div_pd(one, _mm256_max_pd(det, floor));
        // x: 4 interleaved complex floats → re, im in double.
        const auto load = [](const float* p, __m256d& re, __m256d& im) {
            const __m256 v = _mm256_loadu_ps(p);  // r0 i0 r1 i1 | r2 i2 r3 i3
            const __m256 perm = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
            re = _mm256_cvtps_pd(_mm256_castps256_ps128(perm));
            im = _mm256_cvtps_pd(_mm256_extractf128_ps(perm, 1));
        };
        __m256d x0r, x0i, x1r, x1i;
        load(x0 + 2 * f, x0r, x0i);
        load(x1 + 2 * f, x1r, x1i);
        const __m256d z0r = _mm256_mul_pd(_mm256_fmsub_pd(d, x0r, _mm256_fmsub_pd(br, x1r, _mm256_mul_pd(bi, x1i))), inv);
        const __m256d z0i = _mm256_mul_pd(_mm256_fmsub_pd(d, x0i, _mm256_fmadd_pd(br, x1i, _mm256_mul_pd(bi, x1r))), inv);
        const __m256d z1r = _mm256_mul_pd(_mm256_fmsub_pd(a, x1r, _mm256_fmadd_pd(br, x0r, _mm256_mul_pd(bi, x0i))), inv);
        const __m256d z1i = _mm256_mul_pd(_mm256_fmsub_pd(a, x1i, _mm256_fmsub_pd(br, x0i, _mm256_mul_pd(bi, x0r))), inv);
        const auto store = [](float* p, __m256d re, __m256d im) {
            const __m128 r = _mm256_cvtpd_ps(re), i = _mm256_cvtpd_ps(im);
            _mm_storeu_ps(p, _mm_unpacklo_ps(r, i));
            _mm_storeu_ps(p + 4, _mm_unpackhi_ps(r, i));
        };
        for (int s = 0; s < S; ++s) {
            const __m256d qre = _mm256_loadu_pd(rre[s] + f), qim = _mm256_loadu_pd(rim[s] + f);
            const __m256d pr = _mm256_fmsub_pd(qre, z1r, _mm256_mul_pd(qim, z1i));
            const __m256d pi = _mm256_fmadd_pd(qre, z1i, _mm256_mul_pd(qim, z1r));
            const __m256d qr = _mm256_fmadd_pd(qre, z0r, _mm256_mul_pd(qim, z0i));
            const __m256d qi = _mm256_fmsub_pd(qre, z0i, _mm256_mul_pd(qim, z0r));
            const __m256d q00 = _mm256_loadu_pd(r00[s] + f), q11 = _mm256_loadu_pd(r11[s] + f);
            store(y0[s] + 2 * f, _mm256_mul_pd(ms[s], _mm256_fmadd_pd(q00, z0r, pr)),
                  _mm256_mul_pd(ms[s], _mm256_fmadd_pd(q00, z0i, pi)));
            store(y1[s] + 2 * f, _mm256_mul_pd(ms[s], _mm256_fmadd_pd(q11, z1r, qr)),
                  _mm256_mul_pd(ms[s], _mm256_fmadd_pd(q11, z1i, qi)));
        }
    }
#endif
    using std::fma;
    for (; f < F; ++f) {
        double a = 0.0, d = 0.0, br = 0.0, bi = 0.0;
        for (int s = 0; s < S; ++s) {
            const double mf = m[s][f];
            a = fma(mf, r00[s][f], a);
            d = fma(mf, r11[s][f], d);
            br = fma(mf, rre[s][f], br);
            bi = fma(mf, rim[s][f], bi);
        }
        const double det = fma(a, d, -fma(br, br, bi * bi));
        const double inv = 1.0 / std::max(det, 1e-300);
        const double x0r = x0[2 * f], x0i = x0[2 * f + 1];
        const double x1r = x1[2 * f], x1i = x1[2 * f + 1];
        const double z0r = fma(d, x0r, -fma(br, x1r, -(bi * x1i))) * inv;
        const double z0i = fma(d, x0i, -fma(br, x1i, bi * x1r)) * inv;
        const double z1r = fma(a, x1r, -fma(br, x0r, bi * x0i)) * inv;
        const double z1i = fma(a, x1i, -fma(br, x0i, -(bi * x0r))) * inv;
        for (int s = 0; s < S; ++s) {
            const double mf = m[s][f];
            const double qre = rre[s][f], qim = rim[s][f];
            const double pr = fma(qre, z1r, -(qim * z1i));
            const double pi = fma(qre, z1i, qim * z1r);
            const double qr = fma(qre, z0r, qim * z0i);
            const double qi = fma(qre, z0i, -(qim * z0r));
            y0[s][2 * f] = static_cast<float>(mf * fma(r00[s][f], z0r, pr));
            y0[s][2 * f + 1] = static_cast<float>(mf * fma(r00[s][f], z0i, pi));
            y1[s][2 * f] = static_cast<float>(mf * fma(r11[s][f], z1r, qr));
            y1[s][2 * f + 1] = static_cast<float>(mf * fma(r11[s][f], z1i, qi));
        }
    }
}

}  // namespace

void StereoSpatialModel::Covariances::assign(std::size_t size, double diagonal) {
    r00.assign(size, diagonal);
    r11.assign(size, diagonal);
    r01re.assign(size, 0.0);
    r01im.assign(size, 0.0);
}

StereoSpatialModel::StereoSpatialModel(int sources, Eigen::Index bins)
    : sources_(sources), bins_(bins) {
    const std::size_t size = static_cast<std::size_t>(sources) * static_cast<std::size_t>(bins);
    model_.assign(size, 1.0);
    stats_ = newStatistics();
    scratch_ = newScratch();
}

StereoSpatialModel::Statistics StereoSpatialModel::newStatistics() const {
    Statistics stats;
    stats.sums.assign(static_cast<std::size_t>(sources_) * static_cast<std::size_t>(bins_), 0.0);
    return stats;
}

StereoSpatialModel::Scratch StereoSpatialModel::newScratch() const {
    Scratch s;
    const std::size_t b = static_cast<std::size_t>(bins_);
    for (std::vector<double>* v : {&s.s00, &s.s11, &s.s01re, &s.s01im, &s.z0re, &s.z0im, &s.z1re, &s.z1im})
        v->resize(b);
    return s;
}

void StereoSpatialModel::filter(const ComplexMatrix& mix, const std::vector<Matrix>& masks,
                                Eigen::Index column, std::vector<ComplexMatrix>& out,
                                Scratch& scratch) const {
    const Eigen::Index F = bins_;
    out.resize(static_cast<std::size_t>(sources_));
    for (ComplexMatrix& o : out) o.resize(F, 2);
    // std::complex<float> is laid out as two floats (re, im).
    const float* x0 = reinterpret_cast<const float*>(mix.col(0).data());
    const float* x1 = reinterpret_cast<const float*>(mix.col(1).data());

    if (sources_ >= 2 && sources_ <= 4) {
        constexpr int kMax = 4;
        const float* m[kMax];
        const double *r00[kMax], *r11[kMax], *rre[kMax], *rim[kMax];
        float *y0[kMax], *y1[kMax];
        for (int s = 0; s < sources_; ++s) {
            const std::size_t o = static_cast<std::size_t>(s) * static_cast<std::size_t>(F);
            m[s] = masks[static_cast<std::size_t>(s)].col(column).data();
            r00[s] = model_.r00.data() + o;
            r11[s] = model_.r11.data() + o;
            rre[s] = model_.r01re.data() + o;
            rim[s] = model_.r01im.data() + o;
            y0[s] = reinterpret_cast<float*>(out[static_cast<std::size_t>(s)].col(0).data());
            y1[s] = reinterpret_cast<float*>(out[static_cast<std::size_t>(s)].col(1).data());
        }
        if (sources_ == 2) filterFused<2>(F, x0, x1, m, r00, r11, rre, rim, y0, y1);
        if (sources_ == 3) filterFused<3>(F, x0, x1, m, r00, r11, rre, rim, y0, y1);
        if (sources_ == 4) filterFused<4>(F, x0, x1, m, r00, r11, rre, rim, y0, y1);
        return;
    }

    // Σ = Σ_j m_j R_j (Hermitian: a, d real, b = Σ(0, 1)).
    double* __restrict a = scratch.s00.data();
    double* __restrict d = scratch.s11.data();
    double* __restrict br = scratch.s01re.data();
    double* __restrict bi = scratch.s01im.data();
    for (Eigen::Index f = 0; f < F; ++f) a[f] = d[f] = br[f] = bi[f] = 0.0;
    for (int s = 0; s < sources_; ++s) {
        const float* __restrict m = masks[static_cast<std::size_t>(s)].col(column).data();
        const std::size_t o = static_cast<std::size_t>(s) * static_cast<std::size_t>(F);
        const double* __restrict r00 = model_.r00.data() + o;
        const double* __restrict r11 = model_.r11.data() + o;
        const double* __restrict rre = model_.r01re.data() + o;
        const double* __restrict rim = model_.r01im.data() + o;
        for (Eigen::Index f = 0; f < F; ++f) {
            const double mf = m[f];
            a[f] += mf * r00[f];
            d[f] += mf * r11[f];
            br[f] += mf * rre[f];
            bi[f] += mf * rim[f];
        }
    }
    // z = Σ⁻¹ x. The masks sum to one and every R_j has δ·I on its diagonal, so
    // det ≥ δ² > 0 (the floor only guards against a division by zero).
    {
        double* __restrict z0r = scratch.z0re.data();
        double* __restrict z0i = scratch.z0im.data();
        double* __restrict z1r = scratch.z1re.data();
        double* __restrict z1i = scratch.z1im.data();
        for (Eigen::Index f = 0; f < F; ++f) {
            const double af = a[f], df = d[f], bre = br[f], bim = bi[f];
            const double det = af * df - (bre * bre + bim * bim);
            const double inv = 1.0 / std::max(det, 1e-300);
            const double x0r = x0[2 * f], x0i = x0[2 * f + 1];
            const double x1r = x1[2 * f], x1i = x1[2 * f + 1];
            // [d, −b; −conj(b), a] x / det
            z0r[f] = (df * x0r - (bre * x1r - bim * x1i)) * inv;
            z0i[f] = (df * x0i - (bre * x1i + bim * x1r)) * inv;
            z1r[f] = (af * x1r - (bre * x0r + bim * x0i)) * inv;
            z1i[f] = (af * x1i - (bre * x0i - bim * x0r)) * inv;
        }
    }
    // y_s = m_s R_s z
    const double* __restrict z0r = scratch.z0re.data();
    const double* __restrict z0i = scratch.z0im.data();
    const double* __restrict z1r = scratch.z1re.data();
    const double* __restrict z1i = scratch.z1im.data();
    for (int s = 0; s < sources_; ++s) {
        const float* m = masks[static_cast<std::size_t>(s)].col(column).data();
        const std::size_t o = static_cast<std::size_t>(s) * static_cast<std::size_t>(F);
        const double* r00 = model_.r00.data() + o;
        const double* r11 = model_.r11.data() + o;
        const double* rre = model_.r01re.data() + o;
        const double* rim = model_.r01im.data() + o;
        float* y0 = reinterpret_cast<float*>(out[static_cast<std::size_t>(s)].col(0).data());
        float* y1 = reinterpret_cast<float*>(out[static_cast<std::size_t>(s)].col(1).data());
        for (Eigen::Index f = 0; f < F; ++f) {
            const double mf = m[f];
            // r01 z1 and conj(r01) z0
            const double pr = rre[f] * z1r[f] - rim[f] * z1i[f];
            const double pi = rre[f] * z1i[f] + rim[f] * z1r[f];
            const double qr = rre[f] * z0r[f] + rim[f] * z0i[f];
            const double qi = rre[f] * z0i[f] - rim[f] * z0r[f];
            y0[2 * f] = static_cast<float>(mf * (r00[f] * z0r[f] + pr));
            y0[2 * f + 1] = static_cast<float>(mf * (r00[f] * z0i[f] + pi));
            y1[2 * f] = static_cast<float>(mf * (r11[f] * z1r[f] + qr));
            y1[2 * f + 1] = static_cast<float>(mf * (r11[f] * z1i[f] + qi));
        }
    }
}

void StereoSpatialModel::accumulate(const std::vector<ComplexMatrix>& estimates, Statistics& stats) const {
    const Eigen::Index F = bins_;
    for (int s = 0; s < sources_; ++s) {
        const ComplexMatrix& y = estimates[static_cast<std::size_t>(s)];
        const float* y0 = reinterpret_cast<const float*>(y.col(0).data());
        const float* y1 = reinterpret_cast<const float*>(y.col(1).data());
        const std::size_t o = static_cast<std::size_t>(s) * static_cast<std::size_t>(F);
        double* c00 = stats.sums.r00.data() + o;
        double* c11 = stats.sums.r11.data() + o;
        double* cre = stats.sums.r01re.data() + o;
        double* cim = stats.sums.r01im.data() + o;
        for (Eigen::Index f = 0; f < F; ++f) {
            const Outer p = outer(y0, y1, f);
            c00[f] += p.r00;
            c11[f] += p.r11;
            cre[f] += p.re;
            cim[f] += p.im;
        }
    }
}

void StereoSpatialModel::accumulateMasked(const ComplexMatrix& mix, const std::vector<Matrix>& masks,
                                          Eigen::Index column, Statistics& stats,
                                          Scratch& scratch) const {
    const Eigen::Index F = bins_;
    const float* x0 = reinterpret_cast<const float*>(mix.col(0).data());
    const float* x1 = reinterpret_cast<const float*>(mix.col(1).data());
    // x xᴴ of this frame, per bin, in the z*_ scratch.
    double* p00 = scratch.z0re.data();
    double* p11 = scratch.z0im.data();
    double* pre = scratch.z1re.data();
    double* pim = scratch.z1im.data();
    for (Eigen::Index f = 0; f < F; ++f) {
        const Outer p = outer(x0, x1, f);
        p00[f] = p.r00;
        p11[f] = p.r11;
        pre[f] = p.re;
        pim[f] = p.im;
    }
    for (int s = 0; s < sources_; ++s) {
        const float* m = masks[static_cast<std::size_t>(s)].col(column).data();
        const std::size_t o = static_cast<std::size_t>(s) * static_cast<std::size_t>(F);
        double* c00 = stats.sums.r00.data() + o;
        double* c11 = stats.sums.r11.data() + o;
        double* cre = stats.sums.r01re.data() + o;
        double* cim = stats.sums.r01im.data() + o;
        for (Eigen::Index f = 0; f < F; ++f) {
            const double m2 = static_cast<double>(m[f]) * m[f];
            c00[f] += m2 * p00[f];
            c11[f] += m2 * p11[f];
            cre[f] += m2 * pre[f];
            cim[f] += m2 * pim[f];
        }
    }
}

void StereoSpatialModel::update(const std::vector<Statistics>& parts) {
    identity_ = false;
    const std::size_t size = model_.r00.size();
    for (std::size_t i = 0; i < size; ++i) {
        Outer sum = {0.0, 0.0, 0.0, 0.0};
        for (std::size_t p = 0; p < parts.size(); ++p) {
            const Covariances& c = parts[p].sums;
            if (p == 0) {
                sum = {c.r00[i], c.r11[i], c.r01re[i], c.r01im[i]};
            } else {
                sum.r00 += c.r00[i];
                sum.r11 += c.r11[i];
                sum.re += c.r01re[i];
                sum.im += c.r01im[i];
            }
        }
        const double trace = sum.r00 + sum.r11;
        if (trace > 0.0 && std::isfinite(trace)) {
            const double scale = 2.0 / trace;
            model_.r00[i] = sum.r00 * scale + kLoading;
            model_.r11[i] = sum.r11 * scale + kLoading;
            model_.r01re[i] = sum.re * scale;
            model_.r01im[i] = sum.im * scale;
        } else {  // no energy to estimate from: no spatial knowledge (R = I)
            model_.r00[i] = model_.r11[i] = 1.0;
            model_.r01re[i] = model_.r01im[i] = 0.0;
        }
    }
}

void StereoSpatialModel::update() {
    update(std::vector<Statistics>{stats_});
    stats_ = newStatistics();
}

void StereoSpatialModel::covariance(int source, Eigen::Index bin, double& r00, double& r11,
                                    std::complex<double>& r01) const {
    const std::size_t i = static_cast<std::size_t>(source) * static_cast<std::size_t>(bins_) +
                          static_cast<std::size_t>(bin);
    r00 = model_.r00[i];
    r11 = model_.r11[i];
    r01 = {model_.r01re[i], model_.r01im[i]};
}

}  // namespace demix::detail

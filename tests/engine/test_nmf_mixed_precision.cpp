// Mixed-precision KL-MU (NmfSettings::precision = Mixed: float32 model W·H, bf16 operands
// of the update products; Bfloat16: W·H from bf16 operands too; float32 accumulation
// either way; engine/src/nmf_kl_bf16.cpp): the block products against a double
// reference, a whole factorisation against Float32 on a real spectrogram, determinism,
// and the fallback (identical to Float32) where the CPU lacks AVX512-BF16 (forced here
// through the kernel's test hook). On a CPU without the feature the bf16-only checks are
// skipped with a warning; the fallback checks run everywhere.
#include "../../engine/src/nmf_kl_kernel.hpp"
#include "demix/nmf.hpp"
#include "demix/stft.hpp"
#include "nmf_test_support.hpp"
#include "test_separator_signals.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using demix::Matrix;
namespace kk = demix::nmf_detail::klkernel;

namespace {

using MatrixD = Eigen::MatrixXd;

bool mixedHere()
{
    if (kk::mixedAvailable()) return true;
    WARN("this CPU (or build) lacks AVX512-BF16: the bf16 kernels are not exercised here "
         "(Precision::Mixed runs as Float32, checked by the fallback test)");
    return false;
}

/// Restores the real CPU check when it goes out of scope.
struct ForceFallback {
    ForceFallback() { kk::forceMixedUnavailable(true); }
    ~ForceFallback() { kk::forceMixedUnavailable(false); }
};

/// A magnitude spectrogram of 3 s of a harmonic tone plus noise bursts (16 kHz, FFT 512,
/// hop 128): F 257 × T 376.
Matrix spectrogram()
{
    const std::size_t n = static_cast<std::size_t>(3.0 * demix::testing::kTestRate);
    std::vector<float> x = demix::testing::harmonicTone(n, 3);
    const std::vector<float> noise = demix::testing::noiseBursts(n, 4);
    for (std::size_t i = 0; i < n; ++i) x[i] += noise[i];
    demix::StftSettings st;
    st.fftSize = 512;
    st.hop = 128;
    const demix::Stft stft(st);
    return stft.forward(x.data(), x.size()).cwiseAbs();
}

demix::NmfSettings klSettings(int K, int iterations, demix::Precision precision)
{
    demix::NmfSettings s;
    s.components = K;
    s.maxIterations = iterations;
    s.tol = 0.0;
    s.evalEvery = 10;
    s.seed = 7;
    s.precision = precision;
    return s;
}

struct Shape {
    Eigen::Index F, K, n;
};

}  // namespace

TEST_CASE("nmf precision names round-trip", "[nmf]")
{
    CHECK(demix::precisionFromString("float32") == demix::Precision::Float32);
    CHECK(demix::precisionFromString("Mixed") == demix::Precision::Mixed);
    CHECK(demix::precisionFromString("bfloat16") == demix::Precision::Bfloat16);
    CHECK(demix::toString(demix::Precision::Mixed) == "mixed");
    CHECK(demix::toString(demix::Precision::Bfloat16) == "bfloat16");
    CHECK(demix::toString(demix::Precision::Float32) == "float32");
    CHECK_THROWS_WITH(demix::precisionFromString("bf16"),
                      Catch::Contains("unknown NMF precision 'bf16'") &&
                          Catch::Contains("adaptive, float32, mixed or bfloat16"));
    CHECK(demix::precisionFromString("adaptive") == demix::Precision::Adaptive);
    CHECK(demix::toString(demix::Precision::Adaptive) == "adaptive");
    CHECK(demix::NmfSettings{}.precision == demix::Precision::Adaptive);
}

TEST_CASE("nmf mixed-precision KL block products match a double reference to bf16 accuracy",
          "[nmf]")
{
    if (!mixedHere()) return;
    // Odd shapes: partial 16-row tiles, odd F (a half row pair), odd K (a half component
    // pair), K beyond one and two 16-wide groups, odd n (a missing frame of a pair).
    const Shape shapes[] = {{1, 1, 1}, {17, 7, 5}, {33, 32, 64}, {100, 33, 13}, {45, 2, 64},
                            {16, 16, 2}, {257, 48, 37}};
    const auto precision = GENERATE(demix::Precision::Mixed, demix::Precision::Bfloat16);
    CAPTURE(demix::toString(precision));
    double worstOut = 0.0;  // largest relative error of Wᵀ R over the shapes
    for (const Shape& sh : shapes) {
        CAPTURE(sh.F, sh.K, sh.n);
        Matrix V = nmf_test::uniformMatrix(sh.F, sh.n, 11 + sh.F, 0.0f, 2.0f);
        const Matrix W = nmf_test::uniformMatrix(sh.F, sh.K, 12 + sh.K, 0.05f, 1.0f);
        const Matrix H = nmf_test::uniformMatrix(sh.K, sh.n, 13 + sh.n, 0.05f, 1.0f);
        V(0, 0) = 0.0f;  // silence: R = 0
        const MatrixD WH = W.cast<double>() * H.cast<double>();
        MatrixD R(sh.F, sh.n);
        for (Eigen::Index i = 0; i < R.size(); ++i)
            R.data()[i] = double(V.data()[i]) / std::max(WH.data()[i], double(demix::kEpsilon));

        kk::PackedW packed;
        kk::pack(W, packed, precision);
        REQUIRE(packed.mixed);
        CHECK(packed.floatModel == (precision == demix::Precision::Mixed));
        kk::MixedBuffers buffers;
        buffers.prepare(packed, sh.n);

        // Wᵀ R (the H update's numerator), against the size of what is rounded: W, H and
        // E = R − 1 carry 8 significant bits (2⁻⁹ relative each), so the error of each
        // term is a small fraction of W·(|R − 1| + R) (R itself through WH's rounding).
        const Eigen::VectorXf colSums = W.colwise().sum().transpose();
        Matrix out(sh.K, sh.n);
        kk::mixedRatioTransposedTimes(packed, H.data(), sh.n, V.data(), colSums.data(), buffers,
                                      out.data());
        const MatrixD scaleR = (R.array() - 1.0).abs() + R.array();
        const MatrixD refOut = W.cast<double>().transpose() * R;
        const MatrixD sizeOut = W.cast<double>().transpose() * scaleR;
        const double errOut = ((out.cast<double>() - refOut).array() / sizeOut.array()).abs().maxCoeff();
        CHECK(errOut < 5e-3);
        worstOut = std::max(worstOut, errOut);

        // R Hᵀ (the W update's numerator), accumulated twice; the caller adds 1·Hᵀ.
        std::vector<float> acc(kk::accumulatorSize(packed), 0.0f);
        kk::mixedExcessTimesTransposed(packed, H.data(), sh.n, V.data(), buffers, acc.data());
        kk::mixedExcessTimesTransposed(packed, H.data(), sh.n, V.data(), buffers, acc.data());
        Matrix num;
        kk::unpack(packed, acc.data(), num);
        const Eigen::VectorXf rowSums = H.rowwise().sum();
        MatrixD got = num.cast<double>();
        for (Eigen::Index k = 0; k < sh.K; ++k) got.col(k).array() += 2.0 * double(rowSums(k));
        const MatrixD refNum = 2.0 * R * H.cast<double>().transpose();
        const MatrixD sizeNum = 2.0 * scaleR * H.cast<double>().transpose();
        const double errNum = ((got - refNum).array() / sizeNum.array()).abs().maxCoeff();
        CHECK(errNum < 5e-3);

        // The products really are bf16 ones (errors far above float32's ~1e-7), except
        // where a product has too few terms to show it.
        if (sh.F >= 33 && sh.K >= 7 && sh.n >= 13) {
            CHECK(errOut > 1e-6);
            CHECK(errNum > 1e-6);
        }
    }
    // With the model in float32 only E's own rounding (2⁻⁹ of |R − 1|) and W's remain;
    // with bf16 W·H, R's rounding through WH shows too.
    if (precision == demix::Precision::Mixed) CHECK(worstOut < 2.5e-3);
}

TEST_CASE("nmf mixed-precision KL-MU reaches Float32's objective on a real spectrogram", "[nmf]")
{
    if (!mixedHere()) return;
    const Matrix V = spectrogram();
    const auto precision = GENERATE(demix::Precision::Mixed, demix::Precision::Bfloat16);
    CAPTURE(demix::toString(precision));
    SECTION("plain MU, converged (1000 iterations)")
    {
        // Along the way the two paths' objectives differ by up to ±3e-4 (100: −2.9e-4,
        // 200: −2.5e-4, 400: +1.2e-4): rounding makes the iterates take a slightly
        // different path, as a 1e-3 perturbation of the start does in Float32. Converged
        // (700, 1000, 1500 iterations: 6e-5, 4e-5, 7e-5) they agree to 1e-4.
        demix::NmfSettings s32 = klSettings(12, 1000, demix::Precision::Float32);
        s32.accelerate = false;
        demix::NmfSettings smx = s32;
        smx.precision = precision;
        const auto a = demix::factorize(V, s32);
        const auto b = demix::factorize(V, smx);
        REQUIRE_FALSE(nmf_test::bitwiseEqual(a.W, b.W));  // the mixed path ran
        const double d32 = demix::divergence(V, a.W * a.H, demix::Objective::KullbackLeibler);
        const double dmx = demix::divergence(V, b.W * b.H, demix::Objective::KullbackLeibler);
        CAPTURE(d32, dmx);
        CHECK(std::abs(dmx - d32) / d32 < 1e-4);
        // The recorded objective comes from float products in both.
        CHECK(b.objective.back() == Approx(dmx).epsilon(1e-5));
    }
    SECTION("accelerated MU (the default solver)")
    {
        // Extrapolation with restarts amplifies small differences into different local
        // minima (measured ±1.4e-3 at 100–500 iterations, either sign), so this only
        // bounds the gap; the plain and supervised sections check agreement.
        const auto a = demix::factorize(V, klSettings(12, 200, demix::Precision::Float32));
        const auto b = demix::factorize(V, klSettings(12, 200, precision));
        const double d32 = a.objective.back(), dmx = b.objective.back();
        CAPTURE(d32, dmx);
        CHECK(std::abs(dmx - d32) / d32 < 3e-3);
    }
    SECTION("fixed templates (supervised separation: activations only, a convex problem)")
    {
        const auto learned = demix::factorize(V, klSettings(12, 60, demix::Precision::Float32));
        demix::NmfInit init;
        init.W = learned.W;
        init.freezeW.assign(12, true);
        const auto a = demix::factorize(V, klSettings(12, 50, demix::Precision::Float32), init);
        const auto b = demix::factorize(V, klSettings(12, 50, precision), init);
        REQUIRE(nmf_test::bitwiseEqual(b.W, learned.W));
        REQUIRE_FALSE(nmf_test::bitwiseEqual(a.H, b.H));
        const double d32 = a.objective.back(), dmx = b.objective.back();
        CAPTURE(d32, dmx);
        CHECK(std::abs(dmx - d32) / d32 < 1e-4);
    }
}

TEST_CASE("nmf mixed-precision KL-MU is deterministic and its iterates do not depend on "
          "when the objective is evaluated",
          "[nmf]")
{
    if (!mixedHere()) return;
    // Above the threading threshold; T not a multiple of 64 or 128; odd F and K.
    const Matrix V = nmf_test::noisyLowRank(131, 1003, 9, 51);
    demix::NmfSettings s = klSettings(33, 9, GENERATE(demix::Precision::Mixed, demix::Precision::Bfloat16));
    s.threads = 2;
    s.accelerate = false;
    s.evalEvery = 4;
    const auto a = demix::factorize(V, s);
    const auto b = demix::factorize(V, s);
    CHECK(nmf_test::bitwiseEqual(a.W, b.W));
    CHECK(nmf_test::bitwiseEqual(a.H, b.H));
    CHECK(a.objective == b.objective);
    s.evalEvery = 1;
    const auto c = demix::factorize(V, s);
    CHECK(nmf_test::bitwiseEqual(a.W, c.W));
    CHECK(nmf_test::bitwiseEqual(a.H, c.H));
}

TEST_CASE("nmf Precision::Mixed and Bfloat16 without AVX512-BF16 are exactly Float32", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(131, 1003, 9, 61);
    demix::NmfSettings s32 = klSettings(17, 6, demix::Precision::Float32);
    s32.threads = 2;
    demix::NmfSettings smx = s32;
    smx.precision = GENERATE(demix::Precision::Mixed, demix::Precision::Bfloat16);
    CAPTURE(demix::toString(smx.precision));
    const auto float32 = demix::factorize(V, s32);
    {
        ForceFallback fallback;
        REQUIRE_FALSE(kk::mixedAvailable());
        const auto mixed = demix::factorize(V, smx);
        CHECK(nmf_test::bitwiseEqual(mixed.W, float32.W));
        CHECK(nmf_test::bitwiseEqual(mixed.H, float32.H));
        CHECK(mixed.objective == float32.objective);
        // Float32 does not depend on whether the bf16 kernels are available.
        const auto again = demix::factorize(V, s32);
        CHECK(nmf_test::bitwiseEqual(again.W, float32.W));
        CHECK(nmf_test::bitwiseEqual(again.H, float32.H));
    }
    if (kk::mixedAvailable()) {
        const auto mixed = demix::factorize(V, smx);
        CHECK_FALSE(nmf_test::bitwiseEqual(mixed.W, float32.W));
    }
}

TEST_CASE("nmf Precision::Mixed and Bfloat16 leave the other objectives and solvers unchanged", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(40, 300, 5, 71);
    for (const auto objective : {demix::Objective::Frobenius, demix::Objective::ItakuraSaito}) {
        demix::NmfSettings s32 = klSettings(6, 8, demix::Precision::Float32);
        s32.objective = objective;
        demix::NmfSettings smx = s32;
        smx.precision = demix::Precision::Bfloat16;
        const auto a = demix::factorize(V, s32);
        const auto b = demix::factorize(V, smx);
        CHECK(nmf_test::bitwiseEqual(a.W, b.W));
        CHECK(nmf_test::bitwiseEqual(a.H, b.H));
    }
}

TEST_CASE("nmf Precision::Adaptive runs Bfloat16 until the objective's progress per iteration "
          "drops below 1e-3, then Mixed",
          "[nmf]")
{
    if (!mixedHere()) return;
    const Matrix V = spectrogram();
    demix::NmfSettings s = klSettings(12, 300, demix::Precision::Adaptive);
    s.accelerate = false;
    const auto adaptive = demix::factorize(V, s);
    // The switch the rule asks for, found from the recorded objectives: the first record
    // whose fall per iteration since the previous one is at most 1e-3 of its value (the
    // misfit floor is far away on music: the fit ends near 0.1 ΣV).
    REQUIRE(adaptive.objective.back() > 10.0 * demix::kAdaptivePrecisionMisfit * V.cast<double>().sum());
    int expected = -1;
    for (std::size_t i = 1; i < adaptive.objective.size() && expected < 0; ++i) {
        const double fall = (adaptive.objective[i - 1] - adaptive.objective[i]) /
                            (adaptive.objective[i] * (adaptive.objectiveIterations[i] -
                                                      adaptive.objectiveIterations[i - 1]));
        if (!(fall > demix::kAdaptivePrecisionProgress)) expected = adaptive.objectiveIterations[i];
    }
    REQUIRE(expected > 0);
    REQUIRE(expected < 290);
    // The iteration that recorded it still ran Bfloat16; the next ones Mixed.
    CHECK(adaptive.bfloat16Iterations == expected + 1);

    // Up to the switch, the iterates are Bfloat16's bit for bit; after it, not.
    demix::NmfSettings sb = s;
    sb.precision = demix::Precision::Bfloat16;
    sb.maxIterations = s.maxIterations;
    const auto bf16 = demix::factorize(V, sb);
    CHECK(bf16.bfloat16Iterations == 300);
    for (std::size_t i = 0; i < adaptive.objective.size(); ++i) {
        CAPTURE(adaptive.objectiveIterations[i]);
        if (adaptive.objectiveIterations[i] <= expected)
            CHECK(adaptive.objective[i] == bf16.objective[i]);
    }
    CHECK_FALSE(nmf_test::bitwiseEqual(adaptive.W, bf16.W));

    // The end is as accurate as Mixed's (both far below one iteration's progress apart
    // from where the paths diverge: here within 3e-4, as Mixed is from Float32).
    demix::NmfSettings sm = s;
    sm.precision = demix::Precision::Mixed;
    const auto mixed = demix::factorize(V, sm);
    CHECK(mixed.bfloat16Iterations == 0);
    CAPTURE(adaptive.objective.back(), mixed.objective.back());
    CHECK(std::abs(adaptive.objective.back() - mixed.objective.back()) / mixed.objective.back() < 3e-4);
}

TEST_CASE("nmf Precision::Adaptive is Mixed when nothing is recorded before the end and on "
          "nearly exact fits",
          "[nmf]")
{
    if (!mixedHere()) return;
    SECTION("no record before the last iteration")
    {
        const Matrix V = spectrogram();
        demix::NmfSettings s = klSettings(12, 40, demix::Precision::Adaptive);
        s.evalEvery = 40;
        demix::NmfSettings sm = s;
        sm.precision = demix::Precision::Mixed;
        const auto a = demix::factorize(V, s);
        const auto m = demix::factorize(V, sm);
        CHECK(a.bfloat16Iterations == 0);
        CHECK(nmf_test::bitwiseEqual(a.W, m.W));
        CHECK(nmf_test::bitwiseEqual(a.H, m.H));
    }
    SECTION("an exactly low-rank V: Mixed once the objective is below 1e-3 ΣV")
    {
        const Matrix V = nmf_test::uniformMatrix(50, 4, 102, 0.0f, 1.0f) *
                         nmf_test::uniformMatrix(4, 300, 103, 0.0f, 2.0f);
        demix::NmfSettings s = klSettings(4, 400, demix::Precision::Adaptive);
        s.accelerate = false;
        const auto r = demix::factorize(V, s);
        const double floor = demix::kAdaptivePrecisionMisfit * V.cast<double>().sum();
        int below = -1;  // first record at or below the floor
        for (std::size_t i = 0; i < r.objective.size() && below < 0; ++i)
            if (r.objective[i] <= floor) below = r.objectiveIterations[i];
        REQUIRE(below >= 0);
        CHECK(r.bfloat16Iterations <= below + 1);
        CHECK(r.bfloat16Iterations < 400);
    }
}

TEST_CASE("nmf Precision::Adaptive is deterministic and Float32 without AVX512-BF16", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(131, 1003, 9, 81);
    demix::NmfSettings s = klSettings(17, 30, demix::Precision::Adaptive);
    s.threads = 2;
    s.evalEvery = 5;
    const auto a = demix::factorize(V, s);
    const auto b = demix::factorize(V, s);
    CHECK(nmf_test::bitwiseEqual(a.W, b.W));
    CHECK(nmf_test::bitwiseEqual(a.H, b.H));
    CHECK(a.bfloat16Iterations == b.bfloat16Iterations);
    demix::NmfSettings s32 = s;
    s32.precision = demix::Precision::Float32;
    const auto float32 = demix::factorize(V, s32);
    ForceFallback fallback;
    const auto fallen = demix::factorize(V, s);
    CHECK(fallen.bfloat16Iterations == 0);
    CHECK(nmf_test::bitwiseEqual(fallen.W, float32.W));
    CHECK(nmf_test::bitwiseEqual(fallen.H, float32.H));
}

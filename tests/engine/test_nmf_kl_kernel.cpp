// The register-tiled KL-MU kernel (engine/src/nmf_kl_kernel.cpp): each block product
// against a double-precision reference on odd shapes, and whole KL-MU runs through
// factorize() against a straightforward double-precision MU iteration (odd F, T, K; K = 1,
// 7, 33; T < 128; two workers; frozen columns; zeros and tiny values).
#include "../../engine/src/nmf_kl_kernel.hpp"
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using demix::Matrix;
namespace kk = demix::nmf_detail::klkernel;

namespace {

using MatrixD = Eigen::MatrixXd;

MatrixD ratioReference(const Matrix& V, const Matrix& W, const Matrix& H)
{
    const MatrixD WH = W.cast<double>() * H.cast<double>();
    MatrixD R(V.rows(), V.cols());
    for (Eigen::Index i = 0; i < R.size(); ++i)
        R.data()[i] = double(V.data()[i]) / std::max(WH.data()[i], double(demix::kEpsilon));
    return R;
}

/// max |a − b| / max |b| (b the reference).
double relativeError(const MatrixD& a, const MatrixD& b)
{
    const double scale = std::max(b.cwiseAbs().maxCoeff(), 1e-300);
    return (a - b).cwiseAbs().maxCoeff() / scale;
}

/// One KL multiplicative iteration in double, W then H, as documented in nmf_mu.cpp:
/// W ← W ∘ (R Hᵀ) / (1 hᵀ), H ← H ∘ (Wᵀ R) / (Wᵀ 1), R = V / max(WH, ε), denominators
/// floored at ε, results below kTiny flushed to zero, frozen columns/rows unchanged.
void referenceIteration(const MatrixD& V, MatrixD& W, MatrixD& H, const std::vector<bool>& freeW,
                        const std::vector<bool>& freeH)
{
    const double eps = demix::kEpsilon, tiny = demix::kTiny;
    auto ratio = [&] {
        MatrixD R = W * H;
        for (Eigen::Index i = 0; i < R.size(); ++i)
            R.data()[i] = V.data()[i] / std::max(R.data()[i], eps);
        return R;
    };
    auto flush = [&](double x) { return x >= tiny ? x : 0.0; };
    {
        const MatrixD num = ratio() * H.transpose();
        const Eigen::VectorXd hsum = H.rowwise().sum();
        for (Eigen::Index k = 0; k < W.cols(); ++k) {
            if (!freeW[static_cast<std::size_t>(k)]) continue;
            for (Eigen::Index f = 0; f < W.rows(); ++f)
                W(f, k) = flush(W(f, k) * (num(f, k) / std::max(hsum(k), eps)));
        }
    }
    const MatrixD num = W.transpose() * ratio();
    const Eigen::VectorXd wsum = W.colwise().sum().transpose();
    for (Eigen::Index k = 0; k < H.rows(); ++k) {
        if (!freeH[static_cast<std::size_t>(k)]) continue;
        for (Eigen::Index t = 0; t < H.cols(); ++t)
            H(k, t) = flush(H(k, t) * (num(k, t) / std::max(wsum(k), eps)));
    }
}

struct Problem {
    Matrix V, W0, H0;
};

Problem randomProblem(Eigen::Index F, Eigen::Index T, int K, std::uint64_t seed)
{
    Problem p;
    p.V = nmf_test::uniformMatrix(F, T, seed, 0.0f, 2.0f);
    p.W0 = nmf_test::uniformMatrix(F, K, seed + 1, 0.05f, 1.0f);
    p.H0 = nmf_test::uniformMatrix(K, T, seed + 2, 0.05f, 1.0f);
    return p;
}

/// Runs `iterations` KL-MU iterations through factorize and through the reference and
/// checks W and H agree to float accuracy.
void checkAgainstReference(const Problem& p, int iterations, int threads,
                           std::vector<bool> freezeW = {}, std::vector<bool> freezeH = {})
{
    const int K = static_cast<int>(p.W0.cols());
    demix::NmfSettings s;
    s.components = K;
    s.objective = demix::Objective::KullbackLeibler;
    s.solver = demix::Solver::Multiplicative;
    s.maxIterations = iterations;
    s.tol = 0.0;
    s.normaliseW = false;
    s.threads = threads;
    s.evalEvery = 2;  // exercises the divergence path of the kernel too
    s.accelerate = false;  // the reference is the plain MU iteration
    // The float kernel to float accuracy; the bf16 precisions (the default Mixed among
    // them) are held to their own accuracy in test_nmf_mixed_precision.cpp.
    s.precision = demix::Precision::Float32;
    demix::NmfInit init;
    init.W = p.W0;
    init.H = p.H0;
    init.freezeW = freezeW;
    init.freezeH = freezeH;
    const demix::NmfResult r = demix::factorize(p.V, s, init);
    REQUIRE(r.iterations == iterations);
    REQUIRE(r.W.allFinite());
    REQUIRE(r.H.allFinite());

    std::vector<bool> freeW(static_cast<std::size_t>(K), true), freeH(static_cast<std::size_t>(K), true);
    for (std::size_t k = 0; k < freezeW.size(); ++k) freeW[k] = !freezeW[k];
    for (std::size_t k = 0; k < freezeH.size(); ++k) freeH[k] = !freezeH[k];
    const MatrixD V = p.V.cast<double>();
    MatrixD W = p.W0.cast<double>(), H = p.H0.cast<double>();
    for (int it = 0; it < iterations; ++it) referenceIteration(V, W, H, freeW, freeH);

    CAPTURE(p.V.rows(), p.V.cols(), K, iterations, threads);
    CHECK(relativeError(r.W.cast<double>(), W) < 2e-4);
    CHECK(relativeError(r.H.cast<double>(), H) < 2e-4);
    // The objective curve (computed inside the kernel's passes) matches the exact one.
    const double exact = demix::divergence(p.V, r.W * r.H, demix::Objective::KullbackLeibler);
    CHECK(r.objective.back() == Approx(exact).epsilon(1e-5));
    for (std::size_t k = 0; k < freezeW.size(); ++k)
        if (freezeW[k]) CHECK(nmf_test::bitwiseEqual(r.W.col(Eigen::Index(k)), p.W0.col(Eigen::Index(k))));
    for (std::size_t k = 0; k < freezeH.size(); ++k)
        if (freezeH[k]) CHECK(nmf_test::bitwiseEqual(r.H.row(Eigen::Index(k)), p.H0.row(Eigen::Index(k))));
}

}  // namespace

TEST_CASE("nmf KL kernel block products match a double-precision reference", "[nmf]")
{
    if (!kk::available()) SUCCEED("KL kernel not compiled (no AVX2): the Eigen path is used");
    if (!kk::available()) return;
    struct Shape {
        Eigen::Index F, K, n;
    };
    for (const Shape sh : {Shape{1, 1, 1}, Shape{16, 16, 6}, Shape{17, 7, 5}, Shape{33, 33, 13},
                           Shape{40, 1, 64}, Shape{100, 32, 64}, Shape{31, 17, 128}, Shape{1025, 32, 7}}) {
        CAPTURE(sh.F, sh.K, sh.n);
        const Matrix W = nmf_test::uniformMatrix(sh.F, sh.K, 3, 0.0f, 1.0f);
        const Matrix H = nmf_test::uniformMatrix(sh.K, sh.n, 4, 0.0f, 1.0f);
        Matrix V = nmf_test::uniformMatrix(sh.F, sh.n, 5, 0.0f, 3.0f);
        V(0, 0) = 0.0f;  // zeros in V give zero ratios
        kk::PackedW packed;
        kk::pack(W, packed);
        REQUIRE(packed.paddedRows() % kk::kTileRows == 0);
        REQUIRE(packed.paddedRows() >= sh.F);
        const Eigen::Index ld = packed.paddedRows();
        std::vector<float> R(static_cast<std::size_t>(ld * sh.n), -1.0f);

        kk::ratio(packed, H.data(), sh.n, V.data(), R.data(), /*productOnly=*/true);
        const MatrixD WH = W.cast<double>() * H.cast<double>();
        MatrixD got(sh.F, sh.n);
        for (Eigen::Index j = 0; j < sh.n; ++j)
            for (Eigen::Index f = 0; f < ld; ++f) {
                const float x = R[static_cast<std::size_t>(j * ld + f)];
                if (f < sh.F) got(f, j) = x;
                else REQUIRE(x == 0.0f);  // padded rows are zero
            }
        CHECK(relativeError(got, WH) < 1e-6);

        kk::ratio(packed, H.data(), sh.n, V.data(), R.data(), /*productOnly=*/false);
        const MatrixD Rref = ratioReference(V, W, H);
        for (Eigen::Index j = 0; j < sh.n; ++j)
            for (Eigen::Index f = 0; f < ld; ++f) {
                const float x = R[static_cast<std::size_t>(j * ld + f)];
                if (f < sh.F) got(f, j) = x;
                else REQUIRE(x == 0.0f);
            }
        CHECK(relativeError(got, Rref) < 1e-6);
        CHECK(got(0, 0) == 0.0);

        // The same R with the block's KL divergence computed on the way.
        std::fill(R.begin(), R.end(), -1.0f);
        const double divergence = kk::ratioDivergence(packed, H.data(), sh.n, V.data(), R.data());
        double exactDivergence = 0.0;
        for (Eigen::Index j = 0; j < sh.n; ++j)
            for (Eigen::Index f = 0; f < sh.F; ++f) {
                const double y = std::max(WH(f, j), double(demix::kEpsilon)), v = V(f, j);
                exactDivergence += v > 0.0 ? v * std::log(v / y) - v + y : y;
                CHECK(R[static_cast<std::size_t>(j * ld + f)] == got(f, j));
            }
        CHECK(divergence == Approx(exactDivergence).epsilon(1e-5));

        // Wᵀ R and R Hᵀ on the kernel's own R (so only the products are compared).
        std::vector<float> WtR(static_cast<std::size_t>(sh.K * sh.n), -1.0f);
        kk::transposedTimes(packed, R.data(), sh.n, WtR.data());
        const MatrixD WtRref = W.cast<double>().transpose() * got;
        CHECK(relativeError(Eigen::Map<const Matrix>(WtR.data(), sh.K, sh.n).cast<double>(), WtRref) < 1e-5);

        std::vector<float> acc(kk::accumulatorSize(packed), 0.0f);
        kk::accumulateTimesTransposed(packed, R.data(), H.data(), sh.n, acc.data());
        kk::accumulateTimesTransposed(packed, R.data(), H.data(), sh.n, acc.data());  // accumulates
        Matrix num;
        kk::unpack(packed, acc.data(), num);
        const MatrixD numRef = 2.0 * got * H.cast<double>().transpose();
        CHECK(relativeError(num.cast<double>(), numRef) < 1e-5);

        // The fused call is the two steps in one.
        std::vector<float> acc2(kk::accumulatorSize(packed), 0.0f);
        kk::ratioTimesTransposed(packed, H.data(), sh.n, V.data(), R.data(), acc2.data());
        kk::unpack(packed, acc2.data(), num);
        CHECK(relativeError(2.0 * num.cast<double>(), numRef) < 1e-5);

        // pack/unpack round trip through the panel layout.
        Matrix back;
        kk::unpack(packed, packed.panels.data(), back);
        CHECK(nmf_test::bitwiseEqual(back, W));
    }
}

TEST_CASE("nmf KL-MU agrees with a double-precision reference iteration on odd shapes", "[nmf]")
{
    SECTION("K = 1") { checkAgainstReference(randomProblem(37, 150, 1, 21), 6, 1); }
    SECTION("K = 7, T < 128") { checkAgainstReference(randomProblem(19, 5, 7, 22), 6, 1); }
    SECTION("K = 33, T not a multiple of the block") { checkAgainstReference(randomProblem(45, 301, 33, 23), 5, 1); }
    SECTION("two workers") {
        // F·T·K above the threading threshold, T not a multiple of 64 or 128.
        checkAgainstReference(randomProblem(131, 1003, 33, 24), 4, 2);
    }
    SECTION("frozen columns and rows") {
        std::vector<bool> freezeW(7, false), freezeH(7, false);
        freezeW[0] = freezeW[6] = true;
        freezeH[3] = true;
        checkAgainstReference(randomProblem(29, 211, 7, 25), 5, 1, freezeW, freezeH);
    }
    SECTION("all templates fixed (supervised: activations only)") {
        checkAgainstReference(randomProblem(61, 257, 9, 26), 5, 1, std::vector<bool>(9, true));
    }
}

TEST_CASE("nmf KL-MU handles zeros and tiny values like the reference", "[nmf]")
{
    Problem p = randomProblem(23, 140, 5, 31);
    p.V.col(7).setZero();          // a silent frame
    p.V.row(4).setZero();          // an empty frequency bin
    p.W0.row(9).setZero();         // a template row that predicts nothing: WH floored at ε
    p.V(9, 3) = 0.0f;              // ... where V is zero too, and elsewhere not
    p.H0.col(50).setZero();        // an inactive frame
    p.H0(2, 60) = 1e-20f;          // tiny activations flush below kTiny as they shrink
    p.W0(11, 1) = 1e-25f;
    p.V.col(90) *= 1e-12f;         // very quiet frame
    checkAgainstReference(p, 6, 1);
}

TEST_CASE("nmf KL-MU is bit-identical across runs with two workers on odd shapes", "[nmf]")
{
    const Problem p = randomProblem(131, 1003, 33, 41);
    demix::NmfSettings s;
    s.components = 33;
    s.maxIterations = 7;
    s.threads = 2;
    s.evalEvery = 3;
    demix::NmfInit init;
    init.W = p.W0;
    init.H = p.H0;
    const auto a = demix::factorize(p.V, s, init);
    const auto b = demix::factorize(p.V, s, init);
    REQUIRE(nmf_test::bitwiseEqual(a.W, b.W));
    REQUIRE(nmf_test::bitwiseEqual(a.H, b.H));
    REQUIRE(a.objective == b.objective);
}

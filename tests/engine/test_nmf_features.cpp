// NMF features: freezing, determinism, normalisation, penalties, progress/cancel,
// initialisation, edge cases and argument checking.
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using demix::Matrix;
using demix::NmfSettings;
using demix::Objective;
using demix::Solver;
using Catch::Matchers::Contains;

TEST_CASE("nmf frozen W columns and H rows stay bit-identical", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(24, 50, 3, 41);
    demix::NmfInit init;
    init.W = nmf_test::uniformMatrix(24, 4, 42, 0.05f, 1.0f);
    init.H = nmf_test::uniformMatrix(4, 50, 43, 0.05f, 1.0f);
    init.freezeW = {true, false, true, false};
    init.freezeH = {false, true, false, false};
    for (Solver solver : {Solver::Multiplicative, Solver::Als, Solver::Hals}) {
        CAPTURE(demix::toString(solver));
        NmfSettings s;
        s.components = 4;
        s.solver = solver;
        if (solver != Solver::Multiplicative) s.objective = Objective::Frobenius;
        s.maxIterations = 60;
        s.sparsityH = 0.01f;
        const auto r = demix::factorize(V, s, init);
        for (int k = 0; k < 4; ++k) {
            CAPTURE(k);
            const Matrix w0 = init.W->col(k), w1 = r.W.col(k);
            const Matrix h0 = init.H->row(k), h1 = r.H.row(k);
            CHECK(nmf_test::bitwiseEqual(w0, w1) == init.freezeW[std::size_t(k)]);
            CHECK(nmf_test::bitwiseEqual(h0, h1) == init.freezeH[std::size_t(k)]);
        }
    }
}

TEST_CASE("nmf with all templates fixed solves only the activations", "[nmf]")
{
    // Supervised use: W from a library, H learned. The fit must still improve.
    const Matrix W0 = nmf_test::uniformMatrix(30, 3, 44, 0.1f, 1.0f);
    const Matrix V = W0 * nmf_test::uniformMatrix(3, 40, 45, 0.0f, 2.0f);
    demix::NmfInit init;
    init.W = W0;
    init.freezeW = {true, true, true};
    NmfSettings s;
    s.components = 3;
    s.maxIterations = 500;
    s.tol = 0.0;
    const auto r = demix::factorize(V, s, init);
    CHECK(nmf_test::bitwiseEqual(r.W, W0));
    CHECK(r.objective.back() < 1e-4 * r.objective.front());
}

TEST_CASE("nmf is deterministic for the same inputs, seed and thread count", "[nmf]")
{
    // Large enough for the threaded path (two workers own fixed halves of the frames).
    const Matrix V = nmf_test::noisyLowRank(257, 600, 8, 51);
    for (Solver solver : {Solver::Multiplicative, Solver::Hals}) {
        for (int threads : {1, 2}) {
            CAPTURE(demix::toString(solver), threads);
            NmfSettings s;
            s.components = 32;
            s.solver = solver;
            if (solver == Solver::Hals) s.objective = Objective::Frobenius;
            s.maxIterations = 12;
            s.threads = threads;
            s.seed = 99;
            const auto a = demix::factorize(V, s);
            const auto b = demix::factorize(V, s);
            CHECK(nmf_test::bitwiseEqual(a.W, b.W));
            CHECK(nmf_test::bitwiseEqual(a.H, b.H));
            CHECK(a.objective == b.objective);
            s.seed = 100;
            const auto c = demix::factorize(V, s);
            CHECK_FALSE(nmf_test::bitwiseEqual(a.W, c.W));
        }
    }
}

TEST_CASE("nmf threaded and single-threaded runs agree closely", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(257, 600, 8, 52);
    NmfSettings s;
    s.components = 32;
    s.maxIterations = 20;
    s.threads = 1;
    const auto one = demix::factorize(V, s);
    s.threads = 2;
    const auto two = demix::factorize(V, s);
    CHECK(two.objective.back() == Approx(one.objective.back()).epsilon(1e-4));
}

TEST_CASE("nmf column normalisation gives unit L1 columns and keeps WH", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(20, 30, 3, 61);
    NmfSettings s;
    s.components = 3;
    s.maxIterations = 50;
    // bf16 rounding (Precision::Adaptive's early iterations) depends on the scale of W
    // and H, so normalised and unnormalised paths would round differently: compare them
    // in float32, where rescaling only rescales.
    s.precision = demix::Precision::Float32;
    s.normaliseW = true;
    const auto r = demix::factorize(V, s);
    for (int k = 0; k < 3; ++k) CHECK(r.W.col(k).sum() == Approx(1.0f).epsilon(1e-5));
    s.normaliseW = false;
    const auto u = demix::factorize(V, s);
    CHECK_FALSE(std::abs(u.W.col(0).sum() - 1.0f) < 1e-3f);
    // Same seed and updates: normalisation only rescales, the fit is the same.
    CHECK(r.objective.back() == Approx(u.objective.back()).epsilon(1e-4));
}

TEST_CASE("nmf sparsity and continuity penalties do what they say", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(30, 60, 3, 71);
    NmfSettings s;
    s.components = 6;
    s.maxIterations = 200;
    s.tol = 0.0;
    const auto plain = demix::factorize(V, s);
    auto roughness = [](const Matrix& H) {
        double c = 0.0;
        for (Eigen::Index t = 1; t < H.cols(); ++t) c += (H.col(t) - H.col(t - 1)).squaredNorm();
        return c;
    };
    SECTION("L1 on H makes H sparser (Hoyer's measure)")
    {
        auto hoyer = [](const Matrix& H) {
            const double n = std::sqrt(double(H.size()));
            const double ratio = H.cast<double>().sum() / H.cast<double>().norm();
            return (n - ratio) / (n - 1.0);
        };
        // Free W (normalised), Frobenius: sparser H. Fixed templates, KL (supervised use):
        // smaller activations. (With KL and unit-L1 free columns ΣH ≈ ΣV at any fit.)
        for (bool fixedW : {false, true}) {
            CAPTURE(fixedW);
            NmfSettings p = s;
            demix::NmfInit init;
            if (fixedW) {
                init.W = nmf_test::uniformMatrix(30, 6, 72, 0.05f, 1.0f);
                init.freezeW.assign(6, true);
            } else {
                p.objective = Objective::Frobenius;
            }
            const auto dense = demix::factorize(V, p, init);
            p.sparsityH = 2.0f;
            const auto sparse = demix::factorize(V, p, init);
            CAPTURE(hoyer(sparse.H), hoyer(dense.H), sparse.H.sum(), dense.H.sum());
            if (fixedW)
                CHECK(sparse.H.sum() < 0.9f * dense.H.sum());  // L1 shrinks the activations
            else
                CHECK(hoyer(sparse.H) > hoyer(dense.H) + 0.05);
        }
    }
    SECTION("temporal continuity smooths H")
    {
        NmfSettings p = s;
        p.continuityH = 5.0f;
        const auto smooth = demix::factorize(V, p);
        REQUIRE(smooth.H.allFinite());
        const double rPlain = roughness(plain.H) / plain.H.squaredNorm();
        const double rSmooth = roughness(smooth.H) / smooth.H.squaredNorm();
        CHECK(rSmooth < 0.5 * rPlain);
    }
}

TEST_CASE("nmf progress callback reports and cancel is honoured within one iteration", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(20, 30, 3, 81);
    NmfSettings s;
    s.components = 3;
    s.maxIterations = 100;
    s.tol = 0.0;
    int calls = 0, lastIteration = 0;
    const auto r = demix::factorize(V, s, {}, [&](int iteration, int maxIterations, double) {
        ++calls;
        lastIteration = iteration;
        CHECK(maxIterations == 100);
        return iteration < 3;
    });
    CHECK(r.cancelled);
    CHECK_FALSE(r.converged);
    CHECK(calls == 3);
    CHECK(lastIteration == 3);
    CHECK(r.iterations == 3);
    CHECK(r.W.allFinite());
    // Without cancelling, every iteration is reported once, in order.
    int expected = 1;
    demix::factorize(V, s, {}, [&](int iteration, int, double objective) {
        CHECK(iteration == expected++);
        CHECK(std::isfinite(objective));  // the latest value is always available
        return true;
    });
    CHECK(expected == 101);
}

TEST_CASE("nmf initialisation", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(40, 50, 4, 91);
    SECTION("random: seeded, positive, scaled so that mean(WH) is about mean(V)")
    {
        Matrix W, H, W2, H2;
        demix::initialise(V, 5, demix::Initialisation::Random, 3, W, H);
        demix::initialise(V, 5, demix::Initialisation::Random, 3, W2, H2);
        CHECK(nmf_test::bitwiseEqual(W, W2));
        CHECK(nmf_test::bitwiseEqual(H, H2));
        CHECK(W.minCoeff() > 0.0f);
        CHECK(H.minCoeff() > 0.0f);
        CHECK((W * H).mean() == Approx(V.mean()).epsilon(0.25));
    }
    SECTION("NNDSVD variants")
    {
        for (auto method : {demix::Initialisation::Nndsvd, demix::Initialisation::Nndsvda,
                            demix::Initialisation::Nndsvdar}) {
            CAPTURE(demix::toString(method));
            Matrix W, H;
            demix::initialise(V, 6, method, 1, W, H);
            REQUIRE(W.rows() == 40);
            REQUIRE(H.cols() == 50);
            CHECK(W.minCoeff() >= 0.0f);
            CHECK(H.minCoeff() >= 0.0f);
            if (method != demix::Initialisation::Nndsvd) {
                CHECK(W.minCoeff() > 0.0f);
                CHECK(H.minCoeff() > 0.0f);
            }
            // NNDSVD(ar): a good start, much better than a constant model. (NNDSVDa fills
            // zeros with mean(V), like scikit-learn, which is a poorer start.)
            if (method == demix::Initialisation::Nndsvda) continue;
            const double d = demix::divergence(V, W * H, Objective::Frobenius);
            const Matrix constant = Matrix::Constant(40, 50, V.mean());
            CHECK(d < 0.5 * demix::divergence(V, constant, Objective::Frobenius));
        }
    }
    SECTION("NNDSVD of a rank-one matrix is exact")
    {
        const Matrix u = nmf_test::uniformMatrix(12, 1, 92, 0.1f, 1.0f);
        const Matrix v = nmf_test::uniformMatrix(1, 9, 93, 0.1f, 1.0f);
        Matrix W, H;
        demix::initialise(u * v, 1, demix::Initialisation::Nndsvd, 0, W, H);
        CHECK(((W * H) - u * v).cwiseAbs().maxCoeff() < 1e-5f);
    }
}

TEST_CASE("nmf edge cases never produce NaN or Inf", "[nmf]")
{
    auto runAll = [](const Matrix& V, int K) {
        for (Solver solver : {Solver::Multiplicative, Solver::Als, Solver::Hals}) {
            for (Objective objective : {Objective::KullbackLeibler, Objective::Frobenius,
                                        Objective::ItakuraSaito}) {
                if (solver != Solver::Multiplicative && objective != Objective::Frobenius) continue;
                for (auto init : {demix::Initialisation::Random, demix::Initialisation::Nndsvd,
                                  demix::Initialisation::Nndsvdar}) {
                    CAPTURE(demix::toString(solver), demix::toString(objective),
                            demix::toString(init), K, V.rows(), V.cols());
                    NmfSettings s;
                    s.components = K;
                    s.solver = solver;
                    s.objective = objective;
                    s.init = init;
                    s.maxIterations = 30;
                    const auto r = demix::factorize(V, s);
                    REQUIRE(r.W.allFinite());
                    REQUIRE(r.H.allFinite());
                    REQUIRE(r.W.minCoeff() >= 0.0f);
                    REQUIRE(r.H.minCoeff() >= 0.0f);
                    for (double o : r.objective) REQUIRE(std::isfinite(o));
                }
            }
        }
    };
    SECTION("silent V") { runAll(Matrix::Zero(10, 20), 3); }
    SECTION("all-zero rows and columns")
    {
        Matrix V = nmf_test::noisyLowRank(10, 20, 2, 101);
        V.row(3).setZero();
        V.col(0).setZero();
        V.col(19).setZero();
        runAll(V, 3);
    }
    SECTION("K larger than F and T") { runAll(nmf_test::uniformMatrix(4, 5, 102, 0.1f, 1.0f), 8); }
    SECTION("T = 1") { runAll(nmf_test::uniformMatrix(16, 1, 103, 0.1f, 1.0f), 2); }
    SECTION("denormal input") { runAll(nmf_test::uniformMatrix(8, 12, 104, 0.0f, 1.0f) * 1e-39f, 2); }
    SECTION("very loud input") { runAll(nmf_test::uniformMatrix(8, 12, 105, 0.0f, 1.0f) * 1e15f, 2); }
}

TEST_CASE("nmf rejects invalid settings with clear messages", "[nmf]")
{
    const Matrix V = nmf_test::uniformMatrix(6, 7, 111, 0.1f, 1.0f);
    NmfSettings s;
    s.components = 2;
    auto with = [&](auto change) {
        NmfSettings t = s;
        change(t);
        return t;
    };
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) { t.components = 0; })),
                        Contains("at least 1"));
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) {
                            t.solver = Solver::Hals;
                        })),
                        Contains("needs the Frobenius objective"));
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) {
                            t.solver = Solver::Als;
                            t.objective = Objective::Frobenius;
                            t.continuityH = 1.0f;
                        })),
                        Contains("continuity"));
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) { t.evalEvery = 0; })),
                        Contains("evalEvery"));
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) { t.tol = -1.0; })),
                        Contains("tol"));
    REQUIRE_THROWS_WITH(demix::factorize(V, with([](NmfSettings& t) { t.sparsityH = -1.0f; })),
                        Contains("sparsityH"));
    REQUIRE_THROWS_WITH(demix::factorize(Matrix(0, 3), s), Contains("empty"));
    Matrix bad = V;
    bad(2, 3) = -1.0f;
    REQUIRE_THROWS_WITH(demix::factorize(bad, s), Contains("negative value at (2, 3)"));
    bad(2, 3) = std::nanf("");
    REQUIRE_THROWS_WITH(demix::factorize(bad, s), Contains("non-finite"));
    demix::NmfInit init;
    init.W = Matrix::Ones(6, 3);
    REQUIRE_THROWS_WITH(demix::factorize(V, s, init), Contains("initial W is 6 x 3"));
    init.W = Matrix::Ones(6, 2);
    init.freezeW = {true};
    REQUIRE_THROWS_WITH(demix::factorize(V, s, init), Contains("freezeW has 1 entries"));
    init = {};
    init.freezeH = {true, false};
    REQUIRE_THROWS_WITH(demix::factorize(V, s, init), Contains("no initial H"));
    REQUIRE_THROWS_AS(demix::factorize(V, s, init), demix::InvalidArgument);
}

TEST_CASE("nmf option names parse and print", "[nmf]")
{
    float beta = 0.0f;
    CHECK(demix::objectiveFromString("kl", &beta) == Objective::KullbackLeibler);
    CHECK(beta == 1.0f);
    CHECK(demix::objectiveFromString("Frobenius", &beta) == Objective::Frobenius);
    CHECK(demix::objectiveFromString("is", &beta) == Objective::ItakuraSaito);
    CHECK(demix::objectiveFromString("beta=1.5", &beta) == Objective::Beta);
    CHECK(beta == 1.5f);
    CHECK(demix::toString(Objective::Beta, 1.5f) == "beta=1.5");
    CHECK_THROWS_WITH(demix::objectiveFromString("beta=x", &beta), Contains("not a number"));
    CHECK_THROWS_WITH(demix::objectiveFromString("l2", &beta), Contains("unknown objective 'l2'"));
    for (Solver solver : {Solver::Multiplicative, Solver::Als, Solver::Hals})
        CHECK(demix::solverFromString(demix::toString(solver)) == solver);
    CHECK_THROWS_AS(demix::solverFromString("sgd"), demix::InvalidArgument);
    for (auto init : {demix::Initialisation::Random, demix::Initialisation::Nndsvd,
                      demix::Initialisation::Nndsvda, demix::Initialisation::Nndsvdar})
        CHECK(demix::initialisationFromString(demix::toString(init)) == init);
    CHECK_THROWS_AS(demix::initialisationFromString("svd"), demix::InvalidArgument);
    CHECK(demix::betaOf(Objective::ItakuraSaito, 5.0f) == 0.0f);
}

TEST_CASE("nmf rank helpers", "[nmf]")
{
    const Matrix W0 = nmf_test::uniformMatrix(30, 3, 121, 0.0f, 1.0f);
    const Matrix H0 = nmf_test::uniformMatrix(3, 40, 122, 0.0f, 1.0f);
    const Matrix V = W0 * H0;
    CHECK(demix::suggestRank(V, 0.999999) == 3);
    CHECK(demix::suggestRank(V, 1e-6) == 1);
    CHECK(demix::suggestRank(V.transpose(), 0.999999) == 3);
    CHECK(demix::suggestRank(Matrix::Zero(5, 6), 0.9) == 1);
    CHECK_THROWS_AS(demix::suggestRank(V, 0.0), demix::InvalidArgument);
    CHECK_THROWS_AS(demix::suggestRank(V, 1.5), demix::InvalidArgument);

    NmfSettings s;
    s.objective = Objective::Frobenius;
    s.solver = Solver::Hals;
    s.maxIterations = 300;
    const auto curve = demix::reconstructionErrorCurve(V, {1, 2, 3}, s);
    REQUIRE(curve.size() == 3);
    CHECK(curve[0] > curve[1]);
    CHECK(curve[1] > curve[2]);
    CHECK(curve[2] < 1e-2);
    s.objective = Objective::KullbackLeibler;
    s.solver = Solver::Multiplicative;
    const auto kl = demix::reconstructionErrorCurve(V, {1, 3}, s);
    CHECK(kl[0] > kl[1]);
    CHECK(kl[0] < 1.0);  // better than the constant model
}

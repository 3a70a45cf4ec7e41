// NMF solvers: monotone objective, recovery of a planted factorisation, the seed
// document's worked example and convergence bookkeeping.
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using demix::Matrix;
using demix::NmfSettings;
using demix::Objective;
using demix::Solver;

namespace {

void requireMonotone(const demix::NmfResult& r)
{
    REQUIRE(r.objective.size() >= 2);
    for (std::size_t i = 1; i < r.objective.size(); ++i) {
        CAPTURE(i, r.objective[i - 1], r.objective[i]);
        // float32 rounding allows a change of a few ulps near convergence, nothing more.
        REQUIRE(r.objective[i] <= r.objective[i - 1] * (1.0 + 2e-6) + 1e-12);
    }
    // And it really optimised something.
    REQUIRE(r.objective.back() < 0.7 * r.objective.front());
}

NmfSettings curveSettings(Objective objective, float beta, Solver solver)
{
    NmfSettings s = nmf_test::everyIterationSettings(objective, solver, 5, 150, 7);
    s.beta = beta;
    return s;
}

}  // namespace

TEST_CASE("nmf MU never increases the objective", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(30, 40, 4, 11);
    struct Case {
        Objective objective;
        float beta;
    };
    for (const Case c : {Case{Objective::KullbackLeibler, 1.0f}, Case{Objective::Frobenius, 2.0f},
                         Case{Objective::ItakuraSaito, 0.0f}, Case{Objective::Beta, 0.5f},
                         Case{Objective::Beta, 3.0f}}) {
        for (bool normalise : {false, true}) {
            CAPTURE(demix::toString(c.objective, c.beta), normalise);
            NmfSettings s = curveSettings(c.objective, c.beta, Solver::Multiplicative);
            s.normaliseW = normalise;
            const auto r = demix::factorize(V, s);
            REQUIRE(r.iterations == 150);
            REQUIRE(r.objective.size() == 151);
            requireMonotone(r);
            // The reported values are the divergence of the returned W, H.
            CHECK(r.objective.back() ==
                  Approx(demix::divergence(V, r.W * r.H, c.objective, c.beta)).epsilon(1e-5));
        }
    }
}

TEST_CASE("nmf ALS and HALS never increase the Frobenius objective", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(30, 40, 4, 12);
    for (Solver solver : {Solver::Als, Solver::Hals}) {
        for (float lambda : {0.0f, 0.5f}) {
            CAPTURE(demix::toString(solver), lambda);
            NmfSettings s = curveSettings(Objective::Frobenius, 2.0f, solver);
            s.normaliseW = false;  // normalising moves L1 mass between W and H
            s.sparsityH = lambda;
            const auto r = demix::factorize(V, s);
            requireMonotone(r);
        }
    }
}

TEST_CASE("nmf recovers a planted exact factorisation", "[nmf]")
{
    const int K = 3;
    const Matrix W0 = nmf_test::uniformMatrix(20, K, 21, 0.1f, 1.0f);
    const Matrix H0 = nmf_test::uniformMatrix(K, 30, 22, 0.1f, 1.0f);
    const Matrix V = W0 * H0;
    const double sumV = V.cast<double>().sum();
    const double halfNorm2 = 0.5 * V.cast<double>().squaredNorm();

    SECTION("KL, multiplicative updates")
    {
        NmfSettings s;
        s.components = K;
        s.maxIterations = 4000;
        s.tol = 0.0;
        s.evalEvery = 100;
        const auto r = demix::factorize(V, s);
        const double rel = demix::divergence(V, r.W * r.H, Objective::KullbackLeibler) / sumV;
        CAPTURE(rel);
        CHECK(rel < 1e-6);
    }
    SECTION("Frobenius, HALS and ALS")
    {
        for (Solver solver : {Solver::Hals, Solver::Als}) {
            NmfSettings s;
            s.components = K;
            s.objective = Objective::Frobenius;
            s.solver = solver;
            s.maxIterations = 2000;
            s.tol = 0.0;
            s.evalEvery = 100;
            const auto r = demix::factorize(V, s);
            const double rel = demix::divergence(V, r.W * r.H, Objective::Frobenius) / halfNorm2;
            CAPTURE(demix::toString(solver), rel);
            CHECK(rel < 1e-6);
        }
    }
}

TEST_CASE("nmf beats the seed document's worked example", "[nmf]")
{
    // V = [[5,3,0],[3,7,4],[6,2,5]], k = 2. The seed document gives approximately
    // W = [[0.39,1.12],[1.87,0.52],[0.25,1.92]], H = [[1.35,3.51,1.98],[3.86,0.49,2.19]].
    // For that W·H: Frobenius ½‖V − WH‖² = 8.9313, KL = 4.0942 (computed here and with
    // scikit-learn's _beta_divergence). A converged factorisation must be at least as good
    // in both objectives.
    Matrix V(3, 3);
    V << 5, 3, 0, 3, 7, 4, 6, 2, 5;
    Matrix Wd(3, 2), Hd(2, 3);
    Wd << 0.39f, 1.12f, 1.87f, 0.52f, 0.25f, 1.92f;
    Hd << 1.35f, 3.51f, 1.98f, 3.86f, 0.49f, 2.19f;
    const double docFrobenius = demix::divergence(V, Wd * Hd, Objective::Frobenius);
    const double docKl = demix::divergence(V, Wd * Hd, Objective::KullbackLeibler);
    REQUIRE(docFrobenius == Approx(8.9313).epsilon(1e-4));
    REQUIRE(docKl == Approx(4.0942).epsilon(1e-4));

    for (Objective objective : {Objective::KullbackLeibler, Objective::Frobenius}) {
        for (Solver solver : {Solver::Multiplicative, Solver::Hals}) {
            if (solver == Solver::Hals && objective != Objective::Frobenius) continue;
            NmfSettings s;
            s.components = 2;
            s.objective = objective;
            s.solver = solver;
            s.maxIterations = 3000;
            s.tol = 1e-9;
            s.init = demix::Initialisation::Nndsvda;
            const auto r = demix::factorize(V, s);
            const Matrix WH = r.W * r.H;
            const double fro = demix::divergence(V, WH, Objective::Frobenius);
            const double kl = demix::divergence(V, WH, Objective::KullbackLeibler);
            CAPTURE(demix::toString(objective), demix::toString(solver), fro, kl);
            CHECK(fro <= docFrobenius);
            CHECK(kl <= docKl);
        }
    }
}

TEST_CASE("nmf convergence: tolerance, objective curve and iteration count", "[nmf]")
{
    const Matrix V = nmf_test::noisyLowRank(25, 35, 3, 31);
    NmfSettings s;
    s.components = 3;
    s.maxIterations = 5000;
    s.tol = 1e-4;
    s.evalEvery = 10;
    const auto r = demix::factorize(V, s);
    CHECK(r.converged);
    CHECK_FALSE(r.cancelled);
    CHECK(r.iterations < 5000);
    REQUIRE(r.objective.size() == r.objectiveIterations.size());
    REQUIRE(r.objective.size() >= 2);
    for (std::size_t i = 0; i < r.objectiveIterations.size(); ++i)
        CHECK(r.objectiveIterations[i] == int(i) * 10);
    CHECK(r.objectiveIterations.back() == r.iterations);
    // The rule that stopped it: relative decrease below tol at the last check only.
    const std::size_t n = r.objective.size();
    const double first = r.objective.front();
    CHECK((r.objective[n - 2] - r.objective[n - 1]) / first < 1e-4);
    if (n >= 3) CHECK((r.objective[n - 3] - r.objective[n - 2]) / first >= 1e-4);

    SECTION("tol = 0 runs exactly maxIterations")
    {
        NmfSettings t = s;
        t.tol = 0.0;
        t.maxIterations = 37;
        const auto q = demix::factorize(V, t);
        CHECK(q.iterations == 37);
        CHECK_FALSE(q.converged);
        CHECK(q.objectiveIterations.back() == 37);
        CHECK(q.objectiveIterations.size() == 5);  // 0, 10, 20, 30, 37
    }
}

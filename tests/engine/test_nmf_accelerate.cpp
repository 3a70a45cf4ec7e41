// Accelerated solvers (NmfSettings::accelerate): extrapolated MU and accelerated HALS
// against their plain versions — objective per iteration, best-iterate guarantee,
// freezing, determinism, convergence bookkeeping and the cheap Frobenius objective.
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using demix::Matrix;
using demix::NmfSettings;
using demix::Objective;
using demix::Solver;

namespace {

struct Problem {
    const char* name;
    Matrix V;
    int K;
};

/// A planted low-rank problem with noise, an exactly low-rank one and pure noise.
std::vector<Problem> problems()
{
    std::vector<Problem> list;
    list.push_back({"planted + noise", nmf_test::noisyLowRank(60, 90, 5, 101), 5});
    list.push_back({"exact rank 4", nmf_test::uniformMatrix(50, 4, 102, 0.0f, 1.0f) *
                                        nmf_test::uniformMatrix(4, 70, 103, 0.0f, 2.0f),
                    4});
    list.push_back({"random", nmf_test::uniformMatrix(40, 80, 104, 0.0f, 1.0f), 6});
    return list;
}

NmfSettings settingsFor(Solver solver, Objective objective, int K, bool accelerate)
{
    NmfSettings s = nmf_test::everyIterationSettings(objective, solver, K, 120, 5);
    s.accelerate = accelerate;
    return s;
}

/// The recorded objectives never increase (float rounding of a plain step aside) and the
/// returned W, H have the last (= best) recorded value.
void requireBestIterate(const Matrix& V, const demix::NmfResult& r, Objective objective,
                        float sparsityH = 0.0f)
{
    REQUIRE(r.objective.size() >= 2);
    for (std::size_t i = 1; i < r.objective.size(); ++i) {
        CAPTURE(i, r.objective[i - 1], r.objective[i]);
        REQUIRE(r.objective[i] <= r.objective[i - 1] * (1.0 + 2e-6) + 1e-12);
    }
    const double best = *std::min_element(r.objective.begin(), r.objective.end());
    CHECK(r.objective.back() <= best * (1.0 + 2e-6) + 1e-12);
    const double direct = demix::divergence(V, r.W * r.H, objective) +
                          double(sparsityH) * r.H.cast<double>().sum();
    CHECK(direct == Approx(r.objective.back()).epsilon(1e-5).margin(1e-9));
}

}  // namespace

TEST_CASE("nmf accelerated MU reaches a lower objective than plain MU in as many iterations",
          "[nmf][accelerate]")
{
    for (const Problem& p : problems()) {
        for (Objective objective :
             {Objective::KullbackLeibler, Objective::Frobenius, Objective::ItakuraSaito}) {
            for (bool normalise : {false, true}) {
                CAPTURE(p.name, demix::toString(objective), normalise);
                NmfSettings plain = settingsFor(Solver::Multiplicative, objective, p.K, false);
                plain.normaliseW = normalise;
                NmfSettings fast = plain;
                fast.accelerate = true;
                const auto a = demix::factorize(p.V, plain);
                const auto b = demix::factorize(p.V, fast);
                REQUIRE(b.iterations == 120);
                REQUIRE(b.objectiveIterations.back() == 120);
                requireBestIterate(p.V, b, objective);
                CHECK(b.objective.back() <= a.objective.back());
                // And it is a real gain, not a tie: the plain run's final objective is
                // reached in at most 3/4 of the iterations.
                const auto reached = std::find_if(b.objective.begin(), b.objective.end(),
                                                  [&](double v) { return v <= a.objective.back(); });
                REQUIRE(reached != b.objective.end());
                CHECK(b.objectiveIterations[std::size_t(reached - b.objective.begin())] <= 90);
            }
        }
    }
}

TEST_CASE("nmf accelerated MU: best iterate, tol and evalEvery bookkeeping", "[nmf][accelerate]")
{
    const Matrix V = nmf_test::noisyLowRank(30, 45, 3, 111);
    NmfSettings s;
    s.components = 3;
    s.maxIterations = 5000;
    s.tol = 1e-4;
    s.evalEvery = 10;
    REQUIRE(s.accelerate);  // the default
    const auto r = demix::factorize(V, s);
    CHECK(r.converged);
    CHECK(r.iterations < 5000);
    for (std::size_t i = 0; i < r.objectiveIterations.size(); ++i)
        CHECK(r.objectiveIterations[i] == int(i) * 10);
    CHECK(r.objectiveIterations.back() == r.iterations);
    const std::size_t n = r.objective.size();
    REQUIRE(n >= 3);
    const double first = r.objective.front();
    CHECK((r.objective[n - 2] - r.objective[n - 1]) / first < 1e-4);
    CHECK((r.objective[n - 3] - r.objective[n - 2]) / first >= 1e-4);
    requireBestIterate(V, r, Objective::KullbackLeibler);
    // Converges no later than plain MU under the same rule.
    NmfSettings plain = s;
    plain.accelerate = false;
    CHECK(r.iterations <= demix::factorize(V, plain).iterations);

    SECTION("tol = 0 runs exactly maxIterations and ends on a plain, evaluated iterate")
    {
        NmfSettings t = s;
        t.tol = 0.0;
        t.maxIterations = 37;
        const auto q = demix::factorize(V, t);
        CHECK(q.iterations == 37);
        CHECK_FALSE(q.converged);
        CHECK(q.objectiveIterations == std::vector<int>{0, 10, 20, 30, 37});
        requireBestIterate(V, q, Objective::KullbackLeibler);
    }
    SECTION("cancelling returns a finished iterate")
    {
        NmfSettings t = s;
        t.tol = 0.0;
        t.maxIterations = 100;
        const auto q = demix::factorize(V, t, {}, [](int iteration, int, double) { return iteration < 12; });
        CHECK(q.cancelled);
        CHECK(q.iterations == 12);
        // Not the extrapolated point: its objective is no worse than the last recorded one.
        CHECK(demix::divergence(V, q.W * q.H, Objective::KullbackLeibler) <=
              q.objective.back() * (1.0 + 1e-5));
    }
}

TEST_CASE("nmf accelerated solvers keep frozen parts bit-identical and are deterministic",
          "[nmf][accelerate]")
{
    // Large enough for two worker threads (F·T·K >= 4e6).
    const Matrix V = nmf_test::noisyLowRank(200, 1300, 6, 121);
    demix::NmfInit init;
    init.W = nmf_test::uniformMatrix(200, 16, 122, 0.05f, 1.0f);
    init.H = nmf_test::uniformMatrix(16, 1300, 123, 0.05f, 1.0f);
    init.freezeW.assign(16, false);
    init.freezeH.assign(16, false);
    init.freezeW[0] = init.freezeW[5] = true;
    init.freezeH[3] = true;
    for (Solver solver : {Solver::Multiplicative, Solver::Hals}) {
        for (bool normalise : {false, true}) {
            CAPTURE(demix::toString(solver), normalise);
            NmfSettings s;
            s.components = 16;
            s.solver = solver;
            if (solver == Solver::Hals) s.objective = Objective::Frobenius;
            s.maxIterations = 40;
            s.tol = 0.0;
            s.threads = 2;
            s.normaliseW = normalise;
            REQUIRE(s.accelerate);
            const auto a = demix::factorize(V, s, init);
            const auto b = demix::factorize(V, s, init);
            CHECK(nmf_test::bitwiseEqual(a.W, b.W));
            CHECK(nmf_test::bitwiseEqual(a.H, b.H));
            CHECK(a.objective == b.objective);
            for (int k = 0; k < 16; ++k) {
                CAPTURE(k);
                const Matrix w0 = init.W->col(k), w1 = a.W.col(k);
                const Matrix h0 = init.H->row(k), h1 = a.H.row(k);
                CHECK(nmf_test::bitwiseEqual(w0, w1) == init.freezeW[std::size_t(k)]);
                CHECK(nmf_test::bitwiseEqual(h0, h1) == init.freezeH[std::size_t(k)]);
            }
        }
    }
}

TEST_CASE("nmf accelerate does not change MU with continuity (plain MU there)",
          "[nmf][accelerate]")
{
    const Matrix V = nmf_test::noisyLowRank(25, 40, 3, 131);
    NmfSettings on;
    on.components = 3;
    on.maxIterations = 30;
    on.tol = 0.0;
    on.continuityH = 0.5f;
    NmfSettings off = on;
    off.accelerate = false;
    const auto a = demix::factorize(V, on), b = demix::factorize(V, off);
    CHECK(nmf_test::bitwiseEqual(a.W, b.W));
    CHECK(nmf_test::bitwiseEqual(a.H, b.H));
}

// The supervised adaptation stage: templates start at a library and are anchored to it.
// Extrapolated, the same iterations fit better while the templates stay near the
// library (at most twice as far as plain MU moves them in the same iterations).
TEST_CASE("nmf accelerated MU with a template anchor fits better and keeps the anchor",
          "[nmf][accelerate]")
{
    for (const Problem& p : problems()) {
        for (float anchor : {0.1f, 0.25f, 1.0f}) {
            CAPTURE(p.name, anchor);
            NmfSettings plain = settingsFor(Solver::Multiplicative, Objective::KullbackLeibler,
                                            p.K, false);
            plain.maxIterations = 50;
            plain.anchorW = anchor;
            // The "library": a rough factorisation of V, as the frozen stage leaves it.
            NmfSettings rough = plain;
            rough.anchorW = 0.0f;
            rough.maxIterations = 10;
            const auto start = demix::factorize(p.V, rough);
            demix::NmfInit init;
            init.W = start.W;
            init.H = start.H;
            NmfSettings fast = plain;
            fast.accelerate = true;
            const auto a = demix::factorize(p.V, plain, init);
            const auto b = demix::factorize(p.V, fast, init);
            const double movedPlain = (a.W - start.W).norm() / start.W.norm();
            const double movedFast = (b.W - start.W).norm() / start.W.norm();
            CAPTURE(a.objective.back(), b.objective.back(), movedPlain, movedFast);
            CHECK(b.objective.back() <= a.objective.back() * (1.0 + 1e-6));
            CHECK(movedFast <= 2.0 * movedPlain + 1e-6);  // measured ≤ 1.5×
            const double direct = demix::divergence(p.V, b.W * b.H, Objective::KullbackLeibler);
            CHECK(direct == Approx(b.objective.back()).epsilon(1e-5).margin(1e-9));
            const auto again = demix::factorize(p.V, fast, init);  // deterministic
            CHECK(nmf_test::bitwiseEqual(again.W, b.W));
            CHECK(nmf_test::bitwiseEqual(again.H, b.H));
        }
    }
}

TEST_CASE("nmf accelerated HALS reaches a lower objective than plain HALS, monotonically",
          "[nmf][accelerate]")
{
    for (const Problem& p : problems()) {
        for (float lambda : {0.0f, 0.05f}) {
            for (bool normalise : {false, true}) {
                CAPTURE(p.name, lambda, normalise);
                NmfSettings plain = settingsFor(Solver::Hals, Objective::Frobenius, p.K, false);
                plain.sparsityH = lambda;
                plain.normaliseW = normalise && lambda == 0.0f;
                plain.maxIterations = 60;
                NmfSettings fast = plain;
                fast.accelerate = true;
                const auto a = demix::factorize(p.V, plain);
                const auto b = demix::factorize(p.V, fast);
                REQUIRE(b.iterations == 60);
                requireBestIterate(p.V, b, Objective::Frobenius, lambda);
                // At least as low after every iteration (the extra sweeps only descend).
                REQUIRE(a.objective.size() == b.objective.size());
                for (std::size_t i = 1; i < a.objective.size(); ++i) {
                    CAPTURE(i);
                    CHECK(b.objective[i] <= a.objective[i] * (1.0 + 1e-6));
                }
                if (lambda == 0.0f) {  // and a real gain: plain's final value in ≤ 3/4 the time
                    const auto reached = std::find_if(b.objective.begin(), b.objective.end(),
                                                      [&](double v) { return v <= a.objective.back(); });
                    REQUIRE(reached != b.objective.end());
                    CHECK(b.objectiveIterations[std::size_t(reached - b.objective.begin())] <= 45);
                }
            }
        }
    }
}

TEST_CASE("nmf HALS objective from the products equals the direct one", "[nmf][accelerate]")
{
    // A rank-5 fit of rank 8 + strong noise leaves 1–3 % of ½‖V‖² (like music at K = 32:
    // about 1.2 %), so the recorded values come from the products, not a W·H pass.
    const Matrix V = nmf_test::uniformMatrix(120, 8, 141, 0.0f, 1.0f) *
                         nmf_test::uniformMatrix(8, 300, 142, 0.0f, 2.0f) +
                     nmf_test::uniformMatrix(120, 300, 143, 0.0f, 2.0f);
    for (bool accelerate : {false, true}) {
        for (int iterations : {1, 2, 5, 17, 40}) {
            CAPTURE(accelerate, iterations);
            NmfSettings s = settingsFor(Solver::Hals, Objective::Frobenius, 5, accelerate);
            s.maxIterations = iterations;
            s.normaliseW = false;
            const auto r = demix::factorize(V, s);
            REQUIRE(r.objectiveIterations.back() == iterations);
            const double direct = demix::divergence(V, r.W * r.H, Objective::Frobenius);
            CHECK(r.objective.back() == Approx(direct).epsilon(1e-5));
            CHECK(0.5 * V.cast<double>().squaredNorm() < 100.0 * direct);  // products used
        }
    }
}

// Sampled accept/restart decisions between evaluations (evalEvery > 1, long V).
TEST_CASE("nmf accelerated MU, sampled decisions: monotone, best iterate, deterministic",
          "[nmf][accelerate]")
{
    // 4096 frames: enough for the sampled accept/restart test (one time step in 8) with
    // the KL kernel (64-frame steps) and the Eigen path (128-frame steps); F·T·K >= 4e6,
    // so two workers.
    const Matrix V = nmf_test::noisyLowRank(128, 4096, 6, 141);
    for (Objective objective : {Objective::KullbackLeibler, Objective::Frobenius}) {
        CAPTURE(demix::toString(objective));
        NmfSettings s;
        s.components = 8;
        s.objective = objective;
        s.maxIterations = 60;
        s.tol = 0.0;
        s.threads = 2;
        s.evalEvery = 5;
        REQUIRE(s.accelerate);
        const auto a = demix::factorize(V, s);
        const auto b = demix::factorize(V, s);
        CHECK(nmf_test::bitwiseEqual(a.W, b.W));
        CHECK(nmf_test::bitwiseEqual(a.H, b.H));
        CHECK(a.objective == b.objective);
        REQUIRE(a.iterations == 60);
        REQUIRE(a.objectiveIterations.back() == 60);
        for (std::size_t i = 1; i < a.objective.size(); ++i) {
            CAPTURE(i, a.objective[i - 1], a.objective[i]);
            REQUIRE(a.objective[i] <= a.objective[i - 1]);  // strictly: no rounding allowance
        }
        // The last recorded value is the exact objective of the returned W, H.
        CHECK(demix::divergence(V, a.W * a.H, objective) ==
              Approx(a.objective.back()).epsilon(1e-5));

        // Exact decisions every iteration (evalEvery 1) and plain MU, same budget.
        NmfSettings exact = s;
        exact.evalEvery = 1;
        NmfSettings plain = s;
        plain.accelerate = false;
        const double exactFinal = demix::factorize(V, exact).objective.back();
        const double plainFinal = demix::factorize(V, plain).objective.back();
        CAPTURE(a.objective.back(), exactFinal, plainFinal);
        CHECK(a.objective.back() < plainFinal);
        CHECK(a.objective.back() <= exactFinal * 1.01);

        // Fixed templates (the supervised activation solve): only H moves.
        demix::NmfInit fixed;
        fixed.W = a.W;
        fixed.freezeW.assign(8, true);
        const auto c = demix::factorize(V, s, fixed);
        CHECK(nmf_test::bitwiseEqual(c.W, a.W));
        for (std::size_t i = 1; i < c.objective.size(); ++i) REQUIRE(c.objective[i] <= c.objective[i - 1]);
        CHECK(demix::divergence(V, c.W * c.H, objective) == Approx(c.objective.back()).epsilon(1e-5));
    }
}

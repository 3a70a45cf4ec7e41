// NmfInit::objective: a starting objective the caller already knows (the supervised
// separation's adaptation starts where its frozen stage ended) is recorded as given, and
// changes no iterate.
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

using demix::Matrix;
using demix::NmfInit;
using demix::NmfSettings;

namespace {

/// Enough frames (> 32 steps of 64) for the sampled accept/restart test of accelerated MU.
struct Start {
    Matrix V = nmf_test::noisyLowRank(40, 2600, 4, 201);
    NmfInit init;
    double exact = 0.0;

    explicit Start(const NmfSettings& s) {
        NmfSettings warm = s;
        warm.maxIterations = 5;
        const demix::NmfResult first = demix::factorize(V, warm);
        init.W = first.W;
        init.H = first.H;
        exact = first.objective.back();
    }
};

NmfSettings settingsFor(bool accelerate) {
    NmfSettings s;
    s.components = 4;
    s.maxIterations = 30;
    s.tol = 0.0;
    s.evalEvery = 10;
    s.threads = 2;
    s.seed = 7;
    s.accelerate = accelerate;
    // Adaptive precision reads the recorded values: fixed here, so that the last case's
    // made-up value cannot move the switch.
    s.precision = demix::Precision::Mixed;
    return s;
}

}  // namespace

TEST_CASE("a known starting objective is recorded as given and changes no iterate", "[nmf]") {
    for (bool accelerate : {false, true}) {
        CAPTURE(accelerate);
        const NmfSettings s = settingsFor(accelerate);
        Start start(s);
        const demix::NmfResult evaluated = demix::factorize(start.V, s, start.init);
        REQUIRE(evaluated.objectiveIterations.front() == 0);
        // The earlier run's last record is the objective of this start: the same value.
        CHECK(evaluated.objective.front() == Approx(start.exact).epsilon(1e-6));

        NmfInit known = start.init;
        known.objective = start.exact;
        const demix::NmfResult reused = demix::factorize(start.V, s, known);
        CHECK(reused.objective.front() == start.exact);  // recorded, not re-evaluated
        CHECK(reused.objectiveIterations == evaluated.objectiveIterations);
        CHECK(reused.W == evaluated.W);
        CHECK(reused.H == evaluated.H);

        // Trusted, not evaluated: a made-up value is what the curve starts with.
        known.objective = start.exact * 1.5;
        const demix::NmfResult marked = demix::factorize(start.V, s, known);
        CHECK(marked.objective.front() == start.exact * 1.5);
        CHECK(marked.objective.back() == Approx(evaluated.objective.back()).epsilon(1e-6));
    }
}

TEST_CASE("a known objective is ignored without a given W and H", "[nmf]") {
    const NmfSettings s = settingsFor(true);
    const Matrix V = nmf_test::noisyLowRank(30, 200, 3, 202);
    NmfInit init;
    init.objective = 123.0;
    const demix::NmfResult r = demix::factorize(V, s, init);
    CHECK(r.objective.front() != 123.0);
    CHECK(r.objective.front() == Approx(demix::factorize(V, s).objective.front()));
}

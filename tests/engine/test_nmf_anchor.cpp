// NMF template anchor (NmfSettings::anchorW): adapted templates stay near their start.
#include "demix/nmf.hpp"
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

using demix::Matrix;
using demix::NmfSettings;
using Catch::Matchers::Contains;

namespace {

struct AnchorRun {
    Matrix W0, H0, V;
    demix::NmfResult run(float anchor, bool freeze = false) const
    {
        NmfSettings s;
        s.components = 4;
        s.maxIterations = 150;
        s.tol = 0.0;
        s.threads = 1;
        s.anchorW = anchor;
        demix::NmfInit init;
        init.W = W0;
        init.H = H0;
        if (freeze) init.freezeW.assign(4, true);
        return demix::factorize(V, s, init);
    }
};

AnchorRun makeProblem()
{
    AnchorRun p;
    // The data's true templates differ from the starting ones (a "library" learned
    // elsewhere): free templates drift toward the data, anchored ones stay nearer W0.
    Matrix Wtrue = nmf_test::uniformMatrix(40, 4, 301, 0.0f, 1.0f);
    p.W0 = Wtrue + 0.6f * nmf_test::uniformMatrix(40, 4, 302, 0.0f, 1.0f);
    for (Eigen::Index k = 0; k < 4; ++k) p.W0.col(k) /= p.W0.col(k).sum();
    p.V = Wtrue * nmf_test::uniformMatrix(4, 80, 303, 0.0f, 3.0f);
    p.H0 = Matrix::Constant(4, 80, p.V.mean());
    return p;
}

double distance(const Matrix& a, const Matrix& b) { return (a - b).norm() / b.norm(); }

}  // namespace

TEST_CASE("nmf anchorW keeps adapted templates between the library and a free fit", "[nmf]")
{
    const AnchorRun p = makeProblem();
    const auto frozen = p.run(0.0f, true);
    const auto free = p.run(0.0f);
    const auto mid = p.run(0.5f);
    const auto strong = p.run(100.0f);
    const double dFree = distance(free.W, p.W0), dMid = distance(mid.W, p.W0),
                 dStrong = distance(strong.W, p.W0);
    CAPTURE(dFree, dMid, dStrong);
    CHECK(dFree > 0.1);
    CHECK(dMid < 0.8 * dFree);
    CHECK(dStrong < 0.02);
    // The anchored fit is better than frozen templates, worse than free ones.
    const double oFrozen = frozen.objective.back(), oMid = mid.objective.back(),
                 oFree = free.objective.back();
    CAPTURE(oFrozen, oMid, oFree);
    CHECK(oMid < oFrozen);
    CHECK(oFree < oMid);
    REQUIRE(mid.W.allFinite());
    REQUIRE(mid.H.allFinite());
    // Free columns stay unit-L1 (normaliseW) with the anchor.
    for (Eigen::Index k = 0; k < 4; ++k) CHECK(mid.W.col(k).sum() == Approx(1.0f).epsilon(1e-4));
}

TEST_CASE("nmf anchorW is deterministic, leaves frozen columns alone and needs MU", "[nmf]")
{
    const AnchorRun p = makeProblem();
    const auto a = p.run(0.5f), b = p.run(0.5f);
    CHECK(nmf_test::bitwiseEqual(a.W, b.W));
    CHECK(nmf_test::bitwiseEqual(a.H, b.H));
    CHECK(nmf_test::bitwiseEqual(p.run(0.5f, true).W, p.W0));

    NmfSettings s;
    s.components = 4;
    s.anchorW = -1.0f;
    CHECK_THROWS_WITH(demix::factorize(p.V, s), Contains("anchorW"));
    s.anchorW = 1.0f;
    s.objective = demix::Objective::Frobenius;
    s.solver = demix::Solver::Hals;
    CHECK_THROWS_WITH(demix::factorize(p.V, s), Contains("anchorW"));
}

// NmfSettings::activationFloor: scikit-learn's "activations below float64 epsilon are
// zeroed" rule as an option (for comparisons), off by default.
#include "nmf_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace demix;

namespace {

/// V = W·H exactly, with a third of H's entries zero: MU drives the matching estimated
/// activations toward 0 geometrically, so after enough iterations some are tiny.
Matrix plantedWithZeros(Eigen::Index F, Eigen::Index T, int K)
{
    const Matrix W = nmf_test::uniformMatrix(F, K, 11, 0.05f, 1.0f);
    Matrix H = nmf_test::uniformMatrix(K, T, 12, 0.0f, 2.0f);
    for (Eigen::Index i = 0; i < H.size(); i += 3) H.data()[i] = 0.0f;
    return W * H;
}

int countBetween(const Matrix& M, float low, float high)
{
    int n = 0;
    for (Eigen::Index i = 0; i < M.size(); ++i) n += M.data()[i] > low && M.data()[i] < high;
    return n;
}

}  // namespace

TEST_CASE("nmf activationFloor zeroes activations below it after each MU update", "[nmf]")
{
    const Matrix V = plantedWithZeros(40, 60, 4);
    NmfSettings s;
    // KL runs the tiled KL kernel, Frobenius the generic β path: both apply the floor.
    s.objective = GENERATE(Objective::KullbackLeibler, Objective::Frobenius);
    s.components = 4;
    s.maxIterations = 400;
    s.tol = 0.0;
    s.accelerate = false;
    s.normaliseW = false;  // normalisation would rescale H after the update
    s.threads = 1;
    s.seed = 3;

    const NmfResult plain = factorize(V, s);
    // Without a floor, MU leaves many activations just above zero ...
    const float floor = 1e-4f;
    const int small = countBetween(plain.H, 0.0f, floor);
    INFO("activations in (0, 1e-4) without the floor: " << small);
    REQUIRE(small > 0);

    s.activationFloor = floor;
    const NmfResult floored = factorize(V, s);
    // ... with it, none is left between 0 and the floor, and the fit is as good.
    CHECK(countBetween(floored.H, 0.0f, floor) == 0);
    CHECK((floored.H.array() == 0.0f).count() > (plain.H.array() == 0.0f).count());
    const double a = plain.objective.back(), b = floored.objective.back();
    CHECK(std::abs(a - b) <= 1e-3 * std::max(a, 1e-12) + 1e-6);

    // Default: 0, i.e. only the kTiny flush; negative or non-finite values are refused.
    CHECK(NmfSettings{}.activationFloor == 0.0f);
    s.activationFloor = -1.0f;
    CHECK_THROWS_WITH(factorize(V, s), Catch::Contains("activationFloor"));
    s.activationFloor = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(factorize(V, s), Catch::Contains("activationFloor"));
}

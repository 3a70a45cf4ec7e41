// splitSharedComponents: soft groups (shares of each component per source) written as the
// hard groups the masks take, without changing the model W·H.

#include "demix/masks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace demix;

namespace {

Matrix randomPositive(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
    std::mt19937 rng(seed);
    Matrix m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i)
            m(i, j) = 0.05f + static_cast<float>(rng() % 1000) / 1000.0f;
    return m;
}

}  // namespace

TEST_CASE("shared components are split into per-source copies with the same model",
          "[masks][grouping][shares]") {
    const Matrix W = randomPositive(12, 4, 1);
    const Matrix H = randomPositive(4, 9, 2);
    Eigen::MatrixXf shares(3, 4);
    // Component 0 all source 2's; 1 shared by sources 0 and 1; 2 shared by all three, one
    // share below 1e-3 (dropped, the others renormalised); 3 all source 0's.
    shares << 0.0f, 0.75f, 0.6f, 1.0f,
              0.0f, 0.25f, 0.3995f, 0.0f,
              1.0f, 0.0f, 0.0005f, 0.0f;
    const SharedComponents split = splitSharedComponents(W, H, shares);

    // Copies by component, then source: 0→s2, 1→s0, 1→s1, 2→s0, 2→s1, 3→s0.
    REQUIRE(split.W.cols() == 6);
    REQUIRE(split.H.rows() == 6);
    REQUIRE(split.groups == ComponentGroups{{1, 3, 5}, {2, 4}, {0}});
    const int origin[6] = {0, 1, 1, 2, 2, 3};
    for (int c = 0; c < 6; ++c) REQUIRE(split.W.col(c) == W.col(origin[c]));
    // A component of one source is exactly as it was.
    REQUIRE(split.H.row(0) == H.row(0));
    REQUIRE(split.H.row(5) == H.row(3));
    CHECK(split.H.row(1).isApprox(H.row(1) * 0.75f, 1e-6f));
    CHECK(split.H.row(2).isApprox(H.row(1) * 0.25f, 1e-6f));
    const float kept = 0.6f + 0.3995f;
    CHECK(split.H.row(3).isApprox(H.row(2) * (0.6f / kept), 1e-6f));
    CHECK(split.H.row(4).isApprox(H.row(2) * (0.3995f / kept), 1e-6f));

    // The model and each source's model: W'·H' = W·H, source s = Σ_k share_sk w_k h_k.
    const Matrix model = W * H;
    CHECK((split.W * split.H - model).norm() <= 1e-6f * model.norm());
    const Matrix source1 = split.W(Eigen::all, split.groups[1]) * split.H(split.groups[1], Eigen::all);
    const Matrix expected1 = W.col(1) * H.row(1) * 0.25f + W.col(2) * H.row(2) * (0.3995f / kept);
    CHECK((source1 - expected1).norm() <= 1e-6f * expected1.norm());
    // And they are groups the masks take: the masks sum to one.
    const std::vector<Matrix> masks = wienerMasks(split.W, split.H, split.groups, 2.0f);
    const Matrix total = masks[0] + masks[1] + masks[2];
    CHECK((total.array() - 1.0f).abs().maxCoeff() <= 1e-5f);
}

TEST_CASE("one-hot shares leave the components as they are", "[masks][grouping][shares]") {
    const Matrix W = randomPositive(8, 3, 3);
    const Matrix H = randomPositive(3, 5, 4);
    Eigen::MatrixXf shares = Eigen::MatrixXf::Zero(2, 3);
    shares(1, 0) = shares(0, 1) = shares(1, 2) = 1.0f;
    const SharedComponents split = splitSharedComponents(W, H, shares);
    REQUIRE(split.W == W);
    REQUIRE(split.H == H);
    REQUIRE(split.groups == ComponentGroups{{1}, {0, 2}});
}

TEST_CASE("a source keeps its largest share however small", "[masks][grouping][shares]") {
    const Matrix W = randomPositive(6, 2, 5);
    const Matrix H = randomPositive(2, 4, 6);
    Eigen::MatrixXf shares(2, 2);
    shares << 1.0f, 0.9998f,
              0.0f, 0.0002f;
    const SharedComponents split = splitSharedComponents(W, H, shares);
    REQUIRE(split.groups == ComponentGroups{{0, 1}, {2}});
    CHECK(split.H.row(2).isApprox(H.row(1) * 0.0002f, 1e-5f));
    const Matrix model = W * H;
    CHECK((split.W * split.H - model).norm() <= 1e-6f * model.norm());
}

TEST_CASE("shares that are not a split of every component are refused",
          "[masks][grouping][shares]") {
    const Matrix W = randomPositive(6, 2, 7);
    const Matrix H = randomPositive(2, 4, 8);
    Eigen::MatrixXf good(2, 2);
    good << 0.5f, 1.0f, 0.5f, 0.0f;
    REQUIRE_NOTHROW(splitSharedComponents(W, H, good));

    REQUIRE_THROWS_WITH(splitSharedComponents(W, H.topRows(1), good),
                        Catch::Contains("2 templates, 1 activation rows and shares for 2"));
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, Eigen::MatrixXf::Ones(2, 3) * 0.5f),
                        Catch::Contains("shares for 3 components"));
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, Eigen::MatrixXf(0, 2)),
                        Catch::Contains("no source"));
    Eigen::MatrixXf bad = good;
    bad(0, 0) = 0.7f;
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, bad),
                        Catch::Contains("the shares of component 0 sum to 1.2"));
    bad = good;
    bad(0, 0) = 1.5f;
    bad(1, 0) = -0.5f;
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, bad), Catch::Contains("must be finite and >= 0"));
    bad = good;
    bad(1, 0) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, bad), Catch::Contains("must be finite and >= 0"));
    Eigen::MatrixXf none(2, 2);
    none << 1.0f, 1.0f, 0.0f, 0.0f;
    REQUIRE_THROWS_WITH(splitSharedComponents(W, H, none),
                        Catch::Contains("source 2 has no share of any component"));
}

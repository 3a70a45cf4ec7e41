#include "demix/masks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace demix;

namespace {

Matrix randomMatrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(0.0f, 1.0f);
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(rng);
    return m;
}

}  // namespace

TEST_CASE("masks sum to one in every bin, including all-zero bins", "[masks]") {
    std::mt19937 rng(7);
    const Matrix W = randomMatrix(33, 6, rng);
    Matrix H = randomMatrix(6, 20, rng);
    H.col(3).setZero();   // every source estimate zero → equal shares
    H.col(11).setZero();
    H.row(5).setZero();   // source 3 silent everywhere
    const ComponentGroups groups{{0, 1}, {2, 3, 4}, {5}};
    for (float alpha : {0.5f, 1.0f, 2.0f, 3.7f}) {
        CAPTURE(alpha);
        const std::vector<Matrix> masks = wienerMasks(W, H, groups, alpha);
        REQUIRE(masks.size() == 3);
        Matrix sum = Matrix::Zero(33, 20);
        for (const Matrix& m : masks) {
            REQUIRE(m.rows() == 33);
            REQUIRE(m.cols() == 20);
            REQUIRE(m.allFinite());
            REQUIRE(m.minCoeff() >= 0.0f);
            REQUIRE(m.maxCoeff() <= 1.0f);
            sum += m;
        }
        REQUIRE((sum.array() - 1.0f).abs().maxCoeff() < 1e-6f);
        // All-zero bins get 1/S; the silent source gets nothing elsewhere.
        REQUIRE((masks[0].col(3).array() - 1.0f / 3.0f).abs().maxCoeff() < 1e-7f);
        REQUIRE((masks[2].col(11).array() - 1.0f / 3.0f).abs().maxCoeff() < 1e-7f);
        REQUIRE(masks[2].col(0).maxCoeff() == 0.0f);
    }
}

TEST_CASE("masks equal the α-Wiener formula", "[masks]") {
    std::mt19937 rng(3);
    const Matrix W = randomMatrix(17, 4, rng);
    const Matrix H = randomMatrix(4, 9, rng);
    const ComponentGroups groups{{0, 2}, {1}, {3}};
    for (float alpha : {1.0f, 2.0f, 1.5f}) {
        const std::vector<Matrix> masks = wienerMasks(W, H, groups, alpha);
        std::vector<Matrix> powered;
        Matrix total = Matrix::Zero(17, 9);
        for (const auto& g : groups) {
            Matrix e = W(Eigen::all, g) * H(g, Eigen::all);
            powered.push_back(e.array().pow(alpha).matrix());
            total += powered.back();
        }
        for (std::size_t s = 0; s < groups.size(); ++s) {
            const Matrix expected = powered[s].cwiseQuotient(total);
            REQUIRE((masks[s] - expected).cwiseAbs().maxCoeff() < 1e-5f);
        }
    }
}

TEST_CASE("masks are stable for very large and very small estimates", "[masks]") {
    std::mt19937 rng(5);
    const Matrix W = randomMatrix(9, 2, rng);
    Matrix H = randomMatrix(2, 6, rng);
    H.row(0) *= 1e30f;  // (1e30)^3 overflows float without normalisation
    H.row(1) *= 1e-30f;
    const std::vector<Matrix> masks = wienerMasks(W, H, {{0}, {1}}, 3.0f);
    REQUIRE(masks[0].allFinite());
    REQUIRE(masks[1].allFinite());
    REQUIRE((masks[0].array() - 1.0f).abs().maxCoeff() < 1e-6f);
    REQUIRE(masks[1].maxCoeff() < 1e-6f);
}

TEST_CASE("components outside every group are ignored", "[masks]") {
    std::mt19937 rng(9);
    const Matrix W = randomMatrix(8, 3, rng);
    const Matrix H = randomMatrix(3, 4, rng);
    const std::vector<Matrix> masks = wienerMasks(W, H, {{0}, {2}}, 1.0f);
    const Matrix e0 = W.col(0) * H.row(0);
    const Matrix e2 = W.col(2) * H.row(2);
    const Matrix expected = e0.cwiseQuotient(e0 + e2);
    REQUIRE((masks[0] - expected).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("wienerMaskColumn matches wienerMasks and survives bad values", "[masks]") {
    std::mt19937 rng(11);
    const Matrix W = randomMatrix(12, 5, rng);
    const Matrix H = randomMatrix(5, 3, rng);
    const ComponentGroups groups{{0, 1}, {2}, {3, 4}};
    const std::vector<Matrix> masks = wienerMasks(W, H, groups, 2.0f);
    Matrix estimates(12, 3);
    for (std::size_t s = 0; s < 3; ++s) {
        estimates.col(static_cast<Eigen::Index>(s)) = W(Eigen::all, groups[s]) * H(groups[s], 1);
    }
    wienerMaskColumn(estimates, 2.0f);
    for (Eigen::Index s = 0; s < 3; ++s) {
        REQUIRE((estimates.col(s) - masks[static_cast<std::size_t>(s)].col(1)).cwiseAbs().maxCoeff() < 1e-6f);
    }

    Matrix bad(4, 2);
    bad << std::numeric_limits<float>::quiet_NaN(), 1.0f,  //
        -3.0f, 2.0f,                                      //
        std::numeric_limits<float>::infinity(), 1.0f,     //
        0.0f, 0.0f;
    wienerMaskColumn(bad, 1.0f);
    REQUIRE(bad.allFinite());
    REQUIRE(bad(0, 0) == 0.0f);
    REQUIRE(bad(0, 1) == 1.0f);
    REQUIRE(bad(1, 1) == 1.0f);
    REQUIRE(bad(2, 0) == Approx(1.0f));
    REQUIRE(bad(3, 0) == 0.5f);
    REQUIRE(bad(3, 1) == 0.5f);
    // A block view (outer stride != rows) works too.
    Matrix big = Matrix::Constant(6, 3, 1.0f);
    wienerMaskColumn(big.block(1, 0, 4, 2), 1.0f);
    REQUIRE(big(0, 0) == 1.0f);
    REQUIRE(big(1, 0) == 0.5f);
    REQUIRE(big(4, 1) == 0.5f);
    REQUIRE(big(5, 1) == 1.0f);
    REQUIRE(big(1, 2) == 1.0f);
}

TEST_CASE("validateGroups rejects bad indices with a clear message", "[masks]") {
    REQUIRE_NOTHROW(validateGroups({{0, 2}, {1}}, 3));
    REQUIRE_NOTHROW(validateGroups({{0}, {}}, 3));
    REQUIRE_THROWS_WITH(validateGroups({{0, 3}}, 3),
                        Catch::Contains("component 3") && Catch::Contains("only 3 components"));
    REQUIRE_THROWS_WITH(validateGroups({{-1}}, 3), Catch::Contains("component -1"));
    REQUIRE_THROWS_WITH(validateGroups({{0, 1}, {1}}, 3),
                        Catch::Contains("component 1 is used twice") &&
                            Catch::Contains("source 1 and source 2"));
    REQUIRE_THROWS_AS(wienerMasks(Matrix::Ones(4, 2), Matrix::Ones(2, 3), {{0}, {0}}, 1.0f),
                      InvalidArgument);
    REQUIRE_THROWS_AS(wienerMasks(Matrix::Ones(4, 2), Matrix::Ones(3, 3), {{0}}, 1.0f),
                      InvalidArgument);
    REQUIRE_THROWS_AS(wienerMasks(Matrix::Ones(4, 2), Matrix::Ones(2, 3), {{0}}, 0.0f),
                      InvalidArgument);
    REQUIRE_THROWS_AS(wienerMasks(Matrix::Ones(4, 2), Matrix::Ones(2, 3), {}, 1.0f),
                      InvalidArgument);
}

TEST_CASE("applyMask multiplies every channel by the mask", "[masks]") {
    Spectrogram X;
    X.channels.push_back(ComplexMatrix::Constant(3, 2, {2.0f, -4.0f}));
    X.channels.push_back(ComplexMatrix::Constant(3, 2, {1.0f, 1.0f}));
    Matrix mask(3, 2);
    mask << 0.0f, 0.5f, 1.0f, 0.25f, 0.75f, 0.125f;
    const Spectrogram Y = applyMask(X, mask);
    REQUIRE(Y.channels.size() == 2);
    REQUIRE(Y.channels[0](0, 1) == std::complex<float>(1.0f, -2.0f));
    REQUIRE(Y.channels[0](0, 0) == std::complex<float>(0.0f, 0.0f));
    REQUIRE(Y.channels[1](2, 1) == std::complex<float>(0.125f, 0.125f));
    REQUIRE_THROWS_AS(applyMask(X, Matrix::Ones(2, 2)), InvalidArgument);
}

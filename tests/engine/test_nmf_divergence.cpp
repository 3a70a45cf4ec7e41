// d_β against scikit-learn's _beta_divergence (fixtures made by
// tests/fixtures/make_nmf_fixtures.py) and basic properties of divergence().
#include "demix/nmf.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

using demix::Matrix;

namespace {

struct Fixture {
    std::map<std::string, Matrix> matrices;
    struct Reference {
        std::string v;
        float beta;
        double value;
    };
    std::vector<Reference> references;
};

Fixture loadFixture()
{
    const std::string path = std::string(DEMIX_TEST_FIXTURES) + "/nmf_beta_divergence.txt";
    std::ifstream in(path);
    REQUIRE(in.good());
    Fixture fx;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string kind;
        words >> kind;
        if (kind == "matrix") {
            std::string name;
            int rows = 0, cols = 0;
            words >> name >> rows >> cols;
            Matrix M(rows, cols);
            for (int r = 0; r < rows; ++r) {
                REQUIRE(std::getline(in, line));
                std::istringstream values(line);
                for (int c = 0; c < cols; ++c) {
                    double x = 0.0;
                    REQUIRE(values >> x);
                    M(r, c) = static_cast<float>(x);
                }
            }
            fx.matrices[name] = M;
        } else if (kind == "divergence") {
            Fixture::Reference ref;
            words >> ref.v >> ref.beta >> ref.value;
            REQUIRE(words);
            fx.references.push_back(ref);
        }
    }
    return fx;
}

}  // namespace

TEST_CASE("nmf divergence agrees with scikit-learn's _beta_divergence", "[nmf]")
{
    const Fixture fx = loadFixture();
    REQUIRE(fx.references.size() == 11);
    const Matrix WH = fx.matrices.at("W") * fx.matrices.at("H");
    for (const auto& ref : fx.references) {
        CAPTURE(ref.v, ref.beta, ref.value);
        const Matrix& V = fx.matrices.at(ref.v);
        const double ours = demix::divergence(V, WH, demix::Objective::Beta, ref.beta);
        CHECK(std::abs(ours - ref.value) <= 1e-5 * std::abs(ref.value));
        // The named objectives are the same members of the family.
        if (ref.beta == 1.0f)
            CHECK(demix::divergence(V, WH, demix::Objective::KullbackLeibler) == ours);
        if (ref.beta == 2.0f)
            CHECK(demix::divergence(V, WH, demix::Objective::Frobenius) == ours);
        if (ref.beta == 0.0f)
            CHECK(demix::divergence(V, WH, demix::Objective::ItakuraSaito) == ours);
    }
}

TEST_CASE("nmf divergence is zero for a perfect fit and positive otherwise", "[nmf]")
{
    Matrix V(2, 3);
    V << 1, 2, 3, 0, 5, 6;
    for (float beta : {0.5f, 1.0f, 1.5f, 2.0f, 3.0f}) {
        CAPTURE(beta);
        CHECK(demix::divergence(V, V, demix::Objective::Beta, beta) == Approx(0.0).margin(1e-9));
        Matrix off = V;
        off(1, 2) += 0.5f;
        CHECK(demix::divergence(V, off, demix::Objective::Beta, beta) > 1e-3);
    }
    // Frobenius is ½‖V − WH‖² (scikit-learn's convention): one entry off by 2 gives 2.
    Matrix off = V;
    off(0, 0) += 2.0f;
    CHECK(demix::divergence(V, off, demix::Objective::Frobenius) == Approx(2.0));
    // Silent V against silent WH: no NaN for any β, including IS.
    const Matrix Z = Matrix::Zero(3, 4);
    for (float beta : {0.0f, 0.5f, 1.0f, 2.0f, 3.0f})
        CHECK(std::isfinite(demix::divergence(Z, Z, demix::Objective::Beta, beta)));
}

TEST_CASE("nmf divergence rejects mismatched shapes", "[nmf]")
{
    REQUIRE_THROWS_AS(demix::divergence(Matrix::Ones(2, 3), Matrix::Ones(3, 2),
                                        demix::Objective::KullbackLeibler),
                      demix::InvalidArgument);
}

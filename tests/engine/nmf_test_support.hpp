#pragma once
// Helpers shared by the NMF tests: deterministic test matrices and bitwise comparison.
#include "demix/nmf.hpp"

#include <cstdint>
#include <cstring>
#include <random>

namespace nmf_test {

/// Uniform values in [low, high) from a fixed generator (own mapping, reproducible).
inline demix::Matrix uniformMatrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed,
                                   float low = 0.0f, float high = 1.0f)
{
    std::mt19937_64 engine(seed);
    demix::Matrix M(rows, cols);
    for (Eigen::Index i = 0; i < M.size(); ++i) {
        const double u = static_cast<double>(engine() >> 11) / 9007199254740992.0;
        M.data()[i] = static_cast<float>(low + (high - low) * u);
    }
    return M;
}

/// A spectrogram-like V: a planted non-negative product plus positive noise.
inline demix::Matrix noisyLowRank(Eigen::Index F, Eigen::Index T, int K, std::uint64_t seed)
{
    const demix::Matrix W = uniformMatrix(F, K, seed, 0.0f, 1.0f);
    const demix::Matrix H = uniformMatrix(K, T, seed + 1, 0.0f, 2.0f);
    return W * H + uniformMatrix(F, T, seed + 2, 0.01f, 0.3f);
}

/// Settings for a convergence test: objective recorded every iteration, tol = 0 (every
/// iteration runs), a fixed seed.
inline demix::NmfSettings everyIterationSettings(demix::Objective objective, demix::Solver solver,
                                                 int components, int iterations,
                                                 std::uint64_t seed)
{
    demix::NmfSettings s;
    s.components = components;
    s.objective = objective;
    s.solver = solver;
    s.maxIterations = iterations;
    s.evalEvery = 1;
    s.tol = 0.0;
    s.seed = seed;
    return s;
}

inline bool bitwiseEqual(const demix::Matrix& a, const demix::Matrix& b)
{
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

inline bool allFinite(const demix::Matrix& M) { return M.allFinite(); }

}  // namespace nmf_test

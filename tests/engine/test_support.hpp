#pragma once
// Small helpers shared by the engine tests (header-only).
//
//   randomSignal(n, seed, amplitude)  deterministic uniform noise in [-amplitude, amplitude]
//   relativeRms(a, b)                 ||a - b||_2 / ||b||_2 (double accumulation; 0 if both 0)
//   maxAbsDiff(a, b)                  max_i |a[i] - b[i]|
//   stftSettingsFor(N, hop, window)   StftSettings with those fields (others default)
//
// For counting heap allocations see alloc_counter.hpp.

#include "demix/stft.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace demix::testing {

inline std::vector<float> randomSignal(std::size_t n, std::uint32_t seed, float amplitude = 1.0f) {
    std::mt19937 rng(seed);
    std::vector<float> x(n);
    for (auto& v : x) {
        // Portable across standard libraries (no std::*_distribution).
        const double u = static_cast<double>(rng()) / 4294967295.0;  // [0, 1]
        v = static_cast<float>((2.0 * u - 1.0) * amplitude);
    }
    return x;
}

inline double relativeRms(const std::vector<float>& a, const std::vector<float>& b) {
    double err = 0.0;
    double ref = 0.0;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        err += d * d;
        ref += static_cast<double>(b[i]) * b[i];
    }
    if (ref == 0.0) return err == 0.0 ? 0.0 : INFINITY;
    return std::sqrt(err / ref);
}

inline double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0.0;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i)
        m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
    return m;
}

inline StftSettings stftSettingsFor(int fftSize, int hop, WindowType window = WindowType::Hann) {
    StftSettings s;
    s.fftSize = fftSize;
    s.hop = hop;
    s.window = window;
    return s;
}

}  // namespace demix::testing

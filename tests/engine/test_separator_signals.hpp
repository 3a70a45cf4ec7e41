#pragma once
// Synthetic sources with clearly different spectra for the separation tests (header-only):
// a harmonic tone playing notes and a band-limited noise playing bursts. Each call with a
// different seed gives another "performance" of the same instrument.

#include "demix/separator.hpp"
#include "demix/types.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace demix::testing {

constexpr double kTestRate = 16000.0;

/// Notes of 0.25 s from {220, 277, 330} Hz, 8 harmonics with 1/h amplitudes, decaying.
inline std::vector<float> harmonicTone(std::size_t n, std::uint32_t seed, float gain = 0.3f) {
    std::mt19937 rng(seed);
    const double pitches[] = {220.0, 277.2, 330.0};
    std::vector<float> x(n, 0.0f);
    const std::size_t note = static_cast<std::size_t>(0.25 * kTestRate);
    for (std::size_t start = 0; start < n; start += note) {
        const double f0 = pitches[rng() % 3];
        const double level = 0.5 + 0.5 * (rng() % 100) / 100.0;
        for (std::size_t i = 0; i < note && start + i < n; ++i) {
            const double t = static_cast<double>(i) / kTestRate;
            const double envelope = level * std::exp(-6.0 * t) * std::min(1.0, t * 200.0);
            double v = 0.0;
            for (int h = 1; h <= 8; ++h) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
            x[start + i] = static_cast<float>(gain * envelope * v);
        }
    }
    return x;
}

/// A clarinet-like instrument: odd harmonics only (1/h), notes of 0.3 s from
/// {392, 466, 523} Hz with a soft attack, sustained; other pitches than harmonicTone.
inline std::vector<float> oddHarmonicTone(std::size_t n, std::uint32_t seed, float gain = 0.3f) {
    std::mt19937 rng(seed);
    const double pitches[] = {392.0, 466.2, 523.3};
    std::vector<float> x(n, 0.0f);
    const std::size_t note = static_cast<std::size_t>(0.3 * kTestRate);
    for (std::size_t start = 0; start < n; start += note) {
        const double f0 = pitches[rng() % 3];
        const double level = 0.5 + 0.5 * (rng() % 100) / 100.0;
        for (std::size_t i = 0; i < note && start + i < n; ++i) {
            const double t = static_cast<double>(i) / kTestRate;
            const double envelope = level * std::min(1.0, t * 40.0) * std::exp(-1.0 * t);
            double v = 0.0;
            for (int h = 1; h <= 15; h += 2) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
            x[start + i] = static_cast<float>(gain * envelope * v);
        }
    }
    return x;
}

/// High-passed noise (energy mostly above 3 kHz) in bursts of random length and level.
inline std::vector<float> noiseBursts(std::size_t n, std::uint32_t seed, float gain = 0.3f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(n, 0.0f);
    float previous = 0.0f, lowpassed = 0.0f;
    std::size_t next = 0;
    float level = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        if (i == next) {
            level = (rng() % 3 == 0) ? 0.0f : 0.3f + 0.7f * static_cast<float>(rng() % 100) / 100.0f;
            next = i + static_cast<std::size_t>(kTestRate * (0.1 + 0.2 * (rng() % 100) / 100.0));
        }
        const float white = normal(rng);
        // Second-order high-pass: difference of white noise, minus a slow low-pass.
        const float diff = white - previous;
        previous = white;
        lowpassed += 0.2f * (diff - lowpassed);
        x[i] = gain * level * 0.5f * (diff - lowpassed);
    }
    return x;
}

/// Small single-threaded separation settings for the test signals (other fields default,
/// except one template set per learned source and one unsupervised factorisation: the
/// restart ensembles have their own tests, test_ensemble.cpp and
/// test_unsupervised_ensemble.cpp).
inline SeparationSettings smallSeparationSettings(int fftSize, int hop, int maxIterations) {
    SeparationSettings s;
    s.learningRestarts = 1;
    s.unsupervisedRestarts = 1;
    s.stft.fftSize = fftSize;
    s.stft.hop = hop;
    s.nmf.maxIterations = maxIterations;
    s.threads = 1;
    return s;
}

inline AudioBuffer monoBuffer(std::vector<float> samples) {
    AudioBuffer b;
    b.sampleRate = kTestRate;
    b.channels.push_back(std::move(samples));
    return b;
}

/// Stereo mix at kTestRate: left = aLeft·a + bLeft·b, right = aRight·a + bRight·b
/// (a and b of equal length).
inline AudioBuffer stereoMix(const std::vector<float>& a, const std::vector<float>& b, float aLeft, float bLeft,
                             float aRight, float bRight) {
    AudioBuffer mix;
    mix.sampleRate = kTestRate;
    mix.channels.assign(2, std::vector<float>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i) {
        mix.channels[0][i] = aLeft * a[i] + bLeft * b[i];
        mix.channels[1][i] = aRight * a[i] + bRight * b[i];
    }
    return mix;
}

inline double sdrDb(const std::vector<float>& reference, const std::vector<float>& estimate) {
    double signal = 0.0, error = 0.0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        signal += static_cast<double>(reference[i]) * reference[i];
        const double d = static_cast<double>(reference[i]) - estimate[i];
        error += d * d;
    }
    return 10.0 * std::log10(signal / std::max(error, 1e-30));
}

}  // namespace demix::testing

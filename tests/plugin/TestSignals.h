#pragma once
/// \file TestSignals.h
/// Deterministic test audio for the plugin tests (no JUCE): a harmonic instrument
/// playing a short melody and a percussive noise part, each stereo, plus helpers.

#include <demix/types.hpp>

#include <cstdint>
#include <vector>

namespace demix::test {

/// A melody of harmonic notes (8 harmonics, 1/h amplitudes, vibrato, attack/decay),
/// panned slightly left. Peak about 0.4.
demix::AudioBuffer melody(double sampleRate, double seconds);

/// Band-pass noise bursts every 1/8 s with exponential decay (hi-hat like), panned
/// slightly right. Peak about 0.3. Deterministic (fixed LCG seed).
demix::AudioBuffer noiseHits(double sampleRate, double seconds);

/// a + b, sample by sample (same shape).
demix::AudioBuffer sum(const demix::AudioBuffer& a, const demix::AudioBuffer& b);

/// Energy (sum of squares) of every channel.
double energy(const demix::AudioBuffer& audio);

/// Largest |a[c][n] − b[c][n − delay]| over n >= delay (b shifted by `delay`).
double maxDelayedDifference(const std::vector<std::vector<float>>& output, const demix::AudioBuffer& input,
                            int delay);

}  // namespace demix::test

#pragma once
/// \file project_mix.hpp
/// The audio file the fuzzed projects refer to: a short, deterministic two-tone clip.
/// make_corpus saves its projects next to it and fuzz_project writes the same file
/// next to every input, so a project's fingerprint check passes and the mutations reach
/// the decomposition, grouping and settings readers.

#include <demix/types.hpp>

#include <cmath>

namespace demix::fuzz {

constexpr const char* kProjectMixName = "mix.wav";

inline AudioBuffer projectMix()
{
    AudioBuffer audio;
    audio.sampleRate = 8000.0;
    audio.channels.assign(1, std::vector<float>(4000));
    for (std::size_t n = 0; n < audio.channels[0].size(); ++n) {
        const double t = double(n) / audio.sampleRate;
        const double gate = (n / 1000) % 2 == 0 ? 1.0 : 0.0;
        audio.channels[0][n] = float(0.3 * std::sin(2 * M_PI * 440.0 * t) * gate
                                     + 0.2 * std::sin(2 * M_PI * 1250.0 * t) * (1.0 - gate));
    }
    return audio;
}

}  // namespace demix::fuzz

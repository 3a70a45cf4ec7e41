#pragma once
/// \file PlaybackMixer.hpp
/// What the app's audio callback plays: the mix, or the sum of the audible stems (mute /
/// solo), read at a fractional position with linear interpolation so that a file plays
/// at its own rate on a device running at another rate.
///
/// Real-time safe: no allocation, lock, I/O or exception.

#include <demix/separator.hpp>

namespace demix::app {

/// Which stems are heard: with any solo, exactly the soloed ones; else the unmuted ones.
inline bool stemAudible(int stem, const bool* muted, const bool* solo, int stems) noexcept
{
    bool anySolo = false;
    for (int s = 0; s < stems; ++s)
        anySolo = anySolo || solo[s];
    return anySolo ? solo[stem] : !muted[stem];
}

/// Writes `frames` samples to each of `outChannels` channels of `out`, reading from
/// `position` (in samples of the file) in steps of `step` (file rate / device rate).
/// Plays `stems` (all the same shape as `mix`) when non-null, with `audible[s]` saying
/// which; else the mix. Mono sources go to every output; output c reads channel
/// c mod channels. Returns the position after the last frame written; stops (and
/// writes silence) at the end of the file.
double renderPlayback(const AudioBuffer& mix, const std::vector<Stem>* stems, const bool* audible,
                      double position, double step, float* const* out, int outChannels,
                      int frames) noexcept;

}  // namespace demix::app

#include "model/PlaybackMixer.hpp"

#include <algorithm>

namespace demix::app {

double renderPlayback(const AudioBuffer& mix, const std::vector<Stem>* stems, const bool* audible,
                      double position, double step, float* const* out, int outChannels,
                      int frames) noexcept
{
    for (int c = 0; c < outChannels; ++c)
        std::fill(out[c], out[c] + frames, 0.0f);
    const auto length = double(mix.numSamples());
    const int inChannels = int(mix.numChannels());
    if (inChannels == 0 || length < 1)
        return position;
    for (int n = 0; n < frames; ++n, position += step) {
        if (position < 0.0 || position > length - 1.0)
            return std::max(position, length);
        const auto i = size_t(position);
        const auto next = std::min(i + 1, size_t(length) - 1);
        const float frac = float(position - double(i));
        for (int c = 0; c < outChannels; ++c) {
            const auto in = size_t(c % inChannels);
            float value = 0.0f;
            if (stems == nullptr) {
                const auto& x = mix.channels[in];
                value = x[i] + frac * (x[next] - x[i]);
            } else {
                for (size_t s = 0; s < stems->size(); ++s) {
                    if (!audible[s])
                        continue;
                    const auto& x = (*stems)[s].audio.channels[in];
                    value += x[i] + frac * (x[next] - x[i]);
                }
            }
            out[c][n] = value;
        }
    }
    return position;
}

}  // namespace demix::app

#include "TestSignals.h"

#include <algorithm>
#include <cmath>

namespace demix::test {

namespace {
constexpr double kPi = 3.14159265358979323846;

demix::AudioBuffer makeStereo(double sampleRate, size_t n)
{
    demix::AudioBuffer audio;
    audio.sampleRate = sampleRate;
    audio.channels.assign(2, std::vector<float>(n, 0.0f));
    return audio;
}
}  // namespace

demix::AudioBuffer melody(double sampleRate, double seconds)
{
    const auto n = static_cast<size_t>(sampleRate * seconds);
    auto audio = makeStereo(sampleRate, n);
    const double notes[] = {220.0, 277.18, 329.63, 440.0, 329.63, 246.94};
    const double noteLength = 0.25;
    double phase = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / sampleRate;
        const auto note = static_cast<size_t>(t / noteLength);
        const double local = t - static_cast<double>(note) * noteLength;
        const double f0 = notes[note % 6] * (1.0 + 0.004 * std::sin(2.0 * kPi * 5.0 * t));
        phase += 2.0 * kPi * f0 / sampleRate;
        const double envelope = std::min(1.0, local / 0.01) * std::exp(-3.0 * local);
        double v = 0.0;
        for (int h = 1; h <= 8; ++h) {
            if (f0 * h < sampleRate / 2.0)
                v += std::sin(phase * h) / h;
        }
        const auto s = static_cast<float>(0.16 * envelope * v);
        audio.channels[0][i] = 0.6f * s * 1.2f;
        audio.channels[1][i] = 0.4f * s * 1.2f;
    }
    return audio;
}

demix::AudioBuffer noiseHits(double sampleRate, double seconds)
{
    const auto n = static_cast<size_t>(sampleRate * seconds);
    auto audio = makeStereo(sampleRate, n);
    std::uint32_t state = 0x12345678u;
    double y1 = 0.0, y2 = 0.0;
    // Resonant band-pass around 7 kHz (or 0.3 × Nyquist at low rates).
    const double fc = std::min(7000.0, 0.3 * sampleRate);
    const double r = 0.9;
    const double a1 = 2.0 * r * std::cos(2.0 * kPi * fc / sampleRate);
    const double a2 = -r * r;
    for (size_t i = 0; i < n; ++i) {
        state = state * 1664525u + 1013904223u;
        const double white = static_cast<double>(state >> 8) / 8388608.0 - 1.0;
        const double y = white + a1 * y1 + a2 * y2;
        y2 = y1;
        y1 = y;
        const double t = static_cast<double>(i) / sampleRate;
        const double local = std::fmod(t, 0.125);
        const auto s = static_cast<float>(0.05 * y * std::exp(-40.0 * local));
        audio.channels[0][i] = 0.4f * s * 1.5f;
        audio.channels[1][i] = 0.6f * s * 1.5f;
    }
    return audio;
}

demix::AudioBuffer sum(const demix::AudioBuffer& a, const demix::AudioBuffer& b)
{
    auto out = a;
    for (size_t c = 0; c < out.channels.size(); ++c)
        for (size_t i = 0; i < out.channels[c].size(); ++i)
            out.channels[c][i] += b.channels[c][i];
    return out;
}

double energy(const demix::AudioBuffer& audio)
{
    double e = 0.0;
    for (const auto& channel : audio.channels)
        for (float v : channel)
            e += static_cast<double>(v) * v;
    return e;
}

double maxDelayedDifference(const std::vector<std::vector<float>>& output, const demix::AudioBuffer& input,
                            int delay)
{
    double worst = 0.0;
    for (size_t c = 0; c < output.size(); ++c) {
        const auto& in = input.channels[std::min(c, input.channels.size() - 1)];
        for (size_t n = static_cast<size_t>(delay); n < output[c].size(); ++n)
            worst = std::max(worst, std::abs(static_cast<double>(output[c][n]) - in[n - static_cast<size_t>(delay)]));
    }
    return worst;
}

}  // namespace demix::test

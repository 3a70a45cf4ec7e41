#pragma once
// Helpers for the standalone model tests: real audio files written with JUCE's WAV
// writer into a fresh temporary folder.

#include <demix/types.hpp>

#include <juce_audio_formats/juce_audio_formats.h>

#include <cmath>

namespace demix::app::test {

/// A temporary folder deleted at the end of the test.
struct TempFolder {
    juce::File dir = juce::File::createTempFile("demix-standalone-test");
    TempFolder() { dir.createDirectory(); }
    ~TempFolder() { dir.deleteRecursively(); }
    juce::File operator/(const char* name) const { return dir.getChildFile(name); }
};

/// Two different "instruments": a low harmonic tone pulsing in the first half and a
/// bright high tone in the second half, overlapping in the middle; stereo.
inline AudioBuffer makeTwoToneMix(double sampleRate = 22050.0, double seconds = 2.0)
{
    AudioBuffer audio;
    audio.sampleRate = sampleRate;
    const auto n = static_cast<size_t>(sampleRate * seconds);
    audio.channels.assign(2, std::vector<float>(n));
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < n; ++i) {
        const double t = double(i) / sampleRate;
        const double lowGate = t < seconds * 0.6 ? 1.0 : 0.0;
        const double highGate = t > seconds * 0.4 ? 1.0 : 0.0;
        double low = 0, high = 0;
        for (int h = 1; h <= 4; ++h)
            low += std::sin(2 * pi * 110.0 * h * t) / h;
        high = std::sin(2 * pi * 1760.0 * t) + 0.5 * std::sin(2 * pi * 2637.0 * t);
        const auto l = float(0.25 * lowGate * low), r = float(0.2 * highGate * high);
        audio.channels[0][i] = l + 0.7f * r;
        audio.channels[1][i] = 0.7f * l + r;
    }
    return audio;
}

/// Writes `audio` as a WAV with JUCE's writer (float or integer samples).
inline void writeTestWav(const juce::File& file, const AudioBuffer& audio, int bits = 32)
{
    file.deleteFile();
    auto stream = file.createOutputStream();
    juce::WavAudioFormat wav;
    std::unique_ptr<juce::AudioFormatWriter> writer(wav.createWriterFor(
        stream.get(), audio.sampleRate, unsigned(audio.numChannels()), bits, {}, 0));
    stream.release();
    std::vector<const float*> pointers;
    for (const auto& c : audio.channels)
        pointers.push_back(c.data());
    writer->writeFromFloatArrays(pointers.data(), int(pointers.size()), int(audio.numSamples()));
}

}  // namespace demix::app::test

// Learning inside the plugin: record the isolated part while "learn" is armed, learn on
// the background thread while audio keeps running, swap the new templates in with a
// crossfade — the output stays the delayed input the whole time (masks sum to one).
#include "ProcessorHarness.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace demix;
using namespace demix::plugin;
using namespace demix::test;

namespace {

/// Feeds `signal` repeatedly (looping) block by block, appending to `out` / `in`.
struct Stream {
    DemixProcessor& p;
    int block;
    juce::AudioBuffer<float> buffer;
    juce::MidiBuffer midi;
    Channels out{2}, in{2};

    Stream(DemixProcessor& processor, int blockSize)
        : p(processor), block(blockSize),
          buffer(std::max(processor.getTotalNumInputChannels(), processor.getTotalNumOutputChannels()), blockSize)
    {
    }

    void feed(const demix::AudioBuffer& signal, size_t& position, int blocks)
    {
        for (int b = 0; b < blocks; ++b) {
            buffer.clear();
            for (int c = 0; c < 2; ++c) {
                float* dst = buffer.getWritePointer(p.getChannelIndexInProcessBlockBuffer(true, 0, c));
                for (int i = 0; i < block; ++i)
                    dst[i] = signal.channels[static_cast<size_t>(c)][(position + static_cast<size_t>(i)) % signal.numSamples()];
                in[static_cast<size_t>(c)].insert(in[static_cast<size_t>(c)].end(), dst, dst + block);
            }
            position += static_cast<size_t>(block);
            p.processBlock(buffer, midi);
            for (int c = 0; c < 2; ++c) {
                const float* o = buffer.getReadPointer(p.getChannelIndexInProcessBlockBuffer(false, 0, c));
                out[static_cast<size_t>(c)].insert(out[static_cast<size_t>(c)].end(), o, o + block);
            }
        }
    }
};

}  // namespace

TEST_CASE("a source is learned in the background without interrupting audio", "[learning]")
{
    const double rate = 44100.0;
    const auto tones = melody(rate, 3.0);
    const auto mix = sum(melody(rate, 3.0), noiseHits(rate, 3.0));
    DemixProcessor p;
    prepare(p, rate, 256);
    p.setLearnComponents(5);
    const auto generationBefore = p.model()->generation;

    Stream stream(p, 256);
    size_t position = 0;
    juce::String message;
    REQUIRE(p.startRecording(2, message));
    CHECK(p.recordingSlot() == 2);
    stream.feed(tones, position, static_cast<int>(2.5 * rate / 256));
    CHECK(p.recordingFill() > 0.07f);
    REQUIRE(p.stopRecordingAndLearn(message));
    CHECK(p.recordingSlot() == -1);

    // Audio keeps running while the learner works.
    const auto start = std::chrono::steady_clock::now();
    size_t mixPosition = 0;
    while (p.learningSlot() == 2) {
        stream.feed(mix, mixPosition, 4);
        const float progress = p.learningProgress();
        CHECK(progress >= 0.0f);
        CHECK(progress <= 1.0f);
        REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(120));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    INFO(p.status());
    REQUIRE(p.slotInfo(2).hasTemplates);
    CHECK(p.slotInfo(2).components == 5);
    CHECK(p.status().contains("learned 5 templates"));
    CHECK(p.model()->generation != generationBefore);
    CHECK(p.model()->sourceOfSlot[2] >= 0);
    CHECK(p.learningProgress() == 1.0f);

    // Keep playing through the swap and crossfade.
    stream.feed(mix, mixPosition, static_cast<int>(1.0 * rate / 256));

    // The whole stream — recording, learning, swap — equals the delayed input.
    demix::AudioBuffer input;
    input.channels = stream.in;
    CHECK(maxDelayedDifference(stream.out, input, p.getLatencySamples()) < 1e-4);

    // The learned source now gets the melody's share of a melody-only input.
    juce::MemoryBlock state;
    p.getStateInformation(state);
    DemixProcessor restored;
    restored.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    CHECK(restored.slotInfo(2).components == 5);
}

TEST_CASE("learning refuses short or silent recordings with a message", "[learning]")
{
    const double rate = 48000.0;
    DemixProcessor p;
    p.clearAllSources();
    prepare(p, rate, 512);
    Stream stream(p, 512);
    size_t position = 0;
    juce::String message;

    REQUIRE(p.startRecording(0, message));
    stream.feed(melody(rate, 1.0), position, 4);
    CHECK_FALSE(p.stopRecordingAndLearn(message));
    CHECK(message.contains("too short"));

    demix::AudioBuffer silence;
    silence.channels.assign(2, std::vector<float>(static_cast<size_t>(rate), 0.0f));
    REQUIRE(p.startRecording(0, message));
    stream.feed(silence, position, 150);
    CHECK_FALSE(p.stopRecordingAndLearn(message));
    CHECK(message.contains("silent"));

    CHECK_FALSE(p.startRecording(kResidualSlot, message));
    CHECK_FALSE(p.slotInfo(0).hasTemplates);
}

TEST_CASE("learning from the sidechain records the sidechain input", "[learning]")
{
    const double rate = 44100.0;
    DemixProcessor p;
    prepare(p, rate, 512);
    p.setLearnFromSidechain(true);
    p.setLearnComponents(3);
    juce::String message;
    REQUIRE(p.startRecording(1, message));

    // Main input silent, sidechain carries the part to learn.
    const auto hits = noiseHits(rate, 2.0);
    juce::AudioBuffer<float> buffer(std::max(p.getTotalNumInputChannels(), p.getTotalNumOutputChannels()), 512);
    juce::MidiBuffer midi;
    for (size_t offset = 0; offset + 512 <= hits.numSamples(); offset += 512) {
        buffer.clear();
        for (int c = 0; c < 2; ++c)
            buffer.copyFrom(p.getChannelIndexInProcessBlockBuffer(true, 1, c), 0,
                            hits.channels[static_cast<size_t>(c)].data() + offset, 512);
        p.processBlock(buffer, midi);
    }
    REQUIRE(p.stopRecordingAndLearn(message));
    const auto start = std::chrono::steady_clock::now();
    while (p.learningSlot() == 1) {
        REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(120));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    INFO(p.status());
    CHECK(p.slotInfo(1).components == 3);
}

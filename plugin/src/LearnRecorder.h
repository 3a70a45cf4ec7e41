#pragma once
/// \file LearnRecorder.h
/// Records the isolated part of a source while "learn" is armed.
///
/// The audio thread writes into a buffer preallocated by prepare() (kMaxRecordSeconds
/// long) using atomics only. stop() is called from a non-audio thread and waits (a few
/// microseconds at most) until the audio thread has left write(), so the recording can
/// then be copied safely (Dekker-style handshake on two sequentially consistent atomics).
///
/// Thread-safety: prepare/start/stop/copy from non-audio threads, serialised by the
/// caller; write() from the audio thread only.

#include <demix/types.hpp>

#include <atomic>
#include <vector>

namespace demix::plugin {

class LearnRecorder {
public:
    /// Allocates capacity for `seconds` of `channels`-channel audio. Stops a recording.
    void prepare(int channels, double sampleRate, double seconds);

    /// Starts recording for `slot` (discarding anything recorded before).
    void start(int slot);
    /// Stops recording; returns the number of samples recorded.
    int stop();
    /// The slot being recorded, or −1.
    int recordingSlot() const noexcept;
    /// Fraction of the buffer used (0 … 1).
    float fillFraction() const noexcept;
    /// Copies the first `numSamples` recorded samples (call after stop()).
    demix::AudioBuffer copy(int numSamples) const;

    /// Audio thread: appends up to `numSamples` samples of input[c], c < channels
    /// (fewer input channels are duplicated). Stops silently when the buffer is full.
    void write(const float* const* input, int numInputChannels, int numSamples) noexcept;

private:
    std::vector<std::vector<float>> data_;
    double sampleRate_ = 44100.0;
    int capacity_ = 0;
    std::atomic<int> slot_{-1};  // >= 0 while recording
    std::atomic<int> length_{0};
    std::atomic<bool> writing_{false};
};

}  // namespace demix::plugin

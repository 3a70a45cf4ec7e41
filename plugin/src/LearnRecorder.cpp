#include "LearnRecorder.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace demix::plugin {

void LearnRecorder::prepare(int channels, double sampleRate, double seconds)
{
    stop();
    sampleRate_ = sampleRate;
    capacity_ = static_cast<int>(sampleRate * seconds);
    data_.assign(static_cast<size_t>(std::max(1, channels)),
                 std::vector<float>(static_cast<size_t>(capacity_), 0.0f));
    length_.store(0);
}

void LearnRecorder::start(int slot)
{
    stop();
    length_.store(0);
    slot_.store(slot);
}

int LearnRecorder::stop()
{
    slot_.store(-1);
    while (writing_.load())
        std::this_thread::yield();
    return length_.load();
}

int LearnRecorder::recordingSlot() const noexcept { return slot_.load(); }

float LearnRecorder::fillFraction() const noexcept
{
    return capacity_ > 0 ? static_cast<float>(length_.load()) / static_cast<float>(capacity_) : 0.0f;
}

demix::AudioBuffer LearnRecorder::copy(int numSamples) const
{
    demix::AudioBuffer audio;
    audio.sampleRate = sampleRate_;
    const int n = std::clamp(numSamples, 0, capacity_);
    for (const auto& channel : data_)
        audio.channels.emplace_back(channel.begin(), channel.begin() + n);
    return audio;
}

void LearnRecorder::write(const float* const* input, int numInputChannels, int numSamples) noexcept
{
    writing_.store(true);
    if (slot_.load() >= 0 && numInputChannels > 0) {
        const int position = length_.load(std::memory_order_relaxed);
        const int n = std::min(numSamples, capacity_ - position);
        if (n > 0) {
            for (size_t c = 0; c < data_.size(); ++c) {
                const float* source = input[std::min(static_cast<int>(c), numInputChannels - 1)];
                std::memcpy(data_[c].data() + position, source, sizeof(float) * static_cast<size_t>(n));
            }
            length_.store(position + n, std::memory_order_release);
        }
    }
    writing_.store(false);
}

}  // namespace demix::plugin

#include "EngineSwap.h"

#include <algorithm>
#include <cstring>

namespace demix::plugin {

EngineSwap::EngineSwap() = default;

EngineSwap::~EngineSwap() { deleteAll(); }

void EngineSwap::deleteAll()
{
    delete pending_.exchange(nullptr);
    delete retired_.exchange(nullptr);
    delete incoming_;
    delete active_;
    incoming_ = nullptr;
    active_ = nullptr;
    incomingSamples_ = 0;
}

void EngineSwap::installNow(std::unique_ptr<SeparationEngine> engine, double sampleRate)
{
    deleteAll();
    active_ = engine.release();
    fadeLength_ = std::max(1, static_cast<int>(sampleRate * kSwapCrossfadeSeconds));
}

void EngineSwap::post(std::unique_ptr<SeparationEngine> engine)
{
    collectGarbage();
    delete pending_.exchange(engine.release(), std::memory_order_acq_rel);
}

void EngineSwap::collectGarbage()
{
    delete retired_.exchange(nullptr, std::memory_order_acq_rel);
}

void EngineSwap::setAlpha(float alpha) noexcept
{
    if (active_ != nullptr)
        active_->setAlpha(alpha);
    if (incoming_ != nullptr)
        incoming_->setAlpha(alpha);
}

void EngineSwap::setIterationsPerFrame(int iterations) noexcept
{
    if (active_ != nullptr)
        active_->setIterationsPerFrame(iterations);
    if (incoming_ != nullptr)
        incoming_->setIterationsPerFrame(iterations);
}

void EngineSwap::process(const float* const* input, int numChannels, int numSamples,
                         float* const* const* stems) noexcept
{
    // Take a posted engine only when the previous replaced one has been collected, so
    // the retired slot is always free when a fade ends.
    if (incoming_ == nullptr && retired_.load(std::memory_order_acquire) == nullptr) {
        if (auto* next = pending_.exchange(nullptr, std::memory_order_acq_rel)) {
            if (active_ == nullptr || active_->numChannels() != next->numChannels()) {
                retired_.store(active_, std::memory_order_release);
                active_ = next;
            } else {
                incoming_ = next;
                incomingSamples_ = 0;
            }
        }
    }

    if (active_ != nullptr)
        active_->process(input, numSamples);
    if (incoming_ != nullptr) {
        incoming_->process(input, numSamples);
        // Gain of the new engine per sample: 0 while it fills its history, then a ramp.
        const int warm = incoming_->warmUpSamples();
        for (int i = 0; i < numSamples; ++i) {
            const int fadePos = incomingSamples_ + i - warm;
            fadeGain_[static_cast<size_t>(i)] =
                fadePos <= 0 ? 0.0f
                             : std::min(1.0f, static_cast<float>(fadePos) / fadeLength_);
        }
    }

    for (int slot = 0; slot < kNumSlots; ++slot) {
        for (int c = 0; c < numChannels; ++c) {
            float* out = stems[slot][c];
            if (active_ == nullptr) {
                std::memset(out, 0, sizeof(float) * static_cast<size_t>(numSamples));
                continue;
            }
            const int ch = std::min(c, active_->numChannels() - 1);
            const float* a = active_->stem(slot, ch);
            if (incoming_ == nullptr) {
                std::memcpy(out, a, sizeof(float) * static_cast<size_t>(numSamples));
            } else {
                const float* b = incoming_->stem(slot, ch);
                for (int i = 0; i < numSamples; ++i) {
                    const float g = fadeGain_[static_cast<size_t>(i)];
                    out[i] = a[i] + g * (b[i] - a[i]);
                }
            }
        }
    }

    if (incoming_ != nullptr) {
        incomingSamples_ += numSamples;
        if (incomingSamples_ >= incoming_->warmUpSamples() + fadeLength_) {
            retired_.store(active_, std::memory_order_release);
            active_ = incoming_;
            incoming_ = nullptr;
        }
    }
}

}  // namespace demix::plugin

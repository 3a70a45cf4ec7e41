#pragma once
/// \file EngineSwap.h
/// Lock-free handoff of SeparationEngines to the audio thread, with a crossfade.
///
/// Non-audio threads post() a fully built engine; the audio thread picks it up at the
/// start of its next chunk, runs it in parallel with the current one until it has
/// filled its STFT history (SeparationEngine::warmUpSamples), then crossfades from old to new stems over
/// kSwapCrossfadeSeconds. The replaced engine is parked in a "retired" slot and deleted
/// by the next post() or collectGarbage() call — never on the audio thread.
///
/// Thread-safety: post(), collectGarbage() from any non-audio thread (callers serialise
/// them with their own mutex); process() and the accessors marked audio-thread from the
/// audio thread only; installNow() only while the audio thread is not processing.

#include "SeparationEngine.h"

#include <array>
#include <atomic>

namespace demix::plugin {

class EngineSwap {
public:
    EngineSwap();
    ~EngineSwap();

    /// Replaces everything at once (prepareToPlay / releaseResources).
    void installNow(std::unique_ptr<SeparationEngine> engine, double sampleRate);
    /// Queues `engine` for the audio thread (replacing a queued one not yet taken).
    void post(std::unique_ptr<SeparationEngine> engine);
    /// Deletes an engine the audio thread has finished with.
    void collectGarbage();

    // --- audio thread ---------------------------------------------------------------
    /// Separates one chunk (<= kChunkSize) and writes the (crossfaded) stem of every
    /// slot to stems[slot][channel][n] for channel < numChannels.
    void process(const float* const* input, int numChannels, int numSamples,
                 float* const* const* stems) noexcept;
    void setAlpha(float alpha) noexcept;
    void setIterationsPerFrame(int iterations) noexcept;
    /// The engine whose output is (mostly) heard, or nullptr.
    const SeparationEngine* current() const noexcept { return active_; }

private:
    void deleteAll();

    SeparationEngine* active_ = nullptr;    // audio thread
    SeparationEngine* incoming_ = nullptr;  // audio thread: warming up / fading in
    int incomingSamples_ = 0;               // audio thread: samples fed to incoming_
    int fadeLength_ = 1;
    std::array<float, kChunkSize> fadeGain_{};
    std::atomic<SeparationEngine*> pending_{nullptr};
    std::atomic<SeparationEngine*> retired_{nullptr};
};

}  // namespace demix::plugin

#pragma once
/// \file ActivationFeed.h
/// Per-frame activations from the audio thread to the editor (single producer, single
/// consumer, lock-free, preallocated). Frames are tagged with the model generation so
/// the editor can pair them with the matching templates.

#include "PluginConstants.h"

#include <juce_core/juce_core.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace demix::plugin {

class ActivationFeed {
public:
    struct Frame {
        std::uint32_t generation = 0;
        int numComponents = 0;
        std::array<float, kMaxComponents> h{};
    };

    /// Audio thread. Drops the frame if the editor is not reading.
    void push(std::uint32_t generation, const float* h, int numComponents) noexcept
    {
        int start1, size1, start2, size2;
        fifo_.prepareToWrite(1, start1, size1, start2, size2);
        if (size1 < 1)
            return;
        auto& frame = frames_[static_cast<size_t>(start1)];
        frame.generation = generation;
        frame.numComponents = std::min(numComponents, kMaxComponents);
        std::copy(h, h + frame.numComponents, frame.h.begin());
        fifo_.finishedWrite(1);
    }

    /// Reader thread: pops one frame into `out`; false if none.
    bool pop(Frame& out) noexcept
    {
        int start1, size1, start2, size2;
        fifo_.prepareToRead(1, start1, size1, start2, size2);
        if (size1 < 1)
            return false;
        out = frames_[static_cast<size_t>(start1)];
        fifo_.finishedRead(1);
        return true;
    }

private:
    static constexpr int kFrames = 64;
    std::array<Frame, kFrames> frames_{};
    juce::AbstractFifo fifo_{kFrames};
};

}  // namespace demix::plugin

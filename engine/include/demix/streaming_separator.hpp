#pragma once
/// \file streaming_separator.hpp
/// Real-time supervised separation (the plugin's audio path).
///
/// Per STFT frame: V's column is the mean channel magnitude; activations h are solved
/// with the templates W fixed by a bounded number of multiplicative updates (β-divergence
/// of the config's objective, KL by default), warm-started from the previous frame's h
/// (rescaled to the frame's level); α-Wiener masks per source are applied to every
/// channel's spectrum and each source is resynthesised by its own streaming iSTFT.
///
/// Latency: `latencySamples()` == stft.synthesisSpan() (fftSize, or the synthesis length
/// of low-delay windows), exactly; output sample n corresponds to input
/// sample n − latency. The sum of all source outputs equals the input delayed by the
/// latency (masks sum to one), to float rounding. Silence in gives silence out.
///
/// Templates can change while audio runs, without locks:
///  - `setTemplates(W, groups)` (not real-time safe) builds and installs templates owned
///    by the separator — for set-up, or when the caller serialises it with process();
///  - for a lock-free swap from a background thread, build a `StreamingTemplates` there
///    (it allocates), hand its pointer to the audio thread (e.g. through a
///    std::atomic<const StreamingTemplates*>), and call `useTemplates(ptr)` on the audio
///    thread just before process(): it only swaps a pointer. The separator does not own
///    it: keep it alive until the audio thread has installed another one (after
///    useTemplates returns, the previous object is no longer touched).
/// A change takes effect at the next STFT frame; the synthesis overlap-add blends the
/// old and new masks over fftSize samples, so the swap does not click. Activations are
/// kept when the component count is unchanged (a warm start), otherwise restarted.
///
/// Real-time safety: `prepare` and `setTemplates` allocate and must not be called on the
/// audio thread. `process`, `useTemplates`, `setAlpha`, `setIterationsPerFrame`, `reset`
/// never allocate, lock, do I/O or throw. `setAlpha` and `setIterationsPerFrame` may be
/// called from any thread (atomics); everything else from one thread at a time.

#include "demix/masks.hpp"
#include "demix/nmf.hpp"
#include "demix/stft.hpp"

#include <atomic>

namespace demix {

struct StreamingConfig {
    StftSettings stft;
    int numChannels = 2;
    int maxBlockSize = 512;     ///< largest numSamples passed to process() (larger is split)
    int maxComponents = 64;     ///< capacity for templates
    int maxSources = 8;         ///< capacity for sources; process() writes this many outputs
    Objective objective = Objective::KullbackLeibler;
    float beta = 1.0f;          ///< only for Objective::Beta
};

/// Templates (F × K) and their grouping into sources, prepared for the per-frame solver
/// (column sums, Gram matrix, component → source map). Immutable after construction,
/// so one instance may be read by the audio thread while others are built elsewhere.
class StreamingTemplates {
public:
    /// Allocates. Throws InvalidArgument: W empty, negative or non-finite; groups invalid
    /// (validateGroups) or empty.
    StreamingTemplates(const Matrix& W, const ComponentGroups& groups);

    int bins() const noexcept { return static_cast<int>(W_.rows()); }
    int components() const noexcept { return static_cast<int>(W_.cols()); }
    int sources() const noexcept { return static_cast<int>(groups_.size()); }
    const Matrix& templates() const noexcept { return W_; }
    const ComponentGroups& groups() const noexcept { return groups_; }

private:
    friend class StreamingSeparator;
    Matrix W_;                 ///< F × K
    Matrix gram_;              ///< K × K WᵀW (Frobenius fast path)
    Vector columnSums_;        ///< K: Σ_f W(f, k) (KL denominator)
    std::vector<int> source_;  ///< K: source of each component, -1 = none
    ComponentGroups groups_;
};

class StreamingSeparator {
public:
    StreamingSeparator();
    ~StreamingSeparator();

    /// Allocates everything process() needs and resets. Throws InvalidArgument.
    /// Installed templates are kept if they still fit the new config.
    void prepare(const StreamingConfig& config);
    /// Builds and installs templates owned by the separator (F == fftSize/2+1,
    /// K <= maxComponents, sources <= maxSources). Not real-time safe. Throws
    /// InvalidArgument (also if not prepared).
    void setTemplates(const Matrix& W, const ComponentGroups& groups);
    /// Installs caller-owned templates (nullptr: none; source 0 then passes the input).
    /// Real-time safe. Returns false and changes nothing if they do not fit the config.
    bool useTemplates(const StreamingTemplates* templates) noexcept;
    /// The installed templates (nullptr if none).
    const StreamingTemplates* templates() const noexcept;

    /// Mask exponent α > 0 (non-finite or <= 0 is ignored). Default 1.
    void setAlpha(float alpha) noexcept;
    /// Multiplicative updates per frame, clamped to [1, 1000]. Default 16.
    void setIterationsPerFrame(int iterations) noexcept;
    void reset() noexcept;  ///< clears audio history and activations

    int latencySamples() const noexcept;  ///< stft.synthesisSpan() (0 before prepare)
    int numSources() const noexcept;      ///< installed sources, or 1 without templates

    /// input[c][n] for c < numChannels; outputs[s][c][n] for s < maxSources (config), all
    /// written. Sources >= numSources() are silent, except for the fade-out tail of a
    /// source that a template change removed (so the sum of all outputs always equals
    /// the delayed input). Any numSamples >= 0 (blocks above maxBlockSize are split).
    /// With no templates installed, source 0 gets the delayed input. Non-finite input
    /// samples are treated as zero. Does nothing (outputs untouched) before prepare.
    void process(const float* const* input, float* const* const* outputs,
                 int numSamples) noexcept;

    /// Activations of the last frame (templates()->components() values), for meters.
    const float* lastActivations() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace demix

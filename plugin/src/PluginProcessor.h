#pragma once
/// \file PluginProcessor.h
/// The Demix audio processor: real-time supervised separation of the main input into
/// up to 8 named sources plus a residual, remixed on the main output (per-source gain,
/// mute, solo, dry/wet) and sent raw (pre-fader) to one stereo output bus per source.
/// The bus names are fixed
/// ("Source 1" … "Other": JUCE gives buses no way to be renamed), parameter names
/// follow the sources' names (Parameters.h).
///
/// A new instance holds the default source set (DefaultSources.h: drums, bass, keys,
/// voice, plus the residual "Other"), so it separates the moment it is inserted;
/// clearAllSources() empties it, loadDefaultSources() brings it back.
///
/// Threads:
///  - audio thread: processBlock only — no allocation, lock, I/O or exception. It reads
///    parameters through atomics, takes new separators from EngineSwap (lock-free) and
///    writes learning audio into LearnRecorder's preallocated buffer.
///  - message thread / host threads: the editor API below, state save/restore and
///    prepareToPlay; they share the sources under `modelMutex_` and build separators.
///  - a learner thread (TemplateLearner) runs demix::learnTemplates.
///
/// Latency: demix::realtimeLatencySamples for the rate and mode, set in prepareToPlay
/// and whenever "Low Latency" changes (from the message thread's timer: the new mode's
/// separator is crossfaded in and setLatencySamples tells the host at once).

#include "ActivationFeed.h"
#include "EngineModel.h"
#include "EngineSwap.h"
#include "LearnRecorder.h"
#include "Parameters.h"
#include "TemplateLearner.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>
#include <mutex>
#include <optional>

namespace demix::plugin {

/// What the editor shows about one slot.
struct SlotInfo {
    juce::String name;
    bool hasTemplates = false;
    int components = 0;
    double learnedSampleRate = 0.0;
    juce::String note;  ///< e.g. "resampled from 48000 Hz …"
    bool shipped = false;  ///< holds a default-set source, unchanged
};

class DemixProcessor : public juce::AudioProcessor, private juce::Timer, private juce::AsyncUpdater {
public:
    DemixProcessor();
    ~DemixProcessor() override;

    // --- juce::AudioProcessor ---------------------------------------------------------
    void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
    void releaseResources() override;
    bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
    using AudioProcessor::processBlock;
    void processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }
    const juce::String getName() const override { return "Demix"; }
    bool acceptsMidi() const override { return false; }
    bool producesMidi() const override { return false; }
    bool isMidiEffect() const override { return false; }
    double getTailLengthSeconds() const override;
    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram(int) override {}
    const juce::String getProgramName(int) override { return "Default"; }
    void changeProgramName(int, const juce::String&) override {}
    void getStateInformation(juce::MemoryBlock& destData) override;
    void setStateInformation(const void* data, int sizeInBytes) override;

    // --- editor / test API (non-audio threads) ------------------------------------------
    Parameters& parameters() noexcept { return params_; }
    juce::AudioProcessorValueTreeState& valueTreeState() noexcept { return apvts_; }

    SlotInfo slotInfo(int slot) const;
    void setSlotName(int slot, const juce::String& name);
    /// Puts a one-source library into a named slot. False + message if it cannot.
    bool setSlotTemplates(int slot, demix::TemplateLibrary library, juce::String& message);
    void clearSlot(int slot);
    /// Empties every named source (the residual stays) and resets their names.
    void clearAllSources();
    /// Replaces every named source by the default set (drums, bass, keys, voice in
    /// sources 1–4, the rest empty).
    void loadDefaultSources();
    /// True when at least one named source has templates.
    bool hasAnySource() const;
    /// Loads a .dmxt library: its first source goes into `slot`, further sources into
    /// the following empty slots.
    bool loadLibrary(int slot, const juce::File& file, juce::String& message);
    /// Saves one slot (slot >= 0) or every slot with templates (slot == −1, fitted to
    /// the current format) as a .dmxt library.
    bool saveLibrary(int slot, const juce::File& file, juce::String& message);

    /// Arms learning for `slot`: records the main input (or the sidechain) from now on.
    bool startRecording(int slot, juce::String& message);
    /// Stops the recording and starts learning on a background thread.
    bool stopRecordingAndLearn(juce::String& message);
    void cancelLearning();
    int recordingSlot() const noexcept { return recorder_.recordingSlot(); }
    float recordingFill() const noexcept { return recorder_.fillFraction(); }
    int learningSlot() const noexcept { return learner_.slot(); }
    float learningProgress() const noexcept { return learner_.progress(); }
    void setLearnFromSidechain(bool sidechain) noexcept { learnFromSidechain_.store(sidechain); }
    bool learnFromSidechain() const noexcept { return learnFromSidechain_.load(); }
    void setLearnComponents(int components) noexcept;
    int learnComponents() const noexcept { return learnComponents_.load(); }

    EngineFormat format() const;
    std::shared_ptr<const EngineModel> model() const;
    juce::String status() const;
    ActivationFeed& activationFeed() noexcept { return feed_; }
    /// Peak level of a slot's gained stem since the last call (linear).
    float takeSlotPeak(int slot) noexcept;

private:
    explicit DemixProcessor(juce::AudioProcessorValueTreeState::ParameterLayout layout);
    static BusesProperties makeBuses();
    void timerCallback() override;
    /// Rebuilds the model from the slots and hands a new separator to the audio thread.
    /// Caller holds modelMutex_.
    void rebuildLocked();
    void setStatus(const juce::String& text);
    /// Copies the slots' names to the parameters' names and, when one changed, asks the
    /// host (asynchronously, on the message thread) to re-read parameter names.
    /// Caller holds modelMutex_.
    void publishNamesLocked();
    void handleAsyncUpdate() override;
    /// loadDefaultSources without the status line. Caller holds modelMutex_.
    void emptySlotsLocked();  // every named source empty, with its default name
    void loadDefaultSourcesLocked();
    void onLearned(int slot, std::optional<demix::TemplateLibrary> library, const std::string& message);
    juce::ValueTree stateTree() const;

    SlotNames names_;  // before params_: the slot parameters read it
    Parameters params_;
    juce::AudioProcessorValueTreeState apvts_;

    // Shared by non-audio threads (modelMutex_).
    struct Slot {
        juce::String name;
        std::optional<demix::TemplateLibrary> library;  ///< exactly one source
        /// Key of the default source (DefaultSources.h) the library is, unchanged; the
        /// state then stores the key instead of the templates. Empty otherwise.
        juce::String shippedKey;
    };
    mutable std::mutex modelMutex_;
    std::array<Slot, kNumNamedSources> slots_;
    EngineFormat format_;
    bool prepared_ = false;
    bool preparedLowLatency_ = false;
    std::shared_ptr<const EngineModel> model_;
    std::uint32_t generation_ = 0;
    juce::String status_;
    std::atomic<int> learnComponents_{demix::kRealtimeLearnComponents};
    std::atomic<bool> learnFromSidechain_{false};
    std::mutex recorderMutex_;

    // Audio thread (sized in prepareToPlay).
    EngineSwap swap_;
    int numChannels_ = 0;
    int latency_ = 0;
    int hop_ = 512;
    std::vector<std::vector<float>> input_, sidechain_, dry_, delay_;
    std::array<const float*, 2> inputPointers_{};
    std::array<const float*, 2> sidechainPointers_{};
    int delayWrite_ = 0;
    std::vector<float> stemStore_;
    std::array<std::array<float*, 2>, kNumSlots> stemChannels_{};
    std::array<float* const*, kNumSlots> stemPointers_{};
    std::array<std::vector<float>, kNumSlots> gainRamp_;
    std::vector<float> mixRamp_;
    std::array<juce::SmoothedValue<float>, kNumSlots> slotGain_;
    juce::SmoothedValue<float> mix_;
    int samplesSinceFrame_ = 0;
    std::array<std::atomic<float>, kNumSlots> slotPeak_{};

    ActivationFeed feed_;
    LearnRecorder recorder_;
    TemplateLearner learner_;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(DemixProcessor)
};

}  // namespace demix::plugin

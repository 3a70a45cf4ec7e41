#pragma once
/// \file Player.hpp
/// Playback of the mix or the stems (with per-stem mute and solo) through the audio
/// device, with a play head the views follow.
///
/// Thread-safety: the message thread calls every public method. The audio callback
/// reads only atomics and the current `Tracks`, handed over through a lock-free slot:
/// the message thread publishes a new Tracks object, the audio thread switches to it,
/// and the message thread frees old ones once the audio thread has not used them for a
/// grace period. The audio thread never allocates, locks or frees. The file is played
/// at its own rate with linear interpolation when the device runs at another rate.

#include <demix/separator.hpp>

#include <juce_audio_devices/juce_audio_devices.h>
#include <juce_audio_utils/juce_audio_utils.h>

#include <array>
#include <atomic>
#include <memory>

namespace demix::app {

class Player : private juce::AudioSource, private juce::Timer {
public:
    static constexpr int kMaxStems = 16;

    Player();
    ~Player() override;

    /// Opens the default output device. Returns false (and a message in
    /// deviceMessage()) if there is none; everything else keeps working silently.
    bool openDevice();
    bool hasDevice() const { return deviceOpen_; }
    const juce::String& deviceMessage() const { return deviceMessage_; }
    juce::AudioDeviceManager& deviceManager() { return devices_; }

    /// New audio to play (the mix; stems may be empty). Keeps the play position.
    using SharedStems = std::shared_ptr<const std::vector<Stem>>;
    void setAudio(std::shared_ptr<const AudioBuffer> mix, SharedStems stems);
    void setStems(SharedStems stems);

    void play();
    void stop();
    bool isPlaying() const { return playing_.load(); }
    void setPositionSeconds(double seconds);
    double positionSeconds() const;

    /// true: the sum of the audible stems; false: the mix.
    void setPlayStems(bool stems) { playStems_.store(stems); }
    bool playsStems() const { return playStems_.load(); }
    void setMuted(int stem, bool muted);
    void setSolo(int stem, bool solo);
    bool isMuted(int stem) const;
    bool isSolo(int stem) const;

private:
    struct Tracks {
        std::shared_ptr<const AudioBuffer> mix;
        SharedStems stems;  // null = none
        double sampleRate = 44100.0;
        size_t length = 0;
    };

    void publish(std::unique_ptr<Tracks> tracks);
    void timerCallback() override;  // frees retired Tracks

    void prepareToPlay(int samplesPerBlockExpected, double sampleRate) override;
    void releaseResources() override {}
    void getNextAudioBlock(const juce::AudioSourceChannelInfo& info) override;

    juce::AudioDeviceManager devices_;
    juce::AudioSourcePlayer sourcePlayer_;
    bool deviceOpen_ = false;
    juce::String deviceMessage_;

    struct Owned {
        std::unique_ptr<Tracks> tracks;
        int unusedTicks = 0;
    };
    std::vector<Owned> owned_;                // every Tracks ever published and not freed
    Tracks* latest_ = nullptr;                // the last one published
    std::atomic<Tracks*> pending_{nullptr};   // published, not yet taken by audio
    std::atomic<Tracks*> active_{nullptr};    // the one the audio thread uses
    Tracks* audioTracks_ = nullptr;           // audio thread's own copy of active_

    std::atomic<bool> playing_{false}, playStems_{false};
    std::atomic<double> position_{0.0};       // in samples of the file
    std::atomic<double> seek_{-1.0};          // a new position requested by the UI
    std::atomic<double> deviceRate_{44100.0};
    std::array<std::atomic<bool>, kMaxStems> muted_{}, solo_{};
};

}  // namespace demix::app

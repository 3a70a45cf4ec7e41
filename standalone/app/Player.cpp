#include "app/Player.hpp"

#include "model/PlaybackMixer.hpp"

namespace demix::app {

Player::Player()
{
    sourcePlayer_.setSource(this);
    startTimer(250);
}

Player::~Player()
{
    stopTimer();
    devices_.removeAudioCallback(&sourcePlayer_);
    sourcePlayer_.setSource(nullptr);
    devices_.closeAudioDevice();
}

bool Player::openDevice()
{
    const auto error = devices_.initialiseWithDefaultDevices(0, 2);
    deviceOpen_ = error.isEmpty() && devices_.getCurrentAudioDevice() != nullptr;
    if (deviceOpen_) {
        devices_.addAudioCallback(&sourcePlayer_);
        deviceMessage_ = "Audio: " + devices_.getCurrentAudioDevice()->getName();
    } else {
        deviceMessage_ = "No audio device: playback is off"
                         + (error.isNotEmpty() ? " (" + error + ")" : juce::String());
    }
    return deviceOpen_;
}

void Player::publish(std::unique_ptr<Tracks> tracks)
{
    latest_ = tracks.get();
    owned_.push_back({std::move(tracks), 0});
    pending_.store(latest_);
}

void Player::setAudio(std::shared_ptr<const AudioBuffer> mix, SharedStems stems)
{
    auto tracks = std::make_unique<Tracks>();
    if (mix != nullptr) {
        tracks->sampleRate = mix->sampleRate;
        tracks->length = mix->numSamples();
    }
    tracks->mix = std::move(mix);
    // Stems that do not match the mix (stale) are not played.
    if (stems != nullptr && tracks->mix != nullptr && !stems->empty()
        && stems->front().audio.numSamples() == tracks->length
        && stems->front().audio.numChannels() == tracks->mix->numChannels())
        tracks->stems = std::move(stems);
    if (tracks->mix == nullptr)
        stop();
    publish(std::move(tracks));
}

void Player::setStems(SharedStems stems)
{
    setAudio(latest_ != nullptr ? latest_->mix : nullptr, std::move(stems));
}

void Player::play()
{
    if (latest_ == nullptr || latest_->mix == nullptr)
        return;
    if (position_.load() >= double(latest_->length) - 1)
        setPositionSeconds(0.0);
    playing_.store(true);
}

void Player::stop() { playing_.store(false); }

void Player::setPositionSeconds(double seconds)
{
    const double rate = latest_ != nullptr ? latest_->sampleRate : 44100.0;
    const double position = std::max(0.0, seconds * rate);
    position_.store(position);
    seek_.store(position);  // picked up by the audio thread, which owns position_ while playing
}

double Player::positionSeconds() const
{
    const double rate = latest_ != nullptr ? latest_->sampleRate : 44100.0;
    return position_.load() / rate;
}

void Player::setMuted(int stem, bool muted)
{
    if (stem >= 0 && stem < kMaxStems)
        muted_[size_t(stem)].store(muted);
}

void Player::setSolo(int stem, bool solo)
{
    if (stem >= 0 && stem < kMaxStems)
        solo_[size_t(stem)].store(solo);
}

bool Player::isMuted(int stem) const
{
    return stem >= 0 && stem < kMaxStems && muted_[size_t(stem)].load();
}

bool Player::isSolo(int stem) const
{
    return stem >= 0 && stem < kMaxStems && solo_[size_t(stem)].load();
}

void Player::timerCallback()
{
    // Order matters: pending first, then active (see the handoff in getNextAudioBlock).
    Tracks* pending = pending_.load();
    Tracks* active = active_.load();
    for (auto& o : owned_) {
        const bool inUse = o.tracks.get() == pending || o.tracks.get() == active
                           || o.tracks.get() == latest_;
        o.unusedTicks = inUse ? 0 : o.unusedTicks + 1;
    }
    // A grace period of two ticks covers an audio callback that read `pending_` just
    // before the message thread replaced it.
    owned_.erase(std::remove_if(owned_.begin(), owned_.end(),
                                [](const Owned& o) { return o.unusedTicks >= 2; }),
                 owned_.end());
}

void Player::prepareToPlay(int, double sampleRate)
{
    deviceRate_.store(sampleRate > 0 ? sampleRate : 44100.0);
}

void Player::getNextAudioBlock(const juce::AudioSourceChannelInfo& info)
{
    info.clearActiveBufferRegion();
    if (Tracks* p = pending_.load(); p != nullptr && p != audioTracks_) {
        audioTracks_ = p;
        active_.store(p);
        pending_.compare_exchange_strong(p, nullptr);
    }
    const Tracks* tracks = audioTracks_;
    if (tracks == nullptr || tracks->mix == nullptr || !playing_.load() || tracks->length < 2)
        return;

    const size_t stemCount = tracks->stems != nullptr ? std::min<size_t>(tracks->stems->size(), kMaxStems) : 0;
    const bool playStems = playStems_.load() && stemCount > 0;
    bool muted[kMaxStems] = {}, solo[kMaxStems] = {}, audible[kMaxStems] = {};
    for (size_t s = 0; s < stemCount; ++s) {
        muted[s] = muted_[s].load();
        solo[s] = solo_[s].load();
    }
    for (size_t s = 0; s < stemCount; ++s)
        audible[s] = stemAudible(int(s), muted, solo, int(stemCount));

    double position = position_.load();
    if (const double seek = seek_.exchange(-1.0); seek >= 0.0)
        position = seek;
    auto* const* channels = info.buffer->getArrayOfWritePointers();
    float* out[64] = {};
    const int outChannels = std::min(64, info.buffer->getNumChannels());
    for (int c = 0; c < outChannels; ++c)
        out[c] = channels[c] + info.startSample;
    position = renderPlayback(*tracks->mix, playStems ? tracks->stems.get() : nullptr, audible, position,
                              tracks->sampleRate / deviceRate_.load(), out, outChannels, info.numSamples);
    if (position >= double(tracks->length) - 1.0)
        playing_.store(false);
    position_.store(position);
}

}  // namespace demix::app

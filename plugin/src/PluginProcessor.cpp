#include "PluginProcessor.h"

#include "DefaultSources.h"
#include "PluginEditor.h"
#include "StateCodec.h"

#include <demix/file_names.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace demix::plugin {

juce::AudioProcessor::BusesProperties DemixProcessor::makeBuses()
{
    auto buses = BusesProperties()
                     .withInput("Input", juce::AudioChannelSet::stereo(), true)
                     .withInput("Sidechain", juce::AudioChannelSet::stereo(), true)
                     .withOutput("Output", juce::AudioChannelSet::stereo(), true);
    // The stem buses are on by default. Ardour 7 counts every bus whatever its default
    // state (it activates all of them), so turning them off by default would not keep a
    // track without strict I/O at two outputs there (docs/plugin.md, "Buses and names").
    for (int slot = 0; slot < kNumSlots; ++slot)
        buses = buses.withOutput(defaultSlotName(slot), juce::AudioChannelSet::stereo(), true);
    return buses;
}

namespace {

bool isMonoOrStereo(const juce::AudioChannelSet& set)
{
    return set == juce::AudioChannelSet::mono() || set == juce::AudioChannelSet::stereo();
}

/// Copies n samples, replacing anything non-finite by zero.
void copySanitised(const float* in, float* out, int n) noexcept
{
    for (int i = 0; i < n; ++i)
        out[i] = std::isfinite(in[i]) ? in[i] : 0.0f;
}

constexpr double kGainSmoothingSeconds = 0.02;
constexpr const char* kStateType = "DemixPluginState";

}  // namespace

DemixProcessor::DemixProcessor() : DemixProcessor(juce::AudioProcessorValueTreeState::ParameterLayout{}) {}

DemixProcessor::DemixProcessor(juce::AudioProcessorValueTreeState::ParameterLayout layout)
    : AudioProcessor(makeBuses()), params_(layout, names_), apvts_(*this, nullptr, "Parameters", std::move(layout))
{
    // LV2 lists parameter names in its static .ttl: there they keep the slot numbers.
    names_.setFollowNames(wrapperType != wrapperType_LV2);
    format_ = engineFormat(format_.sampleRate, 2, false);
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        loadDefaultSourcesLocked();
    }
    setLatencySamples(format_.latency());
    startTimerHz(10);
}

DemixProcessor::~DemixProcessor()
{
    stopTimer();
    cancelPendingUpdate();
    learner_.cancel();
}

// --- audio format ------------------------------------------------------------------------

void DemixProcessor::prepareToPlay(double sampleRate, int)
{
    const int channels = std::clamp(getMainBusNumOutputChannels(), 1, 2);
    const bool lowLatency = params_.lowLatency->get();

    const EngineFormat format = engineFormat(sampleRate, channels, lowLatency);
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        format_ = format;
        prepared_ = true;
        preparedLowLatency_ = lowLatency;
        std::array<const demix::TemplateLibrary*, kNumNamedSources> libraries{};
        for (int s = 0; s < kNumNamedSources; ++s)
            libraries[static_cast<size_t>(s)] =
                slots_[static_cast<size_t>(s)].library ? &*slots_[static_cast<size_t>(s)].library : nullptr;
        try {
            model_ = buildModel(libraries, format_, ++generation_);
            swap_.installNow(std::make_unique<SeparationEngine>(model_), sampleRate);
        } catch (const std::exception& e) {
            // Never throw into the host: fall back to the residual source alone.
            status_ = juce::String("templates cannot be used at this rate: ") + e.what();
            model_ = buildModel({}, format_, ++generation_);
            swap_.installNow(std::make_unique<SeparationEngine>(model_), sampleRate);
        }
    }

    numChannels_ = channels;
    latency_ = format.latency();
    hop_ = format.stft.hop;
    setLatencySamples(latency_);

    const auto chunk = static_cast<size_t>(kChunkSize);
    input_.assign(2, std::vector<float>(chunk, 0.0f));
    sidechain_.assign(2, std::vector<float>(chunk, 0.0f));
    dry_.assign(2, std::vector<float>(chunk, 0.0f));
    // Long enough for either latency mode: switching modes does not reallocate.
    const int longest = std::max(demix::realtimeLatencySamples(sampleRate, demix::RealtimeLatency::Normal),
                                 demix::realtimeLatencySamples(sampleRate, demix::RealtimeLatency::Low));
    delay_.assign(2, std::vector<float>(static_cast<size_t>(longest) + chunk, 0.0f));
    delayWrite_ = 0;
    for (int c = 0; c < 2; ++c) {
        inputPointers_[static_cast<size_t>(c)] = input_[static_cast<size_t>(c)].data();
        sidechainPointers_[static_cast<size_t>(c)] = sidechain_[static_cast<size_t>(c)].data();
    }
    stemStore_.assign(static_cast<size_t>(kNumSlots) * 2 * chunk, 0.0f);
    for (int slot = 0; slot < kNumSlots; ++slot) {
        for (int c = 0; c < 2; ++c)
            stemChannels_[static_cast<size_t>(slot)][static_cast<size_t>(c)] =
                stemStore_.data() + (static_cast<size_t>(slot) * 2 + static_cast<size_t>(c)) * chunk;
        stemPointers_[static_cast<size_t>(slot)] = stemChannels_[static_cast<size_t>(slot)].data();
        gainRamp_[static_cast<size_t>(slot)].assign(chunk, 0.0f);
    }
    mixRamp_.assign(chunk, 0.0f);

    const bool anySolo = std::any_of(params_.slots.begin(), params_.slots.end(),
                                     [](const SlotParameters& p) { return p.solo->get(); });
    for (int slot = 0; slot < kNumSlots; ++slot) {
        const auto& p = params_.slots[static_cast<size_t>(slot)];
        const float target = (p.mute->get() || (anySolo && !p.solo->get())) ? 0.0f : gainFromDb(p.gainDb->get());
        slotGain_[static_cast<size_t>(slot)].reset(sampleRate, kGainSmoothingSeconds);
        slotGain_[static_cast<size_t>(slot)].setCurrentAndTargetValue(target);
        slotPeak_[static_cast<size_t>(slot)].store(0.0f);
    }
    mix_.reset(sampleRate, kGainSmoothingSeconds);
    mix_.setCurrentAndTargetValue(params_.mix->get() / 100.0f);
    samplesSinceFrame_ = 0;

    std::lock_guard<std::mutex> lock(recorderMutex_);
    recorder_.prepare(channels, sampleRate, kMaxRecordSeconds);
}

void DemixProcessor::releaseResources() {}

double DemixProcessor::getTailLengthSeconds() const
{
    const auto f = format();
    return f.latency() / f.sampleRate;
}

bool DemixProcessor::isBusesLayoutSupported(const BusesLayout& layouts) const
{
    const auto& out = layouts.getMainOutputChannelSet();
    if (!isMonoOrStereo(out) || layouts.getMainInputChannelSet() != out)
        return false;
    if (layouts.inputBuses.size() > 1) {
        const auto& sidechain = layouts.getChannelSet(true, 1);
        if (!sidechain.isDisabled() && !isMonoOrStereo(sidechain))
            return false;
    }
    for (int bus = 1; bus < layouts.outputBuses.size(); ++bus) {
        const auto& set = layouts.getChannelSet(false, bus);
        if (!set.isDisabled() && !isMonoOrStereo(set))
            return false;
    }
    return true;
}

// --- audio thread --------------------------------------------------------------------------

void DemixProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&)
{
    juce::ScopedNoDenormals noDenormals;
    const int numSamples = buffer.getNumSamples();
    if (numChannels_ == 0 || input_.empty()) {  // not prepared
        buffer.clear();
        return;
    }

    // Parameters → targets.
    const float alpha = params_.sensitivity->get();
    int iterations = params_.iterations->get();
    if (isNonRealtime())
        iterations = std::min(iterations * kOfflineIterationFactor, kMaxIterationsPerFrame);
    bool anySolo = false;
    for (const auto& p : params_.slots)
        anySolo = anySolo || p.solo->get();
    for (int slot = 0; slot < kNumSlots; ++slot) {
        const auto& p = params_.slots[static_cast<size_t>(slot)];
        const bool silent = p.mute->get() || (anySolo && !p.solo->get());
        slotGain_[static_cast<size_t>(slot)].setTargetValue(silent ? 0.0f : gainFromDb(p.gainDb->get()));
    }
    mix_.setTargetValue(params_.mix->get() / 100.0f);

    // Bus geometry (channel indices in `buffer`).
    const auto* mainIn = getBus(true, 0);
    const int mainInChannels = mainIn != nullptr && mainIn->isEnabled() ? mainIn->getNumberOfChannels() : 0;
    const auto* sidechainBus = getBus(true, 1);
    const int sidechainChannels =
        sidechainBus != nullptr && sidechainBus->isEnabled() ? sidechainBus->getNumberOfChannels() : 0;
    const bool recording = recorder_.recordingSlot() >= 0;
    const bool recordSidechain = recording && learnFromSidechain_.load() && sidechainChannels > 0;
    const int numOutputBuses = getBusCount(false);

    std::array<float, kNumSlots> peaks{};

    for (int offset = 0; offset < numSamples; offset += kChunkSize) {
        const int n = std::min(kChunkSize, numSamples - offset);

        // 1. Copy (sanitised) inputs before any output of this chunk is written: input
        //    and output buses share the buffer's channels.
        for (int c = 0; c < numChannels_; ++c) {
            float* dst = input_[static_cast<size_t>(c)].data();
            if (mainInChannels > 0) {
                const int ch = getChannelIndexInProcessBlockBuffer(true, 0, std::min(c, mainInChannels - 1));
                copySanitised(buffer.getReadPointer(ch) + offset, dst, n);
            } else {
                std::memset(dst, 0, sizeof(float) * static_cast<size_t>(n));
            }
        }
        if (recordSidechain) {
            for (int c = 0; c < std::min(2, sidechainChannels); ++c) {
                const int ch = getChannelIndexInProcessBlockBuffer(true, 1, c);
                copySanitised(buffer.getReadPointer(ch) + offset, sidechain_[static_cast<size_t>(c)].data(), n);
            }
            recorder_.write(sidechainPointers_.data(), std::min(2, sidechainChannels), n);
        } else if (recording) {
            recorder_.write(inputPointers_.data(), numChannels_, n);
        }

        // 2. Dry path: the input delayed by the heard engine's latency (it changes when
        //    the latency mode is switched while playing).
        const auto* heard = swap_.current();
        const int latency = heard != nullptr ? heard->latency() : latency_;
        const int delaySize = static_cast<int>(delay_[0].size());
        for (int c = 0; c < numChannels_; ++c) {
            auto& line = delay_[static_cast<size_t>(c)];
            const float* in = input_[static_cast<size_t>(c)].data();
            float* dry = dry_[static_cast<size_t>(c)].data();
            int w = delayWrite_;
            for (int i = 0; i < n; ++i) {
                line[static_cast<size_t>(w)] = in[i];
                int r = w - latency;
                if (r < 0)
                    r += delaySize;
                dry[i] = line[static_cast<size_t>(r)];
                if (++w == delaySize)
                    w = 0;
            }
        }
        delayWrite_ = (delayWrite_ + n) % delaySize;

        // 3. Separation.
        swap_.setAlpha(alpha);
        swap_.setIterationsPerFrame(iterations);
        swap_.process(inputPointers_.data(), numChannels_, n, stemPointers_.data());
        samplesSinceFrame_ += n;
        const int hop = heard != nullptr ? heard->model().stft.hop : hop_;
        if (samplesSinceFrame_ >= hop) {
            samplesSinceFrame_ = 0;
            if (const auto* engine = swap_.current())
                feed_.push(engine->model().generation, engine->activations(),
                           static_cast<int>(engine->model().W.cols()));
        }

        // 4. Remix on the main output.
        for (int slot = 0; slot < kNumSlots; ++slot) {
            auto& ramp = gainRamp_[static_cast<size_t>(slot)];
            auto& smoother = slotGain_[static_cast<size_t>(slot)];
            for (int i = 0; i < n; ++i)
                ramp[static_cast<size_t>(i)] = smoother.getNextValue();
        }
        for (int i = 0; i < n; ++i)
            mixRamp_[static_cast<size_t>(i)] = mix_.getNextValue();

        const int mainOutChannels = getBus(false, 0)->isEnabled() ? getBus(false, 0)->getNumberOfChannels() : 0;
        for (int c = 0; c < mainOutChannels; ++c) {
            const int engineChannel = std::min(c, numChannels_ - 1);
            float* out = buffer.getWritePointer(getChannelIndexInProcessBlockBuffer(false, 0, c)) + offset;
            const float* dry = dry_[static_cast<size_t>(engineChannel)].data();
            for (int i = 0; i < n; ++i)
                out[i] = 0.0f;
            for (int slot = 0; slot < kNumSlots; ++slot) {
                const float* stem = stemChannels_[static_cast<size_t>(slot)][static_cast<size_t>(engineChannel)];
                const float* gain = gainRamp_[static_cast<size_t>(slot)].data();
                float peak = peaks[static_cast<size_t>(slot)];
                for (int i = 0; i < n; ++i) {
                    const float v = gain[i] * stem[i];
                    out[i] += v;
                    peak = std::max(peak, std::abs(v));
                }
                peaks[static_cast<size_t>(slot)] = peak;
            }
            for (int i = 0; i < n; ++i) {
                const float m = mixRamp_[static_cast<size_t>(i)];
                const float v = dry[i] + m * (out[i] - dry[i]);
                out[i] = std::isfinite(v) ? v : 0.0f;
            }
        }

        // 5. Raw (pre-fader) stems on the per-source buses.
        for (int bus = 1; bus < numOutputBuses && bus <= kNumSlots; ++bus) {
            const auto* outBus = getBus(false, bus);
            if (outBus == nullptr || !outBus->isEnabled())
                continue;
            const int slot = bus - 1;
            for (int c = 0; c < outBus->getNumberOfChannels(); ++c) {
                const float* stem =
                    stemChannels_[static_cast<size_t>(slot)][static_cast<size_t>(std::min(c, numChannels_ - 1))];
                float* out = buffer.getWritePointer(getChannelIndexInProcessBlockBuffer(false, bus, c)) + offset;
                for (int i = 0; i < n; ++i)
                    out[i] = std::isfinite(stem[i]) ? stem[i] : 0.0f;
            }
        }
    }

    for (int slot = 0; slot < kNumSlots; ++slot) {
        auto& meter = slotPeak_[static_cast<size_t>(slot)];
        const float previous = meter.load(std::memory_order_relaxed);
        if (peaks[static_cast<size_t>(slot)] > previous)
            meter.store(peaks[static_cast<size_t>(slot)], std::memory_order_relaxed);
    }
}

// --- sources ---------------------------------------------------------------------------------

void DemixProcessor::rebuildLocked()
{
    std::array<const demix::TemplateLibrary*, kNumNamedSources> libraries{};
    for (int s = 0; s < kNumNamedSources; ++s) {
        const auto& slot = slots_[static_cast<size_t>(s)];
        libraries[static_cast<size_t>(s)] = slot.library ? &*slot.library : nullptr;
    }
    model_ = buildModel(libraries, format_, ++generation_);
    if (prepared_)
        swap_.post(std::make_unique<SeparationEngine>(model_));
}

SlotInfo DemixProcessor::slotInfo(int slot) const
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    SlotInfo info;
    if (slot == kResidualSlot) {
        info.name = defaultSlotName(slot);
        info.hasTemplates = true;
        info.components = kResidualComponents;
        info.note = "generic templates for everything else";
        return info;
    }
    if (slot < 0 || slot >= kNumNamedSources)
        return info;
    const auto& s = slots_[static_cast<size_t>(slot)];
    info.name = s.name;
    info.shipped = s.shippedKey.isNotEmpty();
    if (s.library) {
        info.hasTemplates = true;
        info.components = static_cast<int>(s.library->sources.front().templates.cols());
        info.learnedSampleRate = s.library->settings.sampleRate;
    }
    if (info.shipped)
        info.note = "ships with Demix (learned at " + juce::String(info.learnedSampleRate, 0) + " Hz / FFT "
                    + juce::String(s.library->settings.stft.fftSize) + ", fitted to this instance's analysis)";
    else if (model_)
        info.note = model_->notes[static_cast<size_t>(slot)];
    return info;
}

void DemixProcessor::setSlotName(int slot, const juce::String& name)
{
    if (slot < 0 || slot >= kNumNamedSources)
        return;
    std::lock_guard<std::mutex> lock(modelMutex_);
    auto& s = slots_[static_cast<size_t>(slot)];
    s.name = name.trim().isEmpty() ? defaultSlotName(slot) : name.trim();
    // The label is free text; the library's name becomes a stem file name elsewhere
    // (and must pass the engine's rule for the state and saved files to load again).
    if (s.library)
        s.library->sources.front().name = demix::portableSourceName(s.name.toStdString());
    publishNamesLocked();
}

bool DemixProcessor::setSlotTemplates(int slot, demix::TemplateLibrary library, juce::String& message)
{
    if (slot < 0 || slot >= kNumNamedSources) {
        message = "source " + juce::String(slot + 1) + " does not exist";
        return false;
    }
    if (library.sources.size() != 1) {
        message = "a source needs a library with exactly one source";
        return false;
    }
    const auto& templates = library.sources.front().templates;
    const int components = static_cast<int>(templates.cols());
    if (components < 1 || components > kMaxComponentsPerSource) {
        message = "a source may have 1 to " + juce::String(kMaxComponentsPerSource) + " templates, this one has "
                  + juce::String(components);
        return false;
    }
    if (templates.rows() != library.bins() || !templates.allFinite() || templates.minCoeff() < 0.0f) {
        message = "the templates do not match their analysis settings or are not non-negative";
        return false;
    }
    std::lock_guard<std::mutex> lock(modelMutex_);
    auto& s = slots_[static_cast<size_t>(slot)];
    auto& sourceName = library.sources.front().name;
    if (!sourceName.empty())
        s.name = juce::String(sourceName);
    // Learned templates carry the slot's free-text label: made a portable name, so the
    // state (serialize) and saved libraries load again.
    sourceName = demix::portableSourceName(s.name.toStdString());
    s.library = std::move(library);
    s.shippedKey.clear();
    try {
        rebuildLocked();
    } catch (const std::exception& e) {
        s.library.reset();
        rebuildLocked();
        publishNamesLocked();
        message = juce::String("the templates cannot be used: ") + e.what();
        return false;
    }
    publishNamesLocked();
    message = "loaded " + juce::String(components) + " templates into " + s.name;
    return true;
}

void DemixProcessor::clearSlot(int slot)
{
    if (slot < 0 || slot >= kNumNamedSources)
        return;
    std::lock_guard<std::mutex> lock(modelMutex_);
    slots_[static_cast<size_t>(slot)].library.reset();
    slots_[static_cast<size_t>(slot)].shippedKey.clear();
    rebuildLocked();
}

void DemixProcessor::clearAllSources()
{
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        emptySlotsLocked();
        rebuildLocked();
        publishNamesLocked();
    }
    setStatus("all sources cleared: load a library, press Learn on a source, or Default sources");
}

void DemixProcessor::loadDefaultSources()
{
    juce::StringArray names;
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        loadDefaultSourcesLocked();
        for (const auto& slot : slots_)
            if (slot.shippedKey.isNotEmpty())
                names.add(slot.name);
    }
    setStatus(names.isEmpty() ? juce::String("the default sources are missing from this build")
                              : "default sources: " + names.joinIntoString(", ") + " (everything else: Other)");
}

void DemixProcessor::emptySlotsLocked()
{
    for (int s = 0; s < kNumNamedSources; ++s)
        slots_[static_cast<size_t>(s)] = Slot{defaultSlotName(s), std::nullopt, {}};
}

void DemixProcessor::loadDefaultSourcesLocked()
{
    emptySlotsLocked();
    const auto& defaults = defaultSources();
    for (size_t s = 0; s < defaults.size() && s < slots_.size(); ++s)
        slots_[s] = Slot{defaults[s].key, defaults[s].library, defaults[s].key};
    rebuildLocked();
    publishNamesLocked();
}

bool DemixProcessor::hasAnySource() const
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.library.has_value(); });
}

void DemixProcessor::publishNamesLocked()
{
    bool changed = false;
    for (int s = 0; s < kNumNamedSources; ++s)
        changed = names_.set(s, slots_[static_cast<size_t>(s)].name) || changed;
    if (changed && names_.followNames())
        triggerAsyncUpdate();
}

void DemixProcessor::handleAsyncUpdate()
{
    updateHostDisplay(ChangeDetails().withParameterInfoChanged(true));
}

bool DemixProcessor::loadLibrary(int slot, const juce::File& file, juce::String& message)
{
    demix::TemplateLibrary library;
    try {
        library = demix::TemplateLibrary::load(file.getFullPathName().toStdString());
    } catch (const std::exception& e) {
        message = e.what();
        setStatus(message);
        return false;
    }
    int loaded = 0;
    int target = slot;
    for (const auto& source : library.sources) {
        // The first source goes where asked; the others into the next empty slots.
        if (loaded > 0) {
            std::lock_guard<std::mutex> lock(modelMutex_);
            while (target < kNumNamedSources && slots_[static_cast<size_t>(target)].library)
                ++target;
        }
        if (target >= kNumNamedSources) {
            message = "loaded " + juce::String(loaded) + " of " + juce::String(static_cast<int>(library.sources.size()))
                      + " sources: no empty source slot left";
            setStatus(message);
            return loaded > 0;
        }
        demix::TemplateLibrary one;
        one.settings = library.settings;
        one.sources.push_back(source);
        if (!setSlotTemplates(target, std::move(one), message)) {
            setStatus(file.getFileName() + ": " + message);
            return false;
        }
        ++loaded;
        ++target;
    }
    message = "loaded " + juce::String(loaded) + " source(s) from " + file.getFileName();
    setStatus(message);
    return loaded > 0;
}

bool DemixProcessor::saveLibrary(int slot, const juce::File& file, juce::String& message)
{
    demix::TemplateLibrary library;
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        if (slot >= 0) {
            if (slot >= kNumNamedSources || !slots_[static_cast<size_t>(slot)].library) {
                message = "this source has no templates to save";
                return false;
            }
            library = *slots_[static_cast<size_t>(slot)].library;
            library.sources.front().name = demix::portableSourceName(slots_[static_cast<size_t>(slot)].name.toStdString());
        } else {
            library.settings = format_.analysis();
            for (int s = 0; s < kNumNamedSources; ++s) {
                const auto& entry = slots_[static_cast<size_t>(s)];
                if (!entry.library)
                    continue;
                juce::String note;
                demix::SourceTemplates source;
                source.name = demix::portableSourceName(entry.name.toStdString());
                source.templates = fitTemplates(entry.library->settings, entry.library->sources.front().templates,
                                                format_, note);
                library.sources.push_back(std::move(source));
            }
            if (library.sources.empty()) {
                message = "no source has templates to save";
                return false;
            }
        }
    }
    try {
        library.save(file.getFullPathName().toStdString());
    } catch (const std::exception& e) {
        message = e.what();
        setStatus(message);
        return false;
    }
    message = "saved " + juce::String(static_cast<int>(library.sources.size())) + " source(s) to " + file.getFileName();
    setStatus(message);
    return true;
}

// --- learning ---------------------------------------------------------------------------------

void DemixProcessor::setLearnComponents(int components) noexcept
{
    learnComponents_.store(std::clamp(components, 1, kMaxComponentsPerSource));
}

bool DemixProcessor::startRecording(int slot, juce::String& message)
{
    if (slot < 0 || slot >= kNumNamedSources) {
        message = "only named sources can learn";
        return false;
    }
    if (learner_.busy()) {
        message = "still learning another source: wait or cancel";
        return false;
    }
    {
        std::lock_guard<std::mutex> lock(recorderMutex_);
        recorder_.start(slot);
    }
    message = "recording " + slotInfo(slot).name + ": play the part alone, then press Stop";
    setStatus(message);
    return true;
}

bool DemixProcessor::stopRecordingAndLearn(juce::String& message)
{
    const int slot = recorder_.recordingSlot();
    if (slot < 0) {
        message = "nothing is being recorded";
        return false;
    }
    demix::AudioBuffer clip;
    {
        std::lock_guard<std::mutex> lock(recorderMutex_);
        const int n = recorder_.stop();
        clip = recorder_.copy(n);
    }
    const auto format = this->format();
    const double seconds = static_cast<double>(clip.numSamples()) / format.sampleRate;
    if (static_cast<int>(clip.numSamples()) < 8 * format.stft.fftSize) {
        message = "recording too short (" + juce::String(seconds, 2)
                  + " s): press Learn, play at least a second of the part alone, then press Stop";
        setStatus(message);
        return false;
    }
    double energy = 0.0;
    for (const auto& channel : clip.channels)
        for (float v : channel)
            energy += static_cast<double>(v) * v;
    if (energy / static_cast<double>(clip.numSamples() * clip.numChannels()) < 1e-10) {
        message = learnFromSidechain() ? "the recording is silent: is the sidechain connected?"
                                       : "the recording is silent: nothing to learn";
        setStatus(message);
        return false;
    }
    clip.sampleRate = format.sampleRate;

    demix::SeparationSettings settings;
    // Templates are learned on the plain Hann grid of the separation's FFT size (not with
    // its low-delay windows), so a library does not depend on the latency mode.
    settings.stft = format.stft;
    settings.stft.synthesisLength = 0;
    settings.nmf.components = learnComponents();
    settings.nmf.maxIterations = 200;
    settings.nmf.seed = static_cast<std::uint64_t>(slot) + 1;
    settings.nmf.threads = 1;
    settings.threads = 1;  // leave the other cores to the DAW
    // The real-time solve uses one template set per source (the streaming separator takes
    // the first), so further restarts would only cost learning time and state size.
    settings.learningRestarts = 1;
    const auto name = slotInfo(slot).name.toStdString();
    learner_.start(slot, std::move(clip), name, learnComponents(), settings,
                   [this](int s, std::optional<demix::TemplateLibrary> library, std::string text) {
                       onLearned(s, std::move(library), text);
                   });
    message = "learning " + juce::String(name) + " from " + juce::String(seconds, 1) + " s";
    setStatus(message);
    return true;
}

void DemixProcessor::onLearned(int slot, std::optional<demix::TemplateLibrary> library, const std::string& text)
{
    if (!library) {
        setStatus(juce::String(text));
        return;
    }
    juce::String message;
    if (setSlotTemplates(slot, std::move(*library), message))
        setStatus(juce::String(text));
    else
        setStatus(message);
}

void DemixProcessor::cancelLearning()
{
    {
        std::lock_guard<std::mutex> lock(recorderMutex_);
        recorder_.stop();
    }
    learner_.cancel();
}

// --- queries -----------------------------------------------------------------------------------

EngineFormat DemixProcessor::format() const
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    return format_;
}

std::shared_ptr<const EngineModel> DemixProcessor::model() const
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    return model_;
}

juce::String DemixProcessor::status() const
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    return status_;
}

void DemixProcessor::setStatus(const juce::String& text)
{
    std::lock_guard<std::mutex> lock(modelMutex_);
    status_ = text;
}

float DemixProcessor::takeSlotPeak(int slot) noexcept
{
    if (slot < 0 || slot >= kNumSlots)
        return 0.0f;
    return slotPeak_[static_cast<size_t>(slot)].exchange(0.0f, std::memory_order_relaxed);
}

void DemixProcessor::timerCallback()
{
    // A latency mode switch takes effect at once: a separator for the new analysis grid is
    // handed to the audio thread (crossfaded in), and the new latency is reported to the
    // host now (setLatencySamples notifies it: VST3 restartComponent(kLatencyChanged)),
    // so the host re-compensates without deactivating the plugin.
    int newLatency = -1;
    {
        std::lock_guard<std::mutex> lock(modelMutex_);
        swap_.collectGarbage();
        const bool lowLatency = params_.lowLatency->get();
        if (lowLatency != preparedLowLatency_) {
            preparedLowLatency_ = lowLatency;
            format_ = engineFormat(format_.sampleRate, format_.numChannels, lowLatency);
            try {
                rebuildLocked();
            } catch (const std::exception& e) {
                status_ = juce::String("templates cannot be used in this mode: ") + e.what();
            }
            newLatency = format_.latency();
        }
    }
    if (newLatency >= 0)
        setLatencySamples(newLatency);
}

// --- state -------------------------------------------------------------------------------------

juce::ValueTree DemixProcessor::stateTree() const
{
    juce::ValueTree tree(kStateType);
    tree.setProperty("version", static_cast<int>(kStateVersion), nullptr);
    tree.setProperty("learnFromSidechain", learnFromSidechain(), nullptr);
    tree.setProperty("learnComponents", learnComponents(), nullptr);
    tree.appendChild(const_cast<juce::AudioProcessorValueTreeState&>(apvts_).copyState(), nullptr);
    std::lock_guard<std::mutex> lock(modelMutex_);
    for (int s = 0; s < kNumNamedSources; ++s) {
        const auto& slot = slots_[static_cast<size_t>(s)];
        juce::ValueTree source("Source");
        source.setProperty("index", s, nullptr);
        source.setProperty("name", slot.name, nullptr);
        if (slot.shippedKey.isNotEmpty()) {
            // A default source is stored by its key: the templates ship with the plugin.
            source.setProperty("shipped", slot.shippedKey, nullptr);
        } else if (slot.library) {
            const auto bytes = slot.library->serialize();
            source.setProperty("templates", juce::var(juce::MemoryBlock(bytes.data(), bytes.size())), nullptr);
        }
        tree.appendChild(source, nullptr);
    }
    return tree;
}

void DemixProcessor::getStateInformation(juce::MemoryBlock& destData)
{
    destData = encodeState(stateTree());
}

void DemixProcessor::setStateInformation(const void* data, int sizeInBytes)
{
    juce::String error;
    const auto tree = decodeState(data, sizeInBytes > 0 ? static_cast<size_t>(sizeInBytes) : 0, error);
    if (!tree.isValid()) {
        setStatus("state not loaded: " + error);
        return;
    }
    const auto parameters = tree.getChildWithName(apvts_.state.getType());
    if (!parameters.isValid()) {
        setStatus("state not loaded: it has no parameters");
        return;
    }
    // Parse every source before changing anything: a bad state changes nothing.
    std::array<Slot, kNumNamedSources> slots;
    for (int s = 0; s < kNumNamedSources; ++s)
        slots[static_cast<size_t>(s)].name = defaultSlotName(s);
    for (const auto& source : tree) {
        if (!source.hasType("Source"))
            continue;
        const int index = source.getProperty("index", -1);
        if (index < 0 || index >= kNumNamedSources) {
            setStatus("state not loaded: bad source index " + juce::String(index));
            return;
        }
        auto& slot = slots[static_cast<size_t>(index)];
        const auto name = source.getProperty("name").toString().trim();
        if (name.isNotEmpty())
            slot.name = name;
        if (source.hasProperty("shipped") && source.getProperty("templates").getBinaryData() == nullptr) {
            const auto key = source.getProperty("shipped").toString();
            const auto* shipped = findDefaultSource(key);
            if (shipped == nullptr) {
                setStatus("state not loaded: it uses the default source '" + key + "', which this build lacks");
                return;
            }
            slot.library = shipped->library;
            slot.shippedKey = key;
        } else if (const auto* block = source.getProperty("templates").getBinaryData()) {
            try {
                auto library = demix::TemplateLibrary::deserialize(
                    static_cast<const std::uint8_t*>(block->getData()), block->getSize());
                if (library.sources.size() != 1 || library.sources.front().templates.cols() > kMaxComponentsPerSource
                    || library.sources.front().templates.cols() < 1)
                    throw demix::LibraryError("unexpected number of sources or templates");
                slot.library = std::move(library);
            } catch (const std::exception& e) {
                setStatus("state not loaded: templates of " + slot.name + ": " + e.what());
                return;
            }
        }
    }

    apvts_.replaceState(parameters.createCopy());
    learnFromSidechain_.store(static_cast<bool>(tree.getProperty("learnFromSidechain", false)));
    setLearnComponents(tree.getProperty("learnComponents", demix::kRealtimeLearnComponents));
    std::lock_guard<std::mutex> lock(modelMutex_);
    slots_ = std::move(slots);
    status_ = "state restored";
    try {
        rebuildLocked();
    } catch (const std::exception& e) {
        status_ = juce::String("state restored, but its templates cannot be used: ") + e.what();
    }
    publishNamesLocked();
}

juce::AudioProcessorEditor* DemixProcessor::createEditor()
{
    return new DemixEditor(*this);
}

}  // namespace demix::plugin

// The plugin entry point JUCE's wrappers call.
juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter()
{
    return new demix::plugin::DemixProcessor();
}

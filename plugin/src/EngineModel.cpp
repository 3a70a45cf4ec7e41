#include "EngineModel.h"

namespace demix::plugin {

demix::AnalysisSettings EngineFormat::analysis() const
{
    demix::AnalysisSettings a;
    a.sampleRate = sampleRate;
    a.stft = stft;
    a.stft.synthesisLength = 0;  // libraries hold the plain Hann grid
    return a;
}

EngineFormat engineFormat(double sampleRate, int numChannels, bool lowLatency)
{
    EngineFormat format;
    format.sampleRate = sampleRate;
    format.numChannels = numChannels;
    format.latencyMode = lowLatency ? demix::RealtimeLatency::Low : demix::RealtimeLatency::Normal;
    format.stft = demix::realtimeStft(sampleRate, format.latencyMode);
    return format;
}

demix::StftSettings stftFor(double sampleRate, bool lowLatency)
{
    return demix::realtimeStft(sampleRate, lowLatency ? demix::RealtimeLatency::Low : demix::RealtimeLatency::Normal);
}

namespace {

demix::RealtimeSource realtimeSource(const demix::TemplateLibrary& library)
{
    demix::RealtimeSource source;
    source.name = library.sources.front().name;
    source.learnedWith = library.settings;
    source.templates = library.sources.front().templates;
    return source;
}

juce::String resampledNote(const demix::AnalysisSettings& learnedWith, const EngineFormat& format)
{
    juce::String note = "resampled from " + juce::String(learnedWith.sampleRate, 0) + " Hz / FFT "
                        + juce::String(learnedWith.stft.fftSize) + " to " + juce::String(format.sampleRate, 0)
                        + " Hz / FFT " + juce::String(format.stft.fftSize);
    if (learnedWith.sampleRate < format.sampleRate)
        note << " (no template energy above " << juce::String(learnedWith.sampleRate / 2000.0, 1) << " kHz)";
    return note;
}

}  // namespace

demix::Matrix fitTemplates(const demix::AnalysisSettings& learnedWith,
                           const demix::Matrix& templates, const EngineFormat& format,
                           juce::String& note)
{
    demix::RealtimeSource source;
    source.learnedWith = learnedWith;
    source.templates = templates;
    bool resampled = false;
    auto W = demix::fitRealtimeTemplates(source, format.sampleRate, format.stft, &resampled);
    note = resampled ? resampledNote(learnedWith, format) : juce::String();
    return W;
}

std::shared_ptr<const EngineModel> buildModel(
    const std::array<const demix::TemplateLibrary*, kNumNamedSources>& libraries,
    const EngineFormat& format, std::uint32_t generation)
{
    std::vector<demix::RealtimeSource> named;
    std::vector<int> namedSlot;
    for (int slot = 0; slot < kNumNamedSources; ++slot) {
        const auto* library = libraries[static_cast<size_t>(slot)];
        if (library == nullptr || library->sources.empty())
            continue;
        named.push_back(realtimeSource(*library));
        namedSlot.push_back(slot);
    }
    auto model = std::make_shared<EngineModel>();
    static_cast<demix::RealtimeModel&>(*model) =
        demix::buildRealtimeModel(named, format.sampleRate, format.latencyMode, format.numChannels);
    model->format = format;
    model->generation = generation;
    model->sourceOfSlot.fill(-1);
    model->firstComponent.fill(0);
    model->componentCount.fill(0);
    namedSlot.push_back(kResidualSlot);
    for (size_t source = 0; source < namedSlot.size(); ++source) {
        const int slot = namedSlot[source];
        const auto& group = model->groups[source];
        model->sourceOfSlot[static_cast<size_t>(slot)] = static_cast<int>(source);
        model->firstComponent[static_cast<size_t>(slot)] = group.front();
        model->componentCount[static_cast<size_t>(slot)] = static_cast<int>(group.size());
        if (source + 1 < namedSlot.size() && model->resampled[source])
            model->notes[static_cast<size_t>(slot)] = resampledNote(named[source].learnedWith, format);
    }
    return model;
}

}  // namespace demix::plugin

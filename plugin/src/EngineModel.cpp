#include "EngineModel.h"

#include <algorithm>
#include <cmath>

namespace demix::plugin {

demix::AnalysisSettings EngineFormat::analysis() const
{
    demix::AnalysisSettings a;
    a.sampleRate = sampleRate;
    a.stft = stft;
    return a;
}

demix::StftSettings stftFor(double sampleRate, bool lowLatency)
{
    const int base = lowLatency ? 1024 : 2048;
    const double octaves = std::round(std::log2(std::max(sampleRate, 1.0) / 44100.0));
    const double scale = std::pow(2.0, std::clamp(octaves, -1.0, 2.0));
    demix::StftSettings s;
    s.fftSize = static_cast<int>(base * scale);
    s.hop = s.fftSize / 4;
    s.window = demix::WindowType::Hann;
    return s;
}

namespace {

void normaliseColumns(demix::Matrix& W)
{
    for (int k = 0; k < W.cols(); ++k) {
        const float sum = W.col(k).sum();
        if (sum > 0.0f)
            W.col(k) /= sum;
    }
}

}  // namespace

juce::String resamplingNote(const demix::AnalysisSettings& learnedWith, const EngineFormat& format)
{
    if (demix::sameFrequencyGrid(learnedWith.sampleRate, learnedWith.stft.fftSize, format.sampleRate,
                                 format.stft.fftSize))
        return {};
    juce::String note = "resampled from " + juce::String(learnedWith.sampleRate, 0) + " Hz / FFT "
                        + juce::String(learnedWith.stft.fftSize) + " to " + juce::String(format.sampleRate, 0)
                        + " Hz / FFT " + juce::String(format.stft.fftSize);
    if (learnedWith.sampleRate < format.sampleRate)
        note << " (no template energy above " << juce::String(learnedWith.sampleRate / 2000.0, 1) << " kHz)";
    return note;
}

demix::Matrix fitTemplates(const demix::AnalysisSettings& learnedWith,
                           const demix::Matrix& templates, const EngineFormat& format,
                           juce::String& note)
{
    // The engine maps the frequency axis (and normalises the columns); the plugin only
    // says so.
    note = resamplingNote(learnedWith, format);
    return demix::resampleTemplates(templates, learnedWith.sampleRate, learnedWith.stft.fftSize,
                                    format.sampleRate, format.stft.fftSize);
}

demix::Matrix residualTemplates(const EngineFormat& format)
{
    const int bins = format.stft.bins();
    const double nyquist = format.sampleRate / 2.0;
    const double lowHz = 40.0;
    const double octaves = std::log2(nyquist / lowHz);
    const double spacing = octaves / (kResidualComponents - 1);
    demix::Matrix W(bins, kResidualComponents);
    for (int k = 0; k < kResidualComponents; ++k) {
        const double centre = k * spacing;  // octaves above lowHz
        for (int j = 0; j < bins; ++j) {
            const double hz = std::max(j * format.sampleRate / format.stft.fftSize, lowHz / 2);
            const double d = (std::log2(hz / lowHz) - centre) / spacing;
            // Gaussian in log-frequency plus a small floor so every bin is explained.
            W(j, k) = static_cast<float>(std::exp(-0.5 * d * d) + 1e-3);
        }
    }
    normaliseColumns(W);
    return W;
}

std::shared_ptr<const EngineModel> buildModel(
    const std::array<const demix::TemplateLibrary*, kNumNamedSources>& libraries,
    const EngineFormat& format, std::uint32_t generation)
{
    auto model = std::make_shared<EngineModel>();
    model->format = format;
    model->generation = generation;
    model->sourceOfSlot.fill(-1);
    model->firstComponent.fill(0);
    model->componentCount.fill(0);

    std::vector<demix::Matrix> parts;
    std::vector<int> partSlot;
    for (int slot = 0; slot < kNumNamedSources; ++slot) {
        const auto* library = libraries[static_cast<size_t>(slot)];
        if (library == nullptr || library->sources.empty())
            continue;
        const auto& source = library->sources.front();
        parts.push_back(fitTemplates(library->settings, source.templates, format,
                                     model->notes[static_cast<size_t>(slot)]));
        partSlot.push_back(slot);
    }
    parts.push_back(residualTemplates(format));
    partSlot.push_back(kResidualSlot);

    int total = 0;
    for (const auto& p : parts)
        total += static_cast<int>(p.cols());
    model->W.resize(format.stft.bins(), total);
    int column = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        const int slot = partSlot[i];
        const int k = static_cast<int>(parts[i].cols());
        model->W.middleCols(column, k) = parts[i];
        std::vector<int> group(static_cast<size_t>(k));
        for (int c = 0; c < k; ++c)
            group[static_cast<size_t>(c)] = column + c;
        model->sourceOfSlot[static_cast<size_t>(slot)] = static_cast<int>(model->groups.size());
        model->firstComponent[static_cast<size_t>(slot)] = column;
        model->componentCount[static_cast<size_t>(slot)] = k;
        model->groups.push_back(std::move(group));
        column += k;
    }
    return model;
}

}  // namespace demix::plugin

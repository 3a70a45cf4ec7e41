#include "model/Decompose.hpp"

#include "model/AudioFile.hpp"

namespace demix::app {

namespace {

/// Maps a sub-task's progress [0, 1] into [begin, end] of the whole run.
ProgressCallback subRange(const ProgressCallback& progress, double begin, double end)
{
    if (!progress)
        return {};
    return [progress, begin, end](double fraction, const std::string& stage) {
        return progress(begin + (end - begin) * juce::jlimit(0.0, 1.0, fraction), stage);
    };
}

}  // namespace

AnalysisSettings analysisFor(const AudioBuffer& mix, const AppSettings& settings)
{
    AnalysisSettings analysis;
    analysis.sampleRate = mix.sampleRate;
    analysis.stft = settings.separation.stft;
    analysis.objective = settings.separation.nmf.objective;
    analysis.beta = settings.separation.nmf.beta;
    return analysis;
}

TemplateLibrary buildLibrary(const AudioBuffer& mix, const AppSettings& settings,
                             const ProgressCallback& progress)
{
    const auto& m = settings.method;
    const AnalysisSettings analysis = analysisFor(mix, settings);
    const int steps = static_cast<int>(m.learned.size()) + 1;

    TemplateLibrary library;
    library.settings = analysis;
    for (const auto& path : m.libraries) {
        const juce::File file(path);
        const std::string label = "library '" + file.getFileName().toStdString() + "'";
        if (!file.existsAsFile())
            throw LibraryError("Cannot open " + label + ": the file does not exist");
        TemplateLibrary loaded = TemplateLibrary::load(path);
        // A library from another sample rate is mapped onto this file's frequency grid
        // (the FFT size, hop and window must still be the session's).
        if (loaded.settings.sampleRate != analysis.sampleRate)
            loaded = resampleLibrary(loaded, analysis.sampleRate, loaded.settings.stft);
        checkCompatible(loaded.settings, analysis, label);
        library.merge(loaded, label);
    }
    for (size_t i = 0; i < m.learned.size(); ++i) {
        const auto& spec = m.learned[i];
        AudioBuffer clip;
        if (spec.file.empty())
            clip = mix;
        else {
            clip = readAudioFile(juce::File(spec.file));
            if (clip.sampleRate != mix.sampleRate)
                throw LibraryError("Cannot learn '" + spec.name + "' from '" + spec.file
                                   + "': its sample rate " + std::to_string(int(clip.sampleRate))
                                   + " Hz differs from the mix's "
                                   + std::to_string(int(mix.sampleRate)) + " Hz");
        }
        if (spec.endSeconds > spec.startSeconds)
            clip = sliceSeconds(clip, spec.startSeconds, spec.endSeconds);
        const TemplateLibrary learned =
            learnTemplates({clip}, spec.name, spec.components, settings.separation,
                           subRange(progress, double(i) / steps, double(i + 1) / steps));
        library.merge(learned, "learned source '" + spec.name + "'");
    }
    if (library.sources.empty())
        throw InvalidArgument("No templates: add a template library or learn a source first");
    return library;
}

Decomposition decompose(const AudioBuffer& mix, const AppSettings& settings,
                        const ProgressCallback& progress,
                        const std::function<void(int iteration, double objective)>& onObjective)
{
    settings.validate();
    if (mix.numSamples() == 0)
        throw InvalidArgument("Open an audio file first");
    // Only the final NMF is observed (buildLibrary's learning runs use settings.separation).
    SeparationSettings separation = settings.separation;
    separation.onObjective = onObjective;
    const auto& m = settings.method;
    if (m.method == Method::Unsupervised)
        return decomposeUnsupervised(mix, m.components, m.sources, separation, progress);

    const int steps = static_cast<int>(m.learned.size()) + 1;
    const double split = double(steps - 1) / steps;
    const TemplateLibrary library = buildLibrary(mix, settings, subRange(progress, 0.0, split));
    if (m.method == Method::GroupedByLibrary)  // the engine refuses one source or K < sources
        return decomposeGroupedByLibrary(mix, m.components, library, separation,
                                         subRange(progress, split, 1.0));
    const int free = m.method == Method::SemiSupervised ? m.freeComponents : 0;
    return decomposeSupervised(mix, library, free, separation, subRange(progress, split, 1.0));
}

}  // namespace demix::app

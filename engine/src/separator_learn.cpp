// learnTemplates: one source's templates from isolated clips.

#include "separator_common.hpp"

namespace demix {

TemplateLibrary learnTemplates(const std::vector<AudioBuffer>& clips, const std::string& name,
                               int components, const SeparationSettings& settings,
                               const ProgressCallback& progress) {
    if (clips.empty()) throw InvalidArgument("learning '" + name + "' needs at least one clip");
    if (components < 1) {
        throw InvalidArgument("learning '" + name + "' needs at least 1 component, got " +
                              std::to_string(components));
    }
    for (std::size_t i = 0; i < clips.size(); ++i) {
        detail::checkAudio(clips[i], "training clip " + std::to_string(i + 1) + " of '" + name + "'");
        if (clips[i].sampleRate != clips.front().sampleRate) {
            throw InvalidArgument("training clips of '" + name + "' differ in sample rate (" +
                                  std::to_string(clips.front().sampleRate) + " Hz and " +
                                  std::to_string(clips[i].sampleRate) + " Hz)");
        }
    }
    const Stft stft(settings.stft);

    // Every channel of every clip is one more stretch of observations of the source:
    // their magnitude frames are concatenated along time.
    Eigen::Index frames = 0;
    for (const AudioBuffer& clip : clips) {
        frames += static_cast<Eigen::Index>(clip.numChannels()) * stft.frameCount(clip.numSamples());
    }
    const detail::StageProgress analysing(progress, "analysing", 0.0, 0.05);
    Matrix V(settings.stft.bins(), frames);
    Eigen::Index column = 0;
    for (std::size_t i = 0; i < clips.size(); ++i) {
        analysing.report(static_cast<double>(i) / clips.size());
        for (const std::vector<float>& channel : clips[i].channels) {
            const ComplexMatrix X = stft.forward(channel.data(), channel.size());
            V.middleCols(column, X.cols()) = X.cwiseAbs();
            column += X.cols();
        }
    }
    if (!(V.maxCoeff() > 0.0f)) {
        throw InvalidArgument("the training clips of '" + name + "' are silent: nothing to learn");
    }

    const detail::StageProgress learning(progress, "learning", 0.05, 0.95);
    NmfSettings nmf = detail::nmfSettingsFor(settings, components);
    nmf.accelerate = settings.accelerateLearning;
    NmfResult result = detail::runNmf(V, nmf, {}, learning, settings.onObjective);
    detail::normaliseColumns(result.W);

    TemplateLibrary library;
    library.settings = detail::analysisFor(clips.front().sampleRate, settings);
    library.sources.push_back({name, std::move(result.W)});
    return library;
}

}  // namespace demix

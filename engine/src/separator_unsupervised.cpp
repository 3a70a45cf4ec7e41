// decomposeUnsupervised: K free components, grouped automatically into sources.

#include "separator_common.hpp"

namespace demix {

Decomposition decomposeUnsupervised(const AudioBuffer& mix, int components, int sources,
                                    const SeparationSettings& settings,
                                    const ProgressCallback& progress) {
    detail::checkAudio(mix, "the mix");
    if (components < 1) {
        throw InvalidArgument("unsupervised separation needs at least 1 component, got " +
                              std::to_string(components));
    }
    if (sources < 0 || sources > components) {
        throw InvalidArgument("cannot group " + std::to_string(components) +
                              " components into " + std::to_string(sources) + " sources");
    }
    const AnalysisSettings analysis = detail::analysisFor(mix.sampleRate, settings);
    const Stft stft(settings.stft);

    const detail::StageProgress analysing(progress, "analysing", 0.0, 0.05);
    Matrix V = detail::meanMagnitude(mix, stft, analysing, settings.threads);

    const detail::StageProgress separating(progress, "separating", 0.05, 0.9);
    NmfResult result =
        detail::runNmf(V, detail::nmfSettingsFor(settings, components), {}, separating,
                       settings.onObjective);

    const detail::StageProgress grouping(progress, "grouping", 0.95, 0.05);
    ComponentGroups groups;
    std::vector<std::string> names;
    if (sources == 0) {
        for (int k = 0; k < components; ++k) {
            groups.push_back({k});
            names.push_back("component-" + std::to_string(k + 1));
        }
    } else {
        groups = groupComponents(result.W, result.H, sources, settings.nmf.seed);
        for (int s = 0; s < sources; ++s) names.push_back("source-" + std::to_string(s + 1));
    }
    grouping.report(1.0);
    return detail::makeDecomposition(analysis, std::move(V), std::move(result), std::move(groups),
                                     std::move(names));
}

}  // namespace demix

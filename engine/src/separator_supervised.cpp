// decomposeSupervised: frozen library templates (+ free "residual" components).

#include "separator_common.hpp"

namespace demix {
namespace {

std::string uniqueName(const TemplateLibrary& library, std::string name) {
    const std::string base = name;
    for (int i = 2; library.find(name) >= 0; ++i) name = base + "-" + std::to_string(i);
    return name;
}

}  // namespace

Decomposition decomposeSupervised(const AudioBuffer& mix, const TemplateLibrary& library,
                                  int freeComponents, const SeparationSettings& settings,
                                  const ProgressCallback& progress) {
    detail::checkAudio(mix, "the mix");
    if (freeComponents < 0) {
        throw InvalidArgument("free components must be >= 0, got " +
                              std::to_string(freeComponents));
    }
    if (library.sources.empty() && freeComponents == 0) {
        throw InvalidArgument("the template library has no sources and no free components were asked for");
    }
    const AnalysisSettings analysis = detail::analysisFor(mix.sampleRate, settings);
    checkCompatible(library.settings, analysis, "the template library");
    const Stft stft(settings.stft);
    const Eigen::Index bins = settings.stft.bins();
    for (const SourceTemplates& source : library.sources) {
        if (source.templates.rows() != bins || source.templates.cols() < 1) {
            throw LibraryError("source '" + source.name + "' of the template library has " +
                               std::to_string(source.templates.rows()) + " x " +
                               std::to_string(source.templates.cols()) +
                               " templates; the analysis needs " + std::to_string(bins) +
                               " bins and at least one template");
        }
    }

    const detail::StageProgress analysing(progress, "analysing", 0.0, 0.05);
    Matrix V = detail::meanMagnitude(mix, stft, analysing);

    const int fixed = library.totalComponents();
    const int components = fixed + freeComponents;
    Matrix W(bins, components);
    ComponentGroups groups;
    std::vector<std::string> names;
    int k = 0;
    for (const SourceTemplates& source : library.sources) {
        const int count = static_cast<int>(source.templates.cols());
        W.middleCols(k, count) = source.templates;
        groups.emplace_back();
        for (int i = 0; i < count; ++i) groups.back().push_back(k + i);
        names.push_back(source.name);
        k += count;
    }
    if (freeComponents > 0) {
        Matrix Wfree, Hfree;
        initialise(V, freeComponents, settings.nmf.init, settings.nmf.seed, Wfree, Hfree);
        detail::normaliseColumns(Wfree);
        W.rightCols(freeComponents) = Wfree;
        groups.emplace_back();
        for (int i = 0; i < freeComponents; ++i) groups.back().push_back(fixed + i);
        names.push_back(uniqueName(library, "residual"));
    }
    // Templates have unit L1 norm, so h = (frame's magnitude sum) / K reproduces each
    // frame's level: a neutral start that MU refines (silent frames stay exactly zero).
    Matrix H(components, V.cols());
    H.rowwise() = V.colwise().sum() / static_cast<float>(components);
    NmfInit init;
    init.W = std::move(W);
    init.H = std::move(H);
    init.freezeW.assign(static_cast<std::size_t>(components), false);
    std::fill(init.freezeW.begin(), init.freezeW.begin() + fixed, true);

    const detail::StageProgress separating(progress, "separating", 0.05, 0.95);
    NmfResult result =
        detail::runNmf(V, detail::nmfSettingsFor(settings, components), init, separating,
                       settings.onObjective);
    return detail::makeDecomposition(analysis, std::move(V), std::move(result), std::move(groups),
                                     std::move(names));
}

}  // namespace demix

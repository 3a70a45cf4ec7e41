// decomposeUnsupervised: K free components, grouped automatically into sources; with
// SeparationSettings::unsupervisedRestarts > 1 an ensemble of factorisations (decomposeFree).

#include "separator_common.hpp"

namespace demix {

namespace detail {

Decomposition decomposeFree(const AudioBuffer& mix, int components, int members,
                            const SeparationSettings& settings, const ProgressCallback& progress,
                            const MemberGrouping& group, bool anonymous,
                            std::vector<std::string> names) {
    const AnalysisSettings analysis = analysisFor(mix.sampleRate, settings);
    const Stft stft(settings.stft);

    const StageProgress analysing(progress, "analysing", 0.0, 0.05);
    Matrix V = meanMagnitude(mix, stft, analysing, settings.threads);

    // Which local optimum the random start finds changes the separation; averaging the
    // models of several starts removes part of that variance (docs/quality.md).
    const double span = 0.95 / members;
    std::vector<Solved> solved;
    for (int m = 0; m < members; ++m) {
        const std::uint64_t seed = settings.nmf.seed + static_cast<std::uint64_t>(m);
        NmfSettings nmf = nmfSettingsFor(settings, components);
        nmf.seed = seed;
        const double base = 0.05 + span * m;
        const StageProgress separating(progress, "separating", base, span - 0.05 / members);
        NmfResult result = runNmf(V, nmf, {}, separating,
                                  m == 0 ? settings.onObjective : std::function<void(int, double)>());
        const StageProgress grouping(progress, "grouping", base + span - 0.05 / members,
                                     0.05 / members);
        Solved member{std::move(result), {}, names};
        member.groups = group(V, member.result, seed);
        if (anonymous && m > 0) {
            const std::vector<int> order = matchSources(solved.front(), member);
            ComponentGroups aligned;
            for (int s : order) aligned.push_back(member.groups[static_cast<std::size_t>(s)]);
            member.groups = std::move(aligned);
        }
        grouping.report(1.0);
        solved.push_back(std::move(member));
    }
    return ensembleDecomposition(analysis, std::move(V), std::move(solved));
}

void checkRestarts(const SeparationSettings& settings) {
    if (settings.unsupervisedRestarts < 0) {
        throw InvalidArgument("unsupervised separation needs restarts >= 0 (0 = the default), got " +
                              std::to_string(settings.unsupervisedRestarts));
    }
}

}  // namespace detail

int unsupervisedRestartsFor(const SeparationSettings& settings, bool groupedByLibrary) {
    if (settings.unsupervisedRestarts > 0) return settings.unsupervisedRestarts;
    return groupedByLibrary ? 3 : 1;  // why: docs/quality.md, "Unsupervised separation"
}

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
    detail::checkRestarts(settings);
    std::vector<std::string> names;
    if (sources == 0) {
        // One source per component: components have no identity across random starts,
        // so there is no ensemble.
        for (int k = 0; k < components; ++k) names.push_back("component-" + std::to_string(k + 1));
        const detail::MemberGrouping single = [components](const Matrix&, NmfResult&,
                                                           std::uint64_t) {
            ComponentGroups groups;
            for (int k = 0; k < components; ++k) groups.push_back({k});
            return groups;
        };
        return detail::decomposeFree(mix, components, 1, settings, progress, single, false,
                                     std::move(names));
    }
    for (int s = 0; s < sources; ++s) names.push_back("source-" + std::to_string(s + 1));
    const detail::MemberGrouping ward = [sources](const Matrix&, NmfResult& nmf,
                                                  std::uint64_t seed) {
        return groupComponents(nmf.W, nmf.H, sources, seed);
    };
    return detail::decomposeFree(mix, components, unsupervisedRestartsFor(settings, false), settings,
                                 progress, ward, true, std::move(names));
}

}  // namespace demix

// decomposeSupervised: frozen library templates (+ free "residual" components).

#include "separator_common.hpp"

#include <algorithm>
#include <cmath>

namespace demix {
namespace {

std::string uniqueName(const TemplateLibrary& library, std::string name) {
    const std::string base = name;
    for (int i = 2; library.find(name) >= 0; ++i) name = base + "-" + std::to_string(i);
    return name;
}

using detail::Solved;

// One set of templates per source (+ free components): the frozen stage, then the
// anchored adaptation. Progress covers [0, 1] of `progress`.
Solved solveWithLibrary(const Matrix& V, const TemplateLibrary& library, int freeComponents,
                        const SeparationSettings& settings, const ProgressCallback& progress) {
    const Eigen::Index bins = V.rows();

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
    NmfInit init;
    init.W = std::move(W);
    init.H = detail::neutralActivations(V, components);
    init.freezeW.assign(static_cast<std::size_t>(components), false);
    std::fill(init.freezeW.begin(), init.freezeW.begin() + fixed, true);

    const bool adapt = settings.adaptIterations > 0 && fixed > 0 &&
                       settings.nmf.solver == Solver::Multiplicative;
    const detail::StageProgress separating(progress, "separating", 0.0, adapt ? 0.6 : 1.0);
    NmfSettings frozen = detail::nmfSettingsFor(settings, components);
    if (adapt && settings.frozenIterations > 0)
        frozen.maxIterations = std::min(frozen.maxIterations, settings.frozenIterations);
    // The frozen stage is a bounded warm start for the adaptation: how far it commits the
    // activations to the library's mismatches decides the split the adaptation finds
    // (docs/quality.md), so it runs plain MU, whose progress per iteration is
    // what frozenIterations was measured with (extrapolation would commit faster).
    if (adapt) frozen.accelerate = false;
    const bool capped = settings.frozenIterations > 0 &&
                        settings.frozenIterations < settings.nmf.maxIterations;
    if (adapt && capped && frozen.precision == Precision::Adaptive) {
        // A bounded stage from the neutral start: its objective is wanted at the start
        // and the end only (the curve; the adaptation continues from its end). Adaptive
        // precision stays in bf16 through such a stage (the objective still falls by far
        // more than 1e-3 of its value per iteration there), so it runs Bfloat16 without
        // the evaluations in between that would only confirm it (each costs about as
        // much as two iterations' products).
        frozen.precision = Precision::Bfloat16;
        frozen.evalEvery = std::max(1, frozen.maxIterations);
    }
    NmfResult result = detail::runNmf(V, frozen, init, separating, settings.onObjective);
    if (adapt) {
        // Semi-supervised refinement: every template may now move, anchored to where it
        // started (the library), so each source keeps its identity while its templates
        // fit this mix's notes and recording.
        NmfSettings refine = detail::nmfSettingsFor(settings, components);
        refine.maxIterations = settings.adaptIterations;
        refine.anchorW = settings.adaptAnchor;
        // Extrapolated (settings.nmf.accelerate) when every template comes from the
        // library (it then needs fewer iterations than plain MU). Free components are
        // anchored too, but only to where the short frozen stage left their random start,
        // not to a learned sound; extrapolated, they take over a library source's part
        // (docs/quality.md), so with them the stage stays plain.
        refine.accelerate = refine.accelerate && fixed == components;
        NmfInit start;
        start.W = std::move(result.W);
        start.H = std::move(result.H);
        // Same V, objective and penalties (the anchor is not part of the objective): the
        // first stage's last record is the objective this stage starts from.
        if (!result.objective.empty() && result.objectiveIterations.back() == result.iterations)
            start.objective = result.objective.back();
        const detail::StageProgress adapting(progress, "adapting", 0.6, 0.4);
        const int done = result.iterations;
        std::function<void(int, double)> onObjective;
        if (settings.onObjective) {
            // Iteration 0 of this stage is the state the first stage ended in: reported once.
            onObjective = [&](int iteration, double value) {
                if (iteration > 0) settings.onObjective(done + iteration, value);
            };
        }
        NmfResult adapted = detail::runNmf(V, refine, start, adapting, onObjective);
        // One objective curve for both stages, in overall iteration numbers.
        std::vector<double> curve = std::move(result.objective);
        std::vector<int> at = std::move(result.objectiveIterations);
        for (std::size_t i = 0; i < adapted.objective.size(); ++i) {
            if (adapted.objectiveIterations[i] == 0) continue;  // == the first stage's end
            curve.push_back(adapted.objective[i]);
            at.push_back(result.iterations + adapted.objectiveIterations[i]);
        }
        adapted.objective = std::move(curve);
        adapted.objectiveIterations = std::move(at);
        adapted.iterations += result.iterations;
        result = std::move(adapted);
    }
    return {std::move(result), std::move(groups), std::move(names)};
}

}  // namespace

Decomposition decomposeSupervised(const AudioBuffer& mix, const TemplateLibrary& library,
                                  int freeComponents, const SeparationSettings& settings,
                                  const ProgressCallback& progress) {
    detail::checkAudio(mix, "the mix");
    if (settings.frozenIterations < 0) {
        throw InvalidArgument("the frozen stage needs iterations >= 0 (0 = all), got " +
                              std::to_string(settings.frozenIterations));
    }
    if (settings.adaptIterations < 0 || !(settings.adaptAnchor >= 0.0f) ||
        !std::isfinite(settings.adaptAnchor)) {
        throw InvalidArgument("adaptation needs iterations >= 0 and an anchor >= 0, got " +
                              std::to_string(settings.adaptIterations) + " and " +
                              std::to_string(settings.adaptAnchor));
    }
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
        std::vector<const Matrix*> sets{&source.templates};
        for (const Matrix& set : source.alternates) sets.push_back(&set);
        for (const Matrix* set : sets) {
            if (set->rows() != bins || set->cols() < 1) {
                throw LibraryError("source '" + source.name + "' of the template library has " +
                                   std::to_string(set->rows()) + " x " +
                                   std::to_string(set->cols()) +
                                   " templates; the analysis needs " + std::to_string(bins) +
                                   " bins and at least one template");
            }
        }
    }

    const detail::StageProgress analysing(progress, "analysing", 0.0, 0.05);
    Matrix V = detail::meanMagnitude(mix, stft, analysing, settings.threads);

    // A library with alternate template sets is an ensemble: each member (one set per
    // source) separates the mix on its own, from the same neutral start; their models are
    // averaged (detail::ensembleDecomposition). Which local optimum a library's random
    // start found changes the separation; averaging over restarts removes most of that
    // variance (docs/quality.md).
    const int members = library.ensembleSize();
    std::vector<Solved> solved;
    for (int m = 0; m < members; ++m) {
        SeparationSettings member = settings;
        member.nmf.seed = settings.nmf.seed + static_cast<std::uint64_t>(m);  // free components
        if (m > 0) member.onObjective = nullptr;  // the first member's curve is reported
        const double share = 0.95 / members;
        solved.push_back(solveWithLibrary(V, members == 1 ? library : library.ensembleMember(m),
                                          freeComponents, member,
                                          detail::subProgress(progress, 0.05 + share * m, share)));
    }
    return detail::ensembleDecomposition(analysis, std::move(V), std::move(solved));
}

}  // namespace demix

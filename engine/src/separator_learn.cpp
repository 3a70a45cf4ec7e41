// learnTemplates: one source's templates from isolated clips.

#include "learn_validation.hpp"
#include "separator_common.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace demix {
namespace {

NmfSettings learningNmf(const SeparationSettings& settings, int components) {
    NmfSettings nmf = detail::nmfSettingsFor(settings, components);
    nmf.accelerate = settings.accelerateLearning;
    return nmf;
}

// K unit-L1 templates of V: settings.nmf's run on every frame.
Matrix plainTemplates(const Matrix& V, int components, const SeparationSettings& settings,
                      const detail::StageProgress& progress) {
    NmfResult result = detail::runNmf(V, learningNmf(settings, components), {}, progress,
                                      settings.onObjective);
    detail::normaliseColumns(result.W);
    return std::move(result.W);
}

void checkValidation(const LearningValidation& v) {
    if (!(v.blockSeconds > 0.0) || !std::isfinite(v.blockSeconds))
        throw InvalidArgument("held-out validation needs blocks longer than 0 s, got " +
                              std::to_string(v.blockSeconds));
    if (v.holdOutEvery < 2)
        throw InvalidArgument("held-out validation needs holdOutEvery >= 2, got " +
                              std::to_string(v.holdOutEvery));
    if (v.folds < 1)
        throw InvalidArgument("held-out validation needs folds >= 1, got " + std::to_string(v.folds));
    for (int k : v.componentChoices)
        if (k < 1)
            throw InvalidArgument("every candidate number of templates must be >= 1, got " +
                                  std::to_string(k));
}

// SeparationSettings::validation: early stopping (and K) chosen on held-out frames.
Matrix validatedTemplates(const Matrix& V, const std::string& name, int components,
                          double sampleRate, const SeparationSettings& settings,
                          const ProgressCallback& progress) {
    const LearningValidation& v = settings.validation;
    checkValidation(v);
    const int hop = settings.stft.hop;
    const int blockFrames =
        std::max(1, static_cast<int>(std::lround(v.blockSeconds * sampleRate / hop)));
    const int guard = std::max(0, (settings.stft.fftSize + hop - 1) / hop - 1);
    const detail::FrameSplit split = detail::splitFrames(V.cols(), blockFrames, v.holdOutEvery, guard);
    const std::vector<int> candidates =
        v.componentChoices.empty() ? std::vector<int>{components} : v.componentChoices;
    const int largest = *std::max_element(candidates.begin(), candidates.end());

    LearningChoice choice;
    choice.source = name;
    if (split.heldOut.empty() || static_cast<int>(split.fit.size()) < largest) {
        // Too short to hold anything out: learned as without validation.
        const detail::StageProgress learning(progress, "learning", 0.05, 0.95);
        choice.components = components;
        choice.iterations = -1;
        choice.fitFrames = static_cast<int>(V.cols());
        choice.heldOut = std::numeric_limits<double>::quiet_NaN();
        Matrix W = plainTemplates(V, components, settings, learning);
        if (settings.onLearningChoice) settings.onLearningChoice(choice);
        return W;
    }

    // Every fold: learned on its fitting frames, checked on its held-out ones; the curves
    // summed over folds (divergence × frames), a fold that stopped early keeping its last value.
    // (Folds whose blocks lie past the end of a short clip are left out.)
    std::vector<detail::FrameSplit> splits{split};
    for (int fold = 1; fold < std::min(v.folds, v.holdOutEvery); ++fold) {
        detail::FrameSplit s = detail::splitFrames(V.cols(), blockFrames, v.holdOutEvery, guard, fold);
        if (!s.heldOut.empty() && static_cast<int>(s.fit.size()) >= largest) splits.push_back(std::move(s));
    }
    const bool refit = v.refit || v.folds > 1;
    const double searchShare = refit ? 0.8 : 0.95;
    const double perRun = searchShare / static_cast<double>(candidates.size() * splits.size());
    detail::ValidatedRun best;
    int bestK = 0;
    int run = 0;
    for (int K : candidates) {
        detail::ValidatedRun combined;
        double heldFrames = 0.0;
        for (const detail::FrameSplit& s : splits) {
            const detail::StageProgress stage(progress, "learning", 0.05 + perRun * run++, perRun);
            stage.report(0.0);
            detail::ValidatedRun one = detail::learnValidated(
                detail::selectFrames(V, s.fit), detail::selectFrames(V, s.heldOut), K,
                learningNmf(settings, K), [&stage](double fraction) { stage.report(fraction); });
            const double frames = static_cast<double>(s.heldOut.size());
            heldFrames += frames;
            if (splits.size() == 1) {
                combined = std::move(one);
                break;
            }
            if (one.checkIterations.size() > combined.checkIterations.size()) {
                const double last = combined.heldOutCurve.empty() ? 0.0 : combined.heldOutCurve.back();
                combined.checkIterations = one.checkIterations;
                combined.heldOutCurve.resize(one.heldOutCurve.size(), last);
            }
            for (std::size_t i = 0; i < combined.heldOutCurve.size(); ++i)
                combined.heldOutCurve[i] +=
                    frames * one.heldOutCurve[std::min(i, one.heldOutCurve.size() - 1)];
        }
        if (splits.size() > 1) {
            for (double& value : combined.heldOutCurve) value /= heldFrames;
            const auto at = std::min_element(combined.heldOutCurve.begin(), combined.heldOutCurve.end());
            combined.bestHeldOut = *at;
            combined.bestIteration =
                combined.checkIterations[static_cast<std::size_t>(at - combined.heldOutCurve.begin())];
        }
        choice.candidateComponents.push_back(K);
        choice.candidateHeldOut.push_back(combined.bestHeldOut);
        choice.candidateIterations.push_back(combined.bestIteration);
        if (bestK == 0 || combined.bestHeldOut < best.bestHeldOut) {
            best = std::move(combined);
            bestK = K;
        }
    }
    choice.components = bestK;
    choice.iterations = best.bestIteration;
    choice.fitFrames = static_cast<int>(split.fit.size());
    choice.heldOutFrames = static_cast<int>(split.heldOut.size());
    choice.heldOut = best.bestHeldOut;
    choice.checkIterations = best.checkIterations;
    choice.heldOutCurve = best.heldOutCurve;

    Matrix W;
    if (refit) {
        // All frames, from the same seed, for exactly the chosen number of iterations.
        NmfSettings nmf = learningNmf(settings, bestK);
        nmf.maxIterations = best.bestIteration;
        nmf.tol = 0.0;
        const detail::StageProgress again(progress, "learning", 0.05 + searchShare,
                                          0.95 - searchShare);
        NmfResult result = detail::runNmf(V, nmf, {}, again, settings.onObjective);
        detail::normaliseColumns(result.W);
        W = std::move(result.W);
    } else {
        if (settings.onObjective)
            for (std::size_t i = 0; i < best.fitIterations.size(); ++i)
                if (best.fitIterations[i] <= best.bestIteration)
                    settings.onObjective(best.fitIterations[i], best.fitObjective[i]);
        W = std::move(best.W);
    }
    if (settings.onLearningChoice) settings.onLearningChoice(choice);
    return W;
}

}  // namespace

TemplateLibrary learnTemplates(const std::vector<AudioBuffer>& clips, const std::string& name,
                               int components, const SeparationSettings& settings,
                               const ProgressCallback& progress) {
    if (clips.empty()) throw InvalidArgument("learning '" + name + "' needs at least one clip");
    if (components < 1) {
        throw InvalidArgument("learning '" + name + "' needs at least 1 component, got " +
                              std::to_string(components));
    }
    if (settings.learningRestarts < 1) {
        throw InvalidArgument("learning '" + name + "' needs at least 1 restart, got " +
                              std::to_string(settings.learningRestarts));
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

    // Every restart is learned like a single start from its own seed; only the first one
    // reports its objective curve and learning choice (the later ones repeat the method).
    TemplateLibrary library;
    library.settings = detail::analysisFor(clips.front().sampleRate, settings);
    library.sources.push_back({name, Matrix(), {}});
    const int restarts = settings.learningRestarts;
    for (int r = 0; r < restarts; ++r) {
        SeparationSettings start = settings;
        start.nmf.seed = settings.nmf.seed + static_cast<std::uint64_t>(r);
        if (r > 0) {
            start.onObjective = nullptr;
            start.onLearningChoice = nullptr;
        }
        const double share = 0.95 / restarts;
        const ProgressCallback part = detail::subProgress(progress, 0.05 + share * r, share);
        const detail::StageProgress learning(part, "learning", 0.0, 1.0);
        Matrix W = settings.validation.enabled
                       ? validatedTemplates(V, name, components, clips.front().sampleRate, start, part)
                       : plainTemplates(V, components, start, learning);
        if (r == 0) library.sources.back().templates = std::move(W);
        else library.sources.back().alternates.push_back(std::move(W));
    }
    return library;
}

}  // namespace demix

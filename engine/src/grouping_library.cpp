// groupComponentsByLibrary: free components assigned to the sources of template libraries.
//
// The library's templates (all sources side by side, frozen) are fitted to the mix's
// spectrogram V with KL multiplicative updates of their activations A. Each source s then
// has a model L_s A_s and a ratio mask P_s = L_s A_s / Σ_j L_j A_j. Component k's
// spectrogram w_k h_k is split by those masks: r_sk = Σ_{f,t} P_s(f,t) w_k(f) h_k(t) is
// the part of component k that source s's model claims. A source whose library explains
// too much of the mix (a drum kit's templates also fit a piano's low notes) claims a part
// of every component, so comparing r_sk across sources would hand it most of them. The
// component therefore goes to the source that holds the largest FRACTION OF ITS OWN
// total claim, r_sk / R_s with R_s = Σ_k r_sk (a likelihood with equal priors over the
// sources instead of a posterior with the library's biased ones; the rules compared are
// in bench/RESULTS.md, appendix).
//
// Soft grouping (SeparationSettings::groupingPower): a component is rarely all one source
// (a kick's low body and a bass note share bins), and a hard choice puts all of a doubtful
// component in one stem. With the scores q_sk = r_sk / R_s, component k is split between
// the sources in proportion to q_sk^p (p = 2 by default, like the faces' masks, α = 2): a
// component one source clearly wins stays (nearly) whole, a contested one is shared
// (measurements: docs/quality.md).

#include "separator_common.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <thread>

namespace demix {
namespace {

/// Iterations of the activation solve (accelerated MU) on every other frame: the cost of
/// the supervised separation's 25-iteration frozen stage. Enough for the masks' split of
/// the mix to settle: 25 gave the same groups on the dev set up to single-component flips.
constexpr int kActivationIterations = 50;

/// Frames per block of the claim computation (bounds the temporary F × B matrices).
constexpr Eigen::Index kBlockFrames = 256;

void checkShapes(const Matrix& V, const Matrix& W, const Matrix& H,
                 const AnalysisSettings& analysis) {
    const Eigen::Index bins = analysis.stft.bins();
    if (V.rows() != bins || W.rows() != bins) {
        throw InvalidArgument("grouping by library: the spectrogram has " +
                              std::to_string(V.rows()) + " bins and the templates " +
                              std::to_string(W.rows()) + ", but FFT size " +
                              std::to_string(analysis.stft.fftSize) + " gives " +
                              std::to_string(bins));
    }
    if (H.rows() != W.cols() || H.cols() != V.cols()) {
        throw InvalidArgument("grouping by library: activations are " + std::to_string(H.rows()) +
                              " x " + std::to_string(H.cols()) + ", expected " +
                              std::to_string(W.cols()) + " x " + std::to_string(V.cols()));
    }
}

/// The library's templates side by side on the analysis grid (resampled if it was
/// learned at another sample rate or FFT size), with the first column of each source.
Matrix libraryTemplates(const TemplateLibrary& library, const AnalysisSettings& analysis,
                        std::vector<Eigen::Index>& firstColumn) {
    const TemplateLibrary onGrid = resampleLibrary(library, analysis.sampleRate, analysis.stft);
    Matrix L(analysis.stft.bins(), onGrid.totalComponents());
    Eigen::Index k = 0;
    for (const SourceTemplates& source : onGrid.sources) {
        firstColumn.push_back(k);
        L.middleCols(k, source.templates.cols()) = source.templates;
        k += source.templates.cols();
    }
    firstColumn.push_back(k);
    return L;
}


/// The frozen library fitted to the mix: its templates on the analysis grid, the first
/// column of each source, and their activations on every stride-th frame. Depends only on
/// V and the library, so an ensemble's members share it.
struct LibraryFit {
    Matrix L;
    std::vector<Eigen::Index> first;
    Matrix A;
    Eigen::Index stride = 1;
};

LibraryFit fitLibrary(const Matrix& Vfull, const TemplateLibrary& library,
                      const AnalysisSettings& analysis, int threads) {
    for (const SourceTemplates& source : library.sources) {
        if (source.templates.rows() != library.bins() || source.templates.cols() < 1) {
            throw LibraryError("source '" + source.name + "' of the template library has " +
                               std::to_string(source.templates.rows()) + " x " +
                               std::to_string(source.templates.cols()) + " templates; FFT size " +
                               std::to_string(library.settings.stft.fftSize) + " needs " +
                               std::to_string(library.bins()) + " bins and at least one template");
        }
    }
    LibraryFit fit;
    fit.L = libraryTemplates(library, analysis, fit.first);
    // The claims are sums over frames, and frames overlapping by more than half repeat
    // each other's samples: every fftSize/(2·hop)-th frame is enough (the 2nd at the
    // default 75 % overlap), which halves the activation solve.
    fit.stride = std::max(1, analysis.stft.fftSize / (2 * analysis.stft.hop));
    const Eigen::Index frames = (Vfull.cols() + fit.stride - 1) / fit.stride;
    Matrix V(Vfull.rows(), frames);
    for (Eigen::Index t = 0; t < frames; ++t) V.col(t) = Vfull.col(t * fit.stride);

    // Activations of the frozen library on the mix (the supervised separation's first
    // stage; its neutral start: each frame's level spread evenly over the templates).
    NmfSettings nmf;
    nmf.components = static_cast<int>(fit.L.cols());
    nmf.maxIterations = kActivationIterations;
    nmf.tol = 0.0;
    nmf.threads = threads;
    NmfInit init;
    init.W = fit.L;
    init.H = detail::neutralActivations(V, static_cast<int>(fit.L.cols()));
    init.freezeW.assign(static_cast<std::size_t>(fit.L.cols()), true);
    fit.A = factorize(V, nmf, init).H;
    return fit;
}

void checkGrouping(const Matrix& Vfull, const Matrix& W, const Matrix& Hfull,
                   const TemplateLibrary& library, const AnalysisSettings& analysis) {
    checkShapes(Vfull, W, Hfull, analysis);
    const auto sources = static_cast<Eigen::Index>(library.sources.size());
    if (sources < 1) throw InvalidArgument("grouping by library: the library has no sources");
    if (sources > W.cols()) {
        throw InvalidArgument("cannot group " + std::to_string(W.cols()) + " components into the " +
                              std::to_string(sources) +
                              " sources of the library: every source needs a component");
    }
}

/// claim(s, k) / Σ_j claim(s, j): the fraction of source s's total claim that component k
/// of W, Hfull holds, claim(s, k) being the part of k that s's ratio mask claims (see the
/// top of this file). S × K.
Eigen::MatrixXd claimScores(const LibraryFit& fit, const Matrix& W, const Matrix& Hfull,
                            int threads) {
    const Matrix& L = fit.L;
    const Matrix& A = fit.A;
    const std::vector<Eigen::Index>& first = fit.first;
    const auto sources = static_cast<Eigen::Index>(first.size() - 1);
    const Eigen::Index K = W.cols();
    const Eigen::Index frames = A.cols();
    Matrix H(Hfull.rows(), frames);
    for (Eigen::Index t = 0; t < frames; ++t) H.col(t) = Hfull.col(t * fit.stride);

    // r(s, k): the part of component k that source s's ratio mask claims, summed over
    // blocks of frames; each worker owns whole blocks and the partial sums are added in
    // worker order, so the result does not depend on timing.
    const Eigen::Index blocks = (frames + kBlockFrames - 1) / kBlockFrames;
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const int workers = static_cast<int>(std::max<Eigen::Index>(
        1, std::min<Eigen::Index>(blocks, threads > 0 ? threads : static_cast<int>(hardware))));
    std::vector<Eigen::MatrixXd> partial(static_cast<std::size_t>(workers),
                                         Eigen::MatrixXd::Zero(sources, K));
    std::atomic<bool> stop{false};
    detail::runWorkers(workers, stop, [&](int w) {
        Matrix total, model;
        for (Eigen::Index b = w; b < blocks && !stop; b += workers) {
            const Eigen::Index t0 = b * kBlockFrames;
            const Eigen::Index n = std::min(kBlockFrames, frames - t0);
            total.noalias() = L * A.middleCols(t0, n);
            // A bin no source explains is split equally, as the masks do.
            const Matrix share = (total.array() > kEpsilon)
                                     .select(total.array().max(kEpsilon).inverse(),
                                             0.0f)
                                     .matrix();
            const Matrix hT = H.middleCols(t0, n).transpose();
            for (Eigen::Index s = 0; s < sources; ++s) {
                model.noalias() = L.middleCols(first[s], first[s + 1] - first[s]) *
                                  A.block(first[s], t0, first[s + 1] - first[s], n);
                const Matrix mask = (total.array() > kEpsilon)
                                        .select(model.array() * share.array(),
                                                1.0f / static_cast<float>(sources))
                                        .matrix();
                const Matrix claimed = mask * hT;  // F × K
                partial[w].row(s) +=
                    (W.array() * claimed.array()).colwise().sum().cast<double>().matrix();
            }
        }
    });
    Eigen::MatrixXd claim = Eigen::MatrixXd::Zero(sources, K);
    for (const Eigen::MatrixXd& p : partial) claim += p;

    Eigen::MatrixXd score = Eigen::MatrixXd::Zero(sources, K);
    for (Eigen::Index s = 0; s < sources; ++s) {
        const double total = claim.row(s).sum();
        if (total > 0.0) score.row(s) = claim.row(s) / total;
    }
    return score;
}

/// Each component to the source with the highest score; a source left without one takes,
/// among the components of sources that have several, the one it scores highest.
ComponentGroups hardGroups(const Eigen::MatrixXd& score) {
    const Eigen::Index sources = score.rows(), K = score.cols();
    std::vector<Eigen::Index> owner(static_cast<std::size_t>(K), 0);
    std::vector<int> count(static_cast<std::size_t>(sources), 0);
    for (Eigen::Index k = 0; k < K; ++k) {
        Eigen::Index best = 0;
        for (Eigen::Index s = 1; s < sources; ++s)
            if (score(s, k) > score(best, k)) best = s;
        owner[k] = best;
        ++count[best];
    }
    for (Eigen::Index s = 0; s < sources; ++s) {
        if (count[s] > 0) continue;
        Eigen::Index pick = -1;
        for (Eigen::Index k = 0; k < K; ++k) {
            if (count[owner[k]] < 2) continue;
            if (pick < 0 || score(s, k) > score(s, pick)) pick = k;
        }
        --count[owner[pick]];
        owner[pick] = s;
        ++count[s];
    }
    ComponentGroups groups(static_cast<std::size_t>(sources));
    for (Eigen::Index k = 0; k < K; ++k) groups[owner[k]].push_back(static_cast<int>(k));
    return groups;
}

/// Shares ∝ score^power per component (see componentSharesByLibrary); one-hot by
/// hardGroups for power = ∞, for a component no source scores, and for every component
/// hardGroups gives a source that would otherwise have no share at all.
Eigen::MatrixXf sharesFromScores(const Eigen::MatrixXd& score, double power) {
    const Eigen::Index sources = score.rows(), K = score.cols();
    const ComponentGroups hard = hardGroups(score);
    Eigen::MatrixXf shares = Eigen::MatrixXf::Zero(sources, K);
    const auto oneHot = [&](Eigen::Index s, Eigen::Index k) {
        shares.col(k).setZero();
        shares(s, k) = 1.0f;
    };
    for (Eigen::Index s = 0; s < sources; ++s)
        for (int k : hard[static_cast<std::size_t>(s)]) oneHot(s, k);
    if (std::isinf(power)) return shares;
    for (Eigen::Index k = 0; k < K; ++k) {
        const Eigen::ArrayXd weight = score.col(k).array().max(0.0).pow(power);
        const double sum = weight.sum();
        if (sum > 0.0 && std::isfinite(sum)) shares.col(k) = (weight / sum).cast<float>().matrix();
    }
    for (Eigen::Index s = 0; s < sources; ++s) {
        if (shares.row(s).maxCoeff() > 0.0f) continue;
        for (int k : hard[static_cast<std::size_t>(s)]) oneHot(s, k);
    }
    return shares;
}

void checkPower(double power) {
    if (!(power > 0.0)) {
        throw InvalidArgument("the grouping power must be > 0 (infinity = hard grouping), got " +
                              std::to_string(power));
    }
}

}  // namespace

ComponentGroups groupComponentsByLibrary(const Matrix& Vfull, const Matrix& W, const Matrix& Hfull,
                                         const TemplateLibrary& library,
                                         const AnalysisSettings& analysis, int threads) {
    checkGrouping(Vfull, W, Hfull, library, analysis);
    return hardGroups(claimScores(fitLibrary(Vfull, library, analysis, threads), W, Hfull, threads));
}

Eigen::MatrixXf componentSharesByLibrary(const Matrix& Vfull, const Matrix& W, const Matrix& Hfull,
                                         const TemplateLibrary& library,
                                         const AnalysisSettings& analysis, double power,
                                         int threads) {
    checkPower(power);
    checkGrouping(Vfull, W, Hfull, library, analysis);
    return sharesFromScores(
        claimScores(fitLibrary(Vfull, library, analysis, threads), W, Hfull, threads), power);
}

Decomposition decomposeGroupedByLibrary(const AudioBuffer& mix, int components,
                                        const TemplateLibrary& library,
                                        const SeparationSettings& settings,
                                        const ProgressCallback& progress) {
    detail::checkAudio(mix, "the mix");
    if (library.sources.empty())
        throw InvalidArgument("grouping by library: the library has no sources");
    if (library.sources.size() == 1) {
        throw InvalidArgument("grouping by library needs at least 2 sources to choose between, "
                              "but the library holds only '" + library.sources.front().name +
                              "': every component would go to it");
    }
    if (components < static_cast<int>(library.sources.size())) {
        throw InvalidArgument("cannot group " + std::to_string(components) +
                              " components into the " + std::to_string(library.sources.size()) +
                              " sources of the library: every source needs a component");
    }
    detail::checkRestarts(settings);
    checkPower(settings.groupingPower);
    // Each factorisation is exactly decomposeUnsupervised's (K free components); with
    // restarts, every member is grouped on its own and source s is the library's source s
    // in every member (aligned by name).
    std::vector<std::string> names;
    for (const SourceTemplates& source : library.sources) names.push_back(source.name);
    // The library's fit to the mix depends on V only: made once, shared by the members.
    const AnalysisSettings analysis = detail::analysisFor(mix.sampleRate, settings);
    std::optional<LibraryFit> fit;
    // V, W and H come from this separation's own analysis and factorisation, and the
    // library was checked above: the per-call checks of groupComponentsByLibrary are not needed.
    const detail::MemberGrouping byLibrary = [&](const Matrix& V, NmfResult& nmf, std::uint64_t) {
        if (!fit) fit = fitLibrary(V, library, analysis, settings.threads);
        const Eigen::MatrixXd score = claimScores(*fit, nmf.W, nmf.H, settings.threads);
        // A component the sources' claims disagree on is split between them; with the hard
        // grouping (power ∞) every share is one-hot and the split leaves W, H as they are.
        SharedComponents split =
            splitSharedComponents(nmf.W, nmf.H, sharesFromScores(score, settings.groupingPower));
        nmf.W = std::move(split.W);
        nmf.H = std::move(split.H);
        return std::move(split.groups);
    };
    return detail::decomposeFree(mix, components, unsupervisedRestartsFor(settings, true), settings,
                                 progress, byLibrary, false, std::move(names));
}

}  // namespace demix

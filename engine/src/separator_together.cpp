// learnTemplatesTogether: several sources' templates in one library, optionally refined
// discriminatively on a training mix of their clips.

#include "separator_common.hpp"

#include <algorithm>
#include <set>

namespace demix {
namespace {

// One source's training material as one mono signal: every channel of every clip, in order
// (learnTemplates, too, treats each channel as one more stretch of the source).
std::vector<float> concatenated(const std::vector<AudioBuffer>& clips) {
    std::vector<float> x;
    for (const AudioBuffer& clip : clips)
        for (const std::vector<float>& channel : clip.channels)
            x.insert(x.end(), channel.begin(), channel.end());
    return x;
}

// x repeated to `length` samples, so that a short clip sounds through the whole training
// mix instead of leaving the others alone after its end.
std::vector<float> looped(const std::vector<float>& x, std::size_t length) {
    std::vector<float> y(length);
    for (std::size_t n = 0; n < length; ++n) y[n] = x[n % x.size()];
    return y;
}

// `iterations` plain KL multiplicative steps for the activations H of V ≈ W·H with every
// template fixed: the engine's MU (factorize with W frozen), with the separation's thread
// count and precision.
void updateActivations(const Matrix& V, const Matrix& W, Matrix& H, int iterations,
                       const SeparationSettings& settings) {
    NmfSettings nmf;
    nmf.components = static_cast<int>(W.cols());
    nmf.maxIterations = iterations;
    nmf.tol = 0.0;
    nmf.evalEvery = iterations;  // the objective only bounds the loop here
    nmf.normaliseW = false;
    nmf.accelerate = false;
    nmf.threads = settings.threads;
    nmf.precision = settings.nmf.precision;
    NmfInit init;
    init.W = W;
    init.H = std::move(H);
    init.freezeW.assign(static_cast<std::size_t>(W.cols()), true);
    H = factorize(V, nmf, init).H;
}

// One KL multiplicative step for source s's templates W_s so that its activations in the
// training MIX, H_s, rebuild that source's OWN spectrogram V_s:
//   W_s ← W_s ∘ ((V_s / W_s H_s) H_sᵀ) / (1 H_sᵀ),
// then each column L1-normalised with its scale moved into H_s (W_s H_s unchanged).
void updateTemplates(const Matrix& Vs, Eigen::Ref<Matrix> Ws, Eigen::Ref<Matrix> Hs) {
    const Matrix ratio = Vs.cwiseQuotient((Ws * Hs).cwiseMax(kEpsilon));
    const Matrix numerator = ratio * Hs.transpose();
    const Eigen::VectorXf usage = Hs.rowwise().sum();
    for (Eigen::Index k = 0; k < Ws.cols(); ++k) {
        if (!(usage(k) > kEpsilon)) continue;  // unused in the training mix: nothing to learn
        Ws.col(k) = Ws.col(k).cwiseProduct(numerator.col(k)) / usage(k);
        const float sum = Ws.col(k).sum();
        if (sum > kEpsilon) {
            Ws.col(k) /= sum;
            Hs.row(k) *= sum;
        }
    }
}

// Discriminative refinement of one template set per source (`sets`, in the sources'
// order) on the training mix V whose per-source spectrograms are `own`.
void refineTogether(const Matrix& V, const std::vector<Matrix>& own, const std::vector<Matrix*>& sets,
                    const SeparationSettings& settings, const detail::StageProgress& refining) {
    Eigen::Index components = 0;
    for (const Matrix* set : sets) components += set->cols();
    Matrix W(V.rows(), components);
    std::vector<Eigen::Index> first;
    Eigen::Index k = 0;
    for (const Matrix* set : sets) {
        first.push_back(k);
        W.middleCols(k, set->cols()) = *set;
        k += set->cols();
    }
    // The same neutral start as decomposeSupervised: each frame's level spread evenly.
    Matrix H = detail::neutralActivations(V, static_cast<int>(components));

    // The activations of the training mix with the library frozen (as the separation's
    // first stage does), then rounds of: each source's templates updated so that its
    // part of the mix, W_s H_s, rebuilds its own spectrogram V_s, and the mix's
    // activations updated for the new templates. A template that helps explain another
    // source in the mix is pushed out of that source's bins, where V_s is quiet.
    const int warmup = std::max(1, settings.frozenIterations);
    updateActivations(V, W, H, warmup, settings);
    const int rounds = settings.discriminativeIterations;
    for (int r = 0; r < rounds; ++r) {
        refining.report(static_cast<double>(r) / rounds);
        for (std::size_t s = 0; s < sets.size(); ++s) {
            const Eigen::Index count = sets[s]->cols();
            updateTemplates(own[s], W.middleCols(first[s], count), H.middleRows(first[s], count));
        }
        updateActivations(V, W, H, 1, settings);
    }
    refining.report(1.0);
    for (std::size_t s = 0; s < sets.size(); ++s) {
        *sets[s] = W.middleCols(first[s], sets[s]->cols());
        detail::normaliseColumns(*sets[s]);
    }
}

}  // namespace

TemplateLibrary learnTemplatesTogether(const std::vector<SourceClips>& sources,
                                       const SeparationSettings& settings,
                                       const ProgressCallback& progress) {
    if (sources.empty()) throw InvalidArgument("learning together needs at least one source");
    if (settings.discriminativeIterations < 0) {
        throw InvalidArgument("discriminative learning needs iterations >= 0, got " +
                              std::to_string(settings.discriminativeIterations));
    }
    std::set<std::string> names;
    for (const SourceClips& source : sources) {
        if (!names.insert(source.name).second)
            throw InvalidArgument("source '" + source.name + "' is given twice");
        if (source.clips.empty())
            throw InvalidArgument("learning '" + source.name + "' needs at least one clip");
        const double rate = sources.front().clips.front().sampleRate;
        for (const AudioBuffer& clip : source.clips) {
            if (clip.sampleRate != rate) {
                throw InvalidArgument("the training clips of '" + source.name + "' and '" +
                                      sources.front().name + "' differ in sample rate (" +
                                      std::to_string(clip.sampleRate) + " Hz and " +
                                      std::to_string(rate) + " Hz)");
            }
        }
    }

    // 1. Every source alone, exactly as learnTemplates learns it (same seed, same result).
    const bool refine = sources.size() > 1 && settings.discriminativeIterations > 0;
    const double learnShare = refine ? 0.5 : 1.0;
    const double perSource = learnShare / static_cast<double>(sources.size());
    TemplateLibrary library;
    for (std::size_t s = 0; s < sources.size(); ++s) {
        ProgressCallback part;
        if (progress) {
            const double base = perSource * static_cast<double>(s);
            part = [&progress, base, perSource](double fraction, const std::string& stage) {
                return progress(base + perSource * fraction, stage);
            };
        }
        TemplateLibrary one = learnTemplates(sources[s].clips, sources[s].name,
                                             sources[s].components, settings, part);
        if (s == 0) {
            library = std::move(one);
        } else {
            library.merge(one, "source '" + sources[s].name + "'");
        }
    }
    if (!refine) return library;

    // 2. The training mix: the sum of the sources' training signals (each looped to the
    //    longest), and each source's own spectrogram within it.
    std::vector<std::vector<float>> signals;
    std::size_t length = 0;
    for (const SourceClips& source : sources) {
        signals.push_back(concatenated(source.clips));
        length = std::max(length, signals.back().size());
    }
    const Stft stft(settings.stft);
    std::vector<float> mix(length, 0.0f);
    std::vector<Matrix> own;
    for (std::vector<float>& x : signals) {
        x = looped(x, length);
        for (std::size_t n = 0; n < length; ++n) mix[n] += x[n];
        own.push_back(stft.forward(x.data(), length).cwiseAbs());
    }
    const Matrix V = stft.forward(mix.data(), length).cwiseAbs();

    // Every template set (each restart, SeparationSettings::learningRestarts) is refined
    // on its own, as if it were the only one.
    const int members = library.ensembleSize();
    for (int m = 0; m < members; ++m) {
        std::vector<Matrix*> sets;
        for (SourceTemplates& source : library.sources)
            sets.push_back(m == 0 ? &source.templates
                                  : &source.alternates[static_cast<std::size_t>(m - 1)]);
        const double share = (1.0 - learnShare) / members;
        refineTogether(V, own, sets, settings,
                       detail::StageProgress(progress, "learning together", learnShare + share * m, share));
    }
    return library;
}

}  // namespace demix

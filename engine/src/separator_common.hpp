#pragma once
// Helpers shared by the offline separators. Internal header.

#include "demix/separator.hpp"
#include "demix/stft.hpp"

#include <atomic>
#include <complex>
#include <functional>
#include <string>
#include <vector>

namespace demix::detail {

/// Throws InvalidArgument (naming `what`) unless the audio has >= 1 channel, equal
/// channel lengths, >= 1 sample, a positive sample rate and only finite samples.
void checkAudio(const AudioBuffer& audio, const std::string& what);

/// Maps a stage of the work onto [base, base + span] of the caller's progress and throws
/// Cancelled when the callback asks to stop.
class StageProgress {
public:
    StageProgress(const ProgressCallback& callback, std::string stage, double base, double span)
        : callback_(callback), stage_(std::move(stage)), base_(base), span_(span) {}

    /// fraction in [0, 1] of this stage. Throws Cancelled.
    void report(double fraction) const;
    /// An NMF progress callback reporting iterations as this stage's fraction.
    NmfProgress nmfCallback() const;

private:
    const ProgressCallback& callback_;
    std::string stage_;
    double base_;
    double span_;
};

/// A progress callback mapping [0, 1] onto [base, base + span] of `callback` (stage names
/// and the cancel answer passed through); empty if `callback` is empty.
ProgressCallback subProgress(const ProgressCallback& callback, double base, double span);

/// renderStems into `stems`, reusing the sample buffers it already holds where they are
/// large enough (a chunked separation recycles the stems of chunks already written).
void renderStemsInto(const AudioBuffer& mix, const Decomposition& decomposition,
                     const SeparationSettings& settings, const ProgressCallback& progress,
                     std::vector<Stem>& stems);

/// V(f, t) = mean over channels of |X_c(f, t)|, computed frame by frame (no complex
/// spectrogram is held), the frames split over `threads` workers (0 = all hardware
/// threads; the result does not depend on the count). Progress is reported on the
/// calling thread.
Matrix meanMagnitude(const AudioBuffer& audio, const Stft& stft, const StageProgress& progress,
                     int threads);

/// Runs job(w) for w < workers, w = 0 on the calling thread (the only one that may report
/// progress), the others on helper threads. When one fails (Cancelled included) `stop` is
/// raised for the others, which should return at their next check; all are joined and
/// the first error is rethrown.
void runWorkers(int workers, std::atomic<bool>& stop, const std::function<void(int)>& job);

/// settings.nmf with K components and the separation's thread count.
NmfSettings nmfSettingsFor(const SeparationSettings& settings, int components);

/// The analysis settings recorded for audio at `sampleRate` analysed with `settings`.
AnalysisSettings analysisFor(double sampleRate, const SeparationSettings& settings);

/// Scales every column of W to unit L1 norm; all-zero columns become uniform 1/F.
void normaliseColumns(Matrix& W);

/// K × T activations that start MU with unit-L1 templates fixed: each frame's magnitude
/// sum shared equally by the K templates, so W·H reproduces every frame's level (a
/// neutral start; silent frames stay exactly zero).
Matrix neutralActivations(const Matrix& V, int components);

/// Runs factorize and throws Cancelled if it was cancelled. Hands every evaluated objective
/// value (see SeparationSettings::onObjective) to `onObjective` if it is set.
NmfResult runNmf(const Matrix& V, const NmfSettings& nmf, const NmfInit& init,
                 const StageProgress& progress,
                 const std::function<void(int, double)>& onObjective = {});

/// One separation of a mix: its factorisation, the components of each source, their names.
struct Solved {
    NmfResult result;
    ComponentGroups groups;
    std::vector<std::string> names;
};

/// The decomposition of V made of the members' separations of it. One member is returned
/// as it is. Several are put side by side: W = [W_1 … W_M], H = [H_1; …; H_M] / M, and
/// source s (the same index in every member) owns its components in every member. W·H is
/// then the members' mean model, and each source's mask is built from the mean of its
/// members' models. The first member's names and NmfResult fields (objective curve,
/// iterations) are kept, and Decomposition::memberStarts records the blocks. Members need
/// the same F, T and number of groups.
Decomposition ensembleDecomposition(const AnalysisSettings& analysis, Matrix V,
                                    std::vector<Solved> members);

/// How the S sources of `member` correspond to the S sources of `reference` (two
/// factorisations of one V, sources anonymous): order[s] is the member's source matched to
/// the reference's source s. The match maximises the summed cosine similarity of the
/// sources' model spectrograms W_s·H_s (computed from K × K Gram matrices, no F × T
/// product), over all permutations for S <= 8, greedily (most similar pair first) beyond.
/// Deterministic: ties go to the lower-numbered permutation / pair.
std::vector<int> matchSources(const Solved& reference, const Solved& member);

/// How an unsupervised member's components are grouped: the groups of factorisation `nmf`
/// of V made with random seed `seed`. A soft grouping may replace nmf.W and nmf.H by their
/// shared-component split (splitSharedComponents: the same W·H) and return its groups.
using MemberGrouping =
    std::function<ComponentGroups(const Matrix& V, NmfResult& nmf, std::uint64_t seed)>;

/// The unsupervised separation shared by decomposeUnsupervised and
/// decomposeGroupedByLibrary: `members` factorisations of the mix's V into `components`
/// free components (seeds settings.nmf.seed + m), each grouped by `group`, combined by
/// ensembleDecomposition. With `anonymous` sources each member's groups are first reordered to
/// match the first member's (matchSources); otherwise group s is the same named source in
/// every member. Only the first member reports objective values. Progress: "analysing",
/// then per member "separating" and "grouping". members == 1 is exactly one factorisation.
Decomposition decomposeFree(const AudioBuffer& mix, int components, int members,
                            const SeparationSettings& settings, const ProgressCallback& progress,
                            const MemberGrouping& group, bool anonymous,
                            std::vector<std::string> names);

/// Throws InvalidArgument unless settings.unsupervisedRestarts >= 0.
void checkRestarts(const SeparationSettings& settings);

/// Packs V, the NMF result, groups and names into a Decomposition (W, H moved out of nmf).
Decomposition makeDecomposition(const AnalysisSettings& analysis, Matrix V, NmfResult nmf,
                                ComponentGroups groups, std::vector<std::string> names);

}  // namespace demix::detail

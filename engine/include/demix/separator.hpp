#pragma once
/// \file separator.hpp
/// Offline separation: learn templates, decompose a mix (supervised, semi-supervised,
/// unsupervised), group components into sources, render stems.
///
/// Data flow: audio → STFT → V = magnitude → NMF (W, H) → α-Wiener masks per source →
/// masked STFT of each channel → iSTFT → stems. Activations are shared across channels,
/// so a stereo stem keeps the mix's stereo image. The stems sum to the mix (masks sum
/// to one) to float rounding.
///
/// Thread-safety: free functions without shared state; they may use `threads` worker
/// threads internally. Not real-time safe. Long work reports progress (stages
/// "analysing", "learning", "separating", "grouping", "rendering"; fraction 0..1) and can
/// be cancelled through ProgressCallback (then `Cancelled` is thrown at once).
///
/// Memory: at most one channel's complex spectrogram and one source's F × T mask are
/// alive at a time, besides V and the NMF's own F × T work matrices (a 3-minute stereo
/// file at 2048/512 needs a few hundred MB, not S full spectrograms).
///
/// Errors: InvalidArgument for unusable audio (no channels, unequal lengths, empty,
/// non-finite samples, bad sample rate) or arguments; LibraryError for a library that
/// does not fit the mix.

#include <functional>
#include <string>
#include <vector>

#include "demix/masks.hpp"
#include "demix/nmf.hpp"
#include "demix/stft.hpp"
#include "demix/template_library.hpp"

namespace demix {

/// Held-out validation of template learning (learnTemplates, learnTemplatesTogether):
/// how long to learn, and optionally how many templates, chosen from the training clips
/// themselves instead of fixed numbers.
///
/// The training spectrogram's frames (every channel of every clip, concatenated) are cut
/// into blocks of `blockSeconds`; every `holdOutEvery`-th block (the 2nd, then every
/// holdOutEvery-th after it) is held out, so both parts see every stretch of the clip.
/// The fftSize/hop − 1 frames either side of a held-out block are used by neither part
/// (they share samples with the held-out frames). The templates are learned on the
/// fitting frames; at every objective check (every nmf.evalEvery iterations) the held-out
/// frames' activations are solved with the current templates fixed (the engine's
/// accelerated multiplicative updates from a flat start, nearly to the optimum: at most
/// 300 iterations, tol 1e-7), and their divergence per held-out frame is recorded. The templates of the best check are kept (early stopping);
/// the fitting run still ends by nmf.maxIterations and nmf.tol. With `refit`, the
/// templates are then learned again on all frames, from the same seed, for exactly the
/// chosen number of iterations.
///
/// The stepped fitting runs and the held-out solves use Precision::Mixed where nmf.precision
/// is Adaptive (its state would restart at every step); the refit uses nmf.precision.
///
/// Clips too short to hold out at least one block (and keep at least K fitting frames)
/// are learned without validation (reported with heldOutFrames = 0).
///
/// Off by default (`enabled`), with 4 folds when on: its gain over the fixed iteration
/// rule is not robust (a change of the held-out measurement as small as 1e-6 moves the
/// chosen count and a case with it), the held-out fit favours the largest K, and it
/// multiplies the learning time (mostly the held-out solves). Measurements:
/// docs/quality.md and bench/RESULTS.md.
struct LearningValidation {
    bool enabled = false;
    double blockSeconds = 0.5;  ///< length of the interleaved blocks (> 0 s)
    int holdOutEvery = 4;       ///< one block in this many is held out (>= 2)
    bool refit = true;          ///< learn again on all frames for the chosen iterations
    /// Cross-validation: 1 = the one split above; n > 1 = min(n, holdOutEvery) splits, split j
    /// holding out the blocks b with b % holdOutEvery == (1 + j) % holdOutEvery, each
    /// learned and checked alike; the held-out divergences (summed over the splits' frames,
    /// per frame; a split that stopped early keeps its last value) choose the iterations
    /// (and K). Less noisy than one split, n times the learning. With n > 1 the templates
    /// are always refit on all frames.
    int folds = 4;
    /// Empty: K as asked. Otherwise the candidates for K (each >= 1); the one with the
    /// lowest best held-out divergence per frame wins (the asked K is then ignored).
    std::vector<int> componentChoices;
};

/// What held-out validation chose for one source (SeparationSettings::onLearningChoice).
struct LearningChoice {
    std::string source;     ///< the source's name
    int components = 0;     ///< K of the library
    int iterations = 0;     ///< learning iterations of the library's templates (−1: not validated)
    int fitFrames = 0;      ///< frames the templates were fitted on (first fold; before any refit)
    int heldOutFrames = 0;  ///< held out in the first fold; 0 = the clips were too short: learned without validation
    /// Held-out divergence per held-out frame at the chosen iteration (NaN if not validated).
    double heldOut = 0.0;
    /// The held-out divergence per frame at every check of the chosen K.
    std::vector<int> checkIterations;
    std::vector<double> heldOutCurve;
    /// Every candidate K with its best held-out divergence per frame and its iteration.
    std::vector<int> candidateComponents;
    std::vector<double> candidateHeldOut;
    std::vector<int> candidateIterations;
};

struct SeparationSettings {
    StftSettings stft;
    NmfSettings nmf;   ///< nmf.components and nmf.threads are overridden (K given explicitly)
    float alpha = 1.0f;  ///< mask exponent (> 0)
    /// Supervised only (solver MU): after the activations are solved with the library
    /// frozen, this many further iterations adapt the library templates to the mix, each
    /// pulled toward its library value with weight `adaptAnchor` (NmfSettings::anchorW).
    /// Templates learned from other notes or another recording then fit the mix better
    /// (docs/quality.md). 0 = the library stays frozen.
    int adaptIterations = 50;
    float adaptAnchor = 0.25f;  ///< >= 0; larger keeps the templates nearer the library
    /// Supervised with adaptation only: at most this many iterations of the first stage
    /// (library frozen); 0 = nmf.maxIterations. The adaptation stage refines H as well, so
    /// the first stage only needs to bring H near its solution: a short first stage is
    /// cheaper and separates no worse (docs/quality.md). Ignored when
    /// there is no adaptation stage (then the frozen solve runs nmf.maxIterations).
    /// With adaptation, the frozen stage runs plain MU (nmf.accelerate is not used there):
    /// it is a bounded warm start whose depth matters. The anchored adaptation stage
    /// follows nmf.accelerate (extrapolated by default) when every component comes from
    /// the library; with free components next to it, it runs plain MU. A capped frozen
    /// stage (0 < frozenIterations < nmf.maxIterations) under nmf.precision Adaptive runs
    /// Bfloat16 with its objective recorded at its start and end only (Adaptive would
    /// stay in bf16 there: the objective still falls fast), and the adaptation starts from
    /// that last value (NmfInit::objective).
    int frozenIterations = 0;
    /// learnTemplates runs plain MU unless this is true (nmf.accelerate applies to the
    /// separations): libraries learned with extrapolation separated slightly worse
    /// (docs/quality.md). The faces share this
    /// default, so a library learned in the plugin, the app or `demix learn` is the same.
    bool accelerateLearning = false;
    /// Template learning: how many template sets each learned source gets, each from its
    /// own random start (nmf.seed, nmf.seed + 1, …; the first set is exactly the
    /// single-start library). The further sets are stored as SourceTemplates::alternates,
    /// and supervised separation averages over them (an ensemble: see decomposeSupervised).
    /// Which local optimum one random start lands in decides much of how a library splits
    /// a mix; the ensemble averages that variance away (docs/quality.md). Learning and
    /// separation cost scale with it.
    /// Must be >= 1.
    int learningRestarts = 3;
    /// Unsupervised separation with grouped sources (decomposeUnsupervised with sources >= 1,
    /// decomposeGroupedByLibrary): how many factorisations of the mix to average, each
    /// from its own random start (nmf.seed, nmf.seed + 1, …; the first is exactly the
    /// single-start separation), each grouped on its own. Their models are combined as
    /// decomposeSupervised combines an ensemble library's members: W = [W_1 … W_M],
    /// H = [H_1; …; H_M] / M, each source owning its components in every member
    /// (Decomposition::memberStarts). Library-grouped members align by source name; the
    /// anonymous sources of the blind grouping are matched to the first member's by the
    /// similarity of their model spectrograms. Cost: M factorisations and groupings (the
    /// NMF and grouping time × M; rendering unchanged, with M·K components). Ignored with
    /// sources == 0 (one stem per component: components have no identity across starts).
    /// 0 (default) = per path: 3 for decomposeGroupedByLibrary (every member's groups are
    /// the library's sources, so averaging them is a robust gain), 1 for the blind grouping
    /// of decomposeUnsupervised (its members' groupings can disagree, and a poor one pulls
    /// the ensemble down). Must be >= 0. Measurements: docs/quality.md.
    int unsupervisedRestarts = 0;
    /// decomposeGroupedByLibrary only: how softly components are grouped by the libraries.
    /// Component k is shared between the sources in proportion to q_sk^groupingPower,
    /// q_sk being the fraction of source s's total claim that k holds
    /// (componentSharesByLibrary); +infinity = hard, each component to its best source.
    /// A component is rarely one source alone (a kick's low body and a bass note share
    /// bins), and a hard choice puts all of a doubtful component in one stem. Default 2,
    /// like the faces' mask exponent α = 2 (the exponents tried: docs/quality.md).
    /// Must be > 0.
    double groupingPower = 2.0;
    /// renderStems, stereo mixes only: the stems come from a multichannel (spatial) Wiener
    /// filter instead of one mask per channel. Each source gets, per frequency bin, a 2 × 2
    /// spatial covariance R_s (where it sits in the stereo image, how wide it is), and its
    /// stem is m_s·R_s·(Σ_j m_j·R_j)⁻¹·x with the α-masks m_s as its power share — so a
    /// panned or wide source is told apart from a centred one by the channels' difference
    /// as well as by its spectrum. The R_s are estimated from the mix in this many passes
    /// (EM-style: filter with the current model — the first with every R_s = I, which is
    /// the masks — then re-estimate each R_s from the estimates). 0 = masks only; mono and
    /// > 2 channels always use masks. Each pass costs one more STFT of the mix (of every
    /// fftSize/(2·hop)-th frame: frames overlapping by more than half add little) and its
    /// masks; memory stays one block of frames. The filters sum to the identity, so the
    /// stems still sum to the mix. A mono signal copied to both channels gives exactly the
    /// masks' stems. docs/quality.md has the measurements.
    int spatialPasses = 2;
    /// learnTemplatesTogether only: rounds of discriminative refinement of the sources'
    /// templates on a training mix of their clips; 0 (the default) = each source learned
    /// alone, exactly as learnTemplates. Not the default because it did not separate
    /// better over six learning seeds (docs/quality.md).
    int discriminativeIterations = 0;
    /// Template learning only: held-out validation (early stopping, optionally choosing K).
    LearningValidation validation;
    /// Called once per learned source when validation is enabled, on the learning thread,
    /// with what it chose. Must not throw.
    std::function<void(const LearningChoice&)> onLearningChoice;
    /// Worker threads for NMF; 0 = all hardware threads. Rendering (renderStems) uses a
    /// second thread unless this is 1 (the stems are bit-identical either way).
    int threads = 0;
    /// Optional observer of the NMF's convergence (learn, supervised, unsupervised): called
    /// with (iteration, penalised objective) each time the objective is evaluated — after
    /// init (iteration 0), every nmf.evalEvery iterations and at the end — with exactly the
    /// values, in order, that end up in Decomposition::nmf.objective / objectiveIterations.
    /// Called on the thread running the separation (while it runs, except the last value(s),
    /// which come just after the NMF returns); never for NaN. Must be cheap and must not
    /// throw. Not copied into any result.
    std::function<void(int iteration, double objective)> onObjective;
};

/// A decomposition of one mix: everything the faces show, regroup and render.
struct Decomposition {
    AnalysisSettings analysis;     ///< what the mix was analysed with
    Matrix V;                      ///< F × T magnitude spectrogram (mean over channels)
    Matrix W;                      ///< F × K templates
    Matrix H;                      ///< K × T activations
    ComponentGroups groups;        ///< components of each source
    std::vector<std::string> sourceNames;  ///< one per group
    NmfResult nmf;                 ///< objective curve, iterations, converged (W/H moved out)
    /// Supervised separation with an ensemble library (TemplateLibrary::ensembleSize() > 1),
    /// or unsupervised with SeparationSettings::unsupervisedRestarts > 1:
    /// the first component of each member's block of W's columns / H's rows, in order
    /// (member m owns [memberStarts[m], memberStarts[m + 1]) ); nmf is then the first
    /// member's run. Empty for a decomposition with one member.
    std::vector<int> memberStarts;
};

struct Stem {
    std::string name;
    AudioBuffer audio;  ///< same rate, channels and length as the mix
};

/// Learns `components` templates for one source from one or more clips (clips must share
/// the sample rate). The magnitude frames of every channel of every clip are
/// concatenated along time and factorised with settings.nmf; the templates are
/// L1-normalised columns. Returns a library with one source named `name`, recording the
/// analysis settings. Throws InvalidArgument if the clips are silent.
TemplateLibrary learnTemplates(const std::vector<AudioBuffer>& clips, const std::string& name,
                               int components, const SeparationSettings& settings,
                               const ProgressCallback& progress = {});

/// One source's training material for learnTemplatesTogether.
struct SourceClips {
    std::string name;                ///< the source's (and its stem's) name
    std::vector<AudioBuffer> clips;  ///< isolated recordings of it (>= 1)
    int components = 16;             ///< templates to learn for it
};

/// Learns the templates of several sources into one library (sources in the given order).
/// Each source is first learned from its own clips exactly as learnTemplates does (same
/// settings and seed, so with settings.discriminativeIterations == 0 the templates are
/// bit-identical to separate learnTemplates calls). With discriminativeIterations = N > 0
/// and two or more sources, the templates are then refined discriminatively: the sources'
/// clips (all channels of all clips of a source as one signal, shorter ones looped to the
/// longest) are summed into a training mix; its activations are solved with the library
/// frozen (max(1, settings.frozenIterations) KL multiplicative steps), then N rounds each
/// update every source's templates W_s so that its activations in the mix, H_s, rebuild
/// its OWN spectrogram (one KL multiplicative step on d(V_s | W_s H_s)) and update the
/// mix's activations once. A template that helps explain another source in the mix is so
/// pushed out of that source's bins. Templates stay non-negative and L1-normalised.
/// Cost: N products of the training mix's F × T spectrogram with all templates (cheap
/// next to learning). Throws InvalidArgument (no sources, a name given twice, a source
/// without clips, clips at different sample rates, N < 0, and whatever learnTemplates
/// throws); Cancelled through `progress` (stages "analysing", "learning", "learning
/// together"). Not real-time safe.
TemplateLibrary learnTemplatesTogether(const std::vector<SourceClips>& sources,
                                       const SeparationSettings& settings,
                                       const ProgressCallback& progress = {});

/// Supervised / semi-supervised: the library's templates are frozen, H is solved; with
/// `freeComponents` > 0 that many free templates are learned too and form a source
/// named "residual" (after the library's sources; "residual-2" if the library already
/// has a "residual"). One source per library source, in library order. Throws
/// LibraryError if the library does not fit the mix (sample rate, FFT size, hop,
/// window: settings.stft must equal the library's).
Decomposition decomposeSupervised(const AudioBuffer& mix, const TemplateLibrary& library,
                                  int freeComponents, const SeparationSettings& settings,
                                  const ProgressCallback& progress = {});

/// The factorisations an unsupervised separation averages: settings.unsupervisedRestarts,
/// or when it is 0 the path's default (3 grouped by libraries, 1 for the blind grouping).
int unsupervisedRestartsFor(const SeparationSettings& settings, bool groupedByLibrary);

/// Unsupervised: K free components, grouped automatically into `sources` sources
/// (named "source-1" …), or one source per component ("component-1" …) if sources == 0.
/// With sources >= 1 and settings.unsupervisedRestarts = M > 1: M factorisations (seeds
/// nmf.seed + m), each grouped by groupComponents, later members' sources matched to the
/// first's; W is M·K wide, H holds each member's activations / M, memberStarts marks the
/// blocks, nmf is the first member's run. Throws InvalidArgument (bad audio, components
/// < 1, sources outside [0, K], restarts < 0); Cancelled through `progress` (stages
/// "analysing", then per member "separating" and "grouping").
Decomposition decomposeUnsupervised(const AudioBuffer& mix, int components, int sources,
                                    const SeparationSettings& settings,
                                    const ProgressCallback& progress = {});

/// Automatic grouping of K components into `sources` groups (1 <= sources <= K): Ward
/// clustering of features made of each template's timbre (MFCC-like cepstrum: 40 mel
/// bands assuming bin F−1 is 22.05 kHz, log, DCT, coefficients 1..12) and its
/// log-compressed activation over time, so components with similar timbre that are
/// active together share a source. Deterministic (the current method
/// does not use `seed`). Every group is non-empty; groups are ordered by their smallest
/// component, components ascending. Throws InvalidArgument.
ComponentGroups groupComponents(const Matrix& W, const Matrix& H, int sources,
                                std::uint64_t seed = 0);

/// Grouping of K components by template libraries: one group per library source, in
/// library order (so the stems can be named after the library's sources), for an
/// unsupervised decomposition V ≈ W·H of a mix whose sources have libraries (the user's
/// from `demix learn`, or shipped ones) but where the library templates are not put
/// into W. What is matched: the library's templates (all sources, frozen) are fitted to
/// V by KL multiplicative updates of their activations (50 accelerated iterations on every
/// fftSize/(2·hop)-th frame — the 2nd at 75 % overlap —, about the cost of the supervised
/// separation's frozen stage); each source's model L_s·A_s gives it a ratio mask of the mix;
/// r_sk = Σ_{f,t} mask_s · w_k h_kᵀ is the part of component k's spectrogram that source
/// s claims (summed over those frames). Component k goes to the source for which r_sk is the largest FRACTION of that
/// source's total claim Σ_k r_sk (equal priors over the sources: a library that explains
/// too much of the mix does not take every component). A source left without a component
/// takes the one it scores highest among sources holding several. Groups list
/// components ascending; every component is in exactly one group, no group is empty.
/// Units: V is the magnitude spectrogram the decomposition was made from (F × T, F =
/// analysis.stft.bins()); W's columns and H's rows are the components (any scale: only
/// the product w_k h_kᵀ matters); library templates any non-negative scale.
/// A library learned at another sample rate or FFT size is mapped onto the analysis grid
/// with resampleTemplates (hop and window need not match: only spectral shapes are
/// compared). Throws InvalidArgument if V, W, H and analysis.stft disagree in shape, the
/// library has no sources or more sources than W has components; LibraryError if a
/// source's templates do not have its own FFT size's bins or none at all.
/// Threads: the activation solve and the claims use `threads` workers (0 = all hardware
/// threads); the result does not depend on timing. Deterministic. Not real-time safe.
ComponentGroups groupComponentsByLibrary(const Matrix& V, const Matrix& W, const Matrix& H,
                                         const TemplateLibrary& library,
                                         const AnalysisSettings& analysis, int threads = 0);

/// Soft grouping of K components by template libraries: shares(s, k), how much of
/// component k belongs to library source s (S × K, every column sums to one). The scores
/// q_sk = r_sk / Σ_j r_sj of groupComponentsByLibrary (the fraction of source s's total
/// claim that component k holds) give shares q_sk^power / Σ_s q_sk^power: power 1 is the
/// likelihood with equal priors, larger powers are harder, and power = +infinity gives
/// the one-hot shares of groupComponentsByLibrary itself. A component no source claims,
/// and a source that would have no share of any component, take
/// groupComponentsByLibrary's one-hot choice. splitSharedComponents turns the shares into
/// groups. Same inputs, units, errors and threading as groupComponentsByLibrary; also
/// throws InvalidArgument if power is not > 0 (NaN included). Deterministic; not
/// real-time safe.
Eigen::MatrixXf componentSharesByLibrary(const Matrix& V, const Matrix& W, const Matrix& H,
                                         const TemplateLibrary& library,
                                         const AnalysisSettings& analysis, double power,
                                         int threads = 0);

/// Unsupervised separation with named sources: exactly decomposeUnsupervised(mix,
/// components, 0, settings) (K free components, no library template in W), grouped into
/// one source per library source, named after it. With settings.groupingPower = +infinity
/// each component goes to one source (groupComponentsByLibrary) and W, H are the
/// factorisation's; otherwise (default 2) the components are shared by
/// componentSharesByLibrary(…, settings.groupingPower) and W, H, groups are their
/// splitSharedComponents form (more columns, the same W·H). With
/// settings.unsupervisedRestarts = M > 1, M such factorisations (seeds nmf.seed + m), each
/// grouped on its own, source s being library source s in every member, combined as in
/// decomposeUnsupervised (memberStarts marks each member's columns).
/// Throws like both (InvalidArgument: bad audio, components < the library's source
/// count, a library without sources or with only one, restarts < 0, groupingPower not > 0; LibraryError; Cancelled through
/// `progress`, stages "analysing", then per member "separating" and "grouping").
Decomposition decomposeGroupedByLibrary(const AudioBuffer& mix, int components,
                                        const TemplateLibrary& library,
                                        const SeparationSettings& settings,
                                        const ProgressCallback& progress = {});

/// Renders one stem per group of `decomposition` (α-Wiener masks from its W, H and groups,
/// α = settings.alpha) by masking the STFT of every channel of `mix` (analysed with
/// decomposition.analysis.stft) and inverting it; a stereo mix is filtered with the
/// spatial Wiener filter built on those masks (settings.spatialPasses). Stems have the mix's rate, channels
/// and exact length, and sum to the mix (≤ 1e-5 relative). Throws InvalidArgument if the
/// decomposition does not fit the mix or its groups are invalid. Unless settings.threads
/// is 1, the frames are split over two threads (same stems, bit for bit); `progress` is
/// called on the calling thread.
std::vector<Stem> renderStems(const AudioBuffer& mix, const Decomposition& decomposition,
                              const SeparationSettings& settings,
                              const ProgressCallback& progress = {});

/// Chunked supervised separation of arbitrarily long audio in bounded memory (and, below,
/// the same for unsupervised separation grouped by a library).
///
/// With the templates fixed, each STFT frame's activations depend only on that frame, so
/// a long mix can be cut into chunks separated independently: chunk i covers the nominal
/// span [i·L, (i+1)·L) plus `overlapSeconds` of context on each side (L and the overlap
/// are rounded to whole hops, so every chunk's frames are frames of the whole-file STFT).
/// Neighbouring chunks are crossfaded (raised-cosine, weights summing to one) over the
/// middle half of the overlap around each boundary — far from the chunks' own edges —
/// so there is no audible seam. In every chunk the masks sum to one, hence the stems
/// still sum to the mix (to float rounding), seams included.
/// Away from seams the stems equal those of decomposeSupervised + renderStems on the
/// whole mix up to the NMF stopping rule (tol is checked per chunk; with nmf.tol == 0
/// they agree to float rounding) — with settings.spatialPasses == 0. With spatial
/// filtering (stereo), each chunk estimates its own spatial model from its own span, so
/// the stems differ slightly from a whole-file render (they still sum to the mix).
///
/// Memory: about one chunk (plus overlap) of mix, stems, spectrogram and activations
/// (two chunks with `pipeline`, plus the mix and stem buffers of a written chunk, kept to
/// be reused by the next one), independent of the mix's length.
///
/// Threads: with `pipeline` (the default) chunk i − 1 is rendered (masks, spatial
/// filter, iSTFT) on a helper thread while chunk i is decomposed, and written while
/// chunk i renders, so the single-threaded rendering overlaps the NMF. The stems are
/// bit-identical either way. The reader, the writer and the progress callback are only
/// ever called on the calling thread.
struct ChunkSettings {
    double chunkSeconds = 60.0;   ///< nominal chunk length (> 0)
    double overlapSeconds = 4.0;  ///< context on each side of a chunk (>= 0)
    bool pipeline = true;         ///< overlap rendering with the next chunk's NMF
};

/// Fills `block` with `count` samples per channel of the mix starting at sample `start`
/// (block.channels is already sized: numChannels vectors, which may still hold an earlier
/// block's samples — their memory is reused; resize or assign each to `count` samples).
/// May throw (e.g. an I/O error); the exception propagates out of the call.
using MixBlockReader = std::function<void(std::size_t start, std::size_t count, AudioBuffer& block)>;
/// Receives the stems' next samples, in order: stems[s].audio holds the samples
/// [start, start + n) of stem s (same n for all). Calls cover [0, numSamples) exactly once.
using StemBlockWriter = std::function<void(std::size_t start, const std::vector<Stem>& stems)>;

/// What a chunked separation did.
struct ChunkedSeparation {
    std::vector<std::string> stemNames;  ///< in the order given to the writer
    std::vector<int> iterations;         ///< NMF iterations of each chunk
    std::vector<bool> converged;         ///< whether each chunk met the tol rule
    int ensembleMembers = 1;             ///< members per chunk (Decomposition::memberStarts)
};

/// Supervised separation (decomposeSupervised: library templates, plus `freeComponents`
/// free ones as a "residual" source) of a mix of `numSamples` samples × `numChannels`
/// channels at `sampleRate`, read and written block by block. Free components are learned
/// per chunk (from the same seed), so with them the stems are those of separating each
/// chunk on its own, like separateGroupedByLibraryChunked below; without them, as above.
/// Throws like decomposeSupervised (InvalidArgument, LibraryError, Cancelled) and
/// InvalidArgument for bad chunk settings. Progress covers the whole file.
ChunkedSeparation separateSupervisedChunked(std::size_t numSamples, int numChannels,
                                            double sampleRate, const TemplateLibrary& library,
                                            int freeComponents,
                                            const SeparationSettings& settings,
                                            const MixBlockReader& read,
                                            const StemBlockWriter& write,
                                            const ChunkSettings& chunks = {},
                                            const ProgressCallback& progress = {});

/// Blind unsupervised separation (decomposeUnsupervised: `components` free components,
/// grouped into `sources` anonymous sources, or one per component with sources == 0),
/// chunk by chunk like separateGroupedByLibraryChunked (below). Anonymous sources have no names to
/// line them up, so chunk i's sources are put in chunk i − 1's order: both chunks analyse
/// the audio around their boundary, and the sources are matched by the cosine similarity of
/// their models over the frames inside the crossfade (all permutations up to 8 sources,
/// greedily beyond). Stem s is then one source all along, as far as the models around each
/// seam agree; a source that changes character from chunk to chunk may still swap stems.
/// Throws like decomposeUnsupervised and InvalidArgument for bad chunk settings.
ChunkedSeparation separateUnsupervisedChunked(std::size_t numSamples, int numChannels,
                                              double sampleRate, int components, int sources,
                                              const SeparationSettings& settings,
                                              const MixBlockReader& read,
                                              const StemBlockWriter& write,
                                              const ChunkSettings& chunks = {},
                                              const ProgressCallback& progress = {});

/// Unsupervised separation grouped by a library (decomposeGroupedByLibrary), chunk by
/// chunk like separateSupervisedChunked: each chunk (with its context) is factorised into
/// `components` components of its own, from the same seed, and grouped by `library`, so
/// every chunk has the library's sources, in the library's order, and neighbouring chunks
/// are crossfaded as above. Unlike the supervised case the chunks do not share templates:
/// away from the seams the stems are those of separating each chunk on its own, not of
/// the whole file. The stems still sum to the mix, memory is bounded the same way (plus
/// the chunk's NMF workspace), and the threads and callbacks behave as above. Throws like
/// decomposeGroupedByLibrary (InvalidArgument, LibraryError, Cancelled) and InvalidArgument
/// for bad chunk settings.
ChunkedSeparation separateGroupedByLibraryChunked(std::size_t numSamples, int numChannels,
                                                  double sampleRate, int components,
                                                  const TemplateLibrary& library,
                                                  const SeparationSettings& settings,
                                                  const MixBlockReader& read,
                                                  const StemBlockWriter& write,
                                                  const ChunkSettings& chunks = {},
                                                  const ProgressCallback& progress = {});

}  // namespace demix

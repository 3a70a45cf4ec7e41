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
/// threads internally. Not real-time safe. Long work reports progress and can be
/// cancelled through ProgressCallback (then `Cancelled` is thrown).

#include "demix/masks.hpp"
#include "demix/nmf.hpp"
#include "demix/stft.hpp"
#include "demix/template_library.hpp"

namespace demix {

struct SeparationSettings {
    StftSettings stft;
    NmfSettings nmf;   ///< nmf.components is ignored where K is given explicitly
    float alpha = 1.0f;  ///< mask exponent
    int threads = 0;     ///< 0 = all hardware threads
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
};

struct Stem {
    std::string name;
    AudioBuffer audio;  ///< same rate, channels and length as the mix
};

/// Learns `components` templates for one source from one or more clips (all channels
/// of all clips; clips must share the sample rate). Returns a library with one source.
TemplateLibrary learnTemplates(const std::vector<AudioBuffer>& clips, const std::string& name,
                               int components, const SeparationSettings& settings,
                               const ProgressCallback& progress = {});

/// Supervised / semi-supervised: the library's templates are frozen, H is solved; with
/// `freeComponents` > 0 that many free templates are learned too and form a source
/// named "residual". Throws LibraryError if the library does not fit the mix
/// (sample rate, FFT size, hop, window).
Decomposition decomposeSupervised(const AudioBuffer& mix, const TemplateLibrary& library,
                                  int freeComponents, const SeparationSettings& settings,
                                  const ProgressCallback& progress = {});

/// Unsupervised: K free components, grouped automatically into `sources` sources
/// (named "source-1" …), or one source per component ("component-1" …) if sources == 0.
Decomposition decomposeUnsupervised(const AudioBuffer& mix, int components, int sources,
                                    const SeparationSettings& settings,
                                    const ProgressCallback& progress = {});

/// Automatic grouping of K components into `sources` groups from the template spectra
/// and activation correlation. Deterministic for a seed. Every group is non-empty.
ComponentGroups groupComponents(const Matrix& W, const Matrix& H, int sources,
                                std::uint64_t seed = 0);

/// Renders one stem per group of `decomposition` (masks from its W, H and groups) by
/// masking the STFT of every channel of `mix` and inverting it.
std::vector<Stem> renderStems(const AudioBuffer& mix, const Decomposition& decomposition,
                              const SeparationSettings& settings,
                              const ProgressCallback& progress = {});

}  // namespace demix

#pragma once
/// \file metrics.hpp
/// Separation quality measures used by `demix evaluate`, in double precision.
///
/// s is the reference, ŝ the estimate (same channels and length, checked by the caller).
///  - SDR    BSS-eval v3 signal-to-distortion ratio, as `bss_eval_sources` of the BSS Eval
///           toolbox / mir_eval computes it: ŝ is projected (least squares) onto the
///           span of s delayed by 0…511 samples (a 512-tap time-invariant distortion
///           filter is allowed), and SDR = 10·log10(‖P ŝ‖² / ‖ŝ − P ŝ‖²). For several
///           channels each channel is projected on its own reference channel and the
///           energies are summed over channels before the ratio.
///  - SI-SDR 10·log10(‖a·s‖² / ‖a·s − ŝ‖²) with a = ⟨ŝ, s⟩ / ‖s‖² (Le Roux et al. 2019),
///           all channels as one signal: a gain error costs nothing.
///  - SNR    10·log10(‖s‖² / ‖s − ŝ‖²), all channels as one signal: the plain ratio with
///           no allowed distortion (SiSEC 2018's "new SDR" without framing).
/// ε = 1e-12 is added to numerator and denominator (a perfect estimate gives a large
/// finite value). A silent reference has no defined score: NaN.

#include "demix/types.hpp"

namespace demix::cli {

struct StemScore {
    double sdr = 0.0;    ///< BSS-eval v3 SDR (512-tap filter), dB
    double siSdr = 0.0;  ///< scale-invariant SDR, dB
    double snr = 0.0;    ///< plain signal-to-distortion ratio, dB
};

/// Length of the distortion filter of the BSS-eval SDR (samples), as in BSS Eval v3.
constexpr int kBssEvalFilterLength = 512;

StemScore scoreStem(const AudioBuffer& reference, const AudioBuffer& estimate);

/// BSS-eval v3 projection energies of one channel: returns {‖P ŝ‖², ‖ŝ − P ŝ‖²}.
std::pair<double, double> bssEvalEnergies(const std::vector<float>& reference,
                                          const std::vector<float>& estimate,
                                          int filterLength = kBssEvalFilterLength);

}  // namespace demix::cli

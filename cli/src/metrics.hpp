#pragma once
/// \file metrics.hpp
/// Separation quality measures used by `demix evaluate`.
///
/// Both treat a multichannel signal as one long vector (all channels concatenated) and
/// are computed in double precision:
///  - SDR    = 10·log10(‖s‖² / ‖s − ŝ‖²): plain signal-to-distortion ratio, no allowed
///             distortion filter (the "SDR" of SiSEC 2018 / museval's v4 without the
///             512-tap projection; it is ≤ BSS-eval v3's SDR for the same estimate).
///  - SI-SDR = 10·log10(‖a·s‖² / ‖a·s − ŝ‖²) with a = ⟨ŝ, s⟩ / ‖s‖² (Le Roux et al. 2019):
///             insensitive to the estimate's gain.
/// A tiny ε = 1e-12 is added to numerator and denominator, so a perfect estimate gives a
/// large finite value. Undefined cases (silent reference) return NaN.

#include "demix/types.hpp"

namespace demix::cli {

struct StemScore {
    double sdr = 0.0;
    double siSdr = 0.0;
};

/// reference and estimate must have the same channels and length (checked by the caller).
StemScore scoreStem(const AudioBuffer& reference, const AudioBuffer& estimate);

}  // namespace demix::cli

#pragma once
// Multichannel (spatial) Wiener filter of a stereo mix. Internal header.
//
// Local Gaussian model: source s in bin (f, t) has a 2-channel spectrum of covariance
// v_s(f, t) · R_s(f), where v_s is its NMF power and R_s(f) its spatial covariance
// (Hermitian 2 × 2, normalised to trace 2, plus δ·I). The minimum-mean-square-error
// estimate of source s from the mix x is
//     y_s = v_s R_s (Σ_j v_j R_j)⁻¹ x,
// and since the mask m_s = v_s / Σ_j v_j, v_s may be replaced by m_s (the common factor
// cancels). The filters sum to the identity, so the stems still sum to the mix. With
// every R_s = I (no spatial knowledge) y_s = m_s x: exactly the masks.
//
// The R_s are estimated by EM-style passes over the mix: filter with the current model,
// then R_s(f) = Σ_t y_s y_sᴴ / (Σ_t ‖y_s‖² / 2) + δ·I. A source panned to one side or a
// wide stereo source thus gets a filter that uses the channels' difference, which a
// per-channel mask cannot (docs/quality.md).

#include "demix/types.hpp"

#include <complex>
#include <cstddef>
#include <vector>

namespace demix::detail {

class StereoSpatialModel {
    // Structure of arrays (one array per field, source-major: [s * bins + f]), so the
    // per-bin loops vectorise.
    struct Covariances {
        std::vector<double> r00, r11, r01re, r01im;
        void assign(std::size_t size, double diagonal);
    };

public:
    /// Working memory of filter and accumulateMasked for one thread.
    struct Scratch {
        std::vector<double> s00, s11, s01re, s01im, z0re, z0im, z1re, z1im;
    };
    /// Σ y yᴴ gathered by one thread over its frames (what update() estimates from).
    struct Statistics {
        Covariances sums;
    };

    /// Every R_s = I: filtering gives exactly the masks.
    StereoSpatialModel(int sources, Eigen::Index bins);

    /// Estimates of one frame: out[s] (bins × 2) = y_s for the mix frame `mix` (bins × 2)
    /// and the masks masks[s](f, column) (summing to one over s). `out` is resized.
    /// Thread-safe (the model is only read) when each thread brings its own scratch.
    void filter(const ComplexMatrix& mix, const std::vector<Matrix>& masks, Eigen::Index column,
                std::vector<ComplexMatrix>& out, Scratch& scratch) const;

    /// Adds y_s y_sᴴ of one frame's estimates (from filter) to `stats`.
    void accumulate(const std::vector<ComplexMatrix>& estimates, Statistics& stats) const;

    /// The same statistics as filter + accumulate while every R_s is still I (estimates
    /// m_s x, so y yᴴ = m_s² x xᴴ), without computing the estimates.
    void accumulateMasked(const ComplexMatrix& mix, const std::vector<Matrix>& masks,
                          Eigen::Index column, Statistics& stats, Scratch& scratch) const;

    /// Empty statistics and scratch of this model's size.
    Statistics newStatistics() const;
    Scratch newScratch() const;

    /// Replaces the model by the one estimated from parts[0] + parts[1] + … (summed in
    /// this order, so the result depends only on how the frames were split into parts,
    /// not on which thread gathered them; a source or bin with no energy keeps R = I).
    void update(const std::vector<Statistics>& parts);

    /// Single-threaded conveniences: the model's own scratch and one statistics part.
    void filter(const ComplexMatrix& mix, const std::vector<Matrix>& masks, Eigen::Index column,
                std::vector<ComplexMatrix>& out) const {
        filter(mix, masks, column, out, scratch_);
    }
    void accumulate(const std::vector<ComplexMatrix>& estimates) { accumulate(estimates, stats_); }
    void accumulateMasked(const ComplexMatrix& mix, const std::vector<Matrix>& masks,
                          Eigen::Index column) {
        accumulateMasked(mix, masks, column, stats_, scratch_);
    }
    /// update({the statistics gathered by the conveniences}) and clears them.
    void update();

    /// True until the first update(): every R_s = I, so filter gives the masks' estimates.
    bool isIdentity() const { return identity_; }

    /// R_s(f) as (r00, r11, r01) — r10 = conj(r01); for tests and diagnostics.
    void covariance(int source, Eigen::Index bin, double& r00, double& r11,
                    std::complex<double>& r01) const;

    /// The diagonal loading δ added to every normalised R_s (trace 2): keeps Σ_j m_j R_j
    /// invertible when the sources' spatial images are rank one and alike.
    static constexpr double kLoading = 1e-4;

private:
    int sources_;
    Eigen::Index bins_;
    bool identity_ = true;
    Covariances model_;
    Statistics stats_;          // gathered by the single-threaded conveniences
    mutable Scratch scratch_;   // used by the single-threaded conveniences
};

}  // namespace demix::detail

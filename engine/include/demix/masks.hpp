#pragma once
/// \file masks.hpp
/// α-Wiener soft masks: M_s = (W_s H_s)^α / Σ_j (W_j H_j)^α.
///
/// Each source s owns a group of components (columns of W / rows of H). The masks are
/// computed in a numerically stable way (each bin is normalised by its largest source
/// estimate before the power) and sum to exactly one in every bin; a bin where every
/// estimate is zero gets equal shares 1/S, so silence maps to silence and no NaN appears.
///
/// Thread-safety: pure functions. Not real-time safe (they allocate), except
/// `wienerMaskColumn`, which writes into caller-owned memory and is real-time safe.

#include "demix/stft.hpp"
#include "demix/types.hpp"

namespace demix {

/// groups[s] lists the component indices of source s. Every component in at most one
/// group; components in no group are ignored (their share goes to the others).
using ComponentGroups = std::vector<std::vector<int>>;

/// Throws InvalidArgument if an index is out of range [0, components) or used twice.
void validateGroups(const ComponentGroups& groups, int components);

/// One F × T mask per source. alpha > 0 (1 = classic Wiener-like ratio mask,
/// 2 = power Wiener; larger is harder/more selective).
std::vector<Matrix> wienerMasks(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                                float alpha = 1.0f);

/// One frame: `estimates` is F × S (column s = W_s h_s for this frame), overwritten in
/// place by the masks. Real-time safe.
void wienerMaskColumn(Eigen::Ref<Matrix> estimates, float alpha) noexcept;

/// Components shared by several sources, in the form the masks take: every source owns
/// whole components (see splitSharedComponents).
struct SharedComponents {
    Matrix W;               ///< F × K' templates: a copy of w_k for every source sharing k
    Matrix H;               ///< K' × T activations: share_sk · h_k for that copy
    ComponentGroups groups;  ///< the copies of each source, ascending; a partition of 0..K'-1
};

/// Soft grouping: component k (column w_k of W, row h_k of H) belongs to source s with
/// share shares(s, k); every column of `shares` (S × K) is non-negative and sums to one.
/// Each component is split into one copy per source that holds at least 1e-3 of it (and
/// the copy of each source's largest share, however small, so no source is empty), the
/// kept shares renormalised to sum to one: w_k goes into W' unchanged, share_sk·h_k into
/// H'. So W'·H' = W·H up to float rounding, source s's model is Σ_k share_sk·w_k h_kᵀ, and
/// a one-hot column leaves its component exactly as it was (one copy, H row unscaled).
/// Copies are ordered by component, then by source. Throws InvalidArgument if the shapes
/// disagree (shares.cols() != W.cols() != H.rows(), no source), a share is negative or
/// not finite, a column does not sum to one (within 1e-3) or a source has no share of any
/// component. Pure function; allocates (not real-time safe).
SharedComponents splitSharedComponents(const Matrix& W, const Matrix& H,
                                       const Eigen::MatrixXf& shares);

/// Applies a real F × T mask to every channel of X (same F × T).
Spectrogram applyMask(const Spectrogram& X, const Matrix& mask);

}  // namespace demix

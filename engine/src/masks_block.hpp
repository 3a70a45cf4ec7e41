#pragma once
// Masks of a block of frames, so long files never need S full F × T masks at once.
// Internal header.

#include "demix/masks.hpp"

namespace demix::detail {

/// Checks that W (F × K), H (K × T) and groups fit together and alpha is usable.
/// Throws InvalidArgument.
void checkMaskInputs(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                     float alpha);

/// Masks of frames [first, first + count) of every source: masks[s] becomes F × count.
/// `masks` is reused between calls (no reallocation when the shape is unchanged).
void wienerMasksBlock(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                      float alpha, Eigen::Index first, Eigen::Index count,
                      std::vector<Matrix>& masks);

}  // namespace demix::detail

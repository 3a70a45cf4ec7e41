#pragma once
/// \file nmf_products.hpp
/// The two large products of the Frobenius solvers, blocked over time and threaded with
/// a fixed split (deterministic per worker count).

#include "nmf_internal.hpp"

namespace demix::nmf_detail {

/// V Hᵀ (F × K): per-worker partial sums over its time blocks, reduced in worker order.
Matrix timesTransposed(const Matrix& V, const Matrix& H, int workers);

/// Wᵀ V (K × T), each worker writing its own time blocks.
Matrix transposedTimes(const Matrix& W, const Matrix& V, int workers);

}  // namespace demix::nmf_detail

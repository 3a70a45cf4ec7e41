#pragma once
// The per-bin α-Wiener mask kernel shared by the offline and real-time mask code.
// Internal header.

#include <algorithm>
#include <cfloat>
#include <cmath>

#include <Eigen/Core>

namespace demix::detail {

/// Replaces the S source estimates e[0], e[stride], … of one bin by their masks
/// (e_s / max)^α / Σ_j (e_j / max)^α. Negative, NaN or zero estimates count as zero,
/// +inf as FLT_MAX; an all-zero bin gets 1/S each. Normalising by the largest estimate
/// first keeps the power in [0, 1], so nothing overflows and the sum is >= 1.
inline void wienerMaskBin(float* e, Eigen::Index stride, Eigen::Index sources,
                          float alpha) noexcept {
    float largest = 0.0f;
    for (Eigen::Index s = 0; s < sources; ++s) {
        float& v = e[s * stride];
        v = v > 0.0f ? std::min(v, FLT_MAX) : 0.0f;  // NaN compares false: becomes 0
        largest = std::max(largest, v);
    }
    if (!(largest > 0.0f)) {
        const float share = 1.0f / static_cast<float>(sources);
        for (Eigen::Index s = 0; s < sources; ++s) e[s * stride] = share;
        return;
    }
    const float invLargest = 1.0f / largest;
    float sum = 0.0f;
    for (Eigen::Index s = 0; s < sources; ++s) {
        float& v = e[s * stride];
        float r = std::min(v * invLargest, 1.0f);
        if (alpha == 2.0f) {
            r *= r;
        } else if (alpha != 1.0f) {
            r = std::pow(r, alpha);
        }
        v = r;
        sum += r;
    }
    const float invSum = 1.0f / sum;
    for (Eigen::Index s = 0; s < sources; ++s) e[s * stride] *= invSum;
}

}  // namespace demix::detail

// splitSharedComponents: soft groups (a share of each component per source) written as
// the hard groups the masks take, by splitting every shared component into copies.

#include "demix/masks.hpp"

#include <cmath>
#include <string>

namespace demix {
namespace {

/// A share below this is dropped (and the component's other shares renormalised): it
/// would only add a copy whose contribution to its source is negligible.
constexpr float kMinShare = 1e-3f;

void checkShares(const Matrix& W, const Matrix& H, const Eigen::MatrixXf& shares) {
    if (W.cols() != H.rows() || shares.cols() != W.cols()) {
        throw InvalidArgument("shared components: " + std::to_string(W.cols()) + " templates, " +
                              std::to_string(H.rows()) + " activation rows and shares for " +
                              std::to_string(shares.cols()) + " components");
    }
    if (shares.rows() < 1) throw InvalidArgument("shared components: no source to share among");
    for (Eigen::Index k = 0; k < shares.cols(); ++k) {
        double sum = 0.0;
        for (Eigen::Index s = 0; s < shares.rows(); ++s) {
            const float share = shares(s, k);
            if (!(share >= 0.0f) || !std::isfinite(share)) {
                throw InvalidArgument("shared components: source " + std::to_string(s + 1) +
                                      "'s share of component " + std::to_string(k) +
                                      " is " + std::to_string(share) +
                                      "; shares must be finite and >= 0");
            }
            sum += share;
        }
        if (std::abs(sum - 1.0) > 1e-3) {
            throw InvalidArgument("shared components: the shares of component " +
                                  std::to_string(k) + " sum to " + std::to_string(sum) +
                                  ", not 1");
        }
    }
}

}  // namespace

SharedComponents splitSharedComponents(const Matrix& W, const Matrix& H,
                                       const Eigen::MatrixXf& shares) {
    checkShares(W, H, shares);
    const Eigen::Index sources = shares.rows(), components = shares.cols();
    // keep(s, k): source s gets a copy of component k.
    Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> keep = shares.array() >= kMinShare;
    for (Eigen::Index s = 0; s < sources; ++s) {
        Eigen::Index best = 0;
        const float largest = shares.row(s).maxCoeff(&best);
        if (!(largest > 0.0f)) {
            throw InvalidArgument("shared components: source " + std::to_string(s + 1) +
                                  " has no share of any component");
        }
        keep(s, best) = true;
    }
    Eigen::Index copies = 0;
    for (Eigen::Index k = 0; k < components; ++k) {
        if (!keep.col(k).any()) {  // only with more than 1000 sources: keep its largest share
            Eigen::Index best = 0;
            shares.col(k).maxCoeff(&best);
            keep(best, k) = true;
        }
        copies += keep.col(k).count();
    }

    SharedComponents out;
    out.W.resize(W.rows(), copies);
    out.H.resize(copies, H.cols());
    out.groups.resize(static_cast<std::size_t>(sources));
    Eigen::Index next = 0;
    for (Eigen::Index k = 0; k < components; ++k) {
        float kept = 0.0f;
        for (Eigen::Index s = 0; s < sources; ++s)
            if (keep(s, k)) kept += shares(s, k);
        for (Eigen::Index s = 0; s < sources; ++s) {
            if (!keep(s, k)) continue;
            out.W.col(next) = W.col(k);
            if (keep.col(k).count() == 1)
                out.H.row(next) = H.row(k);  // a component of one source stays exactly as it was
            else
                out.H.row(next) = H.row(k) * (shares(s, k) / kept);
            out.groups[static_cast<std::size_t>(s)].push_back(static_cast<int>(next));
            ++next;
        }
    }
    return out;
}

}  // namespace demix

#include "demix/masks.hpp"

#include "masks_block.hpp"
#include "masks_kernel.hpp"

#include <cfloat>
#include <string>

namespace demix {

void validateGroups(const ComponentGroups& groups, int components) {
    if (components < 0) throw InvalidArgument("component count must be >= 0");
    std::vector<int> owner(static_cast<std::size_t>(components), -1);
    for (std::size_t s = 0; s < groups.size(); ++s) {
        for (int k : groups[s]) {
            if (k < 0 || k >= components) {
                throw InvalidArgument("source " + std::to_string(s + 1) + " names component " +
                                      std::to_string(k) + ", but there are only " +
                                      std::to_string(components) + " components (0.." +
                                      std::to_string(components - 1) + ")");
            }
            int& o = owner[static_cast<std::size_t>(k)];
            if (o >= 0) {
                throw InvalidArgument("component " + std::to_string(k) +
                                      " is used twice (by source " + std::to_string(o + 1) +
                                      " and source " + std::to_string(s + 1) + ")");
            }
            o = static_cast<int>(s);
        }
    }
}

namespace detail {

void checkMaskInputs(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                     float alpha) {
    if (W.cols() != H.rows()) {
        throw InvalidArgument("templates have " + std::to_string(W.cols()) +
                              " components but activations have " + std::to_string(H.rows()));
    }
    if (groups.empty()) throw InvalidArgument("masks need at least one source");
    if (!(alpha > 0.0f) || !std::isfinite(alpha)) {
        throw InvalidArgument("mask exponent alpha must be a finite number > 0, got " +
                              std::to_string(alpha));
    }
    validateGroups(groups, static_cast<int>(W.cols()));
}

void wienerMasksBlock(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                      float alpha, Eigen::Index first, Eigen::Index count,
                      std::vector<Matrix>& masks) {
    const Eigen::Index sources = static_cast<Eigen::Index>(groups.size());
    masks.resize(groups.size());
    for (std::size_t s = 0; s < groups.size(); ++s) {
        Matrix& m = masks[s];
        m.resize(W.rows(), count);
        if (groups[s].empty()) {
            m.setZero();
        } else {
            m.noalias() = W(Eigen::all, groups[s]) * H(groups[s], Eigen::seqN(first, count));
        }
    }
    // The per-bin kernel (wienerMaskBin) on whole blocks of bins at once, so it vectorises;
    // the same operations in the same order, hence the same values.
    using Array = Eigen::ArrayXXf;
    Array largest = Array::Zero(W.rows(), count);
    for (Matrix& m : masks) {
        auto a = m.array();
        a = (a > 0.0f).select(a.min(FLT_MAX), 0.0f);  // NaN compares false: becomes 0
        largest = largest.max(a);
    }
    const auto silent = largest <= 0.0f;
    const Array invLargest = silent.select(1.0f, largest.inverse());
    Array sum = Array::Zero(W.rows(), count);
    for (Matrix& m : masks) {
        auto a = m.array();
        a = (a * invLargest).min(1.0f);
        if (alpha == 2.0f) {
            a = a.square();
        } else if (alpha != 1.0f) {
            a = a.pow(alpha);
        }
        sum += a;
    }
    const Array invSum = sum.inverse();
    const float share = 1.0f / static_cast<float>(sources);
    for (Matrix& m : masks) m.array() = silent.select(share, m.array() * invSum);
}

}  // namespace detail

std::vector<Matrix> wienerMasks(const Matrix& W, const Matrix& H, const ComponentGroups& groups,
                                float alpha) {
    detail::checkMaskInputs(W, H, groups, alpha);
    std::vector<Matrix> masks;
    detail::wienerMasksBlock(W, H, groups, alpha, 0, H.cols(), masks);
    return masks;
}

void wienerMaskColumn(Eigen::Ref<Matrix> estimates, float alpha) noexcept {
    if (!(alpha > 0.0f) || !std::isfinite(alpha)) alpha = 1.0f;
    const Eigen::Index sources = estimates.cols();
    if (sources == 0) return;
    const Eigen::Index stride = estimates.outerStride();
    for (Eigen::Index f = 0; f < estimates.rows(); ++f) {
        detail::wienerMaskBin(estimates.data() + f, stride, sources, alpha);
    }
}

Spectrogram applyMask(const Spectrogram& X, const Matrix& mask) {
    Spectrogram out;
    out.channels.reserve(X.channels.size());
    for (const ComplexMatrix& channel : X.channels) {
        if (channel.rows() != mask.rows() || channel.cols() != mask.cols()) {
            throw InvalidArgument("mask is " + std::to_string(mask.rows()) + " x " +
                                  std::to_string(mask.cols()) + " but the spectrogram is " +
                                  std::to_string(channel.rows()) + " x " +
                                  std::to_string(channel.cols()));
        }
        out.channels.emplace_back(channel.array() * mask.array().cast<std::complex<float>>());
    }
    return out;
}

}  // namespace demix

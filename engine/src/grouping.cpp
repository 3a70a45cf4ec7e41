// groupComponents: Ward agglomerative clustering of components on timbre + co-activation.
//
// Each component k gets a feature vector made of two unit-length parts:
//  - timbre: an MFCC-like cepstrum of its template (40 mel bands, log, DCT, coefficients
//    1..12), i.e. the spectral envelope without the pitch, so different notes of one
//    instrument look alike;
//  - its log-compressed activation over time, centred (components of one source tend
//    to be active together: the hits of a drum, the partials of a note).
// For unit vectors the squared distance is 2 − 2·correlation, so clustering these
// vectors groups components whose timbres and activations correlate; this separated
// better than raw log-band spectra (bench/RESULTS.md, appendix). Ward linkage keeps
// clusters compact and of comparable spread; ties go to the lowest indices, so the result
// is fully deterministic.

#include "demix/separator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace demix {
namespace {

constexpr int kMelBands = 40;
/// Weight of co-activation against timbre (both parts of the features have unit length).
constexpr float kActivationWeight = 1.0f;
constexpr int kCepstra = 13;  // coefficients 1..12 are kept (0 is the overall level)

/// Rows of a matrix that sums the bins of a template into mel-spaced bands (rectangular
/// bands; bin f taken as f/(F−1) of a 22.05 kHz Nyquist, the usual 44.1 kHz case).
std::vector<Eigen::Index> melEdges(Eigen::Index bins) {
    const auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    const double top = mel(22050.0);
    std::vector<Eigen::Index> edges{0};
    for (int b = 1; b < kMelBands; ++b) {
        const double hz = 700.0 * (std::pow(10.0, top * b / kMelBands / 2595.0) - 1.0);
        const auto edge = static_cast<Eigen::Index>(std::round(hz / 22050.0 * static_cast<double>(bins - 1)));
        if (edge > edges.back() && edge < bins) edges.push_back(edge);
    }
    edges.push_back(bins);
    return edges;
}

/// Centres v and scales it to unit length (a zero vector stays zero).
void centreAndNormalise(Eigen::Ref<Vector> v) {
    v.array() -= v.mean();
    const float norm = v.norm();
    if (norm > 0.0f && std::isfinite(norm)) v /= norm;
}

/// Timbre: MFCC-like cepstrum of the template (log mel band energies → DCT-II,
/// coefficients 1..12), which describes the spectral envelope and ignores the pitch.
Vector timbre(const Eigen::Ref<const Vector>& w, const std::vector<Eigen::Index>& edges) {
    const Eigen::Index bands = static_cast<Eigen::Index>(edges.size()) - 1;
    const float total = w.sum();
    Vector logEnergy(bands);
    for (Eigen::Index b = 0; b < bands; ++b) {
        const float energy = w.segment(edges[b], edges[b + 1] - edges[b]).sum();
        logEnergy(b) = std::log((total > 0.0f ? energy / total : 0.0f) + 1e-6f);
    }
    Vector cepstrum(kCepstra - 1);
    for (int q = 1; q < kCepstra; ++q) {
        double c = 0.0;
        for (Eigen::Index b = 0; b < bands; ++b) {
            c += logEnergy(b) * std::cos(M_PI * q * (static_cast<double>(b) + 0.5) / static_cast<double>(bands));
        }
        cepstrum(q - 1) = static_cast<float>(c);
    }
    const float norm = cepstrum.norm();
    if (norm > 0.0f && std::isfinite(norm)) cepstrum /= norm;
    return cepstrum;
}

Matrix componentFeatures(const Matrix& W, const Matrix& H, float activationWeight) {
    const Eigen::Index K = W.cols();
    const std::vector<Eigen::Index> edges = melEdges(W.rows());
    const Eigen::Index frames = H.cols();
    Matrix features(kCepstra - 1 + frames, K);
    for (Eigen::Index k = 0; k < K; ++k) {
        features.col(k).head(kCepstra - 1) = timbre(W.col(k), edges);
        Vector activation = H.row(k).transpose();
        const float mean = activation.mean();
        if (mean > 0.0f) activation = (activation / mean).array().log1p().matrix();
        centreAndNormalise(activation);
        features.col(k).tail(frames) = std::sqrt(activationWeight) * activation;
    }
    return features;
}

}  // namespace

ComponentGroups groupComponents(const Matrix& W, const Matrix& H, int sources,
                                std::uint64_t /*seed: the method is deterministic*/) {
    const Eigen::Index K = W.cols();
    if (H.rows() != K) {
        throw InvalidArgument("templates have " + std::to_string(K) +
                              " components but activations have " + std::to_string(H.rows()));
    }
    if (sources < 1 || sources > K) {
        throw InvalidArgument("cannot group " + std::to_string(K) + " components into " +
                              std::to_string(sources) + " sources");
    }

    const Matrix features = componentFeatures(W, H, kActivationWeight);

    // Clusters are merged until `sources` remain. Ward's cost of merging a and b is
    // n_a·n_b/(n_a+n_b)·‖c_a − c_b‖², computed from sums of the features' Gram matrix:
    // with S_ab = Σ_{i∈a, j∈b} f_i·f_j, ‖c_a − c_b‖² = S_aa/n_a² + S_bb/n_b² − 2·S_ab/(n_a·n_b).
    Eigen::MatrixXd S = features.cast<double>().transpose() * features.cast<double>();
    std::vector<std::vector<int>> members(static_cast<std::size_t>(K));
    std::vector<Eigen::Index> slot(static_cast<std::size_t>(K));  // row of S per cluster
    for (Eigen::Index k = 0; k < K; ++k) {
        members[k] = {static_cast<int>(k)};
        slot[k] = k;
    }
    while (static_cast<int>(members.size()) > sources) {
        double best = std::numeric_limits<double>::infinity();
        std::size_t bestA = 0, bestB = 1;
        for (std::size_t a = 0; a < members.size(); ++a) {
            const double na = static_cast<double>(members[a].size());
            const double saa = S(slot[a], slot[a]) / (na * na);
            for (std::size_t b = a + 1; b < members.size(); ++b) {
                const double nb = static_cast<double>(members[b].size());
                const double distance = saa + S(slot[b], slot[b]) / (nb * nb) -
                                        2.0 * S(slot[a], slot[b]) / (na * nb);
                const double cost = na * nb / (na + nb) * std::max(0.0, distance);
                if (cost < best) {
                    best = cost;
                    bestA = a;
                    bestB = b;
                }
            }
        }
        const Eigen::Index ia = slot[bestA], ib = slot[bestB];
        S.row(ia) += S.row(ib);
        S.col(ia) += S.col(ib);  // S(ia, ia) now holds S_aa + 2·S_ab + S_bb
        members[bestA].insert(members[bestA].end(), members[bestB].begin(), members[bestB].end());
        members.erase(members.begin() + static_cast<std::ptrdiff_t>(bestB));
        slot.erase(slot.begin() + static_cast<std::ptrdiff_t>(bestB));
    }
    // Cluster order: by smallest member; members ascending.
    for (std::vector<int>& group : members) std::sort(group.begin(), group.end());
    std::sort(members.begin(), members.end(),
              [](const std::vector<int>& a, const std::vector<int>& b) { return a.front() < b.front(); });
    return members;
}

}  // namespace demix

// Restart ensembles: combining members' decompositions and matching anonymous sources.

#include "separator_common.hpp"

#include <algorithm>
#include <numeric>

namespace demix::detail {

Decomposition ensembleDecomposition(const AnalysisSettings& analysis, Matrix V,
                                    std::vector<Solved> members) {
    if (members.size() == 1) {
        Solved& only = members.front();
        return makeDecomposition(analysis, std::move(V), std::move(only.result),
                                 std::move(only.groups), std::move(only.names));
    }
    const Eigen::Index bins = members.front().result.W.rows();
    const Eigen::Index frames = members.front().result.H.cols();
    Eigen::Index total = 0;
    for (const Solved& m : members) total += m.result.W.cols();
    Matrix W(bins, total);
    Matrix H(total, frames);
    const float share = 1.0f / static_cast<float>(members.size());
    ComponentGroups groups(members.front().groups.size());
    std::vector<int> starts;
    Eigen::Index offset = 0;
    for (const Solved& m : members) {
        const Eigen::Index k = m.result.W.cols();
        starts.push_back(static_cast<int>(offset));
        W.middleCols(offset, k) = m.result.W;
        H.middleRows(offset, k) = m.result.H * share;
        for (std::size_t g = 0; g < groups.size(); ++g)
            for (int c : m.groups[g]) groups[g].push_back(static_cast<int>(offset) + c);
        offset += k;
    }
    Solved& first = members.front();
    first.result.W = std::move(W);
    first.result.H = std::move(H);
    Decomposition decomposition = makeDecomposition(analysis, std::move(V), std::move(first.result),
                                                    std::move(groups), std::move(first.names));
    decomposition.memberStarts = std::move(starts);
    return decomposition;
}

namespace {

/// <W_a H_a, W_b H_b> (Frobenius) for every pair of sources a of x and b of y:
/// Σ over the sources' components of (W_xᵀ W_y) ⊙ (H_x H_yᵀ).
Eigen::MatrixXd modelProducts(const Solved& x, const Solved& y) {
    const Eigen::MatrixXd templates =
        (x.result.W.transpose() * y.result.W).cast<double>();
    const Eigen::MatrixXd activations =
        (x.result.H * y.result.H.transpose()).cast<double>();
    const Eigen::MatrixXd pairs = templates.cwiseProduct(activations);
    const auto sx = static_cast<Eigen::Index>(x.groups.size());
    const auto sy = static_cast<Eigen::Index>(y.groups.size());
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(sx, sy);
    for (Eigen::Index a = 0; a < sx; ++a)
        for (Eigen::Index b = 0; b < sy; ++b)
            for (int i : x.groups[static_cast<std::size_t>(a)])
                for (int j : y.groups[static_cast<std::size_t>(b)]) out(a, b) += pairs(i, j);
    return out;
}

}  // namespace

std::vector<int> matchSources(const Solved& reference, const Solved& member) {
    const auto sources = static_cast<int>(reference.groups.size());
    const Eigen::MatrixXd cross = modelProducts(reference, member);
    const Eigen::VectorXd normRef = modelProducts(reference, reference).diagonal().cwiseSqrt();
    const Eigen::VectorXd normMember = modelProducts(member, member).diagonal().cwiseSqrt();
    Eigen::MatrixXd similarity(sources, sources);
    for (int a = 0; a < sources; ++a)
        for (int b = 0; b < sources; ++b) {
            const double norms = normRef(a) * normMember(b);
            similarity(a, b) = norms > 0.0 ? cross(a, b) / norms : 0.0;
        }

    std::vector<int> order(static_cast<std::size_t>(sources));
    std::iota(order.begin(), order.end(), 0);
    if (sources <= 8) {
        std::vector<int> best = order;
        double bestScore = -1.0;
        do {
            double score = 0.0;
            for (int s = 0; s < sources; ++s) score += similarity(s, order[static_cast<std::size_t>(s)]);
            if (score > bestScore) {
                bestScore = score;
                best = order;
            }
        } while (std::next_permutation(order.begin(), order.end()));
        return best;
    }
    std::vector<bool> refTaken(static_cast<std::size_t>(sources), false);
    std::vector<bool> memberTaken(static_cast<std::size_t>(sources), false);
    for (int pair = 0; pair < sources; ++pair) {
        int bestA = -1, bestB = -1;
        for (int a = 0; a < sources; ++a) {
            if (refTaken[static_cast<std::size_t>(a)]) continue;
            for (int b = 0; b < sources; ++b) {
                if (memberTaken[static_cast<std::size_t>(b)]) continue;
                if (bestA < 0 || similarity(a, b) > similarity(bestA, bestB)) {
                    bestA = a;
                    bestB = b;
                }
            }
        }
        refTaken[static_cast<std::size_t>(bestA)] = true;
        memberTaken[static_cast<std::size_t>(bestB)] = true;
        order[static_cast<std::size_t>(bestA)] = bestB;
    }
    return order;
}

}  // namespace demix::detail

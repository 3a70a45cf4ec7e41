#include "demix/streaming_separator.hpp"

#include <string>

namespace demix {

StreamingTemplates::StreamingTemplates(const Matrix& W, const ComponentGroups& groups) {
    if (W.rows() < 1 || W.cols() < 1) throw InvalidArgument("streaming templates are empty");
    if (!W.allFinite() || W.minCoeff() < 0.0f) {
        throw InvalidArgument("streaming templates must be finite and non-negative");
    }
    if (groups.empty()) throw InvalidArgument("streaming templates need at least one source");
    validateGroups(groups, static_cast<int>(W.cols()));
    W_ = W;
    groups_ = groups;
    columnSums_ = W.colwise().sum().transpose();
    gram_ = W.transpose() * W;
    source_.assign(static_cast<std::size_t>(W.cols()), -1);
    for (std::size_t s = 0; s < groups.size(); ++s) {
        for (int k : groups[s]) source_[static_cast<std::size_t>(k)] = static_cast<int>(s);
    }
}

}  // namespace demix

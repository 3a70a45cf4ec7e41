#include "metrics.hpp"

#include <cmath>
#include <limits>

namespace demix::cli {

StemScore scoreStem(const AudioBuffer& reference, const AudioBuffer& estimate) {
    constexpr double eps = 1e-12;
    double ss = 0.0, se = 0.0, dd = 0.0;
    for (std::size_t c = 0; c < reference.numChannels(); ++c) {
        const auto& s = reference.channels[c];
        const auto& e = estimate.channels[c];
        for (std::size_t n = 0; n < s.size(); ++n) {
            const double sv = s[n], ev = e[n];
            ss += sv * sv;
            se += sv * ev;
            dd += (sv - ev) * (sv - ev);
        }
    }
    StemScore score;
    if (ss <= 0.0) {
        score.sdr = score.siSdr = std::numeric_limits<double>::quiet_NaN();
        return score;
    }
    score.sdr = 10.0 * std::log10((ss + eps) / (dd + eps));
    // Second pass for the scaled-target residual (direct sum: no cancellation).
    const double a = se / ss;
    const double target = a * a * ss;
    double noise = 0.0;
    for (std::size_t c = 0; c < reference.numChannels(); ++c) {
        const auto& s = reference.channels[c];
        const auto& e = estimate.channels[c];
        for (std::size_t n = 0; n < s.size(); ++n) {
            const double r = a * s[n] - static_cast<double>(e[n]);
            noise += r * r;
        }
    }
    score.siSdr = 10.0 * std::log10((target + eps) / (noise + eps));
    return score;
}

}  // namespace demix::cli

#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace demix::cli {

Levels measureLevels(const AudioBuffer& audio) {
    double sum = 0.0, peak = 0.0;
    for (const auto& ch : audio.channels)
        for (float v : ch) {
            sum += static_cast<double>(v) * v;
            peak = std::max(peak, static_cast<double>(std::fabs(v)));
        }
    const double count = static_cast<double>(audio.numSamples() * audio.numChannels());
    const double ninf = -std::numeric_limits<double>::infinity();
    Levels levels;
    levels.energy = sum;
    levels.rmsDb = (sum > 0.0 && count > 0.0) ? 10.0 * std::log10(sum / count) : ninf;
    levels.peakDb = peak > 0.0 ? 20.0 * std::log10(peak) : ninf;
    return levels;
}

juce::var jsonNumber(double value) { return std::isfinite(value) ? juce::var(value) : juce::var(); }

juce::var objectiveCurve(const NmfResult& result) {
    juce::Array<juce::var> points;
    for (std::size_t i = 0; i < result.objective.size(); ++i) {
        auto* p = new juce::DynamicObject();
        p->setProperty("iteration", i < result.objectiveIterations.size()
                                        ? result.objectiveIterations[i]
                                        : static_cast<int>(i));
        p->setProperty("value", jsonNumber(result.objective[i]));
        points.add(juce::var(p));
    }
    return points;
}

juce::var audioDescription(const std::string& path, const AudioBuffer& audio) {
    auto* o = new juce::DynamicObject();
    o->setProperty("path", juce::String(path));
    o->setProperty("sample_rate", audio.sampleRate);
    o->setProperty("channels", static_cast<int>(audio.numChannels()));
    o->setProperty("samples", static_cast<juce::int64>(audio.numSamples()));
    o->setProperty("seconds", static_cast<double>(audio.numSamples()) / audio.sampleRate);
    return juce::var(o);
}

std::string toJsonText(const juce::var& value) {
    return juce::JSON::toString(value, false, 6).toStdString() + "\n";
}

std::string formatDb(double db) {
    if (!std::isfinite(db)) return db < 0 ? "-inf" : "inf";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", db);
    return text;
}

std::string formatHz(double hz) {
    char text[48];
    std::snprintf(text, sizeof text, "%.10g Hz", hz);
    return text;
}

}  // namespace demix::cli

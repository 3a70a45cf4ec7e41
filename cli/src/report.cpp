#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace demix::cli {

void LevelMeter::add(const AudioBuffer& block) {
    // Four running sums (one dependency chain each) so the loop vectorises; they are
    // added in a fixed order at the end of every channel, so the result depends only on
    // the blocks given, not on the machine.
    for (const auto& ch : block.channels) {
        double sum[4] = {0.0, 0.0, 0.0, 0.0};
        float peak = 0.0f;
        const std::size_t n = ch.size();
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (std::size_t j = 0; j < 4; ++j) {
                const double v = ch[i + j];
                sum[j] += v * v;
                peak = std::max(peak, std::fabs(ch[i + j]));
            }
        for (; i < n; ++i) {
            sum[i % 4] += static_cast<double>(ch[i]) * ch[i];
            peak = std::max(peak, std::fabs(ch[i]));
        }
        energy_ += (sum[0] + sum[1]) + (sum[2] + sum[3]);
        peak_ = std::max(peak_, static_cast<double>(peak));
    }
    count_ += static_cast<double>(block.numSamples() * block.numChannels());
}

double rmsDbfs(double energy, double samples) {
    return (energy > 0.0 && samples > 0.0) ? 10.0 * std::log10(energy / samples)
                                           : -std::numeric_limits<double>::infinity();
}

Levels LevelMeter::levels() const {
    Levels levels;
    levels.energy = energy_;
    levels.rmsDb = rmsDbfs(energy_, count_);
    levels.peakDb = peak_ > 0.0 ? 20.0 * std::log10(peak_) : -std::numeric_limits<double>::infinity();
    return levels;
}

Levels measureLevels(const AudioBuffer& audio) {
    LevelMeter meter;
    meter.add(audio);
    return meter.levels();
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

// The plugin's real-time separation: model building, the block processor, and a whole
// recording run through it (demix separate --realtime).

#include "demix/realtime.hpp"

#include "separator_common.hpp"

#include <algorithm>
#include <cmath>

namespace demix {
namespace {

// Synthesis spans (latencies) and hops at 44.1/48 kHz: 1000 samples = 22.7 / 20.8 ms,
// 400 samples = 9.1 / 8.3 ms. Each hop is half its span (the product window, a Hann of
// the span's length, then sums to one).
constexpr int kNormalSpan = 1000, kNormalHop = 500;
constexpr int kLowSpan = 400, kLowHop = 200;

}  // namespace

StftSettings realtimeStft(double sampleRate, RealtimeLatency mode) {
    // Both modes analyse 2048-sample frames (46 ms at 44.1 kHz: the templates' grid) with
    // low-delay windows; only the synthesis span (the latency) and the hop differ.
    const int span = mode == RealtimeLatency::Low ? kLowSpan : kNormalSpan;
    const int hop = mode == RealtimeLatency::Low ? kLowHop : kNormalHop;
    const double octaves = std::round(std::log2(std::max(sampleRate, 1.0) / 44100.0));
    const int scale = static_cast<int>(std::lround(std::pow(2.0, std::clamp(octaves, -1.0, 2.0)) * 2));
    StftSettings s;  // scale is in halves: ×0.5 … ×4
    s.fftSize = 2048 * scale / 2;
    s.synthesisLength = span * scale / 2;
    s.hop = hop * scale / 2;
    s.window = WindowType::Hann;
    return s;
}

Matrix realtimeResidualTemplates(double sampleRate, const StftSettings& stft) {
    const int bins = stft.bins();
    const double nyquist = sampleRate / 2.0;
    const double lowHz = 40.0;
    const double octaves = std::log2(nyquist / lowHz);
    const double spacing = octaves / (kRealtimeResidualComponents - 1);
    Matrix W(bins, kRealtimeResidualComponents);
    for (int k = 0; k < kRealtimeResidualComponents; ++k) {
        const double centre = k * spacing;  // octaves above lowHz
        for (int j = 0; j < bins; ++j) {
            const double hz = std::max(j * sampleRate / stft.fftSize, lowHz / 2);
            const double d = (std::log2(hz / lowHz) - centre) / spacing;
            // Gaussian in log-frequency plus a small floor so every bin is explained.
            W(j, k) = static_cast<float>(std::exp(-0.5 * d * d) + 1e-3);
        }
    }
    detail::normaliseColumns(W);
    return W;
}

Matrix fitRealtimeTemplates(const RealtimeSource& source, double sampleRate,
                            const StftSettings& stft, bool* resampled) {
    const auto& from = source.learnedWith;
    if (resampled != nullptr) {
        *resampled = from.sampleRate != sampleRate || from.stft.fftSize != stft.fftSize ||
                     source.templates.rows() != stft.bins();
    }
    // resampleTemplates maps the frequency axis and normalises the columns.
    return resampleTemplates(source.templates, from.sampleRate, from.stft.fftSize, sampleRate,
                             stft.fftSize);
}

int realtimeLatencySamples(double sampleRate, RealtimeLatency mode) {
    return realtimeStft(sampleRate, mode).synthesisSpan();  // == StreamingSeparator's latency
}

int RealtimeModel::latencySamples() const { return realtimeLatencySamples(sampleRate, latency); }

RealtimeModel buildRealtimeModel(const std::vector<RealtimeSource>& named, double sampleRate,
                                 RealtimeLatency latency, int numChannels) {
    if (!(sampleRate >= 8000.0 && sampleRate <= 768000.0))
        throw InvalidArgument("real-time separation: sample rate " + std::to_string(sampleRate) +
                              " Hz is outside 8000 .. 768000");
    if (numChannels < 1 || numChannels > 2)
        throw InvalidArgument("real-time separation: 1 or 2 channels, not " +
                              std::to_string(numChannels));
    if (static_cast<int>(named.size()) > kRealtimeMaxNamedSources)
        throw InvalidArgument("real-time separation: at most " +
                              std::to_string(kRealtimeMaxNamedSources) + " sources, not " +
                              std::to_string(named.size()));
    RealtimeModel model;
    model.sampleRate = sampleRate;
    model.latency = latency;
    model.stft = realtimeStft(sampleRate, latency);
    model.numChannels = numChannels;

    std::vector<Matrix> parts;
    for (const auto& source : named) {
        const auto& T = source.templates;
        const auto k = T.cols();
        if (k < 1 || k > kRealtimeMaxComponentsPerSource)
            throw InvalidArgument("source '" + source.name + "': a real-time source has 1 to " +
                                  std::to_string(kRealtimeMaxComponentsPerSource) +
                                  " templates, this one has " + std::to_string(k));
        if (T.rows() != source.learnedWith.stft.bins() || !T.allFinite() || T.minCoeff() < 0.0f)
            throw InvalidArgument("source '" + source.name +
                                  "': the templates do not match their analysis settings or "
                                  "are not non-negative");
        bool resampled = false;
        parts.push_back(fitRealtimeTemplates(source, sampleRate, model.stft, &resampled));
        model.resampled.push_back(resampled);
        model.names.push_back(source.name);
    }
    parts.push_back(realtimeResidualTemplates(sampleRate, model.stft));
    model.names.push_back("residual");

    Eigen::Index total = 0;
    for (const auto& p : parts) total += p.cols();
    model.W.resize(model.stft.bins(), total);
    int column = 0;
    for (const auto& p : parts) {
        const int k = static_cast<int>(p.cols());
        model.W.middleCols(column, k) = p;
        std::vector<int> group(static_cast<std::size_t>(k));
        for (int c = 0; c < k; ++c) group[static_cast<std::size_t>(c)] = column + c;
        model.groups.push_back(std::move(group));
        column += k;
    }
    return model;
}

RealtimeSeparator::RealtimeSeparator(RealtimeModel model) : model_(std::move(model)) {
    StreamingConfig config;
    config.stft = model_.stft;
    config.numChannels = model_.numChannels;
    config.maxBlockSize = kRealtimeBlockSize;
    config.maxComponents = std::max(1, static_cast<int>(model_.W.cols()));
    config.maxSources = std::max(1, model_.sources());
    separator_.prepare(config);
    separator_.setTemplates(model_.W, model_.groups);
    separator_.setAlpha(kRealtimeAlpha);
    separator_.setIterationsPerFrame(kRealtimeIterationsPerFrame);

    const int sources = config.maxSources;
    const int channels = model_.numChannels;
    stemData_.assign(static_cast<std::size_t>(sources * channels),
                     std::vector<float>(static_cast<std::size_t>(kRealtimeBlockSize), 0.0f));
    channelPointers_.resize(stemData_.size());
    for (std::size_t i = 0; i < stemData_.size(); ++i) channelPointers_[i] = stemData_[i].data();
    sourcePointers_.resize(static_cast<std::size_t>(sources));
    for (int s = 0; s < sources; ++s)
        sourcePointers_[static_cast<std::size_t>(s)] = channelPointers_.data() + s * channels;
}

void RealtimeSeparator::process(const float* const* input, int numSamples) noexcept {
    numSamples = std::clamp(numSamples, 0, kRealtimeBlockSize);
    separator_.process(input, sourcePointers_.data(), numSamples);
}

const float* RealtimeSeparator::stem(int source, int channel) const noexcept {
    source = std::clamp(source, 0, static_cast<int>(sourcePointers_.size()) - 1);
    channel = std::clamp(channel, 0, model_.numChannels - 1);
    return stemData_[static_cast<std::size_t>(source * model_.numChannels + channel)].data();
}

std::vector<AudioBuffer> separateRealtime(const AudioBuffer& mix, const RealtimeModel& model,
                                          float alpha, int iterationsPerFrame) {
    if (static_cast<int>(mix.numChannels()) != model.numChannels)
        throw InvalidArgument("real-time separation: the model is for " +
                              std::to_string(model.numChannels) + " channel(s), the audio has " +
                              std::to_string(mix.numChannels()));
    if (mix.sampleRate != model.sampleRate)
        throw InvalidArgument("real-time separation: the model is for " +
                              std::to_string(model.sampleRate) + " Hz, the audio is " +
                              std::to_string(mix.sampleRate) + " Hz");
    RealtimeSeparator separator(model);
    separator.setAlpha(alpha);
    separator.setIterationsPerFrame(iterationsPerFrame);
    const int channels = model.numChannels;
    const std::size_t length = mix.numSamples();
    const std::size_t latency = static_cast<std::size_t>(separator.latencySamples());

    std::vector<AudioBuffer> stems(static_cast<std::size_t>(model.sources()));
    for (auto& stem : stems) {
        stem.sampleRate = mix.sampleRate;
        stem.channels.assign(static_cast<std::size_t>(channels), std::vector<float>(length, 0.0f));
    }
    // The input followed by `latency` zeros; output sample n + latency is input sample n.
    std::vector<std::vector<float>> block(static_cast<std::size_t>(channels),
                                          std::vector<float>(kRealtimeBlockSize, 0.0f));
    std::vector<const float*> pointers(static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) pointers[static_cast<std::size_t>(c)] = block[static_cast<std::size_t>(c)].data();
    const std::size_t total = length + latency;
    for (std::size_t start = 0; start < total; start += kRealtimeBlockSize) {
        const int n = static_cast<int>(std::min<std::size_t>(kRealtimeBlockSize, total - start));
        for (int c = 0; c < channels; ++c) {
            auto& b = block[static_cast<std::size_t>(c)];
            const auto& in = mix.channels[static_cast<std::size_t>(c)];
            for (int i = 0; i < n; ++i) {
                const std::size_t at = start + static_cast<std::size_t>(i);
                b[static_cast<std::size_t>(i)] = at < length ? in[at] : 0.0f;
            }
        }
        separator.process(pointers.data(), n);
        for (int s = 0; s < model.sources(); ++s) {
            for (int c = 0; c < channels; ++c) {
                const float* out = separator.stem(s, c);
                auto& dst = stems[static_cast<std::size_t>(s)].channels[static_cast<std::size_t>(c)];
                for (int i = 0; i < n; ++i) {
                    const std::size_t at = start + static_cast<std::size_t>(i);
                    if (at >= latency) dst[at - latency] = std::isfinite(out[i]) ? out[i] : 0.0f;
                }
            }
        }
    }
    return stems;
}

}  // namespace demix

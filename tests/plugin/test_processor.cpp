// The processor's audio path, driven directly (no host): latency, unity, remix,
// robustness (silence, NaN, block sizes), layouts and template fitting.
#include "ProcessorHarness.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace demix;
using namespace demix::plugin;
using namespace demix::test;

namespace {

double rms(const std::vector<float>& x, size_t from = 0)
{
    double e = 0.0;
    for (size_t i = from; i < x.size(); ++i)
        e += static_cast<double>(x[i]) * x[i];
    return std::sqrt(e / static_cast<double>(std::max<size_t>(1, x.size() - from)));
}

bool allFinite(const Channels& channels)
{
    for (const auto& c : channels)
        for (float v : c)
            if (!std::isfinite(v))
                return false;
    return true;
}

}  // namespace

TEST_CASE("latency is the engine's real-time latency of the chosen mode and rate", "[processor]")
{
    using demix::RealtimeLatency;
    DemixProcessor p;
    prepare(p, 44100.0, 512);
    CHECK(p.getLatencySamples() == demix::realtimeLatencySamples(44100.0, RealtimeLatency::Normal));
    CHECK(1000.0 * p.getLatencySamples() / 44100.0 <= 23.0);
    CHECK(p.format().stft.fftSize == 2048);
    prepare(p, 96000.0, 512);
    CHECK(p.getLatencySamples() == demix::realtimeLatencySamples(96000.0, RealtimeLatency::Normal));
    CHECK(p.getLatencySamples() == 2 * demix::realtimeLatencySamples(48000.0, RealtimeLatency::Normal));
    prepare(p, 22050.0, 512);
    CHECK(p.getLatencySamples() == demix::realtimeLatencySamples(22050.0, RealtimeLatency::Normal));

    p.parameters().lowLatency->setValueNotifyingHost(1.0f);
    prepare(p, 48000.0, 512);
    CHECK(p.getLatencySamples() == demix::realtimeLatencySamples(48000.0, RealtimeLatency::Low));
    CHECK(1000.0 * p.getLatencySamples() / 48000.0 <= 10.0);
    CHECK(1000.0 * demix::realtimeLatencySamples(44100.0, RealtimeLatency::Low) / 44100.0 <= 10.0);
    CHECK(p.format().stft.fftSize == 2048);  // the same templates' grid in both modes
}

TEST_CASE("unity gains reproduce the input delayed by the latency", "[processor]")
{
    const double rate = 44100.0;
    const auto mix = sum(melody(rate, 1.5), noiseHits(rate, 1.5));
    DemixProcessor p;
    std::string message;
    juce::String jmessage;
    REQUIRE(p.setSlotTemplates(0, learn(melody(rate, 2.0), "melody", 6), jmessage));
    REQUIRE(p.setSlotTemplates(1, learn(noiseHits(rate, 2.0), "hits", 4), jmessage));
    for (int block : {1, 250, 512, 4096}) {
        prepare(p, rate, block);
        const auto out = run(p, mix, block, {}, {}, true);
        const int latency = p.getLatencySamples();
        INFO("block " << block);
        CHECK(maxDelayedDifference(out.main, mix, latency) < 1e-4);
        // The raw stems on the source buses also sum to the delayed input.
        Channels stemSum(2, std::vector<float>(mix.numSamples(), 0.0f));
        for (const auto& bus : out.sourceBuses)
            for (size_t c = 0; c < 2; ++c)
                for (size_t i = 0; i < stemSum[c].size(); ++i)
                    stemSum[c][i] += bus[c][i];
        CHECK(maxDelayedDifference(stemSum, mix, latency) < 1e-4);
        // Both named sources get a real share of the signal.
        CHECK(rms(out.sourceBuses[0][0]) > 0.01);
        CHECK(rms(out.sourceBuses[1][1]) > 0.001);
    }
}

TEST_CASE("muting a source removes it from the remix", "[processor]")
{
    const double rate = 44100.0;
    const auto tones = melody(rate, 2.0);
    const auto hits = noiseHits(rate, 2.0);
    const auto mix = sum(tones, hits);
    DemixProcessor p;
    juce::String message;
    REQUIRE(p.setSlotTemplates(0, learn(melody(rate, 3.0), "melody", 8), message));
    REQUIRE(p.setSlotTemplates(1, learn(noiseHits(rate, 3.0), "hits", 6), message));
    prepare(p, rate, 512);
    p.parameters().slots[1].mute->setValueNotifyingHost(1.0f);
    p.parameters().slots[kResidualSlot].mute->setValueNotifyingHost(1.0f);
    prepare(p, rate, 512);  // start from the muted state (no gain ramp)
    const auto out = run(p, mix, 512);
    const int latency = p.getLatencySamples();

    // Error against the melody alone must be far below the error against the mix:
    // the hits have been removed.
    double errMelody = 0.0, errMix = 0.0, ref = 0.0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t n = static_cast<size_t>(latency); n < mix.numSamples(); ++n) {
            const double y = out.main[c][n];
            const double t = tones.channels[c][n - static_cast<size_t>(latency)];
            const double m = mix.channels[c][n - static_cast<size_t>(latency)];
            errMelody += (y - t) * (y - t);
            errMix += (y - m) * (y - m);
            ref += t * t;
        }
    const double sdr = 10.0 * std::log10(ref / errMelody);
    INFO("SDR of the remaining melody " << sdr << " dB; error vs mix " << errMix << " vs melody " << errMelody);
    CHECK(sdr > 6.0);
    CHECK(errMelody < 0.5 * errMix);
}

TEST_CASE("gain and solo act on the remix and mix 0 is the dry signal", "[processor]")
{
    const double rate = 48000.0;
    const auto mix = sum(melody(rate, 1.0), noiseHits(rate, 1.0));
    DemixProcessor p;
    p.clearAllSources();
    // Only the residual source: its stem is the whole delayed input.
    p.parameters().slots[kResidualSlot].gainDb->setValueNotifyingHost(
        p.parameters().slots[kResidualSlot].gainDb->convertTo0to1(-6.0f));
    prepare(p, rate, 256);
    auto out = run(p, mix, 256);
    const int latency = p.getLatencySamples();
    auto half = mix;
    for (auto& c : half.channels)
        for (auto& v : c)
            v *= std::pow(10.0f, -6.0f / 20.0f);
    CHECK(maxDelayedDifference(out.main, half, latency) < 1e-4);

    // Mix 0 %: the dry path, also delayed by the latency.
    p.parameters().mix->setValueNotifyingHost(0.0f);
    prepare(p, rate, 256);
    out = run(p, mix, 256);
    CHECK(maxDelayedDifference(out.main, mix, latency) < 1e-6);

    // Solo on an empty source silences the remix (nothing soloed has sound).
    p.parameters().mix->setValueNotifyingHost(1.0f);
    p.parameters().slots[3].solo->setValueNotifyingHost(1.0f);
    prepare(p, rate, 256);
    out = run(p, mix, 256);
    CHECK(rms(out.main[0]) == 0.0);
}

TEST_CASE("silence in gives silence out and NaN or Inf never leave", "[processor]")
{
    const double rate = 44100.0;
    DemixProcessor p;
    juce::String message;
    REQUIRE(p.setSlotTemplates(0, learn(melody(rate, 2.0), "melody", 6), message));
    prepare(p, rate, 333);
    demix::AudioBuffer silence;
    silence.sampleRate = rate;
    silence.channels.assign(2, std::vector<float>(44100, 0.0f));
    auto out = run(p, silence, 333);
    CHECK(rms(out.main[0]) == 0.0);
    CHECK(rms(out.main[1]) == 0.0);

    auto broken = melody(rate, 1.0);
    for (size_t i = 0; i < broken.numSamples(); i += 97) {
        broken.channels[0][i] = std::numeric_limits<float>::quiet_NaN();
        broken.channels[1][i] = std::numeric_limits<float>::infinity();
    }
    broken.channels[0][1000] = 1e30f;
    out = run(p, broken, 333, {}, {}, false);
    CHECK(allFinite(out.main));
    // And the plugin recovers: clean audio afterwards is reproduced again.
    prepare(p, rate, 333);
    const auto clean = melody(rate, 1.0);
    out = run(p, clean, 333);
    CHECK(maxDelayedDifference(out.main, clean, p.getLatencySamples()) < 1e-4);
}

TEST_CASE("bus layouts", "[processor]")
{
    DemixProcessor p;
    auto layout = p.getBusesLayout();
    CHECK(p.checkBusesLayoutSupported(layout));
    layout.inputBuses.getReference(0) = juce::AudioChannelSet::mono();
    layout.outputBuses.getReference(0) = juce::AudioChannelSet::mono();
    CHECK(p.checkBusesLayoutSupported(layout));
    layout.outputBuses.getReference(0) = juce::AudioChannelSet::stereo();
    CHECK_FALSE(p.checkBusesLayoutSupported(layout));  // in and out must match
    layout.inputBuses.getReference(0) = juce::AudioChannelSet::create5point1();
    layout.outputBuses.getReference(0) = juce::AudioChannelSet::create5point1();
    CHECK_FALSE(p.checkBusesLayoutSupported(layout));
    layout = p.getBusesLayout();
    layout.inputBuses.getReference(1) = juce::AudioChannelSet::disabled();
    layout.outputBuses.getReference(3) = juce::AudioChannelSet::disabled();
    CHECK(p.checkBusesLayoutSupported(layout));

    // Mono processing works and reproduces the input.
    layout = p.getBusesLayout();
    layout.inputBuses.getReference(0) = juce::AudioChannelSet::mono();
    layout.outputBuses.getReference(0) = juce::AudioChannelSet::mono();
    REQUIRE(p.setBusesLayout(layout));
    prepare(p, 44100.0, 512);
    const int channels = std::max(p.getTotalNumInputChannels(), p.getTotalNumOutputChannels());
    juce::AudioBuffer<float> buffer(channels, 512);
    juce::MidiBuffer midi;
    const auto tone = melody(44100.0, 0.5);
    std::vector<float> out;
    for (size_t offset = 0; offset + 512 <= tone.numSamples(); offset += 512) {
        buffer.clear();
        buffer.copyFrom(p.getChannelIndexInProcessBlockBuffer(true, 0, 0), 0, tone.channels[0].data() + offset, 512);
        p.processBlock(buffer, midi);
        const float* o = buffer.getReadPointer(p.getChannelIndexInProcessBlockBuffer(false, 0, 0));
        out.insert(out.end(), o, o + 512);
    }
    demix::AudioBuffer mono;
    mono.channels = {tone.channels[0]};
    CHECK(maxDelayedDifference({out}, mono, p.getLatencySamples()) < 1e-4);
}

TEST_CASE("templates learned at another rate are resampled to the engine's grid", "[processor]")
{
    // A template with a single peak at 1 kHz, learned at 48 kHz / FFT 2048.
    demix::AnalysisSettings learned;
    learned.sampleRate = 48000.0;
    learned.stft.fftSize = 2048;
    learned.stft.hop = 512;
    demix::Matrix W = demix::Matrix::Constant(1025, 1, 1e-6f);
    const int peakBin = static_cast<int>(std::lround(1000.0 / (48000.0 / 2048)));
    W(peakBin, 0) = 1.0f;

    for (double rate : {22050.0, 44100.0, 96000.0, 192000.0}) {
        EngineFormat format;
        format.sampleRate = rate;
        format.stft = stftFor(rate, false);
        juce::String note;
        const auto fitted = fitTemplates(learned, W, format, note);
        INFO("rate " << rate);
        REQUIRE(fitted.rows() == format.stft.bins());
        Eigen::Index argmax = 0;
        fitted.col(0).maxCoeff(&argmax);
        const double peakHz = static_cast<double>(argmax) * rate / format.stft.fftSize;
        CHECK(std::abs(peakHz - 1000.0) < 1.5 * rate / format.stft.fftSize);
        CHECK(std::abs(fitted.col(0).sum() - 1.0f) < 1e-4f);
        CHECK(note.contains("resampled from 48000 Hz"));
    }

    // Same grid: no note, only normalised.
    EngineFormat same;
    same.sampleRate = 48000.0;
    same.stft = stftFor(48000.0, false);
    juce::String note;
    const auto fitted = fitTemplates(learned, W, same, note);
    CHECK(note.isEmpty());
    CHECK(fitted(peakBin, 0) == Approx(1.0f / W.col(0).sum()));

    // Through the processor: a 48 kHz library at 44.1 kHz is used and reported.
    DemixProcessor p;
    demix::TemplateLibrary library;
    library.settings = learned;
    library.sources.push_back({"peak", W, {}});
    juce::String message;
    REQUIRE(p.setSlotTemplates(2, library, message));
    prepare(p, 44100.0, 512);
    CHECK(p.slotInfo(2).note.contains("resampled"));
    CHECK(p.slotInfo(2).components == 1);
}

TEST_CASE("bad libraries are refused with a message", "[processor]")
{
    DemixProcessor p;
    p.clearAllSources();
    juce::String message;
    demix::TemplateLibrary empty;
    CHECK_FALSE(p.setSlotTemplates(0, empty, message));
    CHECK(message.contains("exactly one source"));

    demix::TemplateLibrary big;
    big.sources.push_back({"big", demix::Matrix::Constant(1025, kMaxComponentsPerSource + 1, 1.0f), {}});
    CHECK_FALSE(p.setSlotTemplates(0, big, message));
    CHECK(message.contains("templates"));

    const auto missing = juce::File::getSpecialLocation(juce::File::tempDirectory).getChildFile("no-such-lib.dmxt");
    CHECK_FALSE(p.loadLibrary(0, missing, message));
    CHECK(message.isNotEmpty());
    CHECK_FALSE(p.slotInfo(0).hasTemplates);
}

TEST_CASE("libraries save and load through files", "[processor]")
{
    const double rate = 44100.0;
    DemixProcessor a;
    juce::String message;
    REQUIRE(a.setSlotTemplates(0, learn(melody(rate, 2.0), "melody", 5), message));
    REQUIRE(a.setSlotTemplates(1, learn(noiseHits(rate, 2.0), "hits", 3), message));
    prepare(a, rate, 512);
    const auto dir = juce::File::getSpecialLocation(juce::File::tempDirectory).getChildFile("demix-plugin-test");
    dir.createDirectory();
    const auto one = dir.getChildFile("melody.dmxt");
    const auto all = dir.getChildFile("all.dmxt");
    REQUIRE(a.saveLibrary(0, one, message));
    REQUIRE(a.saveLibrary(-1, all, message));

    DemixProcessor b;
    REQUIRE(b.loadLibrary(3, all, message));
    CHECK(b.slotInfo(3).name == "melody");
    CHECK(b.slotInfo(3).components == 5);
    CHECK(b.slotInfo(4).name == "hits");
    CHECK(b.slotInfo(4).components == 3);
    REQUIRE(b.loadLibrary(0, one, message));
    CHECK(b.slotInfo(0).components == 5);
    dir.deleteRecursively();
}

TEST_CASE("a new instance with the default sources reproduces the input at 48 kHz", "[processor]")
{
    // What a host hears first: the default sources, a rate other than the constructor's,
    // unity gains. The masks sum to one, so the main output is the input delayed.
    const double rate = 48000.0;
    const auto mix = sum(melody(rate, 1.5), noiseHits(rate, 1.5));
    DemixProcessor p;
    REQUIRE(p.hasAnySource());
    for (int block : {1024, 256}) {
        prepare(p, rate, block);
        const auto out = run(p, mix, block, {}, {}, true);
        INFO("block " << block);
        CHECK(maxDelayedDifference(out.main, mix, p.getLatencySamples()) < 1e-4);
    }
}

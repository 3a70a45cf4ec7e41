// Loads the BUILT plugin binaries (VST3 bundle and LV2 bundle) through JUCE's hosting
// classes, the way a DAW does, and checks what users rely on: latency, unity
// reproduction at many rates and block sizes, state round-trip with templates into a
// fresh instance, automation from another thread, garbage state.
#include "StateCodec.h"
#include "TestSignals.h"

#include <demix/realtime.hpp>
#include <demix/separator.hpp>

#include <juce_audio_processors/juce_audio_processors.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <random>
#include <thread>

using namespace demix::test;

namespace {

using Channels = std::vector<std::vector<float>>;

juce::AudioPluginFormat& formatNamed(const std::string& name)
{
    // Formats outlive every instance they create (LV2's lilv world, VST3 modules).
    static juce::VST3PluginFormat vst3;
    static juce::LV2PluginFormat lv2;
    static bool lv2Scanned = false;
    if (name == "LV2" && !lv2Scanned) {
        lv2.searchPathsForPlugins(juce::FileSearchPath(DEMIX_LV2_DIR), true, false);
        lv2Scanned = true;
    }
    if (name == "VST3")
        return vst3;
    return lv2;
}

std::unique_ptr<juce::AudioPluginInstance> load(const std::string& formatName, double rate, int block)
{
    auto& format = formatNamed(formatName);
    juce::OwnedArray<juce::PluginDescription> found;
    format.findAllTypesForFile(found, formatName == "VST3" ? DEMIX_VST3_BUNDLE : DEMIX_LV2_URI);
    INFO("looking for the " << formatName << " build in " << (formatName == "VST3" ? DEMIX_VST3_BUNDLE : DEMIX_LV2_DIR));
    REQUIRE(found.size() == 1);
    CHECK(found[0]->name == "Demix");
    juce::String error;
    auto instance = format.createInstanceFromDescription(*found[0], rate, block, error);
    INFO(error);
    REQUIRE(instance != nullptr);
    return instance;
}

void prepare(juce::AudioPluginInstance& plugin, double rate, int block)
{
    plugin.releaseResources();
    plugin.setRateAndBufferSizeDetails(rate, block);
    plugin.prepareToPlay(rate, block);
    // Like a DAW, run the message loop: VST3 reports a latency change from prepareToPlay
    // asynchronously (restartComponent(kLatencyChanged) on the message thread).
    juce::MessageManager::getInstance()->runDispatchLoopUntil(50);
}

juce::AudioProcessorParameter* parameter(juce::AudioPluginInstance& plugin, const juce::String& name)
{
    for (auto* p : plugin.getParameters())
        if (p->getName(100) == name)
            return p;
    FAIL("no parameter named " << name);
    return nullptr;
}

/// Sets a parameter to a value in its own units through its text conversion.
void setParameter(juce::AudioPluginInstance& plugin, const juce::String& name, float normalised)
{
    parameter(plugin, name)->setValueNotifyingHost(normalised);
}

Channels process(juce::AudioPluginInstance& plugin, const demix::AudioBuffer& input, int block)
{
    const int total = static_cast<int>(input.numSamples());
    const int channels = std::max(plugin.getTotalNumInputChannels(), plugin.getTotalNumOutputChannels());
    juce::AudioBuffer<float> buffer(channels, block);
    juce::MidiBuffer midi;
    Channels out(2, std::vector<float>(static_cast<size_t>(total), 0.0f));
    for (int offset = 0; offset < total; offset += block) {
        const int n = std::min(block, total - offset);
        buffer.setSize(channels, n, false, false, true);
        buffer.clear();
        for (int c = 0; c < 2; ++c)
            buffer.copyFrom(plugin.getChannelIndexInProcessBlockBuffer(true, 0, c), 0,
                            input.channels[static_cast<size_t>(c)].data() + offset, n);
        midi.clear();
        plugin.processBlock(buffer, midi);
        for (int c = 0; c < 2; ++c)
            std::copy_n(buffer.getReadPointer(plugin.getChannelIndexInProcessBlockBuffer(false, 0, c)), n,
                        out[static_cast<size_t>(c)].begin() + offset);
    }
    return out;
}

int expectedLatency(double rate)
{
    return demix::realtimeLatencySamples(rate, demix::RealtimeLatency::Normal);
}

bool finiteAndBounded(const Channels& channels, float bound)
{
    for (const auto& c : channels)
        for (float v : c)
            if (!std::isfinite(v) || std::abs(v) > bound)
                return false;
    return true;
}

demix::TemplateLibrary learn(const demix::AudioBuffer& clip, const std::string& name, int components)
{
    demix::SeparationSettings settings;
    settings.stft.fftSize = 2048;  // the plugin's normal mode at 44.1 kHz
    settings.stft.hop = 512;
    settings.nmf.components = components;
    settings.nmf.maxIterations = 150;
    settings.nmf.seed = 3;
    return demix::learnTemplates({clip}, name, components, settings);
}

using StateEdit = std::function<juce::ValueTree(juce::ValueTree)>;

/// Size of the Demix state container at the start of `block` (0 if it is not one).
size_t demixStateSize(const juce::MemoryBlock& block)
{
    if (block.getSize() < 20 || std::memcmp(block.getData(), "DMXSTATE", 8) != 0)
        return 0;
    std::uint32_t payload = 0;
    std::memcpy(&payload, static_cast<const char*>(block.getData()) + 12, 4);
    return 16 + static_cast<size_t>(payload) + 4 <= block.getSize() ? 16 + static_cast<size_t>(payload) + 4 : 0;
}

/// Finds the Demix state inside a host-format state (JUCE's VST3 host: binary XML with
/// the component state in JUCE base64; JUCE's LV2 host: Turtle with the plugin's state
/// in JUCE base64), lets `edit` change its tree and re-wraps it. The host wrappers'
/// own data around the Demix container is kept byte for byte.
juce::MemoryBlock editHostState(const juce::MemoryBlock& hostState, const StateEdit& edit, juce::ValueTree* seen = nullptr)
{
    int found = 0;
    // JUCE base64 tokens look like "<size>.<chars of .A-Za-z0-9+>" (std::regex would
    // overflow its recursion on such long runs, so scan by hand).
    auto isCode = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+'; };
    auto rewrite = [&](const std::string& text) {
        std::string out;
        size_t i = 0;
        while (i < text.size()) {
            const bool tokenStart = std::isdigit(static_cast<unsigned char>(text[i]))
                                    && (i == 0 || !isCode(text[i - 1]));
            if (!tokenStart) {
                out += text[i++];
                continue;
            }
            size_t end = i;
            while (end < text.size() && isCode(text[end]))
                ++end;
            const std::string candidate = text.substr(i, end - i);
            juce::MemoryBlock block;
            const size_t size = candidate.size() > 32 && block.fromBase64Encoding(juce::String(candidate))
                                    ? demixStateSize(block)
                                    : 0;
            if (size == 0) {
                out += candidate;
                i = end;
                continue;
            }
            juce::String error;
            auto tree = demix::plugin::decodeState(block.getData(), size, error);
            INFO(error);
            REQUIRE(tree.isValid());
            if (seen != nullptr)
                *seen = tree.createCopy();
            auto edited = demix::plugin::encodeState(edit ? edit(tree) : tree);
            edited.append(static_cast<const char*>(block.getData()) + size, block.getSize() - size);
            out += edited.toBase64Encoding().toStdString();
            i = end;
            ++found;
        }
        return out;
    };

    juce::MemoryBlock result;
    if (auto xml = juce::AudioProcessor::getXmlFromBinary(hostState.getData(), static_cast<int>(hostState.getSize()))) {
        const auto text = rewrite(xml->toString().toStdString());
        auto parsed = juce::parseXML(juce::String(text));
        REQUIRE(parsed != nullptr);
        juce::AudioProcessor::copyXmlToBinary(*parsed, result);
    } else {
        const auto text = rewrite(hostState.toString().toStdString());
        result.append(text.data(), text.size());
    }
    INFO("Demix states found in the host state: " << found);
    REQUIRE(found == 1);
    return result;
}

/// Adds `library` as the templates of named source `index` to the Demix tree.
StateEdit addTemplates(int index, const demix::TemplateLibrary& library)
{
    return [index, library](juce::ValueTree tree) {
        auto source = tree.getChildWithProperty("index", index);
        REQUIRE(source.isValid());
        const auto bytes = library.serialize();
        source.setProperty("templates", juce::var(juce::MemoryBlock(bytes.data(), bytes.size())), nullptr);
        source.setProperty("name", juce::String(library.sources.front().name), nullptr);
        source.removeProperty("shipped", nullptr);
        return tree;
    };
}

/// Empties every named source that holds a default source (see DefaultSources.h).
StateEdit clearDefaultSources()
{
    return [](juce::ValueTree tree) {
        for (auto source : tree)
            if (source.hasType("Source"))
                source.removeProperty("shipped", nullptr);
        return tree;
    };
}

/// The default source set's names, in slot order (a fresh instance's sources 1–4).
const char* const kDefaultSourceNames[] = {"drums", "bass", "keys", "voice"};

}  // namespace

TEST_CASE("host: the built plugin loads with its parameters and buses", "[host]")
{
    const std::string formatName = GENERATE(as<std::string>{}, "VST3", "LV2");
    INFO(formatName);
    auto plugin = load(formatName, 44100.0, 512);
    CHECK(plugin->getName() == "Demix");
    // A fresh instance holds the default sources; VST3 parameter names follow the
    // sources' names, LV2's static .ttl keeps the slot numbers.
    for (int s = 1; s <= 8; ++s) {
        const juce::String name = formatName == "VST3" && s <= 4 ? juce::String(kDefaultSourceNames[s - 1])
                                                                 : "Source " + juce::String(s);
        for (auto what : {" Gain", " Mute", " Solo"})
            CHECK(parameter(*plugin, name + what) != nullptr);
    }
    for (auto name : {"Other Gain", "Other Mute", "Other Solo", "Separation Strength", "Iterations", "Mix", "Low Latency"})
        CHECK(parameter(*plugin, name) != nullptr);
    CHECK(plugin->getMainBusNumInputChannels() == 2);
    CHECK(plugin->getMainBusNumOutputChannels() == 2);
    CHECK(plugin->getBusCount(false) == 10);  // main + 8 sources + other
    CHECK(plugin->getTotalNumOutputChannels() == 2 * 10);
    CHECK(plugin->getBus(false, 1)->getName() == "Source 1");
    CHECK(plugin->getBus(false, 9)->getName() == "Other");
}

TEST_CASE("host: unity gains reproduce the input delayed by the latency", "[host]")
{
    const std::string formatName = GENERATE(as<std::string>{}, "VST3", "LV2");
    const std::vector<std::pair<double, int>> cases = {
        {44100.0, 1}, {44100.0, 250}, {48000.0, 8192}, {22050.0, 512}, {96000.0, 250}, {192000.0, 1000}};
    for (const auto& [rate, block] : cases) {
        INFO(formatName << " at " << rate << " Hz, block " << block);
        auto plugin = load(formatName, rate, block);
        prepare(*plugin, rate, block);
        const auto mix = sum(melody(rate, 0.6), noiseHits(rate, 0.6));
        const auto out = process(*plugin, mix, block);
        const int latency = plugin->getLatencySamples();
        CHECK(latency == expectedLatency(rate));
        CHECK(maxDelayedDifference(out, mix, expectedLatency(rate)) < 1e-4);
        // Silence in → silence out.
        demix::AudioBuffer silence;
        silence.channels.assign(2, std::vector<float>(static_cast<size_t>(rate * 0.2), 0.0f));
        const auto quiet = process(*plugin, silence, block);
        // The first `latency` samples still carry the mix; the next fftSize samples come
        // from frames whose (low-delay) analysis window still saw the mix (float rounding
        // only); then zero.
        const auto end = static_cast<size_t>(latency + demix::realtimeStft(rate, demix::RealtimeLatency::Normal).fftSize);
        double tail = 0.0, after = 0.0;
        for (const auto& c : quiet)
            for (size_t i = static_cast<size_t>(latency); i < c.size(); ++i)
                (i < end ? tail : after) = std::max(i < end ? tail : after, static_cast<double>(std::abs(c[i])));
        CHECK(tail < 1e-6);
        CHECK(after == 0.0);
    }
}

TEST_CASE("host: state with templates restores into a fresh instance with identical output", "[host]")
{
    const std::string formatName = GENERATE(as<std::string>{}, "VST3", "LV2");
    INFO(formatName);
    const double rate = 44100.0;
    const int block = 512;
    const auto tones = melody(rate, 1.5);
    const auto mix = sum(tones, noiseHits(rate, 1.5));

    auto a = load(formatName, rate, block);
    prepare(*a, rate, block);
    const juce::String secondSource = formatName == "VST3" ? kDefaultSourceNames[1] : "Source 2";
    setParameter(*a, secondSource + " Mute", 1.0f);
    setParameter(*a, "Other Mute", 1.0f);
    setParameter(*a, "Separation Strength", parameter(*a, "Separation Strength")->getValueForText("1.5"));
    process(*a, melody(rate, 0.1), block);  // let the host deliver the parameter changes

    juce::MemoryBlock state;
    a->getStateInformation(state);
    state = editHostState(state, clearDefaultSources());
    state = editHostState(state, addTemplates(0, learn(melody(rate, 3.0), "Melody", 8)));
    state = editHostState(state, addTemplates(1, learn(noiseHits(rate, 3.0), "Hats", 6)));
    a->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    prepare(*a, rate, block);
    const auto outA = process(*a, mix, block);

    // The state the plugin now reports carries the templates and the parameters.
    juce::MemoryBlock saved;
    a->getStateInformation(saved);
    juce::ValueTree tree;
    editHostState(saved, {}, &tree);
    CHECK(tree.getChildWithProperty("index", 0).getProperty("name").toString() == "Melody");
    CHECK(tree.getChildWithProperty("index", 1).getProperty("templates").isBinaryData());
    // Restoring renamed the sources: VST3 hosts were told to re-read the names.
    CHECK(parameter(*a, formatName == "VST3" ? "Hats Mute" : "Source 2 Mute")->getValue() == 1.0f);
    CHECK(tree.getChildWithProperty("index", 2).getProperty("templates").isVoid());
    CHECK(tree.getChildWithProperty("index", 2).getProperty("shipped").isVoid());

    auto b = load(formatName, rate, block);
    b->setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    prepare(*b, rate, block);
    const auto outB = process(*b, mix, block);
    double worst = 0.0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t i = 0; i < outA[c].size(); ++i)
            worst = std::max(worst, static_cast<double>(std::abs(outA[c][i] - outB[c][i])));
    CHECK(worst <= 1e-6);

    // The restored separation really removes the muted hats: closer to the melody
    // alone than to the mix.
    const int latency = b->getLatencySamples();
    double errMelody = 0.0, errMix = 0.0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t n = static_cast<size_t>(latency); n < mix.numSamples(); ++n) {
            const double y = outB[c][n];
            errMelody += std::pow(y - tones.channels[c][n - static_cast<size_t>(latency)], 2);
            errMix += std::pow(y - mix.channels[c][n - static_cast<size_t>(latency)], 2);
        }
    INFO("error vs melody " << errMelody << ", vs mix " << errMix);
    CHECK(errMelody < 0.5 * errMix);

    // Garbage state is rejected; the instance keeps working unchanged.
    std::mt19937 random(5);
    std::vector<char> junk(3000);
    for (auto& byte : junk)
        byte = static_cast<char>(random());
    b->setStateInformation(junk.data(), static_cast<int>(junk.size()));
    prepare(*b, rate, block);
    const auto outAfterJunk = process(*b, mix, block);
    CHECK(outAfterJunk == outB);
}

TEST_CASE("host: every parameter automated from a second thread while processing", "[host]")
{
    const std::string formatName = GENERATE(as<std::string>{}, "VST3", "LV2");
    INFO(formatName);
    const double rate = 48000.0;
    const int block = 256;
    auto plugin = load(formatName, rate, block);
    prepare(*plugin, rate, block);
    const auto mix = sum(melody(rate, 0.5), noiseHits(rate, 0.5));

    std::atomic<bool> running{true};
    std::atomic<long> changes{0};
    auto parameters = plugin->getParameters();
    std::thread automation([&] {
        std::mt19937 random(11);
        std::uniform_real_distribution<float> value(0.0f, 1.0f);
        while (running.load()) {
            for (auto* p : parameters) {
                p->setValue(value(random));
                ++changes;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    // Process until every parameter has been changed at least 50 times.
    bool ok = true;
    const long wanted = 50L * static_cast<long>(parameters.size());
    const auto start = std::chrono::steady_clock::now();
    while (changes.load() < wanted && std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
        ok = ok && finiteAndBounded(process(*plugin, mix, block), 8.0f);
    running.store(false);
    automation.join();
    CHECK(ok);
    CHECK(changes.load() >= wanted);

    // Let the host deliver what the automation thread queued for the edit controller
    // (JUCE's VST3 host flushes it from the message loop) before the reset below.
    juce::MessageManager::getInstance()->runDispatchLoopUntil(200);

    // Back to defaults: unity again after the next prepare.
    for (auto* p : parameters)
        p->setValueNotifyingHost(p->getDefaultValue());
    process(*plugin, mix, block);
    prepare(*plugin, rate, block);
    CHECK(plugin->getLatencySamples() == expectedLatency(rate));
    const auto out = process(*plugin, mix, block);
    CHECK(maxDelayedDifference(out, mix, expectedLatency(rate)) < 1e-4);
}

// --- the real-time path outside the plugin -------------------------------------------------

namespace {

/// A 32-bit float WAV (what `demix separate --format float32` writes): written and read
/// by hand, so the test needs no audio-format code of its own.
void writeFloatWav(const juce::File& file, const demix::AudioBuffer& audio)
{
    const auto channels = static_cast<std::uint16_t>(audio.numChannels());
    const auto frames = static_cast<std::uint32_t>(audio.numSamples());
    const std::uint32_t rate = static_cast<std::uint32_t>(audio.sampleRate);
    const std::uint32_t dataBytes = frames * channels * 4u;
    juce::MemoryOutputStream out;
    auto u32 = [&](std::uint32_t v) { out.writeInt(static_cast<int>(v)); };
    auto u16 = [&](std::uint16_t v) { out.writeShort(static_cast<short>(v)); };
    out.write("RIFF", 4);
    u32(36 + dataBytes);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(3);  // IEEE float
    u16(channels);
    u32(rate);
    u32(rate * channels * 4u);
    u16(static_cast<std::uint16_t>(channels * 4));
    u16(32);
    out.write("data", 4);
    u32(dataBytes);
    for (std::uint32_t n = 0; n < frames; ++n)
        for (std::uint16_t c = 0; c < channels; ++c)
            out.writeFloat(audio.channels[c][n]);
    REQUIRE(file.replaceWithData(out.getData(), out.getDataSize()));
}

Channels readFloatWav(const juce::File& file)
{
    juce::MemoryBlock bytes;
    INFO(file.getFullPathName());
    REQUIRE(file.loadFileAsData(bytes));
    const auto* p = static_cast<const char*>(bytes.getData());
    REQUIRE(bytes.getSize() > 12);
    REQUIRE(std::memcmp(p, "RIFF", 4) == 0);
    std::uint16_t format = 0, channels = 0, bits = 0;
    size_t at = 12;
    while (at + 8 <= bytes.getSize()) {
        std::uint32_t size = 0;
        std::memcpy(&size, p + at + 4, 4);
        if (std::memcmp(p + at, "fmt ", 4) == 0) {
            std::memcpy(&format, p + at + 8, 2);
            std::memcpy(&channels, p + at + 10, 2);
            std::memcpy(&bits, p + at + 22, 2);
        } else if (std::memcmp(p + at, "data", 4) == 0) {
            REQUIRE(((format == 3 || format == 0xFFFE) && bits == 32 && channels > 0));
            const size_t frames = size / (4u * channels);
            Channels result(channels, std::vector<float>(frames));
            for (size_t n = 0; n < frames; ++n)
                for (size_t c = 0; c < channels; ++c)
                    std::memcpy(&result[c][n], p + at + 8 + (n * channels + c) * 4, 4);
            return result;
        }
        at += 8 + size + (size & 1u);
    }
    FAIL("no data chunk in " << file.getFullPathName());
    return {};
}

/// Every output bus's channels (bus → channel → samples) for `input` followed by
/// `extra` zeros, processed in host blocks of `block`.
std::vector<Channels> processBuses(juce::AudioPluginInstance& plugin, const demix::AudioBuffer& input, int extra,
                                   int block)
{
    const int length = static_cast<int>(input.numSamples());
    const int total = length + extra;
    const int channels = std::max(plugin.getTotalNumInputChannels(), plugin.getTotalNumOutputChannels());
    juce::AudioBuffer<float> buffer(channels, block);
    juce::MidiBuffer midi;
    std::vector<Channels> out(static_cast<size_t>(plugin.getBusCount(false)));
    for (int bus = 0; bus < plugin.getBusCount(false); ++bus)
        out[static_cast<size_t>(bus)].assign(static_cast<size_t>(plugin.getChannelCountOfBus(false, bus)),
                                             std::vector<float>(static_cast<size_t>(total), 0.0f));
    for (int offset = 0; offset < total; offset += block) {
        const int n = std::min(block, total - offset);
        buffer.setSize(channels, n, false, false, true);
        buffer.clear();
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < n && offset + i < length; ++i)
                buffer.setSample(plugin.getChannelIndexInProcessBlockBuffer(true, 0, c), i,
                                 input.channels[static_cast<size_t>(c)][static_cast<size_t>(offset + i)]);
        midi.clear();
        plugin.processBlock(buffer, midi);
        for (int bus = 0; bus < plugin.getBusCount(false); ++bus)
            for (int c = 0; c < plugin.getChannelCountOfBus(false, bus); ++c)
                std::copy_n(buffer.getReadPointer(plugin.getChannelIndexInProcessBlockBuffer(false, bus, c)), n,
                            out[static_cast<size_t>(bus)][static_cast<size_t>(c)].begin() + offset);
    }
    return out;
}

/// Largest |plugin[n + latency] − cli[n]| relative to the CLI stem's peak.
double relativeDifference(const Channels& plugin, const Channels& cli, int latency)
{
    double worst = 0.0, peak = 0.0;
    for (size_t c = 0; c < cli.size(); ++c)
        for (size_t n = 0; n < cli[c].size(); ++n) {
            peak = std::max(peak, static_cast<double>(std::abs(cli[c][n])));
            worst = std::max(worst, static_cast<double>(std::abs(plugin[c][n + static_cast<size_t>(latency)] - cli[c][n])));
        }
    return peak > 0.0 ? worst / peak : worst;
}

struct RealtimeCase {
    bool lowLatency;
    const char* alpha;
    int iterations;
};

}  // namespace

TEST_CASE("host: the built VST3's stems equal `demix separate --realtime`", "[host][realtime]")
{
    const double rate = 44100.0;
    const int block = 512;
    const auto tones = melody(rate, 2.0);
    const auto mix = sum(tones, noiseHits(rate, 2.0));
    juce::TemporaryFile folderFile;
    const auto folder = folderFile.getFile();
    REQUIRE(folder.createDirectory());
    const auto melodyLib = learn(melody(rate, 3.0), "melody", 8);
    const auto hatsLib = learn(noiseHits(rate, 3.0), "hats", 6);
    melodyLib.save(folder.getChildFile("melody.dmxt").getFullPathName().toStdString());
    hatsLib.save(folder.getChildFile("hats.dmxt").getFullPathName().toStdString());
    writeFloatWav(folder.getChildFile("mix.wav"), mix);

    for (const auto& c : {RealtimeCase{false, "1.0", 10}, RealtimeCase{false, "1.7", 4}, RealtimeCase{true, "1.0", 10}}) {
        INFO("low latency " << c.lowLatency << ", alpha " << c.alpha << ", iterations " << c.iterations);
        // The CLI, with the plugin's parameters given the way a user would.
        const auto out = folder.getChildFile(juce::String("out-") + (c.lowLatency ? "low" : "normal") + c.alpha);
        juce::StringArray command{DEMIX_CLI, "separate", folder.getChildFile("mix.wav").getFullPathName(),
                                  "--realtime", "--templates", folder.getChildFile("melody.dmxt").getFullPathName(),
                                  "--templates", folder.getChildFile("hats.dmxt").getFullPathName(),
                                  "-o", out.getFullPathName(), "--quiet"};
        if (juce::String(c.alpha) != "1.0")
            command.addArray({"--alpha", c.alpha});
        if (c.iterations != 10)
            command.addArray({"--iterations-per-frame", juce::String(c.iterations)});
        if (c.lowLatency)
            command.add("--low-latency");
        juce::ChildProcess cli;
        REQUIRE(cli.start(command));
        const auto text = cli.readAllProcessOutput();
        INFO(command.joinIntoString(" ") << "\n" << text);
        REQUIRE(cli.getExitCode() == 0);

        // The built VST3 with the same libraries in its first two sources.
        auto plugin = load("VST3", rate, block);
        prepare(*plugin, rate, block);
        setParameter(*plugin, "Separation Strength", parameter(*plugin, "Separation Strength")->getValueForText(c.alpha));
        setParameter(*plugin, "Iterations", parameter(*plugin, "Iterations")->getValueForText(juce::String(c.iterations)));
        setParameter(*plugin, "Low Latency", c.lowLatency ? 1.0f : 0.0f);
        process(*plugin, melody(rate, 0.1), block);  // let the host deliver the parameter changes
        juce::MemoryBlock state;
        plugin->getStateInformation(state);
        state = editHostState(state, clearDefaultSources());
        state = editHostState(state, addTemplates(0, melodyLib));
        state = editHostState(state, addTemplates(1, hatsLib));
        plugin->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        prepare(*plugin, rate, block);
        const int latency = plugin->getLatencySamples();
        CHECK(latency == demix::realtimeLatencySamples(rate, c.lowLatency ? demix::RealtimeLatency::Low
                                                                          : demix::RealtimeLatency::Normal));
        const auto buses = processBuses(*plugin, mix, latency, block);

        // Output bus 1 + slot: "Source 1" = melody, "Source 2" = hats, bus 9 = residual.
        const std::vector<std::pair<int, const char*>> stems = {{1, "melody"}, {2, "hats"}, {9, "residual"}};
        for (const auto& [bus, name] : stems) {
            INFO("stem " << name);
            const auto cliStem = readFloatWav(out.getChildFile(juce::String(name) + ".wav"));
            REQUIRE(cliStem.size() == 2);
            REQUIRE(cliStem[0].size() == mix.numSamples());
            const double difference = relativeDifference(buses[static_cast<size_t>(bus)], cliStem, latency);
            CHECK(difference <= 1e-6);
            double e = 0.0;
            for (const auto& ch : cliStem)
                for (float v : ch)
                    e += static_cast<double>(v) * v;
            CHECK(e > 1e-3);  // a real stem, not silence on both sides
        }
        // The melody stem is the melody, not the mix: the comparison is of a separation.
        const auto melodyStem = readFloatWav(out.getChildFile("melody.wav"));
        double errMelody = 0.0, errMix = 0.0;
        for (size_t ch = 0; ch < 2; ++ch)
            for (size_t n = 0; n < mix.numSamples(); ++n) {
                errMelody += std::pow(melodyStem[ch][n] - tones.channels[ch][n], 2);
                errMix += std::pow(melodyStem[ch][n] - mix.channels[ch][n], 2);
            }
        CHECK(errMelody < 0.5 * errMix);
    }
}

namespace {

struct LatencyListener : juce::AudioProcessorListener {
    std::atomic<int> latencyChanges{0};
    void audioProcessorParameterChanged(juce::AudioProcessor*, int, float) override {}
    void audioProcessorChanged(juce::AudioProcessor*, const ChangeDetails& details) override
    {
        if (details.latencyChanged)
            ++latencyChanges;
    }
};

}  // namespace

TEST_CASE("host: switching Low Latency reports the new latency at once, without re-preparing", "[host][realtime]")
{
    const std::string formatName = GENERATE(as<std::string>{}, "VST3", "LV2");
    INFO(formatName);
    for (const double rate : {44100.0, 48000.0}) {
        INFO(rate << " Hz");
        const int block = 256;
        auto plugin = load(formatName, rate, block);
        prepare(*plugin, rate, block);
        const int normal = demix::realtimeLatencySamples(rate, demix::RealtimeLatency::Normal);
        const int low = demix::realtimeLatencySamples(rate, demix::RealtimeLatency::Low);
        const auto mix = sum(melody(rate, 0.6), noiseHits(rate, 0.6));
        process(*plugin, melody(rate, 0.02), block);  // LV2 reports its latency from run()
        REQUIRE(plugin->getLatencySamples() == normal);
        LatencyListener listener;
        plugin->addListener(&listener);
        for (const bool lowLatency : {true, false}) {
            INFO("to low latency " << lowLatency);
            const int before = listener.latencyChanges.load();
            setParameter(*plugin, "Low Latency", lowLatency ? 1.0f : 0.0f);
            // Playing on (no releaseResources / prepareToPlay), with the message loop running.
            const auto start = juce::Time::getMillisecondCounter();
            while (plugin->getLatencySamples() != (lowLatency ? low : normal)
                   && juce::Time::getMillisecondCounter() - start < 3000) {
                process(*plugin, melody(rate, 0.02), block);
                juce::MessageManager::getInstance()->runDispatchLoopUntil(20);
            }
            CHECK(plugin->getLatencySamples() == (lowLatency ? low : normal));
            if (formatName == "VST3")
                CHECK(listener.latencyChanges.load() > before);
            // After the crossfade the output is the input delayed by the new latency (the
            // message thread keeps running, as in a DAW: it collects the replaced engine).
            for (int i = 0; i < 25; ++i) {
                process(*plugin, melody(rate, 0.02), block);
                juce::MessageManager::getInstance()->runDispatchLoopUntil(20);
            }
            process(*plugin, mix, block);
            const auto out = process(*plugin, mix, block);
            CHECK(maxDelayedDifference(out, mix, plugin->getLatencySamples()) < 1e-4);
        }
        plugin->removeListener(&listener);
    }
}

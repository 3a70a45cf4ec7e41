// Plugin state: templates and parameters round-trip into a fresh instance with identical
// output; garbage, truncated, corrupted and future states are rejected without change.
#include "ProcessorHarness.h"
#include "StateCodec.h"

#include <catch2/catch.hpp>

#include <random>

using namespace demix;
using namespace demix::plugin;
using namespace demix::test;

namespace {

void configure(DemixProcessor& p)
{
    const double rate = 44100.0;
    juce::String message;
    p.clearAllSources();  // only the two learned sources below
    REQUIRE(p.setSlotTemplates(0, learn(melody(rate, 2.0), "melody", 6), message));
    REQUIRE(p.setSlotTemplates(1, learn(noiseHits(rate, 2.0), "hits", 4), message));
    p.setSlotName(1, "Hi-hats");
    auto& params = p.parameters();
    params.slots[0].gainDb->setValueNotifyingHost(params.slots[0].gainDb->convertTo0to1(-9.5f));
    params.slots[1].solo->setValueNotifyingHost(1.0f);
    params.slots[0].solo->setValueNotifyingHost(1.0f);
    params.sensitivity->setValueNotifyingHost(params.sensitivity->convertTo0to1(2.0f));
    params.iterations->setValueNotifyingHost(params.iterations->convertTo0to1(17.0f));
    params.mix->setValueNotifyingHost(params.mix->convertTo0to1(80.0f));
    p.setLearnComponents(11);
    p.setLearnFromSidechain(true);
}

}  // namespace

TEST_CASE("state round-trips templates and parameters with identical output", "[state]")
{
    const double rate = 44100.0;
    const auto mix = sum(melody(rate, 1.0), noiseHits(rate, 1.0));

    DemixProcessor a;
    configure(a);
    juce::MemoryBlock state;
    a.getStateInformation(state);
    prepare(a, rate, 512);
    const auto expected = run(a, mix, 512);

    DemixProcessor b;
    b.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    CHECK(b.status() == "state restored");
    CHECK(b.slotInfo(0).name == "melody");
    CHECK(b.slotInfo(0).components == 6);
    CHECK(b.slotInfo(1).name == "Hi-hats");
    CHECK(b.slotInfo(1).components == 4);
    CHECK_FALSE(b.slotInfo(2).hasTemplates);
    CHECK(b.parameters().slots[0].gainDb->get() == Approx(-9.5f));
    CHECK(b.parameters().slots[1].solo->get());
    CHECK(b.parameters().iterations->get() == 17);
    CHECK(b.parameters().mix->get() == Approx(80.0f));
    CHECK(b.learnComponents() == 11);
    CHECK(b.learnFromSidechain());
    prepare(b, rate, 512);
    const auto actual = run(b, mix, 512);
    for (size_t c = 0; c < 2; ++c)
        CHECK(actual.main[c] == expected.main[c]);  // bit-identical

    // The state of the restored instance is the same bytes.
    juce::MemoryBlock again;
    b.getStateInformation(again);
    CHECK(again == state);
}

TEST_CASE("bad states are rejected without changing anything", "[state]")
{
    DemixProcessor p;
    configure(p);
    juce::MemoryBlock good;
    p.getStateInformation(good);

    auto expectUnchanged = [&](const juce::String& expectedError) {
        juce::MemoryBlock now;
        p.getStateInformation(now);
        CHECK(now == good);
        CHECK(p.status().contains(expectedError));
    };

    SECTION("random bytes")
    {
        std::mt19937 random(1);
        for (int trial = 0; trial < 200; ++trial) {
            std::vector<std::uint8_t> junk(static_cast<size_t>(random() % 4096));
            for (auto& b : junk)
                b = static_cast<std::uint8_t>(random());
            p.setStateInformation(junk.data(), static_cast<int>(junk.size()));
        }
        p.setStateInformation(nullptr, 0);
        expectUnchanged("state not loaded");
    }
    SECTION("truncated")
    {
        for (size_t size = 0; size < good.getSize(); size += 97)
            p.setStateInformation(good.getData(), static_cast<int>(size));
        expectUnchanged("state not loaded");
    }
    SECTION("every byte flipped in turn (checksum)")
    {
        for (size_t i = 0; i < good.getSize(); i += 13) {
            auto bad = good;
            static_cast<std::uint8_t*>(bad.getData())[i] ^= 0x5a;
            p.setStateInformation(bad.getData(), static_cast<int>(bad.getSize()));
        }
        expectUnchanged("state not loaded");
    }
    SECTION("a state from a newer plugin")
    {
        auto future = good;
        static_cast<std::uint8_t*>(future.getData())[8] = 99;
        p.setStateInformation(future.getData(), static_cast<int>(future.getSize()));
        expectUnchanged("newer Demix");
    }
    SECTION("a valid container with broken templates inside")
    {
        juce::String error;
        auto tree = decodeState(good.getData(), good.getSize(), error);
        REQUIRE(tree.isValid());
        auto source = tree.getChildWithProperty("index", 0);
        REQUIRE(source.isValid());
        juce::MemoryBlock junk("not a template library at all", 29);
        source.setProperty("templates", junk, nullptr);
        const auto bad = encodeState(tree);
        p.setStateInformation(bad.getData(), static_cast<int>(bad.getSize()));
        expectUnchanged("templates of melody");
    }
}

TEST_CASE("a state decodes only if it re-encodes to the same bytes (UTF-8 names)", "[state]")
{
    DemixProcessor p;
    configure(p);
    // Valid UTF-8 beyond ASCII round-trips byte for byte.
    p.setSlotName(1, juce::String::fromUTF8("Hi-h\xc3\xa2ts \xe2\x99\xaa"));
    juce::MemoryBlock good;
    p.getStateInformation(good);
    juce::String error;
    const auto tree = decodeState(good.getData(), good.getSize(), error);
    REQUIRE(tree.isValid());
    CHECK(encodeState(tree) == good);

    // The same state with one byte of that name made invalid UTF-8 (0xE2 0x99 0xAA ->
    // 0xE2 0x99 0x41: a cut-off sequence), the checksum made right again: JUCE's reader
    // would accept it and re-encode the name to other bytes; decodeState refuses it.
    const auto* bytes = static_cast<const std::uint8_t*>(good.getData());
    const std::string all(reinterpret_cast<const char*>(bytes), good.getSize());
    const auto at = all.find("\xe2\x99\xaa");
    REQUIRE(at != std::string::npos);
    auto bad = good;
    auto* b = static_cast<std::uint8_t*>(bad.getData());
    b[at + 2] = 'A';
    constexpr size_t kHeader = 16;
    const auto payloadSize = bad.getSize() - kHeader - 4;
    const auto crc = crc32(b + kHeader, payloadSize);
    for (int i = 0; i < 4; ++i)
        b[kHeader + payloadSize + size_t(i)] = std::uint8_t(crc >> (8 * i));
    error = {};
    CHECK_FALSE(decodeState(bad.getData(), bad.getSize(), error).isValid());
    CHECK(error.contains("not valid UTF-8"));

    // The processor falls back as for any corrupt state: nothing changes, status says why.
    juce::MemoryBlock before;
    p.getStateInformation(before);
    p.setStateInformation(bad.getData(), static_cast<int>(bad.getSize()));
    juce::MemoryBlock after;
    p.getStateInformation(after);
    CHECK(after == before);
    CHECK(p.status().contains("not valid UTF-8"));
}

TEST_CASE("a state whose tree counts exceed its size is refused at once", "[state]")
{
    // A fuzzer's finding: a property count of 2^31 - 1 in a few bytes made JUCE's reader
    // loop 2^31 times past the end of the data.
    const std::string type = "DemixPluginState";
    std::string payload = type + '\0' + "\x04\xff\xff\xff\x7f" + '\0';
    juce::MemoryOutputStream out;
    out.write("DMXSTATE", 8);
    out.writeInt(1);
    out.writeInt(static_cast<int>(payload.size()));
    out.write(payload.data(), payload.size());
    out.writeInt(static_cast<int>(crc32(payload.data(), payload.size())));
    juce::String error;
    CHECK_FALSE(decodeState(out.getData(), out.getDataSize(), error).isValid());
    CHECK(error.contains("counts or sizes do not fit"));

    // The same shape with honest counts (no properties, no children) is read.
    payload = type + '\0' + '\0' + '\0';
    juce::MemoryOutputStream honest;
    honest.write("DMXSTATE", 8);
    honest.writeInt(1);
    honest.writeInt(static_cast<int>(payload.size()));
    honest.write(payload.data(), payload.size());
    honest.writeInt(static_cast<int>(crc32(payload.data(), payload.size())));
    error = {};
    const auto tree = decodeState(honest.getData(), honest.getDataSize(), error);
    CHECK(tree.isValid());
    CHECK(error.isEmpty());
}

TEST_CASE("CRC-32 matches the standard check value", "[state]")
{
    CHECK(crc32("123456789", 9) == 0xCBF43926u);
}

TEST_CASE("a new instance holds the default sources; one call clears them; the state keeps them by key", "[state]")
{
    const double rate = 48000.0;  // not the shipped libraries' rate: resampled, silently
    const auto mix = sum(melody(rate, 1.0), noiseHits(rate, 1.0));
    DemixProcessor a;
    const char* names[] = {"drums", "bass", "keys", "voice"};
    for (int s = 0; s < 4; ++s) {
        const auto info = a.slotInfo(s);
        CHECK(info.name == names[s]);
        CHECK(info.hasTemplates);
        CHECK(info.shipped);
        CHECK_FALSE(info.note.contains("resampled"));
        CHECK(a.parameters().slots[static_cast<size_t>(s)].gainDb->getName(100) == juce::String(names[s]) + " Gain");
    }
    CHECK_FALSE(a.slotInfo(4).hasTemplates);
    CHECK(a.parameters().slots[4].mute->getName(100) == "Source 5 Mute");
    CHECK(a.parameters().slots[kResidualSlot].gainDb->getName(100) == "Other Gain");
    prepare(a, rate, 512);
    CHECK_FALSE(a.slotInfo(0).note.contains("resampled"));
    const auto out = run(a, mix, 512, {}, {}, true);
    CHECK(maxDelayedDifference(out.main, mix, a.getLatencySamples()) < 1e-4);  // unity gains: the input
    double drums = 0.0;  // the drums take part of it
    for (float v : out.sourceBuses[0][0])
        drums += static_cast<double>(v) * v;
    CHECK(drums > 1e-3);

    // The state names the default sources instead of carrying their templates.
    juce::MemoryBlock state;
    a.getStateInformation(state);
    CHECK(state.getSize() < 20000);

    a.setSlotName(0, "Kit");
    CHECK(a.parameters().slots[0].gainDb->getName(100) == "Kit Gain");
    a.clearAllSources();
    CHECK_FALSE(a.hasAnySource());
    CHECK(a.slotInfo(0).name == "Source 1");
    CHECK(a.parameters().slots[0].gainDb->getName(100) == "Source 1 Gain");

    DemixProcessor b;
    b.clearAllSources();
    b.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    CHECK(b.status() == "state restored");
    CHECK(b.slotInfo(2).name == "keys");
    CHECK(b.slotInfo(2).shipped);
    prepare(b, rate, 512);
    DemixProcessor fresh;
    prepare(fresh, rate, 512);
    CHECK(run(b, mix, 512).main == run(fresh, mix, 512).main);
}

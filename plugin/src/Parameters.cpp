#include "Parameters.h"

#include <cmath>

namespace demix::plugin {

namespace {

constexpr int kParameterVersion = 1;

juce::String slotIdPrefix(int slot)
{
    return slot == kResidualSlot ? juce::String("res") : "s" + juce::String(slot + 1);
}

template <typename Param, typename... Args>
Param* add(juce::AudioProcessorValueTreeState::ParameterLayout& layout, Args&&... args)
{
    auto parameter = std::make_unique<Param>(std::forward<Args>(args)...);
    auto* raw = parameter.get();
    layout.add(std::move(parameter));
    return raw;
}

juce::String gainText(float db, int)
{
    if (db <= kMinGainDb)
        return "-inf dB";
    return juce::String(db, 1) + " dB";
}

float gainValue(const juce::String& text)
{
    auto t = text.trim();
    if (t.startsWithIgnoreCase("-inf"))
        return kMinGainDb;
    return juce::jlimit(kMinGainDb, kMaxGainDb, t.getFloatValue());
}

/// A slot parameter whose name is the slot's current name + `suffix` (" Gain").
template <typename Base>
class SlotParameter : public Base {
public:
    template <typename... Args>
    SlotParameter(const SlotNames& names, int slot, juce::String suffix, Args&&... args)
        : Base(std::forward<Args>(args)...), names_(names), slot_(slot), suffix_(std::move(suffix))
    {
    }
    juce::String getName(int maximumStringLength) const override
    {
        const auto name = names_.followNames() ? names_.get(slot_) : defaultSlotName(slot_);
        return (name + suffix_).substring(0, maximumStringLength);
    }

private:
    const SlotNames& names_;
    const int slot_;
    const juce::String suffix_;
};

}  // namespace

SlotNames::SlotNames()
{
    for (int slot = 0; slot < kNumSlots; ++slot)
        names_[static_cast<size_t>(slot)] = defaultSlotName(slot);
}

juce::String SlotNames::get(int slot) const
{
    const juce::SpinLock::ScopedLockType lock(lock_);
    return names_[static_cast<size_t>(juce::jlimit(0, kNumSlots - 1, slot))];
}

bool SlotNames::set(int slot, const juce::String& name)
{
    if (slot < 0 || slot >= kNumSlots)
        return false;
    const juce::SpinLock::ScopedLockType lock(lock_);
    if (names_[static_cast<size_t>(slot)] == name)
        return false;
    names_[static_cast<size_t>(slot)] = name;
    return true;
}

float gainFromDb(float db) noexcept
{
    return db <= kMinGainDb ? 0.0f : std::pow(10.0f, db / 20.0f);
}

juce::String defaultSlotName(int slot)
{
    return slot == kResidualSlot ? juce::String("Other") : "Source " + juce::String(slot + 1);
}

Parameters::Parameters(juce::AudioProcessorValueTreeState::ParameterLayout& layout, const SlotNames& names)
{
    using namespace juce;
    for (int slot = 0; slot < kNumSlots; ++slot) {
        const auto id = slotIdPrefix(slot);
        const auto name = defaultSlotName(slot);
        NormalisableRange<float> range(kMinGainDb, kMaxGainDb, 0.1f);
        range.setSkewForCentre(-12.0f);
        auto& p = slots[static_cast<size_t>(slot)];
        p.gainDb = add<SlotParameter<AudioParameterFloat>>(
            layout, names, slot, " Gain", ParameterID{id + "_gain", kParameterVersion}, name + " Gain", range, 0.0f,
            AudioParameterFloatAttributes().withLabel("dB").withStringFromValueFunction(gainText)
                .withValueFromStringFunction(gainValue));
        p.mute = add<SlotParameter<AudioParameterBool>>(layout, names, slot, " Mute",
                                                        ParameterID{id + "_mute", kParameterVersion}, name + " Mute",
                                                        false);
        p.solo = add<SlotParameter<AudioParameterBool>>(layout, names, slot, " Solo",
                                                        ParameterID{id + "_solo", kParameterVersion}, name + " Solo",
                                                        false);
    }

    sensitivity = add<AudioParameterFloat>(
        layout, ParameterID{"sensitivity", kParameterVersion}, "Separation Strength",
        NormalisableRange<float>(0.5f, 4.0f, 0.01f), demix::kRealtimeAlpha,
        AudioParameterFloatAttributes()
            .withStringFromValueFunction([](float v, int) { return String(v, 2); })
            .withValueFromStringFunction([](const String& t) {
                return jlimit(0.5f, 4.0f, t.retainCharacters("0123456789.").getFloatValue());
            }));
    iterations = add<AudioParameterInt>(layout, ParameterID{"iterations", kParameterVersion},
                                        "Iterations", 1, 50, demix::kRealtimeIterationsPerFrame,
                                        AudioParameterIntAttributes().withLabel("per frame"));
    mix = add<AudioParameterFloat>(
        layout, ParameterID{"mix", kParameterVersion}, "Mix",
        NormalisableRange<float>(0.0f, 100.0f, 0.1f), 100.0f,
        AudioParameterFloatAttributes().withLabel("%").withStringFromValueFunction(
            [](float v, int) { return String(v, 1) + " %"; }));
    lowLatency = add<AudioParameterBool>(layout, ParameterID{"lowlatency", kParameterVersion},
                                         "Low Latency", false);
}

}  // namespace demix::plugin

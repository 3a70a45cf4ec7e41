// processBlock allocates nothing after prepareToPlay: every heap allocation on the audio
// thread is counted (malloc-level interposition, tests/engine/alloc_counter.hpp) across block
// sizes, parameter changes, learning, a template swap with crossfade and bad input.
#include "ProcessorHarness.h"
#include "../engine/alloc_counter.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::plugin;
using namespace demix::test;
using demix::testing::AllocationCounter;

TEST_CASE("the allocation counter sees allocations", "[alloc]")
{
    // The counter is the engine tests' one; this checks it also sees what happens in this
    // binary (which links the plugin's shared library and JUCE).
    std::size_t counted = 0;
    {
        AllocationCounter counter;
        // volatile sinks: the compiler may not elide these allocations.
        std::vector<float>* volatile vector = new std::vector<float>(1000);  // 2 allocations
        void* volatile raw = std::malloc(10);
        void* volatile aligned = nullptr;
        void* out = nullptr;
        if (posix_memalign(&out, 64, 256) == 0)
            aligned = out;
        counted = counter.allocations();
        delete vector;
        std::free(raw);
        std::free(aligned);
    }
    CHECK(counted == 4);
}

TEST_CASE("processBlock never allocates after prepareToPlay", "[alloc]")
{
    const double rate = 44100.0;
    const auto mix = sum(melody(rate, 3.0), noiseHits(rate, 3.0));
    const auto melodyLibrary = learn(melody(rate, 2.0), "melody", 6);
    const auto hitsLibrary = learn(noiseHits(rate, 2.0), "hits", 4);

    DemixProcessor p;
    juce::String message;
    REQUIRE(p.setSlotTemplates(0, melodyLibrary, message));

    std::size_t allocations = 0;
    auto counted = [&](const std::function<void()>& processBlock) {
        AllocationCounter counter;
        processBlock();
        allocations += counter.allocations();
    };

    for (int block : {1, 250, 512, 8192}) {
        INFO("block " << block);
        prepare(p, rate, block);
        allocations = 0;
        const auto out = run(p, mix, block, {}, counted);
        CHECK(allocations == 0);
    }

    // Parameter changes, learning armed, a new template set handed over (crossfade).
    prepare(p, rate, 256);
    allocations = 0;
    auto& params = p.parameters();
    run(p, mix, 256,
        [&](int index) {
            params.slots[static_cast<size_t>(index % kNumSlots)].gainDb->setValueNotifyingHost(
                static_cast<float>(index % 7) / 7.0f);
            params.slots[static_cast<size_t>(index % kNumSlots)].solo->setValueNotifyingHost(index % 11 == 0);
            params.sensitivity->setValueNotifyingHost(static_cast<float>(index % 5) / 5.0f);
            params.iterations->setValueNotifyingHost(static_cast<float>(index % 3) / 3.0f);
            params.mix->setValueNotifyingHost(static_cast<float>(index % 4) / 4.0f);
            if (index == 10) {
                juce::String m;
                REQUIRE(p.startRecording(3, m));
            }
            if (index == 50)
                REQUIRE(p.setSlotTemplates(1, hitsLibrary, message));  // engine swap
            if (index == 120)
                p.clearSlot(0);  // another swap
        },
        counted);
    CHECK(allocations == 0);
    p.cancelLearning();

    // Offline rendering (more iterations) and garbage input.
    p.setNonRealtime(true);
    auto broken = mix;
    for (size_t i = 0; i < broken.numSamples(); i += 101)
        broken.channels[0][i] = std::numeric_limits<float>::quiet_NaN();
    prepare(p, rate, 1000);
    allocations = 0;
    run(p, broken, 1000, {}, counted);
    CHECK(allocations == 0);
}

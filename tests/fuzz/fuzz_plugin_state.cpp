// Fuzz target: the plugin state decoder (plugin/src/StateCodec: decodeState), what a DAW
// hands the plugin when a project is opened.
//
// Every input is decoded as it is and with its CRC-32 recomputed (so that mutations reach
// juce::ValueTree's binary reader behind the checksum). A decoded tree is then read the
// way DemixProcessor::setStateInformation reads it: each Source child's properties and
// its template library (TemplateLibrary::deserialize).

#include "fuzz_support.hpp"

#include "StateCodec.h"

#include <demix/template_library.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

constexpr std::size_t kPayloadOffset = 8 + 4 + 4;  // magic | u32 version | u32 payload size

void decode(const std::uint8_t* data, std::size_t size)
{
    juce::String error;
    const auto tree = demix::plugin::decodeState(data, size, error);
    if (!tree.isValid()) {
        if (error.isEmpty()) {
            std::fprintf(stderr, "decodeState refused a state without a message\n");
            std::abort();
        }
        return;
    }
    for (const auto& source : tree) {
        if (!source.hasType("Source"))
            continue;
        (void)static_cast<int>(source.getProperty("index", -1));
        (void)source.getProperty("name").toString().trim();
        if (const auto* block = source.getProperty("templates").getBinaryData()) {
            try {
                (void)demix::TemplateLibrary::deserialize(static_cast<const std::uint8_t*>(block->getData()),
                                                          block->getSize());
            } catch (const demix::LibraryError&) {
            }
        }
    }
    // A decoded state encodes to exactly the bytes it was decoded from (decodeState's
    // contract), so a project is saved as it was opened.
    if (demix::plugin::encodeState(tree) != juce::MemoryBlock(data, size)) {
        std::fprintf(stderr, "a decoded state re-encodes to other bytes\n");
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    decode(data, size);
    // Keep the declared payload size consistent with the input so the CRC is what is fixed.
    if (size >= kPayloadOffset + 4) {
        auto fixed = demix::fuzz::withFixedCrc(data, size, kPayloadOffset);
        demix::fuzz::putU32(fixed.data() + 12, static_cast<std::uint32_t>(size - kPayloadOffset - 4));
        decode(fixed.data(), fixed.size());
    }
    return 0;
}

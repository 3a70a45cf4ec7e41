#pragma once
/// \file StateCodec.h
/// The plugin state container (what the DAW stores in its project).
///
/// Layout (little-endian): magic "DMXSTATE" (8 bytes) | u32 state version | u32 payload
/// size | payload | u32 CRC-32 of the payload. The payload is a juce::ValueTree in
/// binary form ("DemixPluginState": the parameter tree plus one "Source" child per
/// named source with its name and its template library in the engine's .dmxt format).
///
/// decode() checks everything before parsing and never crashes on garbage; it returns
/// an invalid tree and an error message instead. A payload is accepted only if the tree
/// it holds encodes back to the same bytes (so text that is not valid UTF-8, which JUCE
/// would silently alter, is refused): encodeState(decodeState(x)) == x for every
/// accepted x. States from a newer plugin version
/// are refused with a message saying so; older versions are migrated in decode().

#include <juce_data_structures/juce_data_structures.h>

#include <cstdint>

namespace demix::plugin {

constexpr std::uint32_t kStateVersion = 1;

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32).
std::uint32_t crc32(const void* data, size_t size) noexcept;

juce::MemoryBlock encodeState(const juce::ValueTree& tree);

/// Returns the state tree, or an invalid tree with `error` set.
juce::ValueTree decodeState(const void* data, size_t size, juce::String& error);

}  // namespace demix::plugin

#include "StateCodec.h"

#include <array>
#include <cstring>

namespace demix::plugin {

namespace {

constexpr char kMagic[8] = {'D', 'M', 'X', 'S', 'T', 'A', 'T', 'E'};
constexpr size_t kHeaderSize = 8 + 4 + 4;
constexpr size_t kMaxPayload = 256u * 1024u * 1024u;

std::array<std::uint32_t, 256> makeCrcTable()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}

std::uint32_t readU32(const std::uint8_t* p)
{
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8)
           | (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

}  // namespace

std::uint32_t crc32(const void* data, size_t size) noexcept
{
    static const auto table = makeCrcTable();
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    std::uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i)
        c = table[(c ^ bytes[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

juce::MemoryBlock encodeState(const juce::ValueTree& tree)
{
    juce::MemoryOutputStream payload;
    tree.writeToStream(payload);

    juce::MemoryOutputStream out;
    out.write(kMagic, sizeof(kMagic));
    out.writeInt(static_cast<int>(kStateVersion));  // JUCE writes little-endian
    out.writeInt(static_cast<int>(payload.getDataSize()));
    out.write(payload.getData(), payload.getDataSize());
    out.writeInt(static_cast<int>(crc32(payload.getData(), payload.getDataSize())));
    return out.getMemoryBlock();
}

juce::ValueTree decodeState(const void* data, size_t size, juce::String& error)
{
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    if (data == nullptr || size < kHeaderSize + 4 || std::memcmp(bytes, kMagic, sizeof(kMagic)) != 0) {
        error = "not a Demix plugin state (bad header)";
        return {};
    }
    const auto version = readU32(bytes + 8);
    const auto payloadSize = static_cast<size_t>(readU32(bytes + 12));
    if (version == 0 || version > kStateVersion) {
        error = "state version " + juce::String(version) + " is from a newer Demix (this plugin reads up to "
                + juce::String(kStateVersion) + ")";
        return {};
    }
    if (payloadSize > kMaxPayload || kHeaderSize + payloadSize + 4 != size) {
        error = "Demix state is truncated or has a wrong size";
        return {};
    }
    const auto* payload = bytes + kHeaderSize;
    if (crc32(payload, payloadSize) != readU32(payload + payloadSize)) {
        error = "Demix state is corrupt (checksum mismatch)";
        return {};
    }
    auto tree = juce::ValueTree::readFromData(payload, payloadSize);
    if (!tree.isValid() || !tree.hasType("DemixPluginState")) {
        error = "Demix state has no DemixPluginState tree";
        return {};
    }
    // JUCE's reader accepts what its writer never produces (names and strings that are
    // not valid UTF-8, which it silently re-encodes, or stray bytes after the tree); such
    // a tree would not survive the next save unchanged. Only a payload that re-encodes to
    // exactly its own bytes is accepted, so a decoded state is always saved as it was read.
    juce::MemoryOutputStream again;
    tree.writeToStream(again);
    if (again.getDataSize() != payloadSize || std::memcmp(again.getData(), payload, payloadSize) != 0) {
        error = "Demix state is corrupt (a name or text is not valid UTF-8, or the tree is malformed)";
        return {};
    }
    // Version 1 is the first; later versions migrate older trees here.
    return tree;
}

}  // namespace demix::plugin

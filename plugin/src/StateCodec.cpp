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

/// Walks juce::ValueTree's binary form (as ValueTree::writeToStream writes it) without
/// building anything and says whether every count, size and string stays inside the
/// payload. JUCE's reader trusts the counts: a property count of 2^31 in a few bytes makes
/// it loop 2^31 times past the end. Nesting is bounded so that no input exhausts the stack.
class TreeShape {
public:
    TreeShape(const std::uint8_t* data, size_t size) : p_(data), end_(data + size) {}
    bool wholeTree() { return tree(0) && p_ == end_; }

private:
    static constexpr int kMaxDepth = 32;
    const std::uint8_t* p_;
    const std::uint8_t* end_;

    size_t left() const { return size_t(end_ - p_); }
    bool count(std::uint32_t& n)  // juce::OutputStream::writeCompressedInt, non-negative
    {
        if (left() < 1 || (*p_ & 0x80) != 0 || *p_ > 4 || left() < size_t(1 + *p_))
            return false;
        const int bytes = *p_++;
        n = 0;
        for (int i = 0; i < bytes; ++i)
            n |= std::uint32_t(*p_++) << (8 * i);
        return true;
    }
    bool text(bool nonEmpty)  // a NUL-terminated string
    {
        const auto* nul = static_cast<const std::uint8_t*>(std::memchr(p_, 0, left()));
        if (nul == nullptr || (nonEmpty && nul == p_))
            return false;
        p_ = nul + 1;
        return true;
    }
    bool value()  // juce::var::writeToStream: a size, then that many bytes
    {
        std::uint32_t bytes = 0;
        if (!count(bytes) || bytes > left())
            return false;
        p_ += bytes;
        return true;
    }
    bool tree(int depth)
    {
        std::uint32_t properties = 0, children = 0;
        if (depth > kMaxDepth || !text(true) || !count(properties) || properties > left() / 3)
            return false;
        for (std::uint32_t i = 0; i < properties; ++i)
            if (!text(true) || !value())
                return false;
        if (!count(children) || children > left() / 3)
            return false;
        for (std::uint32_t i = 0; i < children; ++i)
            if (!tree(depth + 1))
                return false;
        return true;
    }
};

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
    if (!TreeShape(payload, payloadSize).wholeTree()) {
        error = "Demix state is corrupt (its tree's counts or sizes do not fit its size)";
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

#pragma once
/// \file crc32_ieee.hpp
/// CRC-32 (IEEE 802.3, reflected, as zlib): the checksum of both the .dmxt library and
/// the plugin state containers. The fuzz targets recompute it after a mutation so that
/// the parsers behind the checksum are reached; a separate copy so that the targets do
/// not depend on either implementation under test.

#include <array>
#include <cstddef>
#include <cstdint>

namespace demix::fuzz {

inline std::uint32_t crc32Ieee(const std::uint8_t* data, std::size_t size)
{
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i)
        c = table[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

}  // namespace demix::fuzz

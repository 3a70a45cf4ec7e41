#pragma once
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF),
// the checksum of zlib/PNG. Used by the template library file format. Internal header.

#include <cstddef>
#include <cstdint>

namespace demix::detail {

/// CRC-32 of `size` bytes. Pass a previous result as `crc` to continue a running checksum.
std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0) noexcept;

}  // namespace demix::detail

#pragma once
/// \file fuzz_support.hpp
/// Helpers shared by the fuzz targets: a private scratch folder for readers that take a
/// file name, and CRC fix-ups so that mutations reach the parsers behind a checksum.
///
/// Not thread-safe: libFuzzer calls a target from one thread.

#include "crc32_ieee.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ftw.h>
#include <unistd.h>

namespace demix::fuzz {

/// A folder of its own under $TMPDIR (or /tmp), removed with its contents at exit.
inline const std::string& scratchFolder()
{
    static const std::string path = [] {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/demix-fuzz-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("demix fuzz: mkdtemp");
            std::abort();
        }
        std::atexit([] {
            ::nftw(scratchFolder().c_str(),
                   [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); },
                   16, FTW_DEPTH | FTW_PHYS);
        });
        return pattern;
    }();
    return path;
}

/// Writes `size` bytes to `name` inside the scratch folder and returns the full path.
inline std::string writeScratchFile(const std::string& name, const std::uint8_t* data, std::size_t size)
{
    const std::string path = scratchFolder() + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
        std::perror("demix fuzz: writing a scratch file");
        std::abort();
    }
    return path;
}

inline void putU32(std::uint8_t* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

inline std::uint32_t getU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

/// For a container "header | payload | u32 CRC-32 of the payload" whose payload starts at
/// `payloadOffset` and runs to 4 bytes before the end: a copy with the CRC recomputed,
/// or an empty vector when the input is too short to have one.
inline std::vector<std::uint8_t> withFixedCrc(const std::uint8_t* data, std::size_t size, std::size_t payloadOffset)
{
    if (size < payloadOffset + 4)
        return {};
    std::vector<std::uint8_t> copy(data, data + size);
    const std::size_t payloadSize = size - payloadOffset - 4;
    putU32(copy.data() + size - 4, crc32Ieee(copy.data() + payloadOffset, payloadSize));
    return copy;
}

}  // namespace demix::fuzz

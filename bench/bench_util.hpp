#pragma once
// Small helpers shared by Demix's C++ benchmarks: clocks, medians, a WAV reader.
// Benchmarks are not tests: they print numbers for bench/RESULTS.md.

#include "demix/types.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace demix::bench {

/// Seconds on the given clock (CLOCK_MONOTONIC = wall, CLOCK_PROCESS_CPUTIME_ID = CPU
/// time of all threads, CLOCK_THREAD_CPUTIME_ID = CPU time of the calling thread).
inline double now(clockid_t clock = CLOCK_MONOTONIC) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

/// Reads a RIFF/WAVE file: 16-bit or 24-bit PCM, or 32-bit float. Throws on anything else.
inline AudioBuffer readWav(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto u32 = [&](std::size_t at) {
        std::uint32_t v;
        std::memcpy(&v, data.data() + at, 4);
        return v;
    };
    auto u16 = [&](std::size_t at) {
        std::uint16_t v;
        std::memcpy(&v, data.data() + at, 2);
        return v;
    };
    if (data.size() < 12 || std::memcmp(data.data(), "RIFF", 4) || std::memcmp(data.data() + 8, "WAVE", 4))
        throw std::runtime_error(path + ": not a RIFF/WAVE file");
    int format = 0, channels = 0, bits = 0;
    double rate = 0;
    std::size_t pos = 12;
    while (pos + 8 <= data.size()) {
        const std::uint32_t size = u32(pos + 4);
        const std::size_t body = pos + 8;
        if (!std::memcmp(data.data() + pos, "fmt ", 4)) {
            format = u16(body);
            channels = u16(body + 2);
            rate = u32(body + 4);
            bits = u16(body + 14);
            if (format == 0xFFFE) format = u16(body + 24);  // WAVE_FORMAT_EXTENSIBLE
        } else if (!std::memcmp(data.data() + pos, "data", 4)) {
            if (channels <= 0) throw std::runtime_error(path + ": data before fmt");
            const std::size_t bytes = std::min<std::size_t>(size, data.size() - body);
            const std::size_t width = static_cast<std::size_t>(bits / 8);
            const std::size_t frames = bytes / (width * static_cast<std::size_t>(channels));
            AudioBuffer audio;
            audio.sampleRate = rate;
            audio.channels.assign(static_cast<std::size_t>(channels), std::vector<float>(frames));
            const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data() + body);
            for (std::size_t i = 0; i < frames; ++i)
                for (int c = 0; c < channels; ++c, p += width) {
                    float x;
                    if (format == 1 && bits == 16) {
                        std::int16_t s;
                        std::memcpy(&s, p, 2);
                        x = static_cast<float>(s) / 32768.0f;
                    } else if (format == 1 && bits == 24) {
                        const std::int32_t s = static_cast<std::int32_t>(
                            (static_cast<std::uint32_t>(p[0]) << 8) | (static_cast<std::uint32_t>(p[1]) << 16) |
                            (static_cast<std::uint32_t>(p[2]) << 24)) >> 8;
                        x = static_cast<float>(s) / 8388608.0f;
                    } else if (format == 3 && bits == 32) {
                        std::memcpy(&x, p, 4);
                    } else {
                        throw std::runtime_error(path + ": unsupported WAV encoding");
                    }
                    audio.channels[static_cast<std::size_t>(c)][i] = x;
                }
            return audio;
        }
        pos = body + size + (size & 1u);
    }
    throw std::runtime_error(path + ": no data chunk");
}

}  // namespace demix::bench

// Fuzz target: audio decoding through the CLI's reader (demix::cli::readAudioFile: JUCE's
// WAV, AIFF, FLAC and Ogg Vorbis readers plus Demix's own checks).
//
// JUCE picks a reader by file name extension, so each input is written under the name
// its first bytes suggest (RIFF/RF64 -> .wav, FORM -> .aiff, fLaC -> .flac, OggS ->
// .ogg; otherwise the size picks one, so headerless mutations reach every reader). A
// file that is read must give what the CLI promises: 1..64 channels of equal length, a
// usable sample rate and only finite samples.

#include "fuzz_support.hpp"

#include "audio_file.hpp"
#include "cli_error.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* extensionFor(const std::uint8_t* data, std::size_t size)
{
    static const char* const any[] = {".wav", ".aiff", ".flac", ".ogg"};
    if (size >= 4) {
        if (std::memcmp(data, "RIFF", 4) == 0 || std::memcmp(data, "RF64", 4) == 0)
            return ".wav";
        if (std::memcmp(data, "FORM", 4) == 0)
            return ".aiff";
        if (std::memcmp(data, "fLaC", 4) == 0)
            return ".flac";
        if (std::memcmp(data, "OggS", 4) == 0)
            return ".ogg";
    }
    return any[size % 4];
}

[[noreturn]] void broken(const char* what)
{
    std::fprintf(stderr, "readAudioFile accepted a file but %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string path = demix::fuzz::writeScratchFile(std::string("input") + extensionFor(data, size), data, size);
    demix::cli::AudioFileInfo info;
    demix::AudioBuffer audio;
    try {
        audio = demix::cli::readAudioFile(path, &info);
    } catch (const demix::cli::CliError&) {
        std::remove(path.c_str());
        return 0;  // refused with a message naming the file
    }
    std::remove(path.c_str());
    if (audio.channels.empty() || audio.channels.size() > 64)
        broken("has no or too many channels");
    if (!(audio.sampleRate >= 1000.0 && audio.sampleRate <= 768000.0))
        broken("has an unusable sample rate");
    for (const auto& channel : audio.channels) {
        if (channel.size() != audio.channels[0].size() || channel.empty())
            broken("its channels differ in length or are empty");
        for (float v : channel)
            if (!std::isfinite(v))
                broken("holds a non-finite sample");
    }
    if (info.channels != int(audio.channels.size()) || info.samples != std::int64_t(audio.channels[0].size()))
        broken("reports another shape than it returns");
    return 0;
}

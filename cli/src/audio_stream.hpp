#pragma once
/// \file audio_stream.hpp
/// Block-wise audio file access for files too long to hold in memory (chunked
/// separation): a reader with random access to sample ranges and a WAV writer that
/// appends blocks to a temporary file and renames it over the target on commit().

#include "options.hpp"

#include "demix/types.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace demix::cli {

/// Opens an audio file for block reads. The constructor refuses what readAudioFile
/// refuses before decoding (openAudioReader), and a cut-off FLAC file (decoded once in
/// order to tell); read() refuses non-finite or absurd samples (checkSampleValues).
/// Errors are InputError naming the file.
class AudioBlockReader {
public:
    explicit AudioBlockReader(const std::string& path);
    ~AudioBlockReader();
    double sampleRate() const;
    int channels() const;
    std::int64_t samples() const;
    /// block.channels[c] = samples [start, start + count) of channel c.
    void read(std::size_t start, std::size_t count, AudioBuffer& block);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Writes a WAV file block by block to a temporary name next to `path`; finish()
/// finalises it and hands the temporary file to the caller (who puts it in place with
/// commitFiles). Destroyed without finish(), it removes the temporary file (a stem is
/// either absent or whole). Throws ProcessingError.
class AudioBlockWriter {
public:
    AudioBlockWriter(const std::string& path, double sampleRate, int channels, SampleFormat format);
    ~AudioBlockWriter();
    /// Appends every sample of every channel of `audio` (channels() channels).
    void write(const AudioBuffer& audio);
    bool clipped() const;  ///< some samples exceeded full scale in an integer format
    /// Finalises the file and returns its temporary name (complete, checked by size).
    std::string finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace demix::cli

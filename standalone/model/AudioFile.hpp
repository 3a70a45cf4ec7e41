#pragma once
/// \file AudioFile.hpp
/// Reading and writing audio files for the standalone app (WAV, AIFF, FLAC through
/// juce_audio_formats), converting to and from the engine's planar float AudioBuffer.
///
/// Thread-safety: free functions without shared state; callable from any thread.

#include <demix/types.hpp>

#include <juce_audio_formats/juce_audio_formats.h>

namespace demix::app {

/// A file could not be read or written. `what()` names the file and the reason.
class FileError : public demix::Error {
public:
    using Error::Error;
};

/// Reads the whole file (WAV, AIFF or FLAC) as float samples in [-1, 1].
/// Throws FileError if the file is missing, not a regular file (a FIFO is refused before
/// it is opened), not audio, empty, or unreasonably large.
AudioBuffer readAudioFile(const juce::File& file);

/// Samples [start, end) seconds of `audio` (clamped to the buffer). Throws FileError
/// if the range is empty.
AudioBuffer sliceSeconds(const AudioBuffer& audio, double startSeconds, double endSeconds);

enum class SampleFormat { Float32, Pcm24 };

/// Writes a WAV file atomically (temporary file in the same folder, then rename).
/// Refuses to write over `protectedFile` (the input). Throws FileError.
void writeWav(const juce::File& file, const AudioBuffer& audio, SampleFormat format,
              const juce::File& protectedFile = {});

/// Writes `data` to `file` atomically (temporary file + rename). Throws FileError.
void writeFileAtomically(const juce::File& file, const void* data, size_t size,
                         const juce::File& protectedFile = {});

/// Throws FileError if writing `target` would replace `input`: the same file by identity
/// (device and inode after resolving links; a symbolic or hard link counts).
void refuseOverwriting(const juce::File& target, const juce::File& input);

/// A file name made safe for every file system ("Lead vocal/1" -> "Lead vocal-1").
juce::String safeFileName(const juce::String& name);

/// FNV-1a over the samples' bit patterns: identifies the exact audio a project used.
juce::String audioFingerprint(const AudioBuffer& audio);

}  // namespace demix::app

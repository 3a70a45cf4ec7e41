#pragma once
/// \file audio_file.hpp
/// Reading and writing audio files through JUCE's juce_audio_formats.
///
/// Reading accepts WAV, AIFF, FLAC and Ogg Vorbis, any sample rate and channel count, and
/// converts to float32 planar (full scale ±1). It refuses (InputError naming the file):
/// a missing file, a folder, a non-audio or unreadable file, a truncated file, a file with
/// no samples, and NaN/Inf samples in a floating-point file (Demix never outputs NaN, and
/// silently replacing samples would hide a broken input).
///
/// Writing is WAV (float32, int24 or int16) to a temporary name in the target folder,
/// renamed over the target only when complete: a stem is either absent or whole.

#include "options.hpp"

#include "demix/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace demix::cli {

struct AudioFileInfo {
    std::string format;      ///< e.g. "WAV file"
    int bitsPerSample = 0;
    bool floatingPoint = false;
    double sampleRate = 0.0;
    int channels = 0;
    std::int64_t samples = 0;
};

/// Reads a whole file. Throws InputError (bad file) or ProcessingError (I/O failure).
AudioBuffer readAudioFile(const std::string& path, AudioFileInfo* info = nullptr);

/// Writes `audio` as WAV at `path` atomically (temporary file + rename). Returns true if
/// some samples had to be clipped to fit an integer format. Throws ProcessingError.
bool writeAudioFile(const std::string& path, const AudioBuffer& audio, SampleFormat format);

/// File name extensions treated as audio when a folder is listed (lower case, with dot).
const std::vector<std::string>& audioFileExtensions();
bool hasAudioExtension(const std::string& path);

/// Creates `dir` (and parents) if needed and checks that files can be created in it.
/// Throws InputError naming the folder if not.
void prepareOutputFolder(const std::string& dir);

/// Writes `text` to `path` atomically. Throws ProcessingError.
void writeTextFile(const std::string& path, const std::string& text);

/// Puts the finished file `from` (a temporary name in the target's folder) at `to`
/// atomically: `to` shows either its old content or the new, never a partial file. An
/// existing regular file (or link) is exchanged with the new one (Linux renameat2
/// RENAME_EXCHANGE) and the old one then deleted: a plain rename over an existing file
/// makes ext4 write the new file back inside rename() (and renames in one folder queue
/// behind each other: bench/RESULTS.md, appendix); the data reaches the disk later
/// either way. Elsewhere, or when `to` does not exist, a plain rename. On failure `from`
/// is removed and ProcessingError thrown.
void replaceFile(const std::string& from, const std::string& to);

}  // namespace demix::cli

#pragma once
/// \file audio_file.hpp
/// Reading and writing audio files through JUCE's juce_audio_formats.
///
/// Reading accepts WAV, AIFF, FLAC and Ogg Vorbis, any sample rate and channel count, and
/// converts to float32 planar (full scale ±1). It refuses (InputError naming the file):
/// a missing file, a folder, a FIFO or other non-regular file (before opening it), a
/// non-audio or unreadable file, a truncated WAV/AIFF/FLAC file, a file with no samples,
/// and NaN/Inf or absurdly large samples in a floating-point file (Demix never outputs
/// NaN, and silently replacing samples would hide a broken input).
///
/// Writing is WAV (float32, int24 or int16) to a temporary name in the target folder,
/// renamed over the target only when complete: a stem is either absent or whole.

#include "options.hpp"

#include "demix/types.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace juce {
class AudioFormatReader;
}

namespace demix::cli {

struct AudioFileInfo {
    std::string format;      ///< e.g. "WAV file"
    int bitsPerSample = 0;
    bool floatingPoint = false;
    double sampleRate = 0.0;
    int channels = 0;
    std::int64_t samples = 0;
};

/// Floating-point samples beyond ±kMaxSampleMagnitude (+80 dBFS) are refused: such a file
/// is damaged, and its power spectra would overflow float.
constexpr float kMaxSampleMagnitude = 1e4f;

/// Reads a whole file. Throws InputError (bad file) or ProcessingError (I/O failure).
AudioBuffer readAudioFile(const std::string& path, AudioFileInfo* info = nullptr);

/// Opens `path` for reading after the checks readAudioFile makes before decoding (a
/// regular file, checked before it is opened; a known format; 1 to 64 channels; a rate
/// of 1 kHz to 768 kHz; samples; a declared length of fewer than 8192 frames per byte
/// of file (no format packs more); a WAV/AIFF header not promising more bytes than the
/// file holds; a 64-bit float WAV named as unsupported). `pastEnd` is set when the
/// decoder asks for data beyond the file's end (see checkNotCutOff). Throws InputError.
std::unique_ptr<juce::AudioFormatReader> openAudioReader(const std::string& path,
                                                         std::shared_ptr<std::atomic<bool>>& pastEnd);

/// Throws InputError if a FLAC reader read so far (samples before `readUpTo`, in order
/// from the start) had to pad with silence: the file ends before the length its header
/// declares. (WAV/AIFF are checked by size in openAudioReader; an Ogg Vorbis file's
/// length is taken from its last page, so a cut one is shorter, never padded.)
void checkNotCutOff(const std::string& path, const juce::AudioFormatReader& reader,
                    const std::atomic<bool>& pastEnd, std::int64_t readUpTo);

/// Throws InputError naming the first offending sample (numbered from
/// `firstSampleIndex`) if any sample is NaN, Inf or beyond ±kMaxSampleMagnitude.
void checkSampleValues(const std::string& path, const std::vector<std::vector<float>>& channels,
                       std::int64_t firstSampleIndex);

/// Writes `audio` as WAV at `path` atomically (temporary file + rename). Returns true if
/// some samples had to be clipped to fit an integer format. Throws ProcessingError.
bool writeAudioFile(const std::string& path, const AudioBuffer& audio, SampleFormat format);

/// Writes `audio` as WAV to a new temporary name next to `path` and returns that name
/// (complete and closed); `clipped` as for writeAudioFile. Throws ProcessingError (and
/// leaves no temporary file).
std::string writeAudioTemporary(const std::string& path, const AudioBuffer& audio,
                                SampleFormat format, bool& clipped);

/// Puts every finished temporary file (first) at its target (second, same folder), all
/// or none: if one cannot be put in place, the ones already done are undone (old
/// contents back, new targets removed; Linux, where a replaced file is exchanged rather
/// than overwritten), every temporary file is removed and ProcessingError thrown.
void commitFiles(const std::vector<std::pair<std::string, std::string>>& files);

/// Writes audio[i] to targets[i] all or none: each to its temporary file, then every one
/// put in place together (commitFiles). On any failure the temporary files are removed
/// and the error rethrown, and no target has changed. Returns, per file, whether samples
/// were clipped to fit `format`.
std::vector<bool> writeAudioFilesAllOrNone(const std::vector<std::string>& targets,
                                           const std::vector<const AudioBuffer*>& audio,
                                           SampleFormat format);

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

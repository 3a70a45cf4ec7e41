#include "audio_file.hpp"

#include "cli_error.hpp"
#include "interrupt.hpp"

#include <juce_audio_formats/juce_audio_formats.h>

#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace demix::cli {
namespace {

constexpr int kBlock = 1 << 16;  // samples per read/write call

juce::AudioFormatManager& formats() {
    // Thread-safe static init; the manager is only read afterwards.
    static juce::AudioFormatManager* manager = [] {
        auto* m = new juce::AudioFormatManager();
        m->registerBasicFormats();
        return m;
    }();
    return *manager;
}

std::string temporaryNameFor(const juce::File& target) {
    static std::atomic<unsigned> counter{0};
    return target.getParentDirectory()
        .getChildFile("." + target.getFileName() + ".partial-" + std::to_string(::getpid()) +
                      "-" + std::to_string(counter++))
        .getFullPathName()
        .toStdString();
}

}  // namespace

void replaceFile(const std::string& from, const std::string& to) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    struct stat st {};
    if (::lstat(to.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
        ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) {
        std::remove(from.c_str());  // now the old file
        return;
    }
#endif
    if (std::rename(from.c_str(), to.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        std::remove(from.c_str());
        throw ProcessingError(inQuotes(to) + ": cannot be written (" + reason + ")");
    }
}

const std::vector<std::string>& audioFileExtensions() {
    static const std::vector<std::string> ext{".wav", ".wave", ".aif", ".aiff", ".flac", ".ogg"};
    return ext;
}

bool hasAudioExtension(const std::string& path) {
    const auto ext = juce::File(path).getFileExtension().toLowerCase().toStdString();
    for (const auto& e : audioFileExtensions())
        if (e == ext) return true;
    return false;
}

AudioBuffer readAudioFile(const std::string& path, AudioFileInfo* info) {
    if (path.empty()) throw InputError("empty file name given as audio input");
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    if (file.isDirectory()) throw InputError(inQuotes(path) + ": is a folder, not an audio file");
    if (!file.existsAsFile()) throw InputError(inQuotes(path) + ": file not found");
    if (!file.hasReadAccess())
        throw InputError(inQuotes(path) + ": cannot be read (permission denied)");
    const auto fileSize = file.getSize();
    if (fileSize == 0) throw InputError(inQuotes(path) + ": is empty (0 bytes), not an audio file");

    std::unique_ptr<juce::AudioFormatReader> reader(formats().createReaderFor(file));
    if (reader == nullptr)
        throw InputError(inQuotes(path) +
                         ": not a readable audio file (supported: WAV, AIFF, FLAC, Ogg Vorbis); "
                         "the file may be corrupt or in another format");

    const int channels = static_cast<int>(reader->numChannels);
    const double rate = reader->sampleRate;
    const juce::int64 length = reader->lengthInSamples;
    if (channels < 1) throw InputError(inQuotes(path) + ": has no audio channels");
    if (channels > 64)
        throw InputError(inQuotes(path) + ": has " + std::to_string(channels) +
                         " channels; at most 64 are supported");
    if (!(rate >= 1000.0 && rate <= 768000.0))
        throw InputError(inQuotes(path) + ": has an unusable sample rate (" +
                         std::to_string(rate) + " Hz)");
    if (length <= 0) throw InputError(inQuotes(path) + ": contains no audio (0 samples)");

    // An uncompressed file whose header promises more sample data than the file holds
    // is truncated: JUCE would pad the missing part with silence, we refuse instead.
    const auto formatName = reader->getFormatName();
    const bool uncompressed = formatName.containsIgnoreCase("WAV") ||
                              formatName.containsIgnoreCase("AIFF");
    if (uncompressed && reader->bitsPerSample > 0) {
        const juce::int64 bytesNeeded =
            length * channels * static_cast<juce::int64>(reader->bitsPerSample / 8);
        if (bytesNeeded > fileSize)
            throw InputError(inQuotes(path) + ": is truncated: its header announces " +
                             std::to_string(length) + " samples (" +
                             std::to_string(bytesNeeded) + " bytes of audio) but the file has only " +
                             std::to_string(fileSize) + " bytes");
    }
    const double bytes = static_cast<double>(length) * channels * sizeof(float);
    if (bytes > 64.0 * 1024 * 1024 * 1024)
        throw InputError(inQuotes(path) + ": is too long (" + std::to_string(length) +
                         " samples × " + std::to_string(channels) + " channels)");

    AudioBuffer audio;
    audio.sampleRate = rate;
    try {
        audio.channels.assign(static_cast<std::size_t>(channels),
                              std::vector<float>(static_cast<std::size_t>(length)));
    } catch (const std::bad_alloc&) {
        throw ProcessingError(inQuotes(path) + ": not enough memory to read " +
                              std::to_string(length) + " samples");
    }
    std::vector<float*> dest(static_cast<std::size_t>(channels));
    for (juce::int64 start = 0; start < length; start += kBlock) {
        const int n = static_cast<int>(std::min<juce::int64>(kBlock, length - start));
        for (int c = 0; c < channels; ++c)
            dest[static_cast<std::size_t>(c)] = audio.channels[static_cast<std::size_t>(c)].data() + start;
        if (!reader->read(dest.data(), channels, start, n))
            throw InputError(inQuotes(path) + ": read error at sample " + std::to_string(start) +
                             " (the file may be truncated or corrupt)");
    }

    // NaN/Inf samples: refused with their count and the first position.
    std::int64_t bad = 0, firstSample = -1;
    int firstChannel = -1;
    for (int c = 0; c < channels; ++c) {
        const auto& ch = audio.channels[static_cast<std::size_t>(c)];
        for (std::size_t n = 0; n < ch.size(); ++n) {
            if (!std::isfinite(ch[n])) {
                if (bad == 0 || static_cast<std::int64_t>(n) < firstSample) {
                    firstSample = static_cast<std::int64_t>(n);
                    firstChannel = c;
                }
                ++bad;
            }
        }
    }
    if (bad > 0)
        throw InputError(inQuotes(path) + ": contains " + std::to_string(bad) +
                         " non-finite samples (NaN or Inf), the first at sample " +
                         std::to_string(firstSample) + " of channel " +
                         std::to_string(firstChannel + 1) + "; repair the file first");

    if (info != nullptr) {
        info->format = formatName.toStdString();
        info->bitsPerSample = static_cast<int>(reader->bitsPerSample);
        info->floatingPoint = reader->usesFloatingPointData;
        info->sampleRate = rate;
        info->channels = channels;
        info->samples = length;
    }
    return audio;
}

bool writeAudioFile(const std::string& path, const AudioBuffer& audio, SampleFormat format) {
    const juce::File target = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    const int channels = static_cast<int>(audio.numChannels());
    const std::size_t length = audio.numSamples();
    bool clipped = false;
    if (format != SampleFormat::Float32)
        for (const auto& ch : audio.channels)
            for (float v : ch)
                if (v > 1.0f || v < -1.0f) clipped = true;

    const std::string temp = temporaryNameFor(target);
    {
        auto stream = std::make_unique<juce::FileOutputStream>(juce::File(temp));
        if (!stream->openedOk())
            throw ProcessingError(inQuotes(path) + ": cannot be written (" +
                                  stream->getStatus().getErrorMessage().toStdString() + ")");
        juce::WavAudioFormat wav;
        std::unique_ptr<juce::AudioFormatWriter> writer(wav.createWriterFor(
            stream.get(), audio.sampleRate, static_cast<unsigned>(channels),
            bitsPerSample(format), {}, 0));
        if (writer == nullptr) {
            stream.reset();
            std::remove(temp.c_str());
            throw ProcessingError(inQuotes(path) + ": the WAV writer refused " +
                                  std::to_string(channels) + " channels at " +
                                  std::to_string(audio.sampleRate) + " Hz");
        }
        auto* rawStream = stream.release();  // owned by the writer now
        std::vector<const float*> src(static_cast<std::size_t>(channels));
        bool ok = true;
        for (std::size_t start = 0; start < length && ok; start += kBlock) {
            const int n = static_cast<int>(std::min<std::size_t>(kBlock, length - start));
            for (int c = 0; c < channels; ++c)
                src[static_cast<std::size_t>(c)] = audio.channels[static_cast<std::size_t>(c)].data() + start;
            ok = writer->writeFromFloatArrays(src.data(), channels, n) && !interrupted();
        }
        const bool streamOk = ok && rawStream->getStatus().wasOk();
        writer.reset();  // finalises the header and closes the file
        if (!streamOk) {
            std::remove(temp.c_str());
            throwIfInterrupted(inQuotes(path).c_str());
            throw ProcessingError(inQuotes(path) + ": writing failed (disk full?)");
        }
    }
    // The header is finalised on close; check the result is complete before renaming.
    if (juce::File(temp).getSize() <
        static_cast<juce::int64>(length) * channels * (bitsPerSample(format) / 8)) {
        std::remove(temp.c_str());
        throw ProcessingError(inQuotes(path) + ": writing failed (disk full?)");
    }
    replaceFile(temp, target.getFullPathName().toStdString());
    return clipped;
}

void prepareOutputFolder(const std::string& dir) {
    if (dir.empty()) throw UsageError("the output folder name is empty");
    const juce::File folder = juce::File::getCurrentWorkingDirectory().getChildFile(dir);
    if (folder.existsAsFile())
        throw InputError(inQuotes(dir) + ": output folder is an existing file");
    if (!folder.isDirectory()) {
        const auto result = folder.createDirectory();
        if (result.failed())
            throw InputError(inQuotes(dir) + ": cannot create the output folder (" +
                             result.getErrorMessage().toStdString() + ")");
    }
    // Probe: can a file be created there?
    const std::string probe = temporaryNameFor(folder.getChildFile("probe"));
    std::FILE* f = std::fopen(probe.c_str(), "wb");
    if (f == nullptr)
        throw InputError(inQuotes(dir) + ": output folder is not writable (" +
                         std::strerror(errno) + ")");
    std::fclose(f);
    std::remove(probe.c_str());
}

void writeTextFile(const std::string& path, const std::string& text) {
    const juce::File target = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    if (!target.getParentDirectory().isDirectory())
        target.getParentDirectory().createDirectory();
    const std::string temp = temporaryNameFor(target);
    std::FILE* f = std::fopen(temp.c_str(), "wb");
    if (f == nullptr)
        throw ProcessingError(inQuotes(path) + ": cannot be written (" + std::strerror(errno) + ")");
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed) {
        std::remove(temp.c_str());
        throw ProcessingError(inQuotes(path) + ": writing failed (disk full?)");
    }
    replaceFile(temp, target.getFullPathName().toStdString());
}

}  // namespace demix::cli

#include "audio_file.hpp"

#include "cli_error.hpp"
#include "file_safety.hpp"
#include "interrupt.hpp"

#include <juce_audio_formats/juce_audio_formats.h>

#include <algorithm>
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

// More sample frames per byte of file than any supported format can encode: FLAC's
// densest frame (a constant subframe per channel, 65,535 samples) holds < 5,700 frames
// per byte, Vorbis < 4,096. A header declaring more is false, whatever the decoder says.
constexpr juce::int64 kMaxFramesPerByte = 8192;

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
    return partialNameFor(target.getFullPathName().toStdString(), std::to_string(counter++));
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

namespace {

/// Reads a file through JUCE and notes when the decoder wants data beyond its end: a FLAC
/// decoder asks only when a frame it decodes is cut off, and JUCE then pads with silence.
class EndWatchingStream : public juce::InputStream {
public:
    EndWatchingStream(std::unique_ptr<juce::InputStream> in, std::shared_ptr<std::atomic<bool>> pastEnd)
        : in_(std::move(in)), pastEnd_(std::move(pastEnd)) {}
    juce::int64 getTotalLength() override { return in_->getTotalLength(); }
    bool isExhausted() override {
        const bool end = in_->isExhausted();
        if (end) pastEnd_->store(true);
        return end;
    }
    int read(void* dest, int bytes) override {
        const int got = in_->read(dest, bytes);
        if (bytes > 0 && got <= 0) pastEnd_->store(true);
        return got;
    }
    juce::int64 getPosition() override { return in_->getPosition(); }
    bool setPosition(juce::int64 position) override { return in_->setPosition(position); }

private:
    std::unique_ptr<juce::InputStream> in_;
    std::shared_ptr<std::atomic<bool>> pastEnd_;
};

std::uint32_t littleEndian(const unsigned char* p, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

/// What a RIFF/WAVE header says that JUCE refuses or misreads, or "": a 64-bit float
/// file, a channel count of 0 or more than 64 (JUCE reads it as a signed 16-bit number),
/// or a chunk other than "data" running past the end of the file (JUCE allocates what a
/// chunk declares before reading it, e.g. 4 GB for a false "bext" size).
std::string wavHeaderProblem(const std::string& path, juce::int64 fileSize) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return {};
    unsigned char head[12];
    if (std::fread(head, 1, sizeof head, f) != sizeof head || std::memcmp(head, "RIFF", 4) != 0 ||
        std::memcmp(head + 8, "WAVE", 4) != 0) {
        std::fclose(f);
        return {};
    }
    std::string problem;
    for (juce::int64 at = 12; problem.empty() && at + 8 <= fileSize;) {
        unsigned char chunk[34];
        if (std::fseek(f, static_cast<long>(at), SEEK_SET) != 0) break;
        const std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
        if (n < 8) break;
        const std::uint32_t size = littleEndian(chunk + 4, 4);
        const std::string id(reinterpret_cast<const char*>(chunk), 4);
        bool named = true;  // chunk names are printable ASCII; else this is no RIFF file JUCE reads
        for (char c : id) named = named && c >= 0x20 && c < 0x7f;
        if (!named) break;
        if (id == "data") {  // a short one is reported as truncated, with the sample counts
        } else if (at + 8 + static_cast<juce::int64>(size) > fileSize) {
            problem = "is corrupt: its '" + id + "' chunk declares " + std::to_string(size) +
                      " bytes, beyond the end of the file (" + std::to_string(fileSize) + " bytes)";
        } else if (id == "fmt " && n >= 24) {
            const unsigned tag = littleEndian(chunk + 8, 2);
            const unsigned channels = littleEndian(chunk + 10, 2);
            const unsigned bits = littleEndian(chunk + 22, 2);
            const bool extensibleFloat = tag == 0xFFFE && n >= 34 && littleEndian(chunk + 32, 2) == 3;
            if ((tag == 3 || extensibleFloat) && bits == 64)
                problem = "is a 64-bit floating-point WAV, which Demix does not read; convert it to "
                          "32-bit float (e.g. sox in.wav -e floating-point -b 32 out.wav)";
            else if (channels == 0)
                problem = "its header declares 0 audio channels";
            else if (channels > 64)
                problem = "its header declares " + std::to_string(channels) +
                          " channels; at most 64 are supported";
        }
        at += 8 + static_cast<juce::int64>(size) + (size & 1);
    }
    std::fclose(f);
    return problem;
}

}  // namespace

std::unique_ptr<juce::AudioFormatReader> openAudioReader(const std::string& path,
                                                         std::shared_ptr<std::atomic<bool>>& pastEnd) {
    checkInputFile(path, "audio file");  // before opening: a FIFO would block
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    if (!file.hasReadAccess())
        throw InputError(inQuotes(path) + ": cannot be read (permission denied)");
    const auto fileSize = file.getSize();
    if (fileSize == 0) throw InputError(inQuotes(path) + ": is empty (0 bytes), not an audio file");

    const std::string header = wavHeaderProblem(file.getFullPathName().toStdString(), fileSize);
    if (!header.empty()) throw InputError(inQuotes(path) + ": " + header);
    pastEnd = std::make_shared<std::atomic<bool>>(false);
    auto stream = file.createInputStream();
    if (stream == nullptr) throw InputError(inQuotes(path) + ": cannot be opened");
    std::unique_ptr<juce::AudioFormatReader> reader(formats().createReaderFor(
        std::make_unique<EndWatchingStream>(std::move(stream), pastEnd)));
    if (reader == nullptr)
        throw InputError(inQuotes(path) +
                         ": not a readable audio file (supported: WAV, AIFF, FLAC, Ogg Vorbis); "
                         "the file may be corrupt or in another format");
    pastEnd->store(false);  // probing the formats may have read to the end

    const auto channels = reader->numChannels;
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
    // (Compressed files: see checkNotCutOff.)
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
    // A compressed file's length comes from its header (FLAC) or last page (Ogg), and the
    // decoder pads with silence up to it: a length no file of this size can hold is false.
    if (length / kMaxFramesPerByte >= fileSize)
        throw InputError(inQuotes(path) + ": is corrupt: its header declares " + std::to_string(length) +
                         " samples per channel, more than a file of " + std::to_string(fileSize) +
                         " bytes can hold");
    return reader;
}

void checkNotCutOff(const std::string& path, const juce::AudioFormatReader& reader,
                    const std::atomic<bool>& pastEnd, std::int64_t readUpTo) {
    if (reader.getFormatName().containsIgnoreCase("FLAC") && pastEnd.load())
        throw InputError(inQuotes(path) + ": is truncated: its header announces " +
                         std::to_string(reader.lengthInSamples) +
                         " samples but the audio data ends before sample " +
                         std::to_string(readUpTo));
}

void checkSampleValues(const std::string& path, const std::vector<std::vector<float>>& channels,
                       std::int64_t firstSampleIndex) {
    std::int64_t bad = 0, loud = 0, firstSample = -1, firstLoud = -1;
    int firstChannel = -1, loudChannel = -1;
    float peak = 0.0f;
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const auto& ch = channels[c];
        for (std::size_t n = 0; n < ch.size(); ++n) {
            const float v = ch[n];
            if (std::isfinite(v) && std::fabs(v) <= kMaxSampleMagnitude) continue;
            const auto at = static_cast<std::int64_t>(n);
            if (!std::isfinite(v)) {
                if (bad == 0 || at < firstSample) {
                    firstSample = at;
                    firstChannel = static_cast<int>(c);
                }
                ++bad;
            } else {
                if (loud == 0 || at < firstLoud) {
                    firstLoud = at;
                    loudChannel = static_cast<int>(c);
                }
                peak = std::max(peak, std::fabs(v));
                ++loud;
            }
        }
    }
    if (bad > 0)
        throw InputError(inQuotes(path) + ": contains " + std::to_string(bad) +
                         " non-finite samples (NaN or Inf), the first at sample " +
                         std::to_string(firstSample + firstSampleIndex) + " of channel " +
                         std::to_string(firstChannel + 1) + "; repair the file first");
    if (loud > 0) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", static_cast<double>(peak));
        throw InputError(inQuotes(path) + ": contains " + std::to_string(loud) +
                         " samples beyond ±10000 (+80 dBFS; up to " + text + "), the first at sample " +
                         std::to_string(firstLoud + firstSampleIndex) + " of channel " +
                         std::to_string(loudChannel + 1) +
                         "; a file that loud is damaged (its spectra would overflow)");
    }
}

AudioBuffer readAudioFile(const std::string& path, AudioFileInfo* info) {
    std::shared_ptr<std::atomic<bool>> pastEnd;
    std::unique_ptr<juce::AudioFormatReader> reader = openAudioReader(path, pastEnd);
    const int channels = static_cast<int>(reader->numChannels);
    const double rate = reader->sampleRate;
    const juce::int64 length = reader->lengthInSamples;
    const auto formatName = reader->getFormatName();
    const double bytes = static_cast<double>(length) * channels * sizeof(float);
    if (bytes > 64.0 * 1024 * 1024 * 1024)
        throw InputError(inQuotes(path) + ": is too long (" + std::to_string(length) +
                         " samples × " + std::to_string(channels) + " channels)");

    // The buffer grows block by block as samples are decoded. The declared length is
    // reserved up front only when the file is large enough to plausibly hold it (at most
    // kPlausibleSamplesPerByte samples per byte, far above music's FLAC or Vorbis rate):
    // then a real file is read without regrowing or a final copy, while a false header
    // costs memory only up to where decoding fails (a cut-off FLAC is refused at its first
    // padded block). Grown vectors are trimmed to the length read at the end.
    AudioBuffer audio;
    audio.sampleRate = rate;
    audio.channels.resize(static_cast<std::size_t>(channels));
    constexpr juce::int64 kPlausibleSamplesPerByte = 16;
    const auto fileSize = juce::File::getCurrentWorkingDirectory().getChildFile(path).getSize();
    if (length * channels <= fileSize * kPlausibleSamplesPerByte) {
        try {
            for (auto& ch : audio.channels) ch.reserve(static_cast<std::size_t>(length));
        } catch (const std::bad_alloc&) {
            throw ProcessingError(inQuotes(path) + ": not enough memory to read " +
                                  std::to_string(length) + " samples");
        }
    }
    std::vector<float*> dest(static_cast<std::size_t>(channels));
    for (juce::int64 start = 0; start < length; start += kBlock) {
        const int n = static_cast<int>(std::min<juce::int64>(kBlock, length - start));
        try {
            for (auto& ch : audio.channels) ch.resize(static_cast<std::size_t>(start + n));
        } catch (const std::bad_alloc&) {
            throw ProcessingError(inQuotes(path) + ": not enough memory to read " +
                                  std::to_string(length) + " samples");
        }
        for (int c = 0; c < channels; ++c)
            dest[static_cast<std::size_t>(c)] = audio.channels[static_cast<std::size_t>(c)].data() + start;
        if (!reader->read(dest.data(), channels, start, n))
            throw InputError(inQuotes(path) + ": read error at sample " + std::to_string(start) +
                             " (the file may be truncated or corrupt)");
        checkNotCutOff(path, *reader, *pastEnd, start + n);
    }
    for (auto& ch : audio.channels) ch.shrink_to_fit();

    checkNotCutOff(path, *reader, *pastEnd, length);
    checkSampleValues(path, audio.channels, 0);

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

std::string writeAudioTemporary(const std::string& path, const AudioBuffer& audio,
                                SampleFormat format, bool& clipped) {
    const juce::File target = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    const int channels = static_cast<int>(audio.numChannels());
    const std::size_t length = audio.numSamples();
    clipped = false;
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
    return temp;
}

bool writeAudioFile(const std::string& path, const AudioBuffer& audio, SampleFormat format) {
    bool clipped = false;
    const std::string temp = writeAudioTemporary(path, audio, format, clipped);
    replaceFile(temp, juce::File::getCurrentWorkingDirectory().getChildFile(path).getFullPathName().toStdString());
    return clipped;
}

std::vector<bool> writeAudioFilesAllOrNone(const std::vector<std::string>& targets,
                                           const std::vector<const AudioBuffer*>& audio,
                                           SampleFormat format) {
    std::vector<std::pair<std::string, std::string>> finished;
    std::vector<bool> clipped;
    try {
        for (std::size_t i = 0; i < targets.size(); ++i) {
            bool c = false;
            finished.emplace_back(writeAudioTemporary(targets[i], *audio.at(i), format, c), targets[i]);
            clipped.push_back(c);
        }
    } catch (...) {
        for (const auto& f : finished) std::remove(f.first.c_str());
        throw;
    }
    commitFiles(finished);
    return clipped;
}

void commitFiles(const std::vector<std::pair<std::string, std::string>>& files) {
    // Each target is exchanged with its finished file (the old content then sits at the
    // temporary name) or, when new, renamed into place; a failure undoes the steps done,
    // so the folder shows all new files or all old ones.
    std::vector<int> done;  // per file: 0 not yet, 1 renamed (new target), 2 exchanged
    std::string failure;
    for (const auto& [from, to] : files) {
        int how = 0;
#if defined(__linux__) && defined(RENAME_EXCHANGE)
        struct stat st {};
        if (::lstat(to.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
            ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0)
            how = 2;
#endif
        if (how == 0 && std::rename(from.c_str(), to.c_str()) == 0) how = 1;
        if (how == 0) {
            failure = inQuotes(to) + ": cannot be written (" + std::strerror(errno) + ")";
            break;
        }
        done.push_back(how);
    }
    if (failure.empty()) {
        for (std::size_t i = 0; i < files.size(); ++i)
            if (done[i] == 2) std::remove(files[i].first.c_str());  // the old content
        return;
    }
    for (std::size_t i = 0; i < done.size(); ++i) {
        const auto& [from, to] = files[i];
#if defined(__linux__) && defined(RENAME_EXCHANGE)
        if (done[i] == 2) ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE);
#endif
        if (done[i] == 1) std::remove(to.c_str());
    }
    for (const auto& file : files) std::remove(file.first.c_str());
    throw ProcessingError(failure + "; no stem of this run was kept");
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

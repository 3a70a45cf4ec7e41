#include "audio_stream.hpp"

#include "audio_file.hpp"

#include "cli_error.hpp"
#include "file_safety.hpp"
#include "interrupt.hpp"

#include <juce_audio_formats/juce_audio_formats.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace demix::cli {

struct AudioBlockReader::Impl {
    std::string path;
    std::unique_ptr<juce::AudioFormatReader> reader;
};

AudioBlockReader::AudioBlockReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    std::shared_ptr<std::atomic<bool>> pastEnd;
    impl_->reader = openAudioReader(path, pastEnd);
    // Reads here jump (chunks and their context), and a FLAC decoder's seeks may look
    // past the end; so a FLAC file is decoded once in order first, to refuse a cut-off
    // one before any stem is started (one more decoding pass, for FLAC only).
    if (impl_->reader->getFormatName().containsIgnoreCase("FLAC")) {
        std::shared_ptr<std::atomic<bool>> scanPastEnd;
        auto scan = openAudioReader(path, scanPastEnd);
        const int channels = static_cast<int>(scan->numChannels);
        constexpr int kScanBlock = 1 << 16;
        juce::AudioBuffer<float> scratch(channels, kScanBlock);
        for (juce::int64 start = 0; start < scan->lengthInSamples; start += kScanBlock) {
            throwIfInterrupted(inQuotes(path).c_str());
            const int n = static_cast<int>(std::min<juce::int64>(kScanBlock, scan->lengthInSamples - start));
            if (!scan->read(&scratch, 0, n, start, true, true))
                throw InputError(inQuotes(path) + ": read error at sample " + std::to_string(start) +
                                 " (the file may be truncated or corrupt)");
            checkNotCutOff(path, *scan, *scanPastEnd, start + n);
        }
    }
}

AudioBlockReader::~AudioBlockReader() = default;
double AudioBlockReader::sampleRate() const { return impl_->reader->sampleRate; }
int AudioBlockReader::channels() const { return static_cast<int>(impl_->reader->numChannels); }
std::int64_t AudioBlockReader::samples() const { return impl_->reader->lengthInSamples; }

void AudioBlockReader::read(std::size_t start, std::size_t count, AudioBuffer& block) {
    const int channels = this->channels();
    block.sampleRate = sampleRate();
    block.channels.resize(static_cast<std::size_t>(channels));
    std::vector<float*> dest(static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        block.channels[static_cast<std::size_t>(c)].resize(count);
        dest[static_cast<std::size_t>(c)] = block.channels[static_cast<std::size_t>(c)].data();
    }
    constexpr std::size_t kBlock = 1 << 16;
    for (std::size_t done = 0; done < count; done += kBlock) {
        throwIfInterrupted(inQuotes(impl_->path).c_str());
        const int n = static_cast<int>(std::min(kBlock, count - done));
        std::vector<float*> at(dest);
        for (auto& p : at) p += done;
        if (!impl_->reader->read(at.data(), channels, static_cast<juce::int64>(start + done), n))
            throw InputError(inQuotes(impl_->path) + ": read error at sample " +
                             std::to_string(start + done) + " (the file may be truncated or corrupt)");
    }
    checkSampleValues(impl_->path, block.channels, static_cast<std::int64_t>(start));
}

struct AudioBlockWriter::Impl {
    std::string path, temp;
    int channels = 0;
    SampleFormat format = SampleFormat::Float32;
    juce::FileOutputStream* stream = nullptr;  // owned by the writer
    std::unique_ptr<juce::AudioFormatWriter> writer;
    std::int64_t written = 0;
    bool clipped = false;
    bool committed = false;
};

AudioBlockWriter::AudioBlockWriter(const std::string& path, double sampleRate, int channels,
                                   SampleFormat format)
    : impl_(std::make_unique<Impl>()) {
    static std::atomic<unsigned> counter{0};
    const juce::File target = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    impl_->path = path;
    impl_->temp = partialNameFor(target.getFullPathName().toStdString(), "c" + std::to_string(counter++));
    impl_->channels = channels;
    impl_->format = format;
    auto stream = std::make_unique<juce::FileOutputStream>(juce::File(impl_->temp));
    if (!stream->openedOk())
        throw ProcessingError(inQuotes(path) + ": cannot be written (" +
                              stream->getStatus().getErrorMessage().toStdString() + ")");
    juce::WavAudioFormat wav;
    impl_->writer.reset(wav.createWriterFor(stream.get(), sampleRate, static_cast<unsigned>(channels),
                                            bitsPerSample(format), {}, 0));
    if (impl_->writer == nullptr) {
        stream.reset();
        std::remove(impl_->temp.c_str());
        throw ProcessingError(inQuotes(path) + ": the WAV writer refused " + std::to_string(channels) +
                              " channels at " + std::to_string(sampleRate) + " Hz");
    }
    impl_->stream = stream.release();
}

AudioBlockWriter::~AudioBlockWriter() {
    if (!impl_->committed) {
        impl_->writer.reset();
        std::remove(impl_->temp.c_str());
    }
}

void AudioBlockWriter::write(const AudioBuffer& audio) {
    const std::size_t n = audio.numSamples();
    std::vector<const float*> src(static_cast<std::size_t>(impl_->channels));
    for (int c = 0; c < impl_->channels; ++c) {
        const auto& ch = audio.channels[static_cast<std::size_t>(c)];
        src[static_cast<std::size_t>(c)] = ch.data();
        if (impl_->format != SampleFormat::Float32)
            for (float v : ch)
                if (v > 1.0f || v < -1.0f) impl_->clipped = true;
        for (float v : ch)
            if (!std::isfinite(v))
                throw ProcessingError(inQuotes(impl_->path) + ": separation produced non-finite samples");
    }
    if (!impl_->writer->writeFromFloatArrays(src.data(), impl_->channels, static_cast<int>(n)) ||
        !impl_->stream->getStatus().wasOk())
        throw ProcessingError(inQuotes(impl_->path) + ": writing failed (disk full?)");
    impl_->written += static_cast<std::int64_t>(n);
}

bool AudioBlockWriter::clipped() const { return impl_->clipped; }

std::string AudioBlockWriter::finish() {
    impl_->writer.reset();  // finalises the header, closes the file
    if (juce::File(impl_->temp).getSize() < impl_->written * impl_->channels * (bitsPerSample(impl_->format) / 8)) {
        std::remove(impl_->temp.c_str());
        impl_->committed = true;  // nothing left to remove
        throw ProcessingError(inQuotes(impl_->path) + ": writing failed (disk full?)");
    }
    impl_->committed = true;  // the caller owns the temporary file now
    return impl_->temp;
}

}  // namespace demix::cli

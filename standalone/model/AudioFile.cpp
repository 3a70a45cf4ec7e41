#include "model/AudioFile.hpp"

#include <demix/file_names.hpp>

#include <cstring>

namespace demix::app {

namespace {

// Guard against files that would exhaust memory (≈ 2 h of stereo audio at 48 kHz).
constexpr juce::int64 kMaxSamplesPerChannel = juce::int64(48000) * 60 * 120;

void refuseInput(const juce::File& target, const juce::File& protectedFile)
{
    if (protectedFile != juce::File())
        refuseOverwriting(target, protectedFile);
}

}  // namespace

void refuseOverwriting(const juce::File& target, const juce::File& input)
{
    if (target == input || sameFile(target.getFullPathName().toStdString(), input.getFullPathName().toStdString()))
        throw FileError("Refusing to write over the input file '" + input.getFullPathName().toStdString() + "'"
                        + (target == input ? "" : " (the same file as '" + target.getFullPathName().toStdString() + "')"));
}

AudioBuffer readAudioFile(const juce::File& file)
{
    const std::string name = file.getFullPathName().toStdString();
    // Before opening: a FIFO would block the open.
    const std::string problem = inputFileProblem(name);
    if (!problem.empty())
        throw FileError("Cannot open '" + name + "': " + (problem == "file not found" ? "the file does not exist" : problem));

    juce::AudioFormatManager formats;
    formats.registerFormat(new juce::WavAudioFormat(), true);
    formats.registerFormat(new juce::AiffAudioFormat(), false);
    formats.registerFormat(new juce::FlacAudioFormat(), false);

    std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(file));
    if (reader == nullptr)
        throw FileError("Cannot read '" + name
                        + "': not a WAV, AIFF or FLAC file (or the file is damaged)");
    if (reader->lengthInSamples <= 0 || reader->numChannels == 0)
        throw FileError("Cannot read '" + name + "': the file contains no audio");
    if (reader->lengthInSamples > kMaxSamplesPerChannel)
        throw FileError("Cannot read '" + name + "': the file is longer than two hours");
    if (!(reader->sampleRate >= 1000.0 && reader->sampleRate <= 768000.0))
        throw FileError("Cannot read '" + name + "': unsupported sample rate "
                        + std::to_string(reader->sampleRate));

    const int channels = static_cast<int>(reader->numChannels);
    const int length = static_cast<int>(reader->lengthInSamples);
    juce::AudioBuffer<float> buffer(channels, length);
    if (!reader->read(&buffer, 0, length, 0, true, true))
        throw FileError("Cannot read '" + name + "': reading the samples failed");

    AudioBuffer audio;
    audio.sampleRate = reader->sampleRate;
    audio.channels.resize(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        const float* data = buffer.getReadPointer(c);
        audio.channels[static_cast<size_t>(c)].assign(data, data + length);
    }
    return audio;
}

AudioBuffer sliceSeconds(const AudioBuffer& audio, double startSeconds, double endSeconds)
{
    const auto total = static_cast<double>(audio.numSamples());
    const double first = juce::jlimit(0.0, total, std::floor(startSeconds * audio.sampleRate));
    const double last = juce::jlimit(0.0, total, std::floor(endSeconds * audio.sampleRate));
    if (last <= first)
        throw FileError("The selected time range " + juce::String(startSeconds, 2).toStdString()
                        + "–" + juce::String(endSeconds, 2).toStdString()
                        + " s is empty or outside the audio");
    AudioBuffer out;
    out.sampleRate = audio.sampleRate;
    for (const auto& channel : audio.channels)
        out.channels.emplace_back(channel.begin() + static_cast<std::ptrdiff_t>(first),
                                  channel.begin() + static_cast<std::ptrdiff_t>(last));
    return out;
}

void writeWav(const juce::File& file, const AudioBuffer& audio, SampleFormat format,
              const juce::File& protectedFile)
{
    refuseInput(file, protectedFile);
    const std::string name = file.getFullPathName().toStdString();
    if (audio.numChannels() == 0)
        throw FileError("Cannot write '" + name + "': no audio");
    if (!file.getParentDirectory().createDirectory())
        throw FileError("Cannot write '" + name + "': cannot create the folder");

    juce::TemporaryFile temp(file);
    {
        std::unique_ptr<juce::FileOutputStream> stream(temp.getFile().createOutputStream());
        if (stream == nullptr || stream->failedToOpen())
            throw FileError("Cannot write '" + name + "': the folder is not writable");
        juce::WavAudioFormat wav;
        const int bits = format == SampleFormat::Float32 ? 32 : 24;
        std::unique_ptr<juce::AudioFormatWriter> writer(wav.createWriterFor(
            stream.get(), audio.sampleRate, static_cast<unsigned>(audio.numChannels()), bits, {}, 0));
        if (writer == nullptr)
            throw FileError("Cannot write '" + name + "': unsupported WAV format");
        stream.release();  // the writer owns the stream now

        std::vector<const float*> pointers;
        for (const auto& channel : audio.channels)
            pointers.push_back(channel.data());
        // JUCE's float->24-bit conversion clips to [-1, 1]; float WAV keeps everything.
        if (!writer->writeFromFloatArrays(pointers.data(), static_cast<int>(pointers.size()),
                                          static_cast<int>(audio.numSamples())))
            throw FileError("Cannot write '" + name + "': the disk may be full");
    }
    if (!temp.overwriteTargetFileWithTemporary())
        throw FileError("Cannot write '" + name + "': renaming the temporary file failed");
}

void writeFileAtomically(const juce::File& file, const void* data, size_t size,
                         const juce::File& protectedFile)
{
    refuseInput(file, protectedFile);
    const std::string name = file.getFullPathName().toStdString();
    if (!file.getParentDirectory().createDirectory())
        throw FileError("Cannot write '" + name + "': cannot create the folder");
    juce::TemporaryFile temp(file);
    if (!temp.getFile().replaceWithData(data, size))
        throw FileError("Cannot write '" + name + "': the folder is not writable or the disk is full");
    if (!temp.overwriteTargetFileWithTemporary())
        throw FileError("Cannot write '" + name + "': renaming the temporary file failed");
}

juce::String safeFileName(const juce::String& name)
{
    auto safe = juce::File::createLegalFileName(name.trim()).replaceCharacters("/\\", "--");
    return safe.isEmpty() ? juce::String("source") : safe;
}

juce::String audioFingerprint(const AudioBuffer& audio)
{
    std::uint64_t hash = 1469598103934665603ull;
    auto mix = [&hash](std::uint64_t value) {
        for (int i = 0; i < 8; ++i) {
            hash ^= (value >> (8 * i)) & 0xffu;
            hash *= 1099511628211ull;
        }
    };
    mix(static_cast<std::uint64_t>(audio.sampleRate));
    mix(audio.numChannels());
    mix(audio.numSamples());
    for (const auto& channel : audio.channels)
        for (float sample : channel) {
            std::uint32_t bits;
            std::memcpy(&bits, &sample, sizeof bits);
            mix(bits);
        }
    return juce::String::toHexString(static_cast<juce::int64>(hash));
}

}  // namespace demix::app

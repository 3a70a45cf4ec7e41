#include "TestAudio.hpp"

#include "model/AudioFile.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::app;
using demix::app::test::TempFolder;

TEST_CASE("audio files: a WAV written by JUCE reads back sample-exact", "[file]")
{
    TempFolder tmp;
    const auto mix = test::makeTwoToneMix(22050.0, 0.5);
    test::writeTestWav(tmp / "mix.wav", mix);
    const auto read = readAudioFile(tmp / "mix.wav");
    CHECK(read.sampleRate == 22050.0);
    REQUIRE(read.numChannels() == 2);
    REQUIRE(read.numSamples() == mix.numSamples());
    CHECK(read.channels == mix.channels);
}

TEST_CASE("audio files: 24-bit and float stems round-trip within their resolution", "[file]")
{
    TempFolder tmp;
    const auto mix = test::makeTwoToneMix(22050.0, 0.25);
    writeWav(tmp / "f.wav", mix, SampleFormat::Float32);
    writeWav(tmp / "i.wav", mix, SampleFormat::Pcm24);
    const auto f = readAudioFile(tmp / "f.wav");
    const auto i = readAudioFile(tmp / "i.wav");
    CHECK(f.channels == mix.channels);
    float worst = 0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t n = 0; n < mix.numSamples(); ++n)
            worst = std::max(worst, std::abs(i.channels[c][n] - mix.channels[c][n]));
    CHECK(worst < 2.0f / 8388608.0f);
    // Nothing left behind but the two files (temp files were renamed).
    CHECK(tmp.dir.getNumberOfChildFiles(juce::File::findFiles) == 2);
}

TEST_CASE("audio files: bad files give clear errors", "[file][errors]")
{
    TempFolder tmp;
    CHECK_THROWS_WITH(readAudioFile(tmp / "missing.wav"), Catch::Contains("does not exist"));

    (tmp / "text.wav").replaceWithText("this is not audio at all, just text");
    CHECK_THROWS_WITH(readAudioFile(tmp / "text.wav"), Catch::Contains("not a WAV, AIFF or FLAC"));

    // A real WAV header cut off in the middle of the data is still readable up to the cut,
    // but a header-only file has no audio.
    AudioBuffer empty;
    empty.sampleRate = 44100;
    empty.channels.assign(1, {});
    test::writeTestWav(tmp / "empty.wav", empty, 16);
    CHECK_THROWS_WITH(readAudioFile(tmp / "empty.wav"), Catch::Contains("no audio"));
}

TEST_CASE("audio files: never written over the input", "[file][errors]")
{
    TempFolder tmp;
    const auto mix = test::makeTwoToneMix(22050.0, 0.1);
    test::writeTestWav(tmp / "mix.wav", mix);
    juce::MemoryBlock before, after;
    REQUIRE((tmp / "mix.wav").loadFileAsData(before));
    CHECK_THROWS_WITH(writeWav(tmp / "mix.wav", mix, SampleFormat::Pcm24, tmp / "mix.wav"),
                      Catch::Contains("Refusing to write over the input"));
    REQUIRE((tmp / "mix.wav").loadFileAsData(after));
    CHECK(after == before);
}

TEST_CASE("audio files: time ranges are cut in samples and checked", "[file]")
{
    const auto mix = test::makeTwoToneMix(1000.0, 2.0);
    const auto part = sliceSeconds(mix, 0.5, 1.25);
    CHECK(part.numSamples() == 750);
    CHECK(part.channels[1][0] == mix.channels[1][500]);
    CHECK_THROWS_WITH(sliceSeconds(mix, 3.0, 4.0), Catch::Contains("empty or outside"));
}

TEST_CASE("audio files: AIFF and FLAC open too", "[file]")
{
    TempFolder tmp;
    const auto mix = test::makeTwoToneMix(44100.0, 0.3);
    auto write = [&](juce::AudioFormat& format, const juce::File& file) {
        auto stream = file.createOutputStream();
        std::unique_ptr<juce::AudioFormatWriter> writer(
            format.createWriterFor(stream.get(), mix.sampleRate, 2, 24, {}, 0));
        REQUIRE(writer != nullptr);
        stream.release();
        const float* pointers[] = {mix.channels[0].data(), mix.channels[1].data()};
        REQUIRE(writer->writeFromFloatArrays(pointers, 2, int(mix.numSamples())));
    };
    juce::AiffAudioFormat aiff;
    juce::FlacAudioFormat flac;
    write(aiff, tmp / "mix.aiff");
    write(flac, tmp / "mix.flac");
    for (const char* name : {"mix.aiff", "mix.flac"}) {
        INFO(name);
        const auto read = readAudioFile(tmp / name);
        CHECK(read.sampleRate == 44100.0);
        REQUIRE(read.numChannels() == 2);
        REQUIRE(read.numSamples() == mix.numSamples());
        float worst = 0;
        for (size_t c = 0; c < 2; ++c)
            for (size_t n = 0; n < mix.numSamples(); ++n)
                worst = std::max(worst, std::abs(read.channels[c][n] - mix.channels[c][n]));
        CHECK(worst < 2.0f / 8388608.0f);
    }
}

// Writes the seed corpus of the fuzz targets with the project's own writers (see
// docs/testing.md for the command that regenerates tests/fuzz/corpus/):
//
//   fuzz_audio/         the CLI's WAV writer (int16, float32) and JUCE's AIFF, FLAC and
//                       Ogg Vorbis writers, a few hundred samples each
//   fuzz_project/       Session::saveProject: a project with audio only, and one with an
//                       unsupervised decomposition regrouped and renamed
//   fuzz_plugin_state/  the plugin's encodeState over the tree layout of
//                       DemixProcessor::stateTree, carrying the given libraries
//
// fuzz_library/ holds libraries made by `demix learn`; they are passed here too.
// Usage: fuzz_make_corpus OUT_DIR LIBRARY.dmxt...

#include "project_mix.hpp"

#include "StateCodec.h"
#include "audio_file.hpp"
#include "model/Session.hpp"

#include <juce_audio_formats/juce_audio_formats.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace {

demix::AudioBuffer tone(double rate, int channels, int samples)
{
    demix::AudioBuffer audio;
    audio.sampleRate = rate;
    audio.channels.assign(size_t(channels), std::vector<float>(size_t(samples)));
    for (int c = 0; c < channels; ++c)
        for (int n = 0; n < samples; ++n)
            audio.channels[size_t(c)][size_t(n)] =
                float(0.5 * std::sin(2 * M_PI * (440.0 + 110.0 * c) * n / rate) * (1.0 - double(n) / samples));
    return audio;
}

void writeWithJuce(juce::AudioFormat& format, const juce::File& file, const demix::AudioBuffer& audio, int bits,
                   int quality)
{
    file.deleteFile();
    auto stream = file.createOutputStream();
    std::unique_ptr<juce::AudioFormatWriter> writer(format.createWriterFor(
        stream.get(), audio.sampleRate, unsigned(audio.numChannels()), bits, {}, quality));
    if (writer == nullptr)
        throw std::runtime_error("no writer for " + file.getFullPathName().toStdString());
    stream.release();
    std::vector<const float*> channels;
    for (const auto& c : audio.channels)
        channels.push_back(c.data());
    if (!writer->writeFromFloatArrays(channels.data(), int(channels.size()), int(audio.numSamples())))
        throw std::runtime_error("writing " + file.getFullPathName().toStdString() + " failed");
}

void audioCorpus(const juce::File& dir)
{
    using demix::cli::SampleFormat;
    demix::cli::writeAudioFile(dir.getChildFile("mono-int16.wav").getFullPathName().toStdString(),
                               tone(8000, 1, 300), SampleFormat::Int16);
    demix::cli::writeAudioFile(dir.getChildFile("stereo-float.wav").getFullPathName().toStdString(),
                               tone(11025, 2, 200), SampleFormat::Float32);
    juce::AiffAudioFormat aiff;
    writeWithJuce(aiff, dir.getChildFile("stereo-int24.aiff"), tone(8000, 2, 200), 24, 0);
    juce::FlacAudioFormat flac;
    writeWithJuce(flac, dir.getChildFile("mono-int16.flac"), tone(8000, 1, 1200), 16, 0);
    writeWithJuce(flac, dir.getChildFile("stereo-int24.flac"), tone(16000, 2, 600), 24, 5);
    juce::OggVorbisAudioFormat ogg;
    writeWithJuce(ogg, dir.getChildFile("mono.ogg"), tone(8000, 1, 1000), 16, 0);
}

void projectCorpus(const juce::File& dir)
{
    using namespace demix::app;
    juce::TemporaryFile scratchDir;
    const auto work = scratchDir.getFile();
    work.createDirectory();
    const auto mix = work.getChildFile(demix::fuzz::kProjectMixName);
    writeWav(mix, demix::fuzz::projectMix(), SampleFormat::Float32);

    Session session;
    session.open(mix);
    AppSettings s = defaultAppSettings();
    s.separation.stft.fftSize = 256;
    s.separation.stft.hop = 128;
    s.separation.nmf.maxIterations = 20;
    s.separation.threads = 1;
    s.separation.nmf.threads = 1;
    s.method.components = 3;
    s.method.sources = 2;
    session.setSettings(s);
    session.saveProject(work.getChildFile("audio-only.dmxproj"));
    session.runBlocking();
    session.renameSource(0, "low tone");
    session.moveComponent(session.grouping().groups[0].front(), 1);
    session.saveProject(work.getChildFile("decomposed.dmxproj"));
    for (const char* name : {"audio-only.dmxproj", "decomposed.dmxproj"}) {
        // The absolute audio path would name this scratch folder: the reader falls back
        // to the relative one, which fuzz_project provides.
        auto text = work.getChildFile(name).loadFileAsString();
        text = text.replace(work.getFullPathName() + "/", "/nonexistent/");
        dir.getChildFile(name).replaceWithText(text);
    }
    work.deleteRecursively();
}

void stateCorpus(const juce::File& dir, const std::vector<juce::File>& libraries)
{
    // The layout DemixProcessor::stateTree writes: version, learning options, the
    // parameter tree and one Source child per named source.
    for (size_t count = 0; count <= libraries.size() && count <= 2; ++count) {
        juce::ValueTree tree("DemixPluginState");
        tree.setProperty("version", int(demix::plugin::kStateVersion), nullptr);
        tree.setProperty("learnFromSidechain", count == 1, nullptr);
        tree.setProperty("learnComponents", 8, nullptr);
        juce::ValueTree parameters("Parameters");
        for (const char* id : {"mix", "sensitivity", "iterations"}) {
            juce::ValueTree p("PARAM");
            p.setProperty("id", id, nullptr);
            p.setProperty("value", 1.0, nullptr);
            parameters.appendChild(p, nullptr);
        }
        tree.appendChild(parameters, nullptr);
        for (size_t s = 0; s < 4; ++s) {
            juce::ValueTree source("Source");
            source.setProperty("index", int(s), nullptr);
            source.setProperty("name", "Source " + juce::String(int(s) + 1), nullptr);
            if (s < count) {
                juce::MemoryBlock bytes;
                libraries[s].loadFileAsData(bytes);
                source.setProperty("templates", juce::var(bytes), nullptr);
            }
            tree.appendChild(source, nullptr);
        }
        dir.getChildFile("state-" + juce::String(int(count)) + "-libraries.bin")
            .replaceWithData(demix::plugin::encodeState(tree).getData(), demix::plugin::encodeState(tree).getSize());
    }
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: fuzz_make_corpus OUT_DIR LIBRARY.dmxt...\n");
        return 2;
    }
    const juce::File out = juce::File::getCurrentWorkingDirectory().getChildFile(argv[1]);
    std::vector<juce::File> libraries;
    for (int i = 2; i < argc; ++i)
        libraries.push_back(juce::File::getCurrentWorkingDirectory().getChildFile(argv[i]));
    try {
        for (const char* target : {"fuzz_audio", "fuzz_project", "fuzz_plugin_state"})
            out.getChildFile(target).createDirectory();
        audioCorpus(out.getChildFile("fuzz_audio"));
        projectCorpus(out.getChildFile("fuzz_project"));
        stateCorpus(out.getChildFile("fuzz_plugin_state"), libraries);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_make_corpus: %s\n", e.what());
        return 1;
    }
    return 0;
}

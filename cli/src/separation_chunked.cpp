// Chunked separation of long files: the mix is read and the stems are written block by
// block (engine: separateSupervisedChunked), so memory does not grow with the length.
#include "separation_chunked.hpp"

#include "audio_file.hpp"
#include "audio_stream.hpp"
#include "cli_error.hpp"
#include "interrupt.hpp"
#include "report.hpp"

#include "demix/file_names.hpp"

#include <juce_audio_formats/juce_audio_formats.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <new>
#include <thread>

namespace demix::cli {
namespace {

/// body(i) for i in [0, count): on this thread, or (concurrent) items 1 .. count − 1 on
/// a thread each while this thread does item 0. Rethrows the first failure in index
/// order, after every item has finished.
void forEachStem(std::size_t count, bool concurrent, const std::function<void(std::size_t)>& body) {
    if (!concurrent || count < 2) {
        for (std::size_t i = 0; i < count; ++i) body(i);
        return;
    }
    std::vector<std::exception_ptr> errors(count);
    const auto run = [&](std::size_t i) {
        try {
            body(i);
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < count; ++i) threads.emplace_back(run, i);
    run(0);
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace

std::optional<double> chunkSecondsFor(const SeparateRequest& r, const TemplateLibrary* library,
                                      const std::string& plotDir, const std::string& input) {
    if (r.chunkSeconds) {  // finaliseSeparateRequest refused the requests it cannot serve
        if (*r.chunkSeconds > 0.0) return *r.chunkSeconds;
        return std::nullopt;
    }
    // Pictures need the whole-file decomposition. Free components (--free, --components)
    // are learned per chunk, which chunks only longer files.
    if (!plotDir.empty()) return std::nullopt;
    const bool fixedTemplates = library != nullptr && r.freeComponents == 0;
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(input);
    // Not a regular file (missing, a FIFO that would block the open): the whole-file path
    // reports the problem.
    if (!inputFileProblem(file.getFullPathName().toStdString()).empty()) return std::nullopt;
    juce::AudioFormatManager formats;
    formats.registerBasicFormats();
    std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(file));
    if (reader == nullptr || reader->sampleRate <= 0.0) return std::nullopt;
    const double seconds = static_cast<double>(reader->lengthInSamples) / reader->sampleRate;
    if (fixedTemplates) {
        if (seconds > kChunkThresholdSeconds) return kDefaultChunkSeconds;
    } else if (seconds > kGroupedChunkThresholdSeconds) {
        return kGroupedChunkSeconds;
    }
    return std::nullopt;
}

SeparationOutcome separateFileChunked(const std::string& input, const std::string& outDir,
                                      const SeparateRequest& r, const TemplateLibrary* givenLibrary,
                                      double chunkSeconds, Progress& progress) {
    const auto start = std::chrono::steady_clock::now();
    const auto& settings = r.common.settings;
    progress.begin(juce::File(input).getFileName().toStdString());
    progress.update(0.0, "reading");
    AudioBlockReader reader(input);
    TemplateLibrary resampled;
    const TemplateLibrary* library =
        givenLibrary != nullptr
            ? &libraryForRate(*givenLibrary, reader.sampleRate(), input, resampled, progress)
            : nullptr;
    const juce::File outFolder = juce::File::getCurrentWorkingDirectory().getChildFile(outDir);
    const auto names = stemNames(r, library);
    // Checked on the whole file, as without chunks (a chunk is the whole file when the file
    // is shorter; otherwise a chunk with its context rarely has fewer frames than K, and the
    // factorisation still runs if it does).
    checkComponentsFit(r, library != nullptr, static_cast<std::size_t>(reader.samples()), input);
    prepareOutputFolder(outDir);

    std::vector<std::string> paths;
    std::vector<std::unique_ptr<AudioBlockWriter>> writers;
    for (const auto& name : names) {
        paths.push_back(outFolder.getChildFile(name + ".wav").getFullPathName().toStdString());
        writers.push_back(std::make_unique<AudioBlockWriter>(paths.back(), reader.sampleRate(),
                                                             reader.channels(), r.common.format));
    }
    std::vector<LevelMeter> meters(names.size());
    double mixEnergy = 0.0;
    ChunkedSeparation result;
    try {
        const auto read = [&](std::size_t from, std::size_t count, AudioBuffer& block) {
            reader.read(from, count, block);
        };
        std::size_t mixMeasured = 0;
        const auto samples = static_cast<std::size_t>(reader.samples());
        const auto write = [&](std::size_t from, const std::vector<Stem>& stems) {
            throwIfInterrupted(inQuotes(input).c_str());
            double sum = 0.0;  // Σ stems == mix, so the mix energy comes for free
            const std::size_t n = stems.front().audio.numSamples();
            // The last block is written while nothing else runs (every chunk before it is
            // written while the next one separates): its stems are written concurrently.
            forEachStem(stems.size(), from + n == samples, [&](std::size_t s) {
                meters[s].add(stems[s].audio);
                writers[s]->write(stems[s].audio);
            });
            for (std::size_t c = 0; c < stems.front().audio.numChannels(); ++c) {
                double part[4] = {0.0, 0.0, 0.0, 0.0};  // four chains, so it vectorises
                for (std::size_t i = 0; i < n; ++i) {
                    double x = 0.0;
                    for (const auto& st : stems) x += st.audio.channels[c][i];
                    part[i % 4] += x * x;
                }
                sum += (part[0] + part[1]) + (part[2] + part[3]);
            }
            mixEnergy += sum;
            mixMeasured = from + n;
        };
        ChunkSettings chunks;
        chunks.chunkSeconds = chunkSeconds;
        if (library != nullptr)
            result = separateSupervisedChunked(samples, reader.channels(), reader.sampleRate(),
                                               *library, r.freeComponents, settings, read, write,
                                               chunks, progress.callback(0.0, 0.99));
        else if (r.groupingLibrary)
            result = separateGroupedByLibraryChunked(samples, reader.channels(), reader.sampleRate(),
                                                     r.components, *r.groupingLibrary, settings,
                                                     read, write, chunks, progress.callback(0.0, 0.99));
        else
            result = separateUnsupervisedChunked(samples, reader.channels(), reader.sampleRate(),
                                                 r.components, r.sources, settings, read, write,
                                                 chunks, progress.callback(0.0, 0.99));
        if (interrupted() || mixMeasured != samples) throw Cancelled();
        // Every stem is finished before any is put in place: a failed run keeps none.
        std::vector<std::pair<std::string, std::string>> finished;
        try {
            for (std::size_t i = 0; i < writers.size(); ++i)
                finished.emplace_back(writers[i]->finish(), paths[i]);
        } catch (...) {
            for (const auto& f : finished) std::remove(f.first.c_str());
            throw;
        }
        commitFiles(finished);
    } catch (...) {
        rethrowSeparationError(input);
    }
    progress.update(1.0, "done");
    progress.end();

    std::vector<Levels> levels;
    double totalEnergy = 0.0;
    for (const LevelMeter& m : meters) {
        levels.push_back(m.levels());
        totalEnergy += levels.back().energy;
    }
    SeparationOutcome outcome;
    juce::Array<juce::var> stemReports;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (writers[i]->clipped())
            progress.warning(inQuotes(paths[i]) + ": was clipped to fit " + toString(r.common.format) +
                             "; use --format float32 to keep it whole");
        outcome.stemPaths.push_back(paths[i]);
        auto* s = new juce::DynamicObject();
        s->setProperty("name", juce::String(names[i]));
        s->setProperty("path", juce::String(paths[i]));
        s->setProperty("rms_dbfs", jsonNumber(levels[i].rmsDb));
        s->setProperty("peak_dbfs", jsonNumber(levels[i].peakDb));
        s->setProperty("energy_share", totalEnergy > 0.0 ? juce::var(levels[i].energy / totalEnergy) : juce::var());
        s->setProperty("clipped", writers[i]->clipped());
        stemReports.add(juce::var(s));
    }
    auto* in = new juce::DynamicObject();
    in->setProperty("path", juce::String(input));
    in->setProperty("sample_rate", reader.sampleRate());
    in->setProperty("channels", reader.channels());
    in->setProperty("samples", static_cast<juce::int64>(reader.samples()));
    in->setProperty("seconds", static_cast<double>(reader.samples()) / reader.sampleRate());
    auto* rep = new juce::DynamicObject();
    rep->setProperty("input", juce::var(in));
    rep->setProperty("mode", library != nullptr ? "supervised" : "unsupervised");
    juce::Array<juce::var> libs;
    for (const auto& p : r.libraryPaths) libs.add(juce::String(p));
    rep->setProperty("libraries", libs);
    if (library == nullptr && r.groupingLibrary) {
        juce::Array<juce::var> grouping;
        for (const auto& p : r.groupByPaths) grouping.add(juce::String(p));
        rep->setProperty("group_by", grouping);
        rep->setProperty("group_power", groupPowerJson(settings.groupingPower));
    }
    rep->setProperty("settings", settingsToJson(r.common));
    // Every member's components, as whole-file (unsupervised: K per member, before a soft
    // grouping's copies, which differ from chunk to chunk)
    const int members = result.ensembleMembers;
    rep->setProperty("components", library != nullptr
                                       ? library->ensembleComponents() + r.freeComponents * members
                                       : r.components * members);
    rep->setProperty("ensemble_members", members);
    rep->setProperty("chunks", static_cast<int>(result.iterations.size()));
    rep->setProperty("chunk_seconds", chunkSeconds);
    juce::Array<juce::var> iterations;
    bool converged = true;
    for (std::size_t i = 0; i < result.iterations.size(); ++i) {
        iterations.add(result.iterations[i]);
        converged = converged && result.converged[i];
    }
    rep->setProperty("iterations", iterations);
    rep->setProperty("converged", converged);
    auto* t = new juce::DynamicObject();
    t->setProperty("total", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    rep->setProperty("seconds", juce::var(t));
    rep->setProperty("mix_rms_dbfs",
                     jsonNumber(rmsDbfs(mixEnergy, static_cast<double>(reader.samples()) * reader.channels())));
    rep->setProperty("stems", stemReports);
    outcome.report = juce::var(rep);
    return outcome;
}

}  // namespace demix::cli

// demix batch: many files, in parallel, resumable, sharded.
#include "audio_file.hpp"
#include "batch_inputs.hpp"
#include "cli_error.hpp"
#include "file_safety.hpp"
#include "interrupt.hpp"
#include "commands.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "separation.hpp"

#include "demix/version.hpp"

#include <juce_core/juce_core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace demix::cli {
namespace {

const char* kBatchHelp = R"(Usage: demix batch INPUT... -o OUTDIR [any separate option] [--jobs N] [--shard I/N]

Separates every input into OUTDIR/<input name>/<stem>.wav. INPUT may be a file, a
folder (its .wav .aif .aiff .flac .ogg files, not recursive) or a quoted glob
("music/*.wav"). Inputs are sorted by path.

  -o OUTDIR          output folder (created if missing)
  --jobs N           separate N files at a time (default 1); with --jobs N and no
                     --threads, each job gets cores/N worker threads
  --shard I/N        process only slice I of N (1 <= I <= N): input number j (0-based,
                     in sorted order) belongs to slice (j mod N) + 1, so N machines
                     with the same inputs split the work without overlap

Resuming: an input whose folder holds a completion record (.demix-complete) for the
same input file (size and modification time), the same settings and libraries, and
all its stems, is skipped; anything else is (re)done. Re-running a batch resumes it.
A bad input is reported and the others still finish; the summary lists the failures.
Two batches on one OUTDIR share the work: an input folder another demix process is
working in (a lock, released when that process ends) is left to it and reported busy.
Exit status: 0 all done, 1 some inputs failed or were busy, 2 bad usage.

)";

constexpr const char* kMarker = ".demix-complete";

struct Outcome {
    enum Status { Separated, Skipped, Busy, Failed } status = Failed;
    std::string message;
    juce::var report;
    double seconds = 0.0;
};

/// The identity of an input file for resume decisions.
juce::var inputIdentity(const std::string& path) {
    const juce::File f(path);
    auto* o = new juce::DynamicObject();
    o->setProperty("path", juce::String(path));
    o->setProperty("size", f.getSize());
    o->setProperty("modified", f.getLastModificationTime().toMilliseconds());
    return juce::var(o);
}

/// Everything that changes the stems: settings, mode, libraries and --group-by libraries
/// (with their identity).
juce::String settingsFingerprint(const SeparateRequest& r) {
    auto* o = new juce::DynamicObject();
    o->setProperty("settings", settingsToJson(r.common));
    // The thread count does not change the result's layout; keep it out so a resume on
    // another machine is not refused for it.
    if (auto* s = o->getProperty("settings").getDynamicObject()) s->removeProperty("threads");
    o->setProperty("free", r.freeComponents);
    o->setProperty("components", r.components);
    o->setProperty("sources", r.sources);
    juce::Array<juce::var> libs;
    for (const auto& p : r.libraryPaths)
        libs.add(inputIdentity(juce::File::getCurrentWorkingDirectory().getChildFile(p).getFullPathName().toStdString()));
    o->setProperty("libraries", libs);
    // Unsupervised restarts only when more than one, so the records of earlier runs (one
    // factorisation) still match exactly the runs that repeat them.
    const int restarts = unsupervisedRestartsFor(r.common.settings, !r.groupByPaths.empty());
    if (r.libraryPaths.empty() && (r.sources > 0 || !r.groupByPaths.empty()) && restarts != 1)
        o->setProperty("restarts", restarts);
    // Only when given, so the records of earlier runs without it still match.
    if (r.chunkSeconds) o->setProperty("chunk", *r.chunkSeconds);
    if (!r.groupByPaths.empty()) {
        juce::Array<juce::var> grouping;
        for (const auto& p : r.groupByPaths)
            grouping.add(inputIdentity(juce::File::getCurrentWorkingDirectory().getChildFile(p).getFullPathName().toStdString()));
        o->setProperty("group_by", grouping);
        o->setProperty("group_power", groupPowerJson(r.common.settings.groupingPower));
    }
    return juce::JSON::toString(juce::var(o), true);
}

bool isComplete(const juce::File& folder, const std::string& input, const juce::String& fingerprint,
                const std::vector<std::string>& stems) {
    const juce::File marker = folder.getChildFile(kMarker);
    if (!marker.existsAsFile()) return false;
    const juce::var record = juce::JSON::parse(marker.loadFileAsString());
    if (!record.isObject()) return false;
    if (juce::JSON::toString(record["input"], true) != juce::JSON::toString(inputIdentity(input), true))
        return false;
    if (record["settings"].toString() != fingerprint) return false;
    for (const auto& s : stems)
        if (folder.getChildFile(s + ".wav").getSize() <= 44) return false;
    return true;
}

}  // namespace

int runBatch(const Arguments& arguments) {
    Args args(arguments);
    std::vector<std::string> inputArgs;
    std::string outDir;
    int jobs = 1, shardIndex = 1, shardCount = 1;
    bool threadsGiven = false;
    SeparateRequest request;
    while (!args.done()) {
        const std::string token = args.next();
        if (token == "--help" || token == "-h") {
            std::printf("%s%s%s", kBatchHelp, separateOptionsHelp(), commonOptionsHelp());
            return kExitOk;
        }
        if (!Args::isOption(token)) {
            inputArgs.push_back(token);
        } else if (token == "-o" || token == "--output") {
            outDir = args.value(token);
        } else if (token == "--jobs" || token == "-j") {
            jobs = args.intValue(token, 1, 256);
        } else if (token == "--shard") {
            parseShard(args.value(token), shardIndex, shardCount);
        } else {
            if (token == "--threads") threadsGiven = true;
            if (!parseSeparateOption(token, args, request))
                throw UsageError("batch: unknown option " + token + " (see demix batch --help)");
        }
    }
    if (inputArgs.empty()) throw UsageError("batch: no inputs given (see demix batch --help)");
    if (outDir.empty()) throw UsageError("batch: -o OUTDIR is required");
    finaliseSeparateRequest(request);
    if (jobs > 1 && !threadsGiven) {
        const int cores = std::max(1u, std::thread::hardware_concurrency());
        request.common.settings.threads = request.common.settings.nmf.threads = std::max(1, cores / jobs);
    }
    const auto library = loadLibraries(request);
    const auto all = expandBatchInputs(inputArgs);
    if (all.empty()) throw InputError("batch: the inputs contain no audio files");
    checkDistinctNames(all);
    const auto inputs = shardOf(all, shardIndex, shardCount);
    // No output may replace an input: every batch input (a stem folder inside -o may hold
    // one) and every library, compared by file identity; the report checked here, before
    // any work, the stems and records per input before it is separated.
    for (const auto& in : all) request.inputs.add(in.path);
    if (!request.common.jsonPath.empty()) {
        request.inputs.checkOutput(request.common.jsonPath, "choose another --json file");
        const auto cwd = juce::File::getCurrentWorkingDirectory();
        if (cwd.getChildFile(request.common.jsonPath) == cwd.getChildFile(outDir))
            throw UsageError("option --json: '" + request.common.jsonPath +
                             "' is the output folder; give the report's file name");
    }
    prepareOutputFolder(outDir);
    const juce::File outFolder = juce::File::getCurrentWorkingDirectory().getChildFile(outDir);
    const auto fingerprint = settingsFingerprint(request);
    const auto stems = stemNames(request, library ? &*library : nullptr);

    Progress shared(request.common.quiet, jobs == 1 && ::isatty(2) == 1);
    Progress silent(true, false);
    const int total = static_cast<int>(inputs.size());
    if (shardCount > 1)
        shared.info("demix batch: shard " + std::to_string(shardIndex) + "/" +
                    std::to_string(shardCount) + ": " + std::to_string(total) + " of " +
                    std::to_string(all.size()) + " inputs");
    std::vector<Outcome> outcomes(inputs.size());
    std::atomic<int> next{0}, finished{0};

    auto work = [&] {
        for (int i = next++; i < total; i = next++) {
            const auto& in = inputs[static_cast<std::size_t>(i)];
            Outcome& o = outcomes[static_cast<std::size_t>(i)];
            const auto start = std::chrono::steady_clock::now();
            const juce::File folder = outFolder.getChildFile(in.name);
            try {
                throwIfInterrupted(in.path.c_str());
                if (!in.error.empty()) throw InputError(in.error);
                // One process per input folder: another batch on the same folder skips
                // what this one is doing (and the other way round) instead of deleting
                // its temporary files.
                FolderLock lock;
                long owner = 0;
                const std::string folderPath = folder.getFullPathName().toStdString();
                if (!lock.tryLock(folderPath, owner)) {
                    o.status = Outcome::Busy;
                    o.message = inQuotes(in.path) + ": another demix process" +
                                (owner > 0 ? " (PID " + std::to_string(owner) + ")" : std::string()) +
                                " is separating it into " + inQuotes(folderPath) + "; not separated";
                } else if (isComplete(folder, in.path, fingerprint, stems)) {
                    o.status = Outcome::Skipped;
                } else {
                    const std::string marker = folder.getChildFile(kMarker).getFullPathName().toStdString();
                    request.inputs.checkOutput(marker, "rename it or choose another -o folder");
                    // Under the lock, only files of processes gone are stale (a separate
                    // run may be writing here too).
                    removeStalePartials(folderPath);
                    folder.getChildFile(kMarker).deleteFile();
                    const std::string plotDir =
                        request.common.plotDir.empty()
                            ? std::string()
                            : juce::File::getCurrentWorkingDirectory()
                                  .getChildFile(request.common.plotDir)
                                  .getChildFile(in.name)
                                  .getFullPathName()
                                  .toStdString();
                    auto result = separateFile(in.path, folder.getFullPathName().toStdString(),
                                               request, library ? &*library : nullptr, plotDir,
                                               jobs == 1 ? shared : silent);
                    auto* record = new juce::DynamicObject();
                    record->setProperty("input", inputIdentity(in.path));
                    record->setProperty("settings", fingerprint);
                    juce::Array<juce::var> names;
                    for (const auto& s : stems) names.add(juce::String(s));
                    record->setProperty("stems", names);
                    writeTextFile(folder.getChildFile(kMarker).getFullPathName().toStdString(),
                                  toJsonText(juce::var(record)));
                    o.report = result.report;
                    o.status = Outcome::Separated;
                }
            } catch (const std::exception& e) {
                o.status = Outcome::Failed;
                o.message = e.what();
            }
            o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const int done = ++finished;
            const std::string head = "[" + std::to_string(done) + "/" + std::to_string(total) + "] " +
                                     juce::File(in.path).getFileName().toStdString() + ": ";
            if (o.status == Outcome::Failed) {
                shared.warning(head + "FAILED: " + o.message);
            } else if (o.status == Outcome::Busy) {
                shared.warning(head + "BUSY: " + o.message);
            } else if (o.status == Outcome::Skipped) {
                shared.info(head + "already complete, skipped");
            } else {
                char secs[32];
                std::snprintf(secs, sizeof secs, "%.1f", o.seconds);
                shared.info(head + "separated in " + secs + " s -> " +
                            folder.getFullPathName().toStdString());
            }
        }
    };
    std::vector<std::thread> pool;
    for (int j = 1; j < std::min(jobs, total); ++j) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    int separated = 0, skipped = 0, busy = 0, failed = 0;
    juce::Array<juce::var> items;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const auto& o = outcomes[i];
        separated += o.status == Outcome::Separated;
        skipped += o.status == Outcome::Skipped;
        busy += o.status == Outcome::Busy;
        failed += o.status == Outcome::Failed;
        auto* item = new juce::DynamicObject();
        item->setProperty("input", juce::String(inputs[i].path));
        item->setProperty("output", outFolder.getChildFile(inputs[i].name).getFullPathName());
        item->setProperty("status", o.status == Outcome::Separated ? "separated"
                                    : o.status == Outcome::Skipped ? "skipped"
                                    : o.status == Outcome::Busy    ? "busy"
                                                                   : "failed");
        if (!o.message.empty()) item->setProperty("error", juce::String(o.message));
        if (o.report.isObject()) item->setProperty("result", o.report);
        item->setProperty("seconds", o.seconds);
        items.add(juce::var(item));
    }
    if (!request.common.jsonPath.empty()) {
        auto* rep = new juce::DynamicObject();
        rep->setProperty("demix", juce::String(versionString()));
        rep->setProperty("command", "batch");
        rep->setProperty("settings", settingsToJson(request.common));
        rep->setProperty("jobs", jobs);
        rep->setProperty("shard", juce::String(std::to_string(shardIndex) + "/" + std::to_string(shardCount)));
        rep->setProperty("inputs", items);
        auto* summary = new juce::DynamicObject();
        summary->setProperty("total", total);
        summary->setProperty("separated", separated);
        summary->setProperty("skipped", skipped);
        summary->setProperty("busy", busy);
        summary->setProperty("failed", failed);
        rep->setProperty("summary", juce::var(summary));
        writeTextFile(request.common.jsonPath, toJsonText(juce::var(rep)));
    }
    std::printf("batch: %d input%s: %d separated, %d skipped (already complete), %d failed\n",
                total, total == 1 ? "" : "s", separated, skipped, failed);
    if (busy > 0)
        std::printf("batch: %d input%s left to another demix process working in the same folder\n",
                    busy, busy == 1 ? "" : "s");
    for (std::size_t i = 0; i < outcomes.size(); ++i)
        if (outcomes[i].status == Outcome::Failed || outcomes[i].status == Outcome::Busy)
            std::printf("  %s: %s\n", outcomes[i].status == Outcome::Busy ? "busy" : "failed",
                        outcomes[i].message.c_str());
    return failed > 0 || busy > 0 ? kExitFailure : kExitOk;
}

}  // namespace demix::cli

// Dispatch, top-level help/version and the one place where errors become exit codes.
#include "cli_error.hpp"
#include "commands.hpp"
#include "interrupt.hpp"

#include "demix/file_names.hpp"
#include "demix/version.hpp"

#include <juce_core/juce_core.h>

#include <cstdio>
#include <iostream>
#include <new>

namespace demix::cli {
namespace {

/// `text` through printable(), line by line (a message may have several lines).
std::string printableLines(const std::string& text) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
        out += printable(text.substr(from, nl - from)) + "\n";
    return out + printable(text.substr(from));
}

}  // namespace

std::string versionText() {
    return std::string("demix ") + versionString() + " (Demix engine " + versionString() +
           ", JUCE " + std::to_string(JUCE_MAJOR_VERSION) + "." +
           std::to_string(JUCE_MINOR_VERSION) + "." + std::to_string(JUCE_BUILDNUMBER) +
           ")\nLicence GPL-3.0-or-later: free software, no warranty.\n";
}

const char* mainHelp() {
    return R"(demix: separate audio into stems with non-negative matrix factorisation (NMF).

Usage:
  demix learn INPUT.wav [INPUT2.wav ...] --name NAME [-k 16] -o LIBRARY
  demix separate MIX.wav --templates LIBRARY [--templates LIBRARY ...] [--free K] -o OUTDIR
  demix separate MIX.wav --components K [--sources S] -o OUTDIR
  demix batch INPUT... -o OUTDIR [any separate option] [--jobs N] [--shard I/N]
  demix info LIBRARY
  demix evaluate --reference DIR --estimate DIR
  demix --help | --version
  demix COMMAND --help          options of one command

Commands:
  learn      learn a source's spectral templates from example recordings
  separate   split a mix into stems (with template libraries, or unsupervised)
  batch      separate many files (files, folders, globs), in parallel, resumable
  info       show what a template library holds
  evaluate   SDR (BSS-eval v3), SI-SDR and SNR of estimated stems against references

Audio input: WAV, AIFF, FLAC, Ogg Vorbis; any sample rate and channel count.
Stems are WAV (float32 by default) with the input's rate, channels and length.

Exit status: 0 success, 1 processing failure, 2 bad usage or bad input.
)";
}

int runMain(const Arguments& args) {
    installInterruptHandlers();
    try {
        if (args.empty()) {
            std::fputs(mainHelp(), stderr);
            return kExitBadInput;
        }
        const std::string& command = args[0];
        const Arguments rest(args.begin() + 1, args.end());
        if (command == "--help" || command == "-h" || command == "help") {
            std::fputs(mainHelp(), stdout);
            return kExitOk;
        }
        if (command == "--version" || command == "-V" || command == "version") {
            std::fputs(versionText().c_str(), stdout);
            return kExitOk;
        }
        if (command == "learn") return runLearn(rest);
        if (command == "separate") return runSeparate(rest);
        if (command == "batch") return runBatch(rest);
        if (command == "info") return runInfo(rest);
        if (command == "evaluate") return runEvaluate(rest);
        throw UsageError("unknown command '" + command + "' (see demix --help)");
    } catch (const CliError& e) {
        std::fflush(stdout);
        // Messages quote file and source names: never pass their raw control bytes on.
        std::fprintf(stderr, "demix: error: %s\n", printableLines(e.what()).c_str());
        return e.exitCode();
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "demix: error: out of memory\n");
        return kExitFailure;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demix: error: %s\n", printableLines(e.what()).c_str());
        return kExitFailure;
    }
}

}  // namespace demix::cli

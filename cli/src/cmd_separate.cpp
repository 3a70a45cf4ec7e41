// demix separate: one mix into stems.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "file_safety.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "separation.hpp"

#include "demix/version.hpp"

#include <cstdio>
#include <limits>

namespace demix::cli {
namespace {

const char* kSeparateHelp = R"(Usage:
  demix separate MIX.wav --templates LIBRARY [--templates LIBRARY ...] [--free K] -o OUTDIR
  demix separate MIX.wav --components K [--sources S] -o OUTDIR
  demix separate MIX.wav --components K --group-by LIBRARY [--group-by LIBRARY ...] -o OUTDIR

Writes OUTDIR/<source>.wav for every library source (plus OUTDIR/residual.wav with
--free K), or OUTDIR/source-1.wav ... source-S.wav (unsupervised with --sources), or
OUTDIR/<source>.wav for every source of the --group-by libraries (unsupervised: the K
free components are assigned to the library sources whose templates claim them), or
OUTDIR/component-1.wav ... component-K.wav. Each stem has the mix's sample rate, channel
count and length; with float32 output the stems sum to the mix. Stems are written to a
temporary name and renamed when complete; the input is never changed.
With --templates, the analysis settings (FFT size, hop, window, objective) default to
the library's; a mix at another sample rate gets the templates resampled to its rate
(same FFT size and hop in samples; a note says so).

  -o OUTDIR          output folder (created if missing)

)";

}  // namespace

int runSeparate(const Arguments& arguments) {
    Args args(arguments);
    std::vector<std::string> inputs;
    std::string outDir;
    SeparateRequest request;
    while (!args.done()) {
        const std::string token = args.next();
        if (token == "--help" || token == "-h") {
            std::printf("%s%s%s", kSeparateHelp, separateOptionsHelp(), commonOptionsHelp());
            return kExitOk;
        }
        if (!Args::isOption(token)) {
            inputs.push_back(token);
        } else if (token == "-o" || token == "--output") {
            outDir = args.value(token);
        } else if (!parseSeparateOption(token, args, request)) {
            throw UsageError("separate: unknown option " + token + " (see demix separate --help)");
        }
    }
    if (inputs.empty()) throw UsageError("separate: no mix given (see demix separate --help)");
    if (inputs.size() > 1)
        throw UsageError("separate: one mix at a time ('" + inputs[1] +
                         "' is extra); use demix batch for several files");
    if (outDir.empty()) throw UsageError("separate: -o OUTDIR is required");
    finaliseSeparateRequest(request);
    const auto library = loadLibraries(request);
    // The report must not replace an input either; checked before any work.
    if (!request.common.jsonPath.empty()) {
        InputFiles all = request.inputs;
        all.add(inputs[0]);
        all.checkOutput(request.common.jsonPath, "choose another --json file");
        const auto cwd = juce::File::getCurrentWorkingDirectory();
        if (cwd.getChildFile(request.common.jsonPath) == cwd.getChildFile(outDir))
            throw UsageError("option --json: '" + request.common.jsonPath +
                             "' is the output folder; give the report's file name");
    }

    Progress progress(request.common.quiet);
    auto outcome = separateFile(inputs[0], outDir, request, library ? &*library : nullptr,
                                request.common.plotDir, progress);

    if (!request.common.jsonPath.empty()) {
        auto* obj = outcome.report.getDynamicObject();
        obj->setProperty("demix", juce::String(versionString()));
        obj->setProperty("command", "separate");
        writeTextFile(request.common.jsonPath, toJsonText(outcome.report));
    }
    if (!request.common.quiet) {
        const auto* stems = outcome.report["stems"].getArray();
        for (const auto& s : *stems)
            std::printf("%s  (RMS %s dBFS)\n", s["path"].toString().toRawUTF8(),
                        formatDb(s["rms_dbfs"].isVoid() ? -std::numeric_limits<double>::infinity()
                                                        : static_cast<double>(s["rms_dbfs"]))
                            .c_str());
    }
    return kExitOk;
}

}  // namespace demix::cli

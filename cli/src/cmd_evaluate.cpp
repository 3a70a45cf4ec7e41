// demix evaluate: SDR and SI-SDR of estimated stems against reference stems.
#include "audio_file.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "metrics.hpp"
#include "report.hpp"

#include "demix/version.hpp"

#include <juce_core/juce_core.h>

#include <cmath>
#include <cstdio>

namespace demix::cli {
namespace {

const char* kEvaluateHelp = R"(Usage: demix evaluate --reference DIR --estimate DIR [--json REPORT]

For every audio file NAME.* in the reference folder, reads the estimate with the same
name (NAME.wav, or any audio extension) from the estimate folder and prints its SDR,
SI-SDR and SNR in dB, then their means over the stems. Extra estimates (e.g.
residual.wav) are ignored; a missing estimate is an error. Reference and estimate must
have the same sample rate, channel count and length.

How the numbers are computed (s = reference, ŝ = estimate, double precision):
  SDR    BSS-eval v3 signal-to-distortion ratio, computed like bss_eval_sources of the
         BSS Eval toolbox and mir_eval.separation: ŝ is projected (least squares) onto
         s delayed by 0..511 samples (a 512-tap time-invariant distortion filter is
         allowed), SDR = 10·log10( ‖P ŝ‖² / ‖ŝ − P ŝ‖² ). Several channels: each is
         projected on its own reference channel, energies summed before the ratio.
         (Not the windowed museval/SiSEC-2018 variant, not bss_eval_images.)
  SI-SDR 10·log10( ‖a·s‖² / ‖a·s − ŝ‖² ),  a = ⟨ŝ, s⟩ / ‖s‖²   (Le Roux et al. 2019)
         all channels as one signal; a gain error costs nothing.
  SNR    10·log10( ‖s‖² / ‖s − ŝ‖² ), all channels as one signal: plain ratio, no
         allowed distortion (SiSEC 2018's "new SDR" without framing).
ε = 1e-12 is added to every numerator and denominator. A silent reference has no
defined score ("n/a"; left out of the means). SDR costs O(512 · samples) per channel.

  --json REPORT   also write the scores as JSON
)";

std::string format(double v) {
    if (!std::isfinite(v)) return "n/a";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", v);
    return text;
}

juce::File findEstimate(const juce::File& folder, const juce::String& name) {
    for (const auto& ext : audioFileExtensions()) {
        const auto f = folder.getChildFile(name + juce::String(ext));
        if (f.existsAsFile()) return f;
    }
    return {};
}

}  // namespace

int runEvaluate(const Arguments& arguments) {
    Args args(arguments);
    std::string refDir, estDir, jsonPath;
    while (!args.done()) {
        const std::string token = args.next();
        if (token == "--help" || token == "-h") {
            std::fputs(kEvaluateHelp, stdout);
            return kExitOk;
        }
        if (token == "--reference" || token == "-r") refDir = args.value(token);
        else if (token == "--estimate" || token == "-e") estDir = args.value(token);
        else if (token == "--json") jsonPath = args.value(token);
        else if (Args::isOption(token)) throw UsageError("evaluate: unknown option " + token);
        else throw UsageError("evaluate: unexpected argument '" + token +
                              "' (give folders with --reference and --estimate)");
    }
    if (refDir.empty() || estDir.empty())
        throw UsageError("evaluate: both --reference DIR and --estimate DIR are required");
    const auto cwd = juce::File::getCurrentWorkingDirectory();
    const juce::File ref = cwd.getChildFile(refDir), est = cwd.getChildFile(estDir);
    for (const auto& [dir, name] : {std::pair{ref, refDir}, std::pair{est, estDir}}) {
        if (dir.existsAsFile()) throw InputError(inQuotes(name) + ": is a file, not a folder");
        if (!dir.isDirectory()) throw InputError(inQuotes(name) + ": folder not found");
    }
    auto refFiles = ref.findChildFiles(juce::File::findFiles, false);
    refFiles.sort();
    std::vector<juce::File> references;
    for (const auto& f : refFiles)
        if (hasAudioExtension(f.getFullPathName().toStdString()) && !f.getFileName().startsWith("."))
            references.push_back(f);
    if (references.empty())
        throw InputError(inQuotes(refDir) + ": contains no reference audio files");

    std::printf("%-24s %10s %12s %10s\n", "stem", "SDR (dB)", "SI-SDR (dB)", "SNR (dB)");
    double sumSdr = 0.0, sumSi = 0.0, sumSnr = 0.0;
    int counted = 0;
    juce::Array<juce::var> rows;
    for (const auto& r : references) {
        const auto name = r.getFileNameWithoutExtension();
        const auto e = findEstimate(est, name);
        if (e == juce::File())
            throw InputError(inQuotes(estDir) + ": has no estimate for reference " +
                             inQuotes(r.getFileName().toStdString()) + " (expected " +
                             name.toStdString() + ".wav)");
        const std::string rp = r.getFullPathName().toStdString(), ep = e.getFullPathName().toStdString();
        const AudioBuffer s = readAudioFile(rp), sh = readAudioFile(ep);
        if (s.sampleRate != sh.sampleRate)
            throw InputError(inQuotes(ep) + ": sample rate " + std::to_string(sh.sampleRate) +
                             " Hz differs from the reference's " + std::to_string(s.sampleRate) + " Hz");
        if (s.numChannels() != sh.numChannels())
            throw InputError(inQuotes(ep) + ": " + std::to_string(sh.numChannels()) +
                             " channels, but the reference " + inQuotes(rp) + " has " +
                             std::to_string(s.numChannels()));
        if (s.numSamples() != sh.numSamples())
            throw InputError(inQuotes(ep) + ": " + std::to_string(sh.numSamples()) +
                             " samples long, but the reference " + inQuotes(rp) + " has " +
                             std::to_string(s.numSamples()));
        const StemScore score = scoreStem(s, sh);
        std::printf("%-24s %10s %12s %10s\n", name.toRawUTF8(), format(score.sdr).c_str(),
                    format(score.siSdr).c_str(), format(score.snr).c_str());
        std::fflush(stdout);
        if (std::isfinite(score.sdr) && std::isfinite(score.siSdr) && std::isfinite(score.snr)) {
            sumSdr += score.sdr;
            sumSi += score.siSdr;
            sumSnr += score.snr;
            ++counted;
        }
        auto* row = new juce::DynamicObject();
        row->setProperty("stem", name);
        row->setProperty("reference", juce::String(rp));
        row->setProperty("estimate", juce::String(ep));
        row->setProperty("sdr", jsonNumber(score.sdr));
        row->setProperty("si_sdr", jsonNumber(score.siSdr));
        row->setProperty("snr", jsonNumber(score.snr));
        rows.add(juce::var(row));
    }
    const double meanSdr = counted > 0 ? sumSdr / counted : std::nan("");
    const double meanSi = counted > 0 ? sumSi / counted : std::nan("");
    const double meanSnr = counted > 0 ? sumSnr / counted : std::nan("");
    std::printf("%-24s %10s %12s %10s\n", "mean", format(meanSdr).c_str(), format(meanSi).c_str(),
                format(meanSnr).c_str());
    if (!jsonPath.empty()) {
        auto* rep = new juce::DynamicObject();
        rep->setProperty("demix", juce::String(versionString()));
        rep->setProperty("command", "evaluate");
        rep->setProperty("sdr_definition",
                         "BSS-eval v3 (bss_eval_sources): 512-tap distortion filter allowed");
        rep->setProperty("stems", rows);
        rep->setProperty("mean_sdr", jsonNumber(meanSdr));
        rep->setProperty("mean_si_sdr", jsonNumber(meanSi));
        rep->setProperty("mean_snr", jsonNumber(meanSnr));
        writeTextFile(jsonPath, toJsonText(juce::var(rep)));
    }
    return kExitOk;
}

}  // namespace demix::cli

// demix info: what a template library holds.
#include "cli_error.hpp"
#include "commands.hpp"
#include "separation.hpp"

#include "demix/file_names.hpp"
#include "demix/template_library.hpp"

#include <juce_core/juce_core.h>

#include <cstdio>

namespace demix::cli {
namespace {

const char* kInfoHelp = R"(Usage: demix info LIBRARY

Prints a template library's analysis settings (sample rate, FFT size, hop, window,
objective) and its sources: name, number of templates, and the spectral centroid of
their average template (a rough "where in the spectrum" figure).
)";

/// Centroid in Hz of the mean of the (L1-normalised) template columns.
double centroidHz(const Matrix& templates, double sampleRate, int fftSize) {
    if (templates.cols() == 0) return 0.0;
    const Vector mean = templates.rowwise().mean();
    double sum = 0.0, weighted = 0.0;
    for (Eigen::Index f = 0; f < mean.size(); ++f) {
        sum += mean(f);
        weighted += mean(f) * static_cast<double>(f) * sampleRate / fftSize;
    }
    return sum > 0.0 ? weighted / sum : 0.0;
}

}  // namespace

int runInfo(const Arguments& arguments) {
    std::string path;
    for (const auto& a : arguments) {
        if (a == "--help" || a == "-h") {
            std::fputs(kInfoHelp, stdout);
            return kExitOk;
        }
        if (a.size() > 1 && a[0] == '-') throw UsageError("info: unknown option " + a);
        if (!path.empty()) throw UsageError("info: one library at a time ('" + a + "' is extra)");
        path = a;
    }
    if (path.empty()) throw UsageError("info: no library given (see demix info --help)");
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(path);
    const TemplateLibrary library = loadLibraryFile(path);
    const auto& s = library.settings;
    std::printf("library:      %s\n", printable(file.getFullPathName().toStdString()).c_str());
    std::printf("format:       Demix template library, version %u, %lld bytes\n",
                library.ensembleSize() > 1 ? TemplateLibrary::kFormatVersion : 1u,
                static_cast<long long>(file.getSize()));
    std::printf("sample rate:  %g Hz\n", s.sampleRate);
    std::printf("fft:          %d (%d bins)\n", s.stft.fftSize, s.stft.bins());
    std::printf("hop:          %d\n", s.stft.hop);
    std::printf("window:       %s\n", toString(s.stft.window).c_str());
    std::printf("objective:    %s\n", toString(s.objective, s.beta).c_str());
    std::printf("sources:      %zu (%d templates)\n", library.sources.size(),
                library.totalComponents());
    if (library.ensembleSize() > 1)
        std::printf("ensemble:     %d template sets (restarts); separation averages over them\n",
                    library.ensembleSize());
    for (const auto& src : library.sources) {
        // The loader refused names with control characters; printable() is a second guard.
        std::printf("  %-20s %4d templates, centroid %.0f Hz", printable(src.name).c_str(),
                    static_cast<int>(src.templates.cols()),
                    centroidHz(src.templates, s.sampleRate, s.stft.fftSize));
        if (!src.alternates.empty()) std::printf(" (+%zu more sets)", src.alternates.size());
        std::printf("\n");
    }
    return kExitOk;
}

}  // namespace demix::cli

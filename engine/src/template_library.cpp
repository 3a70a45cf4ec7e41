#include "demix/template_library.hpp"

#include "demix/file_names.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace demix {
namespace {

std::string formatRate(double hz) {
    std::ostringstream out;
    if (std::isfinite(hz) && hz == std::floor(hz)) {
        out << static_cast<long long>(hz);
    } else {
        out << hz;
    }
    out << " Hz";
    return out.str();
}

std::string windowName(const StftSettings& stft) {
    switch (stft.window) {
        case WindowType::Hann: return "hann";
        case WindowType::SqrtHann: return "sqrt-hann";
        case WindowType::Custom: return "custom";
    }
    return "unknown";
}

std::vector<std::string> compatibilityProblems(const AnalysisSettings& a, const std::string& aName,
                                               const AnalysisSettings& b,
                                               const std::string& bName) {
    std::vector<std::string> problems;
    if (a.sampleRate != b.sampleRate) {
        problems.push_back(aName + " was learned at " + formatRate(a.sampleRate) + ", " + bName +
                           " is " + formatRate(b.sampleRate));
    }
    if (a.stft.fftSize != b.stft.fftSize) {
        problems.push_back(aName + " uses FFT size " + std::to_string(a.stft.fftSize) + ", " +
                           bName + " uses " + std::to_string(b.stft.fftSize));
    }
    if (a.stft.hop != b.stft.hop) {
        problems.push_back(aName + " uses hop " + std::to_string(a.stft.hop) + ", " + bName +
                           " uses " + std::to_string(b.stft.hop));
    }
    if (a.stft.window != b.stft.window) {
        problems.push_back(aName + " uses window " + windowName(a.stft) + ", " + bName +
                           " uses " + windowName(b.stft));
    } else if (a.stft.window == WindowType::Custom && a.stft.customWindow != b.stft.customWindow) {
        problems.push_back(aName + " uses a different custom window than " + bName);
    }
    return problems;
}

void throwProblems(const std::vector<std::string>& problems) {
    if (problems.empty()) return;
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    throw LibraryError(message);
}

}  // namespace

void checkCompatible(const AnalysisSettings& library, const AnalysisSettings& audio,
                     const std::string& libraryName) {
    throwProblems(compatibilityProblems(library, libraryName, audio, "the audio"));
}

int TemplateLibrary::totalComponents() const {
    int total = 0;
    for (const SourceTemplates& source : sources) total += static_cast<int>(source.templates.cols());
    return total;
}

int TemplateLibrary::ensembleSize() const {
    std::size_t sets = 1;
    for (const SourceTemplates& source : sources) sets = std::max(sets, 1 + source.alternates.size());
    return static_cast<int>(sets);
}

namespace {

/// Source `source`'s template set in ensemble member m: sets cycle when it has fewer.
const Matrix& memberSet(const SourceTemplates& source, int m) {
    const std::size_t set = static_cast<std::size_t>(m) % (1 + source.alternates.size());
    return set == 0 ? source.templates : source.alternates[set - 1];
}

}  // namespace

int TemplateLibrary::ensembleComponents() const {
    int total = 0;
    for (int m = 0; m < ensembleSize(); ++m)
        for (const SourceTemplates& source : sources) total += static_cast<int>(memberSet(source, m).cols());
    return total;
}

TemplateLibrary TemplateLibrary::ensembleMember(int m) const {
    if (m < 0 || m >= ensembleSize()) {
        throw InvalidArgument("ensemble member " + std::to_string(m) + " does not exist: the library has " +
                              std::to_string(ensembleSize()));
    }
    TemplateLibrary member;
    member.settings = settings;
    for (const SourceTemplates& source : sources) {
        member.sources.push_back({source.name, memberSet(source, m), {}});
    }
    return member;
}

int TemplateLibrary::find(const std::string& name) const {
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (sources[i].name == name) return static_cast<int>(i);
    }
    return -1;
}

void TemplateLibrary::merge(const TemplateLibrary& other, const std::string& otherName) {
    throwProblems(compatibilityProblems(other.settings, otherName, settings, "this library"));
    for (const SourceTemplates& source : other.sources) {
        for (const SourceTemplates& mine : sources) {
            if (fileNameKey(mine.name) == fileNameKey(source.name)) {
                throw LibraryError(otherName + " has a source named '" + printable(source.name) +
                                   "', which is already in the library" +
                                   (mine.name == source.name
                                        ? std::string()
                                        : " as '" + printable(mine.name) + "' (the same file name)"));
            }
        }
    }
    for (const SourceTemplates& source : other.sources) sources.push_back(source);
}

}  // namespace demix

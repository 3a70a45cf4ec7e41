#pragma once
/// \file AppSettings.hpp
/// Everything the user chooses before running a separation: the method (supervised,
/// semi-supervised, unsupervised, grouped by library), its sources of templates, and the analysis/NMF
/// settings. Serialised to and from a juce::ValueTree for project files.
///
/// Thread-safety: value types.

#include <demix/separator.hpp>

#include <juce_data_structures/juce_data_structures.h>

#include <string>
#include <vector>

namespace demix::app {

enum class Method {
    Supervised,      ///< templates from libraries / learned clips, all frozen
    SemiSupervised,  ///< frozen templates + `freeComponents` free ones ("residual" source)
    Unsupervised,    ///< `components` free templates grouped into `sources` sources
    /// `components` free templates grouped by the sources of the libraries and learned
    /// sources (engine decomposeGroupedByLibrary): their templates only decide which
    /// source each component belongs to, they are not in the factorisation
    GroupedByLibrary
};

const char* toString(Method method);
/// "supervised", "semi-supervised", "unsupervised", "grouped-by-library". Throws
/// InvalidArgument.
Method methodFromString(const std::string& text);

/// A source learned from a clip: a time range of the opened file (`file` empty) or of
/// another audio file.
struct LearnedSource {
    std::string name;
    std::string file;          ///< empty = the opened file
    double startSeconds = 0;   ///< range in the clip, seconds
    double endSeconds = 0;     ///< <= startSeconds means "to the end"
    int components = 4;        ///< templates to learn
    bool operator==(const LearnedSource& other) const;
};

struct MethodSettings {
    Method method = Method::Unsupervised;
    int components = 8;      ///< unsupervised and grouped-by-library K
    int sources = 2;         ///< unsupervised S (0 = one source per component)
    int freeComponents = 4;  ///< semi-supervised free templates
    std::vector<std::string> libraries;  ///< template library (.dmxt) paths
    std::vector<LearnedSource> learned;  ///< sources learned from clips
};

struct AppSettings {
    SeparationSettings separation;
    MethodSettings method;

    /// Throws InvalidArgument with a user-facing message if anything cannot work.
    void validate() const;
};

/// The defaults the app starts with: FFT 2048, hop 512, KL, multiplicative updates,
/// 200 iterations, tol 1e-4, seed 1, α = 2, unsupervised K = 8 into 2 sources.
AppSettings defaultAppSettings();

/// Parses a seed: decimal digits, the full unsigned 64-bit range. Throws InvalidArgument.
std::uint64_t seedFromString(const juce::String& text);

juce::ValueTree toValueTree(const AppSettings& settings);
/// Missing properties keep their defaults. Throws InvalidArgument on bad values.
AppSettings appSettingsFromValueTree(const juce::ValueTree& tree);

}  // namespace demix::app

#pragma once
/// \file default_templates.hpp
/// The default template set that ships with Demix (assets/templates/), used when a song
/// is separated without a library of the user's own: where it is found, which stems it
/// gives, and how a subset of those stems is picked. One rule for every face (CLI, app,
/// plugin): they pass the path of their own binary. No file is read here except to test
/// that the set's library files exist; loading them is TemplateLibrary::load.

#include "demix/separator.hpp"

#include <optional>
#include <string>
#include <vector>

namespace demix {

/// The sources of the default set, in stem order; each is the library file
/// <directory>/<name>.dmxt holding one source of that name.
const std::vector<std::string>& defaultSetSources();

/// The stem that takes whatever the default sources do not explain (the free components'
/// "residual" source) and every source left out of a stem selection.
inline constexpr const char* kOtherStem = "other";

/// Free components modelling "other" when separating with the default set.
inline constexpr int kDefaultSetFreeComponents = 16;

/// Environment variable that, when set (non-empty), is the only folder looked in.
inline constexpr const char* kTemplatesEnvironmentVariable = "DEMIX_TEMPLATES";

/// The folders looked in, in order, for a binary at `binaryPath` (a file path; relative
/// paths are taken as given): `environmentValue` alone when it is non-empty; otherwise
/// <binary's folder>/templates (a binary unpacked with its set beside it) and then
/// <binary's folder>/../share/demix/templates (an install prefix, and the build tree,
/// which copies assets/templates there). Pure: touches no file.
std::vector<std::string> defaultSetCandidates(const std::string& binaryPath,
                                              const std::string& environmentValue = "");

/// The first candidate folder holding every file of defaultSetSources(), or nullopt.
std::optional<std::string> findDefaultSet(const std::vector<std::string>& candidates);

/// The paths <directory>/<source>.dmxt of the default set, in stem order.
std::vector<std::string> defaultSetFiles(const std::string& directory);

/// The message for no default set found: names every folder looked in and what to do.
std::string defaultSetMissingMessage(const std::vector<std::string>& candidates);

/// Which separated sources go into which written stem.
struct StemSelection {
    std::vector<std::string> names;  ///< the written stems, in order
    std::vector<int> target;         ///< per separated source: index into names
};

/// Maps separated sources onto written stems. `sources` are the separation's sources in
/// order, the last of which, `restSource` (e.g. "residual"), is written as kOtherStem.
/// `wanted` empty: every source is its own stem. Otherwise the stems are `wanted`, in that
/// order (each a source name or kOtherStem), and every source not wanted is added to
/// kOtherStem, which is then written too (appended if not wanted) so the stems still sum
/// to the mix. Throws InvalidArgument for a wanted name that is not a source (naming the
/// choices) or is given twice.
StemSelection selectStems(const std::vector<std::string>& sources, const std::string& restSource,
                          const std::vector<std::string>& wanted);

/// The stems of `selection` from the separated `stems` (one per source, same order as the
/// `sources` given to selectStems): each written stem is the sample-wise sum of its
/// sources. Throws InvalidArgument if the counts or the stems' shapes differ.
std::vector<Stem> applyStemSelection(const std::vector<Stem>& stems, const StemSelection& selection);

}  // namespace demix

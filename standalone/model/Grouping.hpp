#pragma once
/// \file Grouping.hpp
/// Which components make up which source, and the sources' names: the part of a
/// decomposition the user edits. Stems are re-rendered from masks when it changes;
/// NMF is never re-run.
///
/// Thread-safety: a value type.

#include <demix/masks.hpp>

#include <string>
#include <vector>

namespace demix::app {

struct Grouping {
    ComponentGroups groups;          ///< groups[s] = component indices of source s
    std::vector<std::string> names;  ///< one per group, unique, non-empty

    int sources() const { return static_cast<int>(groups.size()); }
    /// The source that owns `component`, or -1.
    int sourceOf(int component) const;
    /// Throws InvalidArgument unless every component 0..K-1 is in exactly one group,
    /// names and groups have the same count, and names are unique and non-empty.
    void validate(int components) const;
    /// A name like "source-3" not used yet.
    std::string unusedName(const std::string& stem = "source") const;

    bool operator==(const Grouping& other) const
    {
        return groups == other.groups && names == other.names;
    }
    bool operator!=(const Grouping& other) const { return !(*this == other); }
};

}  // namespace demix::app

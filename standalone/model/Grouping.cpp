#include "model/Grouping.hpp"

#include <algorithm>
#include <set>

namespace demix::app {

int Grouping::sourceOf(int component) const
{
    for (size_t s = 0; s < groups.size(); ++s)
        if (std::find(groups[s].begin(), groups[s].end(), component) != groups[s].end())
            return static_cast<int>(s);
    return -1;
}

void Grouping::validate(int components) const
{
    if (groups.size() != names.size())
        throw InvalidArgument("The grouping has " + std::to_string(groups.size())
                              + " groups but " + std::to_string(names.size()) + " names");
    if (groups.empty())
        throw InvalidArgument("The grouping needs at least one source");
    validateGroups(groups, components);
    int assigned = 0;
    for (const auto& group : groups)
        assigned += static_cast<int>(group.size());
    if (assigned != components)
        throw InvalidArgument("Every component must belong to a source ("
                              + std::to_string(components - assigned) + " unassigned)");
    std::set<std::string> seen;
    for (const auto& name : names) {
        if (name.empty())
            throw InvalidArgument("A source needs a name");
        if (!seen.insert(name).second)
            throw InvalidArgument("Two sources are named '" + name + "'");
    }
}

std::string Grouping::unusedName(const std::string& stem) const
{
    for (int i = 1;; ++i) {
        std::string candidate = stem + "-" + std::to_string(i);
        if (std::find(names.begin(), names.end(), candidate) == names.end())
            return candidate;
    }
}

}  // namespace demix::app

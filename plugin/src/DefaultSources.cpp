#include "DefaultSources.h"

#include "PluginConstants.h"

#include <DemixDefaultSources.h>
#include <demix/default_templates.hpp>

namespace demix::plugin {

namespace {

std::vector<DefaultSource> parseAll()
{
    std::vector<DefaultSource> sources;
    // The engine's list of the default set (the CLI's too); plugin/CMakeLists.txt embeds
    // its files as <name>_dmxt.
    for (const auto& key : demix::defaultSetSources()) {
        int size = 0;
        const char* data = DemixDefaultSources::getNamedResource((key + "_dmxt").c_str(), size);
        if (data == nullptr)
            continue;
        try {
            auto library = demix::TemplateLibrary::deserialize(reinterpret_cast<const std::uint8_t*>(data),
                                                               static_cast<std::size_t>(size));
            if (library.sources.size() != 1)
                continue;
            auto& source = library.sources.front();
            const auto components = source.templates.cols();
            if (components < 1 || components > kMaxComponentsPerSource)
                continue;
            // The plugin's real-time solve uses one template set per source: the
            // alternates would only cost memory.
            source.alternates.clear();
            source.name = key;
            sources.push_back({juce::String(key), std::move(library)});
        } catch (const std::exception&) {
            // A broken embedded library leaves that source out; the others still load.
        }
    }
    return sources;
}

}  // namespace

const std::vector<DefaultSource>& defaultSources()
{
    static const std::vector<DefaultSource> sources = parseAll();
    return sources;
}

const DefaultSource* findDefaultSource(const juce::String& key)
{
    for (const auto& source : defaultSources())
        if (source.key == key)
            return &source;
    return nullptr;
}

}  // namespace demix::plugin

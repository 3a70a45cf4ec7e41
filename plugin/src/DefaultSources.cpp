#include "DefaultSources.h"

#include "PluginConstants.h"

#include <DemixDefaultSources.h>

namespace demix::plugin {

namespace {

struct Embedded {
    const char* key;
    const char* data;
    int size;
};

std::vector<DefaultSource> parseAll()
{
    const Embedded embedded[] = {
        {"drums", DemixDefaultSources::drums_dmxt, DemixDefaultSources::drums_dmxtSize},
        {"bass", DemixDefaultSources::bass_dmxt, DemixDefaultSources::bass_dmxtSize},
        {"keys", DemixDefaultSources::keys_dmxt, DemixDefaultSources::keys_dmxtSize},
        {"voice", DemixDefaultSources::voice_dmxt, DemixDefaultSources::voice_dmxtSize},
    };
    std::vector<DefaultSource> sources;
    for (const auto& e : embedded) {
        try {
            auto library = demix::TemplateLibrary::deserialize(reinterpret_cast<const std::uint8_t*>(e.data),
                                                               static_cast<std::size_t>(e.size));
            if (library.sources.size() != 1)
                continue;
            auto& source = library.sources.front();
            const auto components = source.templates.cols();
            if (components < 1 || components > kMaxComponentsPerSource)
                continue;
            // The plugin's real-time solve uses one template set per source: the
            // alternates would only cost memory.
            source.alternates.clear();
            source.name = e.key;
            sources.push_back({e.key, std::move(library)});
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

#include "demix/default_templates.hpp"

#include <algorithm>
#include <filesystem>

namespace demix {

const std::vector<std::string>& defaultSetSources() {
    static const std::vector<std::string> sources = {"drums", "bass", "keys", "voice"};
    return sources;
}

std::vector<std::string> defaultSetCandidates(const std::string& binaryPath,
                                              const std::string& environmentValue) {
    if (!environmentValue.empty()) return {environmentValue};
    namespace fs = std::filesystem;
    const fs::path folder = fs::path(binaryPath).parent_path();
    return {(folder / "templates").string(),
            (folder / ".." / "share" / "demix" / "templates").lexically_normal().string()};
}

std::vector<std::string> defaultSetFiles(const std::string& directory) {
    std::vector<std::string> files;
    for (const auto& name : defaultSetSources())
        files.push_back((std::filesystem::path(directory) / (name + ".dmxt")).string());
    return files;
}

std::optional<std::string> findDefaultSet(const std::vector<std::string>& candidates) {
    for (const auto& dir : candidates) {
        std::error_code ec;
        const auto files = defaultSetFiles(dir);
        if (std::all_of(files.begin(), files.end(),
                        [&](const std::string& f) { return std::filesystem::is_regular_file(f, ec); }))
            return dir;
    }
    return std::nullopt;
}

std::string defaultSetMissingMessage(const std::vector<std::string>& candidates) {
    std::string files, dirs;
    for (const auto& s : defaultSetSources()) files += (files.empty() ? "" : ", ") + s + ".dmxt";
    for (const auto& d : candidates) dirs += (dirs.empty() ? "" : ", ") + ("'" + d + "'");
    return "no default template set found (looked for " + files + " in " + dirs +
           "); install Demix with its share/demix/templates, set " +
           std::string(kTemplatesEnvironmentVariable) +
           " to a folder holding them, or give --templates LIBRARY or --components K";
}

StemSelection selectStems(const std::vector<std::string>& sources, const std::string& restSource,
                          const std::vector<std::string>& wanted) {
    if (sources.empty() || sources.back() != restSource)
        throw InvalidArgument("selectStems: the last source must be '" + restSource + "'");
    auto written = [&](const std::string& s) { return s == restSource ? std::string(kOtherStem) : s; };
    StemSelection sel;
    if (wanted.empty()) {
        for (std::size_t i = 0; i < sources.size(); ++i) {
            sel.names.push_back(written(sources[i]));
            sel.target.push_back(static_cast<int>(i));
        }
        return sel;
    }
    std::string choices;
    for (const auto& s : sources) choices += (choices.empty() ? "" : ", ") + written(s);
    for (const auto& w : wanted) {
        const bool known = std::any_of(sources.begin(), sources.end(),
                                       [&](const std::string& s) { return written(s) == w; });
        if (!known) throw InvalidArgument("no stem '" + w + "' (the stems are " + choices + ")");
        if (std::count(wanted.begin(), wanted.end(), w) > 1)
            throw InvalidArgument("stem '" + w + "' is asked for twice");
    }
    sel.names = wanted;
    auto indexOf = [&](const std::string& n) {
        return static_cast<int>(std::find(sel.names.begin(), sel.names.end(), n) - sel.names.begin());
    };
    for (const auto& s : sources) {
        const std::string w = written(s);
        if (std::find(sel.names.begin(), sel.names.end(), w) == sel.names.end()) {
            if (std::find(sel.names.begin(), sel.names.end(), kOtherStem) == sel.names.end())
                sel.names.push_back(kOtherStem);
            sel.target.push_back(indexOf(kOtherStem));
        } else {
            sel.target.push_back(indexOf(w));
        }
    }
    return sel;
}

std::vector<Stem> applyStemSelection(const std::vector<Stem>& stems, const StemSelection& selection) {
    if (stems.size() != selection.target.size())
        throw InvalidArgument("applyStemSelection: " + std::to_string(stems.size()) +
                              " stems for a selection of " + std::to_string(selection.target.size()) +
                              " sources");
    std::vector<Stem> out(selection.names.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i].name = selection.names[i];
    for (std::size_t s = 0; s < stems.size(); ++s) {
        Stem& dst = out[static_cast<std::size_t>(selection.target[s])];
        const AudioBuffer& src = stems[s].audio;
        if (dst.audio.channels.empty()) {
            dst.audio = src;
            continue;
        }
        if (dst.audio.numChannels() != src.numChannels() || dst.audio.numSamples() != src.numSamples())
            throw InvalidArgument("applyStemSelection: stems of different shapes");
        for (std::size_t c = 0; c < src.numChannels(); ++c)
            for (std::size_t i = 0; i < src.numSamples(); ++i) dst.audio.channels[c][i] += src.channels[c][i];
    }
    return out;
}

}  // namespace demix

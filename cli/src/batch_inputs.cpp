#include "batch_inputs.hpp"

#include "audio_file.hpp"
#include "cli_error.hpp"

#include "demix/file_names.hpp"

#include <juce_core/juce_core.h>

#include <algorithm>
#include <glob.h>
#include <map>

namespace demix::cli {
namespace {

bool isGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

/// The output folder is named after the input without its extension; it must be a
/// plain name inside -o ("...wav" would give "..", the parent of -o).
BatchInput entryFor(const juce::File& file) {
    BatchInput in{file.getFullPathName().toStdString(), file.getFileNameWithoutExtension().toStdString(), {}};
    const std::string problem = plainNameProblem(in.name);
    if (!problem.empty())
        in.error = inQuotes(in.path) + ": its output folder name '" + printable(in.name) +
                   "' is not a plain name inside -o (it " + problem + "); rename the file";
    return in;
}

}  // namespace

std::vector<BatchInput> expandBatchInputs(const std::vector<std::string>& arguments) {
    std::vector<BatchInput> out;
    const auto cwd = juce::File::getCurrentWorkingDirectory();
    for (const auto& arg : arguments) {
        const juce::File file = cwd.getChildFile(arg);
        if (file.isDirectory()) {
            auto children = file.findChildFiles(juce::File::findFiles, false);
            for (const auto& child : children)
                if (!child.getFileName().startsWith(".") &&
                    hasAudioExtension(child.getFullPathName().toStdString()))
                    out.push_back(entryFor(child));
        } else if (file.existsAsFile()) {
            out.push_back(entryFor(file));
        } else if (isGlob(arg)) {
            glob_t matches{};
            const int rc = ::glob(arg.c_str(), 0, nullptr, &matches);
            if (rc == 0) {
                for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
                    const juce::File m = cwd.getChildFile(matches.gl_pathv[i]);
                    if (m.existsAsFile()) out.push_back(entryFor(m));
                }
            } else {
                out.push_back({arg, juce::File(arg).getFileNameWithoutExtension().toStdString(),
                               inQuotes(arg) + ": no files match this pattern"});
            }
            ::globfree(&matches);
        } else {
            out.push_back({file.getFullPathName().toStdString(),
                           file.getFileNameWithoutExtension().toStdString(),
                           inQuotes(arg) + ": file not found"});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const BatchInput& a, const BatchInput& b) { return a.path < b.path; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const BatchInput& a, const BatchInput& b) { return a.path == b.path; }),
              out.end());
    return out;
}

void parseShard(const std::string& text, int& index, int& count) {
    const auto slash = text.find('/');
    auto bad = [&] {
        return UsageError("option --shard needs I/N with 1 <= I <= N (e.g. 2/8), not '" + text + "'");
    };
    if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) throw bad();
    const std::string a = text.substr(0, slash), b = text.substr(slash + 1);
    if (a.find_first_not_of("0123456789") != std::string::npos ||
        b.find_first_not_of("0123456789") != std::string::npos || a.size() > 6 || b.size() > 6)
        throw bad();
    index = std::stoi(a);
    count = std::stoi(b);
    if (count < 1 || index < 1 || index > count) throw bad();
}

std::vector<BatchInput> shardOf(const std::vector<BatchInput>& inputs, int index, int count) {
    std::vector<BatchInput> out;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (static_cast<int>(i % static_cast<std::size_t>(count)) == index - 1) out.push_back(inputs[i]);
    return out;
}

void checkDistinctNames(const std::vector<BatchInput>& inputs) {
    std::map<std::string, std::string> seen;  // by the name as a case-insensitive file system sees it
    for (const auto& in : inputs) {
        if (!in.error.empty()) continue;
        auto [it, inserted] = seen.emplace(fileNameKey(in.name), in.path);
        if (!inserted)
            throw UsageError("two inputs would write to the same output folder '" + in.name +
                             "': " + inQuotes(it->second) + " and " + inQuotes(in.path) +
                             "; rename one or run them as separate batches");
    }
}

}  // namespace demix::cli

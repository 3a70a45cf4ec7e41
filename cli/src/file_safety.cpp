#include "file_safety.hpp"

#include "cli_error.hpp"

#include "demix/file_names.hpp"

#include <juce_core/juce_core.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace demix::cli {

void checkInputFile(const std::string& path, const std::string& what) {
    if (path.empty()) throw InputError("empty file name given as " + what);
    const std::string problem = inputFileProblem(path);
    if (problem.empty()) return;
    if (problem == "is a folder, not a file")
        throw InputError(inQuotes(path) + ": is a folder, not " +
                         (what.front() == 'a' ? "an " : "a ") + what);
    if (problem == "file not found" && what != "audio file")
        throw InputError(inQuotes(path) + ": " + what + " not found");
    throw InputError(inQuotes(path) + ": " + problem);
}

void InputFiles::add(const std::string& path) {
    const std::string id = fileIdentity(path);
    if (!id.empty()) byIdentity_.emplace(id, path);
}

void InputFiles::checkOutput(const std::string& output, const std::string& advice) const {
    const auto it = byIdentity_.find(fileIdentity(output));
    if (it == byIdentity_.end()) return;
    const std::string same = juce::File::getCurrentWorkingDirectory().getChildFile(output) ==
                                     juce::File::getCurrentWorkingDirectory().getChildFile(it->second)
                                 ? ""
                                 : " (the same file, through a link)";
    throw UsageError(inQuotes(output) + " would overwrite the input " + inQuotes(it->second) +
                     same + "; " + advice);
}

std::string partialNameFor(const std::string& target, const std::string& tag) {
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(target);
    return file.getParentDirectory()
        .getChildFile("." + file.getFileName() + ".partial-" + std::to_string(::getpid()) + "-" + tag)
        .getFullPathName()
        .toStdString();
}

namespace {

/// The process id in ".X.partial-<pid>-<tag>", or 0.
long partialOwner(const std::string& name) {
    const auto at = name.rfind(".partial-");
    if (at == std::string::npos) return 0;
    const char* digits = name.c_str() + at + 9;
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    return end != digits && *end == '-' && pid > 0 ? pid : 0;
}

bool running(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

int removeStalePartials(const std::string& folder) {
    const juce::File dir = juce::File::getCurrentWorkingDirectory().getChildFile(folder);
    if (!dir.isDirectory()) return 0;
    int removed = 0;
    for (const auto& f : dir.findChildFiles(juce::File::findFiles, false, ".*.partial-*")) {
        const long pid = partialOwner(f.getFileName().toStdString());
        if (pid != 0 && pid != static_cast<long>(::getpid()) && !running(pid) && f.deleteFile())
            ++removed;
    }
    return removed;
}

bool FolderLock::tryLock(const std::string& folder, long& owner) {
    owner = 0;
    const juce::File dir = juce::File::getCurrentWorkingDirectory().getChildFile(folder);
    if (!dir.isDirectory()) {
        const auto result = dir.createDirectory();
        if (result.failed())
            throw InputError(inQuotes(folder) + ": cannot create the output folder (" +
                             result.getErrorMessage().toStdString() + ")");
    }
    const std::string path = dir.getChildFile(".demix-lock").getFullPathName().toStdString();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw InputError(inQuotes(folder) + ": cannot create a lock file there (" +
                         std::strerror(errno) + ")");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char text[32] = {};
        if (::pread(fd, text, sizeof text - 1, 0) > 0) owner = std::strtol(text, nullptr, 10);
        ::close(fd);
        return false;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The process id is only for messages; the lock itself holds.
    }
    fd_ = fd;
    return true;
}

FolderLock::~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace demix::cli

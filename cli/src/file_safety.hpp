#pragma once
/// \file file_safety.hpp
/// What keeps a command from losing a user's file: inputs refused before they are opened
/// when they are not regular files, outputs refused when they are an input (by file
/// identity, not by path text), temporary files removed only when their writer is gone,
/// and a per-folder lock so two runs never work in one output folder at once.

#include <map>
#include <string>
#include <vector>

namespace demix::cli {

/// Throws InputError naming `path` if it is missing, a folder, or not a regular file (a
/// FIFO would block the open). `what` names the expected kind, e.g. "audio file".
void checkInputFile(const std::string& path, const std::string& what);

/// The files a command reads, by identity (device + inode after resolving links: a
/// symbolic link, a link through a folder link or a hard link is the same file).
class InputFiles {
public:
    /// Adds an input (ignored if it does not exist: it is reported when it is read).
    void add(const std::string& path);
    /// Throws UsageError (exit 2) if writing `output` would replace one of the inputs;
    /// `advice` ends the message (e.g. "choose another -o folder").
    void checkOutput(const std::string& output, const std::string& advice) const;

private:
    std::map<std::string, std::string> byIdentity_;  ///< identity -> path as given
};

/// The hidden temporary file a writer uses for `target` in its folder:
/// ".<name>.partial-<pid>-<tag>" (the pid lets a later run tell a stale one).
std::string partialNameFor(const std::string& target, const std::string& tag);

/// Removes the temporary files (".*.partial-<pid>-*") in `folder` whose writing process
/// is no longer running on this machine (left by a killed run). Files of live processes
/// are never touched. Returns how many were removed.
int removeStalePartials(const std::string& folder);

/// An exclusive lock on an output folder, held until destroyed: flock() on
/// FOLDER/.demix-lock, which the kernel releases when the process ends, however it ends
/// (so a lock is never stale). The file holds the owner's process id for messages.
class FolderLock {
public:
    /// Takes the lock, creating the folder if needed. Returns false (and the owner's
    /// process id, or 0 if unknown, in `owner`) if another process holds it.
    bool tryLock(const std::string& folder, long& owner);
    ~FolderLock();
    FolderLock() = default;
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace demix::cli

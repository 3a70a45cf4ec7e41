#pragma once
/// \file progress.hpp
/// Progress output on stderr: a redrawn bar when stderr is a terminal, plain lines at
/// every 10 % and stage change otherwise, nothing with --quiet. Also the place where
/// informational messages and warnings go, so --quiet silences them consistently.
/// Thread-safe (batch jobs report from several threads).

#include "demix/types.hpp"

#include <chrono>
#include <mutex>
#include <string>

namespace demix::cli {

class Progress {
public:
    /// `quiet`: print nothing but warnings; `interactive`: draw a bar (default: isatty).
    explicit Progress(bool quiet);
    Progress(bool quiet, bool interactive);

    /// Starts a task shown as `label` (e.g. the file name).
    void begin(const std::string& label);
    /// fraction in [0, 1] of the whole task, with the current stage's name.
    void update(double fraction, const std::string& stage);
    /// Ends the task (clears the bar).
    void end();

    /// An engine callback that maps the engine's 0..1 onto [from, to] of this task.
    ProgressCallback callback(double from, double to);

    void info(const std::string& line);     ///< stdout-worthy summary lines go to stderr too
    void warning(const std::string& line);  ///< printed even with --quiet
    bool quiet() const { return quiet_; }

private:
    void clearBarLocked();
    bool quiet_;
    bool interactive_;
    std::mutex mutex_;
    std::string label_;
    std::string stage_;
    int lastStep_ = -1;
    bool barShown_ = false;
    std::chrono::steady_clock::time_point lastDraw_{};
};

}  // namespace demix::cli

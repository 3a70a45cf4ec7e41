#include "progress.hpp"

#include "interrupt.hpp"

#include <cstdio>
#include <unistd.h>

namespace demix::cli {

Progress::Progress(bool quiet) : Progress(quiet, ::isatty(STDERR_FILENO) == 1) {}

Progress::Progress(bool quiet, bool interactive) : quiet_(quiet), interactive_(interactive) {}

void Progress::begin(const std::string& label) {
    std::lock_guard<std::mutex> lock(mutex_);
    label_ = label;
    stage_.clear();
    lastStep_ = -1;
}

void Progress::update(double fraction, const std::string& stage) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    fraction = fraction < 0.0 ? 0.0 : (fraction > 1.0 ? 1.0 : fraction);
    const int percent = static_cast<int>(fraction * 100.0 + 1e-9);
    if (interactive_) {
        const auto now = std::chrono::steady_clock::now();
        if (stage == stage_ && percent == lastStep_) return;
        if (stage == stage_ && now - lastDraw_ < std::chrono::milliseconds(100) && percent < 100)
            return;
        lastDraw_ = now;
        lastStep_ = percent;
        stage_ = stage;
        constexpr int width = 30;
        const int filled = static_cast<int>(fraction * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.append(static_cast<std::size_t>(width - filled), '-');
        std::fprintf(stderr, "\r\033[K[%s] %3d%% %s: %s", bar.c_str(), percent, label_.c_str(),
                     stage.c_str());
        std::fflush(stderr);
        barShown_ = true;
    } else {
        const int step = percent / 10;
        if (stage == stage_ && step == lastStep_) return;
        lastStep_ = step;
        stage_ = stage;
        std::fprintf(stderr, "demix: %s: %s %d%%\n", label_.c_str(), stage.c_str(), percent);
    }
}

void Progress::end() {
    std::lock_guard<std::mutex> lock(mutex_);
    clearBarLocked();
}

ProgressCallback Progress::callback(double from, double to) {
    return [this, from, to](double fraction, const std::string& stage) {
        update(from + (to - from) * fraction, stage);
        return !interrupted();  // false asks the engine to cancel
    };
}

void Progress::info(const std::string& line) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    clearBarLocked();
    std::fprintf(stderr, "%s\n", line.c_str());
}

void Progress::warning(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    clearBarLocked();
    std::fprintf(stderr, "demix: warning: %s\n", line.c_str());
}

void Progress::clearBarLocked() {
    if (barShown_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        barShown_ = false;
    }
}

}  // namespace demix::cli

#include "interrupt.hpp"

#include "cli_error.hpp"

#include <atomic>
#include <csignal>

namespace demix::cli {
namespace {

std::atomic<bool> gInterrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handler needs a lock-free flag");

extern "C" void onInterrupt(int signal) {
    gInterrupted.store(true);
    std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the program at once
}

}  // namespace

void installInterruptHandlers() {
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

bool interrupted() noexcept { return gInterrupted.load(std::memory_order_relaxed); }

void throwIfInterrupted(const char* what) {
    if (interrupted()) throw ProcessingError(std::string(what) + ": interrupted");
}

}  // namespace demix::cli

#pragma once
/// \file TemplateLearner.h
/// Learns one source's templates from a recording on a background thread
/// (demix::learnTemplates), with a progress value and cancellation.
///
/// Thread-safety: start/cancel/destructor from one controlling thread (the message
/// thread); progress()/busy()/slot() from any thread. The completion callback runs on
/// the worker thread.

#include <demix/separator.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace demix::plugin {

class TemplateLearner {
public:
    /// slot, the learned library (empty on failure or cancellation), a message.
    using Completion =
        std::function<void(int slot, std::optional<demix::TemplateLibrary>, std::string message)>;

    ~TemplateLearner();

    /// Starts learning `components` templates named `name` from `clip`. Cancels and
    /// joins a previous job first.
    void start(int slot, demix::AudioBuffer clip, std::string name, int components,
               demix::SeparationSettings settings, Completion done);
    /// Cancels the running job (if any) and waits for it.
    void cancel();

    bool busy() const noexcept { return busy_.load(); }
    /// The slot being learned, or −1.
    int slot() const noexcept { return busy_.load() ? slot_.load() : -1; }
    /// 0 … 1.
    float progress() const noexcept { return progress_.load(); }

private:
    std::thread worker_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> busy_{false};
    std::atomic<int> slot_{-1};
    std::atomic<float> progress_{0.0f};
};

}  // namespace demix::plugin

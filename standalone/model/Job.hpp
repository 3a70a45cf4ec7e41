#pragma once
/// \file Job.hpp
/// Long work (a separation, a stem render) on its own thread with progress, stage
/// label, cancellation and a result or an error message: what keeps the window
/// responsive.
///
/// Thread-safety: start/cancel/progress/stage/isFinished may be called from any thread
/// (the UI polls them). `result()`/`error()` are valid once isFinished() is true.
/// `onFinished` is called on the job's thread, last thing it does: post to the message
/// thread from there. Destroying a running job cancels it and waits for it.

#include <demix/types.hpp>

#include <juce_core/juce_core.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace demix::app {

template <typename Result>
class Job : private juce::Thread {
public:
    using Work = std::function<Result(const ProgressCallback&)>;

    Job(const juce::String& name, Work work) : juce::Thread(name), work_(std::move(work)) {}
    ~Job() override { stopThread(-1); }

    std::function<void()> onFinished;

    void start() { startThread(); }
    void cancel() { signalThreadShouldExit(); }
    /// Blocks until the job is done (tests and scripted runs).
    void wait() { waitForThreadToExit(-1); }

    double progress() const { return progress_.load(); }
    std::string stage() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return stage_;
    }
    bool isFinished() const { return finished_.load(); }
    bool wasCancelled() const { return cancelled_.load(); }
    /// Empty on success and on cancellation.
    const std::string& error() const { return error_; }
    std::optional<Result>& result() { return result_; }

private:
    void run() override
    {
        const ProgressCallback progress = [this](double fraction, const std::string& stage) {
            progress_.store(fraction);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                stage_ = stage;
            }
            return !threadShouldExit();
        };
        try {
            result_.emplace(work_(progress));
            if (threadShouldExit())
                cancelled_ = true;
        } catch (const Cancelled&) {
            cancelled_ = true;
        } catch (const std::exception& e) {
            error_ = e.what();
        } catch (...) {
            error_ = "unexpected error";
        }
        if (cancelled_)
            result_.reset();
        finished_.store(true);
        if (onFinished)
            onFinished();
    }

    Work work_;
    std::atomic<double> progress_{0.0};
    mutable std::mutex mutex_;
    std::string stage_;
    std::atomic<bool> finished_{false}, cancelled_{false};
    std::string error_;
    std::optional<Result> result_;
};

}  // namespace demix::app

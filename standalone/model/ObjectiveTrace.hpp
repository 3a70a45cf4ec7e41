#pragma once
/// \file ObjectiveTrace.hpp
/// The NMF objective values of a running separation, handed from the worker thread (which
/// add()s each value as the engine evaluates it) to the message thread (which reads a
/// snapshot() on its timer and draws the curve as it converges).
///
/// Thread-safety: every member may be called from any thread; a short mutex guards the
/// values. Neither side is a real-time audio thread, so the lock is acceptable here.

#include <cstddef>
#include <mutex>
#include <vector>

namespace demix::app {

class ObjectiveTrace {
public:
    struct Points {
        std::vector<double> values;   ///< objective values in evaluation order
        std::vector<int> iterations;  ///< the NMF iteration of each value
    };

    /// Appends one evaluation (worker thread).
    void add(int iteration, double value)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        points_.values.push_back(value);
        points_.iterations.push_back(iteration);
    }

    /// A copy of the values so far (message thread).
    Points snapshot() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return points_;
    }

    /// How many values have been added (cheap: lets a reader skip an unchanged trace).
    std::size_t size() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return points_.values.size();
    }

private:
    mutable std::mutex mutex_;
    Points points_;
};

}  // namespace demix::app

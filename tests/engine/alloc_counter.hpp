#pragma once
// Heap-allocation counter for real-time-safety tests.
//
// alloc_counter.cpp (linked into demix_engine_tests) replaces malloc / calloc / realloc /
// free and the global operator new / delete (all forms) with versions that forward to
// the real allocator (glibc, or the sanitizer's interceptors under ASan/TSan, so those
// keep checking everything) and, while an `AllocationCounter` is alive on the calling
// thread, count the calls made BY THAT THREAD. Other threads are never counted.
// Counted: operator new (any form), malloc, calloc, realloc, posix_memalign, aligned_alloc,
// memalign (incl. Eigen's heap allocations, which use std::malloc, and whatever JUCE or
// KissFFT call) and free / operator delete of non-null pointers. Linked into the engine
// tests, the plugin tests and bench_streaming.

// Usage (keep Catch2 assertions outside the counted scope: they allocate):
//
//     std::size_t allocations = 0;
//     {
//         demix::testing::AllocationCounter counter;
//         analyzer.push(block, n);  // code that must not allocate
//         allocations = counter.allocations();
//     }
//     REQUIRE(allocations == 0);
//
// Counters nest; each reports the calls made since its own construction.

#include <cstddef>

namespace demix::testing {

class AllocationCounter {
public:
    AllocationCounter() noexcept;
    ~AllocationCounter();
    AllocationCounter(const AllocationCounter&) = delete;
    AllocationCounter& operator=(const AllocationCounter&) = delete;

    /// Allocations (operator new, malloc, calloc, realloc, the aligned forms) on this
    /// thread since construction.
    std::size_t allocations() const noexcept;
    /// Deallocations (operator delete, free of a non-null pointer) on this thread since construction.
    std::size_t deallocations() const noexcept;

private:
    std::size_t allocStart_;
    std::size_t freeStart_;
};

}  // namespace demix::testing

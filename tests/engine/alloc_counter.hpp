#pragma once
// Heap-allocation counter for real-time-safety tests.
//
// alloc_counter.cpp (linked into demix_engine_tests) replaces the global operator
// new / new[] / delete / delete[] (plain, nothrow, sized and aligned forms) with versions
// that call malloc / free (so ASan still intercepts and checks them) and, while an
// `AllocationCounter` is alive on the calling thread, count the calls made BY THAT
// THREAD. Other threads are never counted. Memory obtained with malloc directly is not
// counted (the engine uses operator new through std containers and Eigen... note that
// Eigen's own aligned_malloc uses malloc: check Eigen objects by their data pointers or
// capacity instead).
//
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

    /// operator new calls on this thread since construction.
    std::size_t allocations() const noexcept;
    /// operator delete calls (with a non-null pointer) on this thread since construction.
    std::size_t deallocations() const noexcept;

private:
    std::size_t allocStart_;
    std::size_t freeStart_;
};

}  // namespace demix::testing

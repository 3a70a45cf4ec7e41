#pragma once
/// \file AllocationCounter.h
/// Counts heap allocations made by the current thread (malloc, calloc, realloc,
/// posix_memalign, aligned_alloc, memalign — and therefore every operator new) while a
/// CountAllocations object is alive on that thread. The test executable interposes
/// glibc's allocation functions, so allocations inside the plugin, the engine, Eigen,
/// JUCE and KissFFT are all seen.

namespace demix::test {

class CountAllocations {
public:
    CountAllocations();
    ~CountAllocations();
    CountAllocations(const CountAllocations&) = delete;
    CountAllocations& operator=(const CountAllocations&) = delete;
    /// Allocations on this thread since construction.
    long count() const;

private:
    long start_;
};

}  // namespace demix::test

// Global operator new/delete replacement that counts per-thread calls while an
// AllocationCounter is active (see alloc_counter.hpp). malloc/free underneath keep ASan's
// interception working.

#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace {

thread_local int tActive = 0;
thread_local std::size_t tAllocations = 0;
thread_local std::size_t tDeallocations = 0;

void* allocate(std::size_t size) {
    if (tActive > 0) ++tAllocations;
    void* p = std::malloc(size == 0 ? 1 : size);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void* allocateAligned(std::size_t size, std::align_val_t alignment) {
    if (tActive > 0) ++tAllocations;
    std::size_t align = static_cast<std::size_t>(alignment);
    if (align < sizeof(void*)) align = sizeof(void*);
    void* p = nullptr;
    if (posix_memalign(&p, align, size == 0 ? 1 : size) != 0) throw std::bad_alloc();
    return p;
}

void release(void* p) noexcept {
    if (p == nullptr) return;
    if (tActive > 0) ++tDeallocations;
    std::free(p);
}

}  // namespace

namespace demix::testing {

AllocationCounter::AllocationCounter() noexcept : allocStart_(tAllocations), freeStart_(tDeallocations) {
    ++tActive;
}
AllocationCounter::~AllocationCounter() { --tActive; }
std::size_t AllocationCounter::allocations() const noexcept { return tAllocations - allocStart_; }
std::size_t AllocationCounter::deallocations() const noexcept { return tDeallocations - freeStart_; }

}  // namespace demix::testing

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new(std::size_t size, std::align_val_t al) { return allocateAligned(size, al); }
void* operator new[](std::size_t size, std::align_val_t al) { return allocateAligned(size, al); }
void* operator new(std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
    try {
        return allocateAligned(size, al);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
    try {
        return allocateAligned(size, al);
    } catch (...) {
        return nullptr;
    }
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

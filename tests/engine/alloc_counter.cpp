// Replaces malloc/calloc/realloc/free and the global operator new/delete so that calls
// made by a thread while an AllocationCounter is alive on it are counted (see
// alloc_counter.hpp).
//
// The replacements forward to the allocator that would otherwise have served the call:
// glibc's __libc_* functions, or, in sanitizer builds, the sanitizer's interceptors
// (__interceptor_*), so ASan/TSan keep checking every allocation. operator new calls the
// (counting) malloc and operator delete calls free, so each allocation counts once;
// aligned operator new calls the (counting) posix_memalign. memalign and aligned_alloc
// are counted too: JUCE and other libraries may call them directly.

#include "alloc_counter.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DEMIX_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DEMIX_UNDER_SANITIZER 1
#endif
#endif

extern "C" {
#ifdef DEMIX_UNDER_SANITIZER
void* __interceptor_malloc(std::size_t);
void* __interceptor_calloc(std::size_t, std::size_t);
void* __interceptor_realloc(void*, std::size_t);
void __interceptor_free(void*);
int __interceptor_posix_memalign(void**, std::size_t, std::size_t);
void* __interceptor_memalign(std::size_t, std::size_t);
void* __interceptor_aligned_alloc(std::size_t, std::size_t);
#define DEMIX_REAL(fn) __interceptor_##fn
#else
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* __libc_memalign(std::size_t, std::size_t);
#define DEMIX_REAL(fn) __libc_##fn
#endif
}

namespace {

// Constant-initialised, trivially destructible: safe to touch from inside malloc.
thread_local int tActive = 0;
thread_local std::size_t tAllocations = 0;
thread_local std::size_t tDeallocations = 0;

inline void countAllocation() noexcept {
    if (tActive > 0) ++tAllocations;
}
inline void countDeallocation(void* p) noexcept {
    if (p != nullptr && tActive > 0) ++tDeallocations;
}

void* allocateAligned(std::size_t size, std::align_val_t alignment) {
    std::size_t align = static_cast<std::size_t>(alignment);
    if (align < sizeof(void*)) align = sizeof(void*);
    void* p = nullptr;
    if (posix_memalign(&p, align, size == 0 ? 1 : size) != 0) throw std::bad_alloc();  // counted there
    return p;
}

void* allocate(std::size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);  // counted in malloc
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace

extern "C" {

void* malloc(std::size_t size) noexcept {
    countAllocation();
    return DEMIX_REAL(malloc)(size);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
    countAllocation();
    return DEMIX_REAL(calloc)(count, size);
}

void* realloc(void* p, std::size_t size) noexcept {
    countAllocation();
    return DEMIX_REAL(realloc)(p, size);
}

void free(void* p) noexcept {
    countDeallocation(p);
    DEMIX_REAL(free)(p);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
    countAllocation();
    return DEMIX_REAL(memalign)(alignment, size);
}

#ifdef DEMIX_UNDER_SANITIZER
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    countAllocation();
    return __interceptor_posix_memalign(out, alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    countAllocation();
    return __interceptor_aligned_alloc(alignment, size);
}
#else
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    countAllocation();
    // The checks glibc's posix_memalign makes before calling memalign.
    if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0)
        return EINVAL;
    void* p = __libc_memalign(alignment, size);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    countAllocation();
    return __libc_memalign(alignment, size);
}
#endif

}  // extern "C"

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
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return std::malloc(size == 0 ? 1 : size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return std::malloc(size == 0 ? 1 : size); }
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

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#include "AllocationCounter.h"

#include <cerrno>
#include <cstddef>

// glibc's real implementations.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

namespace {
// Plain initial-exec TLS in the executable: touching it never allocates.
thread_local int tlsDepth = 0;
thread_local long tlsCount = 0;

inline void note()
{
    if (tlsDepth > 0)
        ++tlsCount;
}
}  // namespace

extern "C" {
void* malloc(size_t size)
{
    note();
    return __libc_malloc(size);
}
void* calloc(size_t n, size_t size)
{
    note();
    return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size)
{
    note();
    return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size)
{
    note();
    return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size)
{
    note();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size)
{
    note();
    void* p = __libc_memalign(alignment, size);
    if (p == nullptr)
        return ENOMEM;
    *out = p;
    return 0;
}
}

namespace demix::test {

CountAllocations::CountAllocations() : start_(tlsCount) { ++tlsDepth; }
CountAllocations::~CountAllocations() { --tlsDepth; }
long CountAllocations::count() const { return tlsCount - start_; }

}  // namespace demix::test

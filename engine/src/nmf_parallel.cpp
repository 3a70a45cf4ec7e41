// Worker threads for the blocked NMF kernels: a fixed split of time blocks over workers
// (so results depend only on the worker count) and flush-to-zero in every worker.
#include "nmf_internal.hpp"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define DEMIX_HAVE_MXCSR 1
#endif

namespace demix::nmf_detail {

FlushDenormals::FlushDenormals()
{
#ifdef DEMIX_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

FlushDenormals::~FlushDenormals()
{
#ifdef DEMIX_HAVE_MXCSR
    _mm_setcsr(saved_);
#endif
}

void parallelRun(int workers, const std::function<void(int worker)>& job)
{
    if (workers <= 1) {
        FlushDenormals ftz;
        job(0);
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
    auto run = [&](int w) {
        FlushDenormals ftz;
        try {
            job(w);
        } catch (...) {
            errors[static_cast<std::size_t>(w)] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(workers - 1));
    for (int w = 1; w < workers; ++w) threads.emplace_back(run, w);
    run(0);
    for (auto& t : threads) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

int effectiveWorkers(int requested, Eigen::Index F, Eigen::Index T, Eigen::Index K)
{
    int n = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
    n = std::max(n, 1);
    // Below ~4 million multiply-adds per product a thread start costs more than it saves.
    const double work = double(F) * double(T) * double(K);
    if (work < 4.0e6) return 1;
    const Eigen::Index blocks = (T + kBlockFrames - 1) / kBlockFrames;
    return static_cast<int>(std::min<Eigen::Index>(n, std::max<Eigen::Index>(blocks, 1)));
}

void blockRange(int worker, int workers, Eigen::Index numBlocks, Eigen::Index& first,
                Eigen::Index& last)
{
    first = numBlocks * worker / workers;
    last = numBlocks * (worker + 1) / workers;
}

}  // namespace demix::nmf_detail

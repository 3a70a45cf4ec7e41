// Worker threads for the blocked NMF kernels: a fixed split of time blocks over workers
// (so results depend only on the worker count) and flush-to-zero in every worker.
#include "nmf_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__SSE__) || defined(__x86_64__)
#include <immintrin.h>
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

namespace {

/// Helper threads kept alive between parallelRun calls of one calling thread. An NMF
/// iteration is two or three parallel passes of a few milliseconds with short serial
/// steps between them (packing W, the W update); starting a thread per pass costs time
/// and lets the idle core halt, and waking a halted virtual CPU costs as much again. So
/// after a pass the helpers spin for kSpinMicroseconds, yielding, before they
/// block; the caller spins likewise while it waits for them.
class HelperPool {
public:
    HelperPool() = default;
    HelperPool(const HelperPool&) = delete;
    HelperPool& operator=(const HelperPool&) = delete;
    ~HelperPool() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stop_.store(true);
            generation_.fetch_add(1);
        }
        wake_.notify_all();
        for (std::thread& t : threads_) t.join();
    }

    bool busy() const { return busy_; }

    /// job(0) on this thread, job(1 .. workers − 1) on helpers; rethrows the first error.
    void run(int workers, const std::function<void(int)>& job) {
        busy_ = true;
        const int helpers = workers - 1;
        while (static_cast<int>(threads_.size()) < helpers) {
            const int index = static_cast<int>(threads_.size());
            threads_.emplace_back([this, index] { helperLoop(index); });
        }
        errors_.assign(static_cast<std::size_t>(workers), nullptr);
        job_ = &job;
        active_ = helpers;
        remaining_.store(static_cast<int>(threads_.size()));
        generation_.fetch_add(1);  // seq_cst: ordered before the read of sleepers_
        if (sleepers_.load() > 0) {
            const std::lock_guard<std::mutex> lock(mutex_);
            wake_.notify_all();
        }
        runOne(0);
        waitUntil([this] { return remaining_.load() == 0; }, callerSleeping_, done_);
        job_ = nullptr;
        busy_ = false;
        for (const std::exception_ptr& e : errors_)
            if (e) std::rethrow_exception(e);
    }

private:
    static constexpr long long kSpinMicroseconds = 300;

    void runOne(int worker) {
        FlushDenormals ftz;
        try {
            (*job_)(worker);
        } catch (...) {
            errors_[static_cast<std::size_t>(worker)] = std::current_exception();
        }
    }

    /// Spins (yielding) until ready() or kSpinMicroseconds pass, then blocks on `cv`;
    /// `sleeping` tells the other side to notify. Every access to the flags involved is
    /// sequentially consistent: the other side changes its flag, then reads `sleeping`;
    /// this side increments `sleeping`, then reads the flag, so one of them sees the other.
    template <typename Ready>
    void waitUntil(Ready ready, std::atomic<int>& sleeping, std::condition_variable& cv) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicroseconds);
        for (int i = 0; !ready(); ++i) {
            if ((i & 63) == 63) {
                if (std::chrono::steady_clock::now() > until) break;
                std::this_thread::yield();
            }
            pause();
        }
        if (ready()) return;
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping.fetch_add(1);  // seq_cst: ordered before ready()'s reads below
        cv.wait(lock, ready);
        sleeping.fetch_sub(1);
    }

    static void pause() {
#ifdef DEMIX_HAVE_MXCSR
        _mm_pause();
#endif
    }

    void helperLoop(int index) {
        std::uint64_t seen = 0;
        for (;;) {
            waitUntil([&] { return generation_.load() != seen; }, sleepers_, wake_);
            seen = generation_.load();
            if (stop_.load()) return;
            if (index < active_) runOne(index + 1);
            if (remaining_.fetch_sub(1) == 1 && callerSleeping_.load() > 0) {
                const std::lock_guard<std::mutex> lock(mutex_);
                done_.notify_all();
            }
        }
    }

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<int> remaining_{0};
    std::atomic<int> sleepers_{0}, callerSleeping_{0};
    const std::function<void(int)>* job_ = nullptr;  // set before each generation
    int active_ = 0;
    std::atomic<bool> stop_{false};
    bool busy_ = false;
    std::vector<std::exception_ptr> errors_;
};

}  // namespace

void parallelRun(int workers, const std::function<void(int worker)>& job)
{
    if (workers <= 1) {
        FlushDenormals ftz;
        job(0);
        return;
    }
    // One pool per calling thread (the thread that runs factorize), so concurrent
    // factorisations never share helpers; it lives as long as that thread.
    thread_local HelperPool pool;
    if (!pool.busy()) {
        pool.run(workers, job);
        return;
    }
    // A job that itself runs parallel work (the engine has none): its parts one after
    // another on this thread, with the same worker indices, hence the same results.
    for (int w = 0; w < workers; ++w) {
        FlushDenormals ftz;
        job(w);
    }
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

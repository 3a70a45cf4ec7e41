// bench_nmf: times Demix's NMF on a spectrogram V with given initial W, H (.npy files, so
// scikit-learn can run on exactly the same data; see bench/sklearn_nmf.py).
//
//   bench_nmf DIR [--solver mu|hals] [--objective kl|frobenius] [--iters 200]
//             [--threads 2] [--runs 1] [--target OBJ] [--eval-every 10] [--out DIR2]
//             [--fixed-w 1] [--accelerate 0|1] [--curve 1] [--activation-floor X]
//             [--precision adaptive|float32|mixed|bfloat16]
//
// DIR holds V.npy (F × T), W0.npy (F × K), H0.npy (K × T), float32. Prints one line per
// run: "run i ms_per_iter X iterations N seconds S objective D cpu_ms_per_iter C" where D
// is d(V | WH) (scikit-learn's convention) and C the process CPU time per iteration, all
// threads (the figure to compare when the machine is shared). With --target, the run stops at the first evaluated
// objective <= OBJ (time-to-quality) and reports the time to get there. --out writes the
// final W and H of the last run. --fixed-w 1 keeps W = W0 and solves only the activations
// (the supervised path of `demix separate`). --accelerate 1 runs the accelerated solvers
// (NmfSettings::accelerate: the engine's default; off here so that figure 1 times plain MU); --curve 1 prints every recorded objective as
// "curve ITERATION VALUE". --precision sets NmfSettings::precision (default adaptive; bf16
// products where the CPU has AVX512-BF16); every run line ends with "bf16_iterations N"
// (NmfResult::bfloat16Iterations).
#include "bench_nmf_npy.hpp"
#include "demix/nmf.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_nmf DIR [--solver mu|hals] [--objective kl|frobenius] "
                             "[--iters N] [--threads N] [--runs N] [--target OBJ] "
                             "[--eval-every N] [--out DIR] [--fixed-w 1]\n");
        return 2;
    }
    const std::string dir = argv[1];
    demix::NmfSettings s;
    s.tol = 0.0;
    s.normaliseW = false;  // as scikit-learn
    s.accelerate = false;  // plain MU/HALS as scikit-learn, unless --accelerate 1
    s.threads = 2;
    s.maxIterations = 200;
    int runs = 1;
    double target = -1.0;
    int evalEvery = -1;
    std::string outDir;
    bool curve = false;
    bool fixedW = false;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--solver") s.solver = demix::solverFromString(value);
        else if (key == "--objective") s.objective = demix::objectiveFromString(value, &s.beta);
        else if (key == "--iters") s.maxIterations = std::atoi(value.c_str());
        else if (key == "--threads") s.threads = std::atoi(value.c_str());
        else if (key == "--runs") runs = std::atoi(value.c_str());
        else if (key == "--target") target = std::atof(value.c_str());
        else if (key == "--eval-every") evalEvery = std::atoi(value.c_str());
        else if (key == "--out") outDir = value;
        else if (key == "--curve") curve = value != "0";
        else if (key == "--accelerate") s.accelerate = value != "0" && value != "off";
        else if (key == "--fixed-w") fixedW = value != "0";
        else if (key == "--precision") s.precision = demix::precisionFromString(value);
        else if (key == "--activation-floor") s.activationFloor = std::strtof(value.c_str(), nullptr);
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
    const demix::Matrix V = bench::readNpy(dir + "/V.npy");
    demix::NmfInit init;
    init.W = bench::readNpy(dir + "/W0.npy");
    init.H = bench::readNpy(dir + "/H0.npy");
    s.components = static_cast<int>(init.W->cols());
    if (fixedW) init.freezeW.assign(static_cast<std::size_t>(s.components), true);
    // Throughput runs evaluate the objective only at the start and the end (like
    // scikit-learn with tol = 0); time-to-quality runs check it every few iterations.
    s.evalEvery = evalEvery > 0 ? evalEvery : (target > 0.0 ? 5 : std::max(1, s.maxIterations));
    std::printf("F %ld T %ld K %d solver %s objective %s threads %d iters %d precision %s\n",
                long(V.rows()), long(V.cols()), s.components, demix::toString(s.solver).c_str(),
                demix::toString(s.objective, s.beta).c_str(), s.threads, s.maxIterations,
                demix::toString(s.precision).c_str());
    auto cpuSeconds = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    };
    demix::NmfResult last;
    for (int run = 0; run < runs; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const double cpuStart = cpuSeconds();
        double reachedAt = -1.0;
        int reachedIteration = -1;
        auto progress = [&](int iteration, int, double objective) {
            if (target > 0.0 && objective <= target) {
                reachedAt = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                reachedIteration = iteration;
                return false;
            }
            return true;
        };
        last = demix::factorize(V, s, init, progress);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double cpu = cpuSeconds() - cpuStart;
        const double d = demix::divergence(V, last.W * last.H, s.objective, s.beta);
        if (target > 0.0)
            std::printf("run %d reached %d seconds %.4f iterations %d objective %.10g "
                        "bf16_iterations %d\n",
                        run, reachedIteration >= 0 ? 1 : 0, reachedIteration >= 0 ? reachedAt : seconds,
                        last.iterations, d, last.bfloat16Iterations);
        else
            std::printf("run %d ms_per_iter %.3f iterations %d seconds %.4f objective %.10g "
                        "cpu_ms_per_iter %.3f bf16_iterations %d\n",
                        run, 1000.0 * seconds / std::max(1, last.iterations), last.iterations,
                        seconds, d, 1000.0 * cpu / std::max(1, last.iterations),
                        last.bfloat16Iterations);
        if (curve)
            for (std::size_t i = 0; i < last.objective.size(); ++i)
                std::printf("curve %d %.10g\n", last.objectiveIterations[i], last.objective[i]);
        std::fflush(stdout);
    }
    if (!outDir.empty()) {
        bench::writeNpy(outDir + "/W.npy", last.W);
        bench::writeNpy(outDir + "/H.npy", last.H);
    }
    return 0;
}

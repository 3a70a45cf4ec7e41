// Figure 5: offline STFT + iSTFT of a whole stereo song (FFT 2048, hop 512, Hann).
// Usage: bench_stft MIX.wav [RUNS=7]
// Runs forward + inverse with 1 and 2 threads, alternating, and prints the median wall
// time and the median process CPU time (all threads) of each. On a loaded machine, CPU
// time is the meaningful figure; wall time needs an idle machine.
#include "bench_util.hpp"

#include "demix/stft.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace demix;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MIX.wav [RUNS]\n", argv[0]);
        return 2;
    }
    const AudioBuffer mix = bench::readWav(argv[1]);
    const int runs = argc > 2 ? std::atoi(argv[2]) : 7;
    const Stft stft(StftSettings{});
    const std::size_t n = mix.numSamples();
    std::printf("stft: %s, %zu channels, %.1f s at %.0f Hz, %d frames of 2048/512\n", argv[1],
                mix.numChannels(), static_cast<double>(n) / mix.sampleRate, mix.sampleRate,
                stft.frameCount(n));

    const int threadCounts[] = {1, 2};
    std::vector<double> wall[2], cpu[2], fwdWall[2], invWall[2];
    double maxError = 0.0;
    for (int run = 0; run < runs + 1; ++run) {  // run 0 warms up (page faults, caches)
        for (int i = 0; i < 2; ++i) {
            const int threads = threadCounts[(run + i) % 2 == 0 ? 0 : 1];  // alternate order
            const int slot = threads - 1;
            const double c0 = bench::now(CLOCK_PROCESS_CPUTIME_ID);
            const double t0 = bench::now();
            Spectrogram X = stft.forward(mix, threads);
            const double t1 = bench::now();
            AudioBuffer y = stft.inverse(X, n, mix.sampleRate, threads);
            const double t2 = bench::now();
            const double c1 = bench::now(CLOCK_PROCESS_CPUTIME_ID);
            if (run == 0) {
                double err = 0, ref = 0;
                for (std::size_t c = 0; c < mix.numChannels(); ++c)
                    for (std::size_t k = 0; k < n; ++k) {
                        const double d = y.channels[c][k] - mix.channels[c][k];
                        err += d * d;
                        ref += static_cast<double>(mix.channels[c][k]) * mix.channels[c][k];
                    }
                maxError = std::max(maxError, std::sqrt(err / std::max(ref, 1e-30)));
                continue;
            }
            wall[slot].push_back(t2 - t0);
            cpu[slot].push_back(c1 - c0);
            fwdWall[slot].push_back(t1 - t0);
            invWall[slot].push_back(t2 - t1);
        }
    }
    std::printf("round-trip relative RMS error: %.2e\n", maxError);
    for (int slot = 0; slot < 2; ++slot)
        std::printf("stft threads=%d: forward+inverse median wall %.3f s (forward %.3f, inverse %.3f), "
                    "median CPU %.3f s, min wall %.3f s, runs %d\n",
                    slot + 1, bench::median(wall[slot]), bench::median(fwdWall[slot]),
                    bench::median(invWall[slot]), bench::median(cpu[slot]),
                    *std::min_element(wall[slot].begin(), wall[slot].end()), runs);
    std::printf("stft speed-up 2 threads vs 1 (median wall, same run): %.2fx\n",
                bench::median(wall[0]) / bench::median(wall[1]));
    return maxError < 1e-4 ? 0 : 1;
}

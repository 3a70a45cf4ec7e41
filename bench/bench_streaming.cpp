// Figure 6: the plugin's real-time path. Per 512-sample hop, stereo, 3 sources with
// 48 fixed templates (16 per source, learned from the training clips), activations
// warm-started from the previous frame. Counts heap allocations after prepare.
// Usage: bench_streaming MIX.wav TRAIN_DIR [SECONDS=30] [RUNS=5] [ITERATIONS...]
// TRAIN_DIR holds bass.wav, keys.wav, drums.wav (bench/make_long_audio.py writes them).
// Time is measured with the calling thread's CPU clock (one core, immune to other
// processes' load) and, for reference, wall time; medians over all hops of all runs.
#include "../tests/engine/alloc_counter.hpp"
#include "bench_util.hpp"

#include "demix/separator.hpp"
#include "demix/streaming_separator.hpp"

#include <cstdio>
#include <cstdlib>

using namespace demix;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s MIX.wav TRAIN_DIR [SECONDS] [RUNS] [ITERATIONS...]\n", argv[0]);
        return 2;
    }
    const AudioBuffer mix = bench::readWav(argv[1]);
    const std::string trainDir = argv[2];
    const double seconds = argc > 3 ? std::atof(argv[3]) : 30.0;
    const int runs = argc > 4 ? std::atoi(argv[4]) : 5;
    std::vector<int> iterationCounts;
    for (int i = 5; i < argc; ++i) iterationCounts.push_back(std::atoi(argv[i]));
    if (iterationCounts.empty()) iterationCounts = {16, 50};

    // 3 sources × 16 templates, learned like `demix learn -k 16` would.
    SeparationSettings settings;
    settings.nmf.seed = 1;
    settings.threads = 1;
    settings.nmf.threads = 1;
    TemplateLibrary library;
    for (const char* name : {"bass", "keys", "drums"}) {
        const AudioBuffer clip = bench::readWav(trainDir + "/" + name + ".wav");
        TemplateLibrary one = learnTemplates({clip}, name, 16, settings);
        if (library.sources.empty())
            library = std::move(one);
        else
            library.merge(one);
    }
    const int F = library.bins();
    Matrix W(F, library.totalComponents());
    ComponentGroups groups;
    int k = 0;
    for (const auto& source : library.sources) {
        groups.emplace_back();
        for (int j = 0; j < source.templates.cols(); ++j, ++k) {
            W.col(k) = source.templates.col(j);
            groups.back().push_back(k);
        }
    }

    const int hop = 512;
    StreamingConfig config;
    config.numChannels = 2;
    config.maxBlockSize = hop;
    config.maxComponents = static_cast<int>(W.cols());
    config.maxSources = static_cast<int>(groups.size());  // process() writes maxSources outputs
    StreamingSeparator separator;
    separator.prepare(config);
    separator.setTemplates(W, groups);
    const int S = config.maxSources;

    const std::size_t total = std::min(mix.numSamples(),
                                       static_cast<std::size_t>(seconds * mix.sampleRate));
    const std::size_t hops = total / hop;
    std::vector<float> outStore(static_cast<std::size_t>(S) * 2 * hop);
    std::vector<float*> outChannels(static_cast<std::size_t>(S) * 2);
    std::vector<float* const*> outputs(static_cast<std::size_t>(S));
    for (int s = 0; s < S; ++s) {
        for (int c = 0; c < 2; ++c)
            outChannels[static_cast<std::size_t>(s * 2 + c)] = outStore.data() + (s * 2 + c) * hop;
        outputs[static_cast<std::size_t>(s)] = outChannels.data() + s * 2;
    }

    std::printf("streaming: %s, stereo, hop %d, %d sources / %d templates, %zu hops (%.1f s) x %d runs\n",
                argv[1], hop, S, static_cast<int>(W.cols()), hops, static_cast<double>(hops * hop) / mix.sampleRate,
                runs);
    const double budgetMs = 1000.0 * hop / mix.sampleRate;
    for (const int iterations : iterationCounts) {
        separator.setIterationsPerFrame(iterations);
        std::vector<double> cpuMs, wallMs;
        cpuMs.reserve(hops * static_cast<std::size_t>(runs));
        wallMs.reserve(hops * static_cast<std::size_t>(runs));
        std::size_t allocations = 0, frees = 0;
        double check = 0.0;
        for (int run = 0; run < runs; ++run) {
            separator.reset();
            testing::AllocationCounter counter;
            for (std::size_t i = 0; i < hops; ++i) {
                const float* in[2] = {mix.channels[0].data() + i * hop, mix.channels[1].data() + i * hop};
                const double c0 = bench::now(CLOCK_THREAD_CPUTIME_ID);
                const double t0 = bench::now();
                separator.process(in, outputs.data(), hop);
                const double t1 = bench::now();
                const double c1 = bench::now(CLOCK_THREAD_CPUTIME_ID);
                // Vectors were reserved before the counter started: push_back never allocates here.
                cpuMs.push_back(1e3 * (c1 - c0));
                wallMs.push_back(1e3 * (t1 - t0));
                check += outStore[static_cast<std::size_t>(i % hop)];
            }
            allocations += counter.allocations();
            frees += counter.deallocations();
        }
        const double med = bench::median(cpuMs);
        std::printf("streaming iterations=%d: per hop median CPU %.4f ms (p99 %.4f ms), median wall %.4f ms; "
                    "%.2f%% of the %.2f ms budget; allocations after prepare %zu, frees %zu (checksum %.3g)\n",
                    iterations, med, bench::percentile(cpuMs, 0.99), bench::median(wallMs),
                    100.0 * med / budgetMs, budgetMs, allocations, frees, check);
    }
    return 0;
}

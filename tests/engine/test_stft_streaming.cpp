// Streaming STFT: analyzer frames == offline frames, analyzer + synthesizer == offline
// inverse delayed by fftSize, for random block sizes; no allocation after prepare.

#include "alloc_counter.hpp"
#include "demix/stft.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <random>
#include <thread>
#include <vector>

using namespace demix;
using demix::testing::AllocationCounter;
using demix::testing::maxAbsDiff;
using demix::testing::randomSignal;
using demix::testing::stftSettingsFor;

namespace {

std::vector<StftSettings> streamingCases() {
    StftSettings rect = stftSettingsFor(16, 16, WindowType::Custom);
    rect.customWindow.assign(16, 1.0f);
    return {stftSettingsFor(2048, 512), stftSettingsFor(1024, 512, WindowType::SqrtHann), stftSettingsFor(30, 7),
            stftSettingsFor(2, 1), rect};
}

// Deterministic block sizes in [1, maxBlock], including 1 and sizes above the hop.
std::vector<int> randomBlocks(std::size_t total, int maxBlock, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<int> blocks;
    std::size_t sum = 0;
    while (sum < total) {
        int b = 1 + static_cast<int>(rng() % static_cast<unsigned>(maxBlock));
        if (rng() % 5 == 0) b = 1;
        b = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(b), total - sum));
        blocks.push_back(b);
        sum += static_cast<std::size_t>(b);
    }
    return blocks;
}

// A deterministic per-bin, per-frame gain in [0, 1] standing in for a separation mask.
float maskGain(int bin, int frame) {
    return 0.5f + 0.5f * std::sin(0.37f * static_cast<float>(bin) + 1.3f * static_cast<float>(frame));
}

}  // namespace

TEST_CASE("stft streaming: analyzer frames equal the offline frames for any block sizes", "[stft][streaming]") {
    for (const StftSettings& s : streamingCases()) {
        for (int maxBlock : {1, s.hop, 3 * s.hop + 5, 4096}) {
            CAPTURE(s.fftSize, s.hop, toString(s.window), maxBlock);
            Stft stft(s);
            const std::size_t n = static_cast<std::size_t>(3 * s.fftSize + 77);
            const std::vector<float> x = randomSignal(n, 21);
            const ComplexMatrix offline = stft.forward(x.data(), n);
            // x followed by the zeros that complete the last offline frame.
            std::vector<float> input = x;
            input.resize(static_cast<std::size_t>(offline.cols()) * static_cast<std::size_t>(s.hop), 0.0f);

            StreamingStftAnalyzer analyzer;
            analyzer.prepare(s, maxBlock);
            REQUIRE(analyzer.bins() == s.bins());
            REQUIRE(analyzer.hop() == s.hop);
            std::vector<std::complex<float>> frame(static_cast<std::size_t>(s.bins()));
            int t = 0;
            std::size_t pos = 0;
            for (int block : randomBlocks(input.size(), maxBlock, 7u + static_cast<unsigned>(maxBlock))) {
                int done = 0;
                while (done < block) {
                    const int used = analyzer.push(input.data() + pos + done, block - done);
                    REQUIRE(used >= 0);
                    done += used;
                    while (analyzer.popFrame(frame.data())) {
                        REQUIRE(t < offline.cols());
                        for (int k = 0; k < s.bins(); ++k)
                            REQUIRE(frame[static_cast<std::size_t>(k)] == offline(k, t));  // bit-identical
                        ++t;
                    }
                    REQUIRE((used > 0 || done == block));
                }
                pos += static_cast<std::size_t>(block);
            }
            CHECK(t == offline.cols());
        }
    }
}

TEST_CASE("stft streaming: push stops at frame boundaries until the frame is popped", "[stft][streaming]") {
    StreamingStftAnalyzer analyzer;
    analyzer.prepare(stftSettingsFor(8, 4), 16);
    const std::vector<float> x = randomSignal(16, 3);
    std::vector<std::complex<float>> frame(5);
    CHECK_FALSE(analyzer.popFrame(frame.data()));
    CHECK(analyzer.push(x.data(), 3) == 3);
    CHECK_FALSE(analyzer.popFrame(frame.data()));
    CHECK(analyzer.push(x.data() + 3, 13) == 1);  // completes frame 0
    CHECK(analyzer.push(x.data() + 4, 12) == 0);  // nothing until it is popped
    CHECK(analyzer.popFrame(frame.data()));
    CHECK_FALSE(analyzer.popFrame(frame.data()));
    CHECK(analyzer.push(x.data() + 4, 12) == 4);

    // reset() forgets everything: the next frame is frame 0 again.
    Stft stft(stftSettingsFor(8, 4));
    const ComplexMatrix offline = stft.forward(x.data(), 4);
    analyzer.reset();
    CHECK(analyzer.push(x.data(), 4) == 4);
    REQUIRE(analyzer.popFrame(frame.data()));
    for (int k = 0; k < 5; ++k) CHECK(frame[static_cast<std::size_t>(k)] == offline(k, 0));

    StreamingStftAnalyzer unprepared;  // harmless: consumes input, yields nothing
    CHECK(unprepared.push(x.data(), 16) == 16);
    CHECK_FALSE(unprepared.popFrame(frame.data()));
    CHECK_THROWS_AS(analyzer.prepare(stftSettingsFor(8, 0), 16), InvalidArgument);
    CHECK_THROWS_AS(analyzer.prepare(stftSettingsFor(8, 4), 0), InvalidArgument);
}

TEST_CASE("stft streaming: synthesizer output is the offline inverse delayed by fftSize", "[stft][streaming]") {
    for (const StftSettings& s : streamingCases()) {
        CAPTURE(s.fftSize, s.hop, toString(s.window));
        Stft stft(s);
        const std::size_t n = static_cast<std::size_t>(2 * s.fftSize + 13);
        const std::vector<float> x = randomSignal(n, 31);
        ComplexMatrix X = stft.forward(x.data(), n);
        for (int t = 0; t < X.cols(); ++t)
            for (int k = 0; k < X.rows(); ++k) X(k, t) *= maskGain(k, t);
        const std::vector<float> y = stft.inverse(X, n);

        StreamingStftSynthesizer synth;
        synth.prepare(s);
        REQUIRE(synth.available() == s.hop);
        std::vector<float> z;
        std::vector<float> buf(static_cast<std::size_t>(synth.capacity()));
        for (int t = 0; t < X.cols(); ++t) {
            synth.pushFrame(X.col(t).data());
            const int got = synth.pull(buf.data(), synth.capacity());
            z.insert(z.end(), buf.begin(), buf.begin() + got);
        }
        CHECK(synth.available() == 0);
        const std::size_t N = static_cast<std::size_t>(s.fftSize);
        REQUIRE(z.size() == static_cast<std::size_t>(X.cols() + 1) * static_cast<std::size_t>(s.hop));
        REQUIRE(z.size() >= n + N);
        for (std::size_t m = 0; m < N; ++m) REQUIRE(z[m] == 0.0f);  // padding replaced by zeros
        for (std::size_t i = 0; i < n; ++i) REQUIRE(z[i + N] == y[i]);  // bit-identical
    }
}

TEST_CASE("stft streaming: analyzer -> (masked) -> synthesizer equals offline, delayed by fftSize",
          "[stft][streaming]") {
    for (const StftSettings& s : streamingCases()) {
        for (int maxBlock : {1, s.hop / 2 + 1, s.hop, 2 * s.hop + 3, 5000}) {
            for (bool masked : {false, true}) {
                CAPTURE(s.fftSize, s.hop, toString(s.window), maxBlock, masked);
                Stft stft(s);
                const std::size_t n = static_cast<std::size_t>(4 * s.fftSize + 101);
                const std::vector<float> x = randomSignal(n, 41u + static_cast<unsigned>(maxBlock));
                ComplexMatrix X = stft.forward(x.data(), n);
                if (masked)
                    for (int t = 0; t < X.cols(); ++t)
                        for (int k = 0; k < X.rows(); ++k) X(k, t) *= maskGain(k, t);
                const std::vector<float> y = stft.inverse(X, n);

                StreamingStftAnalyzer analyzer;
                StreamingStftSynthesizer synth;
                analyzer.prepare(s, maxBlock);
                synth.prepare(s, maxBlock);
                const std::size_t latency = static_cast<std::size_t>(s.fftSize);
                std::vector<float> input = x;
                input.resize(n + latency, 0.0f);  // flush: y fully out after n + latency samples
                std::vector<float> output(input.size(), -99.0f);
                std::vector<std::complex<float>> frame(static_cast<std::size_t>(s.bins()));
                std::size_t pos = 0;
                int t = 0;
                for (int block : randomBlocks(input.size(), maxBlock, 99u + static_cast<unsigned>(maxBlock))) {
                    int done = 0;
                    while (done < block) {
                        done += analyzer.push(input.data() + pos + done, block - done);
                        while (analyzer.popFrame(frame.data())) {
                            if (masked)
                                for (int k = 0; k < s.bins(); ++k) frame[static_cast<std::size_t>(k)] *= maskGain(k, t);
                            synth.pushFrame(frame.data());
                            ++t;
                        }
                    }
                    REQUIRE(synth.available() >= block);  // the documented loop never starves
                    REQUIRE(synth.pull(output.data() + pos, block) == block);
                    pos += static_cast<std::size_t>(block);
                }
                for (std::size_t m = 0; m < latency; ++m) REQUIRE(output[m] == 0.0f);
                std::vector<float> delayed(output.begin() + static_cast<long>(latency), output.end());
                CHECK(maxAbsDiff(delayed, y) <= 1e-6);
            }
        }
    }
}

TEST_CASE("stft streaming: no allocation in push/popFrame/pushFrame/pull after prepare", "[stft][streaming]") {
    // The counter itself must see allocations, or this test could not fail.
    std::size_t selfTest = 0;
    {
        AllocationCounter counter;
        std::vector<float>* p = new std::vector<float>(100);
        asm volatile("" : : "g"(p) : "memory");
        delete p;
        selfTest = counter.allocations();
    }
    REQUIRE(selfTest == 2);
    // Every allocation function is seen, the aligned ones included.
    std::size_t everyKind = 0;
    {
        AllocationCounter counter;
        void* volatile raw = std::malloc(10);
        void* volatile zeroed = std::calloc(4, 4);
        void* aligned = nullptr;
        const int status = posix_memalign(&aligned, 64, 256);
        void* volatile aligned2 = std::aligned_alloc(64, 256);
        everyKind = counter.allocations();
        std::free(raw);
        std::free(zeroed);
        if (status == 0) std::free(aligned);
        std::free(aligned2);
        REQUIRE(status == 0);
    }
    REQUIRE(everyKind == 4);
    std::size_t eigenAllocs = 0, eigenFrees = 0, otherThread = 0;
    {
        AllocationCounter counter;
        {
            Eigen::MatrixXf m(64, 64);  // Eigen allocates through std::malloc
            asm volatile("" : : "g"(m.data()) : "memory");
        }
        eigenAllocs = counter.allocations();
        eigenFrees = counter.deallocations();
        std::thread([] {
            for (int i = 0; i < 100; ++i) {
                std::vector<int> v(1000);
                asm volatile("" : : "g"(v.data()) : "memory");
            }
        }).join();
        otherThread = counter.allocations() - eigenAllocs;
    }
    CHECK(eigenAllocs == 1);
    CHECK(eigenFrees == 1);
    CHECK(otherThread < 10);  // std::thread's own state is allocated here; the 100 vectors are not

    const StftSettings s = stftSettingsFor(2048, 512);
    // Prepared objects stay usable after being moved into containers.
    std::vector<StreamingStftAnalyzer> analyzers(1);
    std::vector<StreamingStftSynthesizer> synths(1);
    analyzers[0].prepare(s, 700);
    synths[0].prepare(s, 700);
    analyzers.emplace_back();
    synths.emplace_back();  // reallocation moves element 0
    StreamingStftAnalyzer analyzer = std::move(analyzers[0]);
    StreamingStftSynthesizer synth;
    synth = std::move(synths[0]);
    REQUIRE(analyzer.bins() == 1025);
    REQUIRE(synth.available() == 512);
    const std::vector<float> x = randomSignal(20000, 51);
    std::vector<float> out(x.size());
    std::vector<std::complex<float>> frame(static_cast<std::size_t>(s.bins()));
    const std::vector<int> blocks = randomBlocks(x.size(), 700, 5);

    std::size_t allocations = 0, deallocations = 0;
    int frames = 0;
    {
        AllocationCounter counter;
        std::size_t pos = 0;
        for (int block : blocks) {
            int done = 0;
            while (done < block) {
                done += analyzer.push(x.data() + pos + done, block - done);
                while (analyzer.popFrame(frame.data())) {
                    synth.pushFrame(frame.data());
                    ++frames;
                }
            }
            synth.pull(out.data() + pos, block);
            pos += static_cast<std::size_t>(block);
        }
        analyzer.reset();
        synth.reset();
        allocations = counter.allocations();
        deallocations = counter.deallocations();
    }
    CHECK(frames == static_cast<int>(x.size() / 512));
    CHECK(allocations == 0);
    CHECK(deallocations == 0);
}

TEST_CASE("stft streaming: synthesizer FIFO, reset and overflow", "[stft][streaming]") {
    const StftSettings s = stftSettingsFor(16, 4);
    StreamingStftSynthesizer synth;
    CHECK(synth.available() == 0);
    CHECK(synth.capacity() == 0);
    float dummy[4];
    CHECK(synth.pull(dummy, 4) == 0);
    // X[k] = (-1)^k: the spectrum of an impulse in the middle of the frame.
    std::vector<std::complex<float>> frame(9);
    for (int k = 0; k < 9; ++k) frame[static_cast<std::size_t>(k)] = (k % 2 == 0) ? 1.0f : -1.0f;
    synth.pushFrame(frame.data());  // unprepared: ignored
    CHECK(synth.available() == 0);

    synth.prepare(s, 8);
    CHECK(synth.capacity() == 16 + 2 * 4);
    CHECK(synth.available() == 4);
    for (int i = 0; i < 20; ++i) synth.pushFrame(frame.data());
    CHECK(synth.available() == synth.capacity());  // oldest samples were dropped
    std::vector<float> out(static_cast<std::size_t>(synth.capacity()));
    CHECK(synth.pull(out.data(), 1000) == synth.capacity());
    CHECK(synth.available() == 0);
    bool nonZero = false;
    for (float v : out) nonZero = nonZero || v != 0.0f;
    CHECK(nonZero);

    synth.reset();
    CHECK(synth.available() == 4);
    CHECK(synth.pull(out.data(), 10) == 4);
    for (int i = 0; i < 4; ++i) CHECK(out[static_cast<std::size_t>(i)] == 0.0f);
    CHECK_THROWS_AS(synth.prepare(stftSettingsFor(15, 4)), InvalidArgument);
    CHECK_THROWS_AS(synth.prepare(s, -1), InvalidArgument);
}

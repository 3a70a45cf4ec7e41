// The objective curve of a running separation: Decompose reports each value from the job's
// thread into an ObjectiveTrace, which the message thread reads while the job runs.
#include "TestAudio.hpp"

#include "model/Decompose.hpp"
#include "model/Job.hpp"
#include "model/ObjectiveTrace.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace demix;
using namespace demix::app;

namespace {

AppSettings traceSettings()
{
    AppSettings s = defaultAppSettings();
    s.separation.stft.fftSize = 512;
    s.separation.stft.hop = 128;
    s.separation.nmf.maxIterations = 40;
    s.separation.nmf.evalEvery = 5;
    s.separation.nmf.tol = 0.0;
    s.separation.threads = 1;
    s.method.method = Method::Unsupervised;
    s.method.components = 4;
    s.method.sources = 2;
    return s;
}

std::unique_ptr<Job<Decomposition>> tracedJob(const AudioBuffer& mix, const AppSettings& settings,
                                              const std::shared_ptr<ObjectiveTrace>& trace)
{
    return std::make_unique<Job<Decomposition>>(
        "separation", [&mix, settings, trace](const ProgressCallback& progress) {
            return decompose(mix, settings, progress,
                             [trace](int iteration, double value) { trace->add(iteration, value); });
        });
}

}  // namespace

TEST_CASE("objective trace: a finished job's trace is the decomposition's curve", "[objective][job]")
{
    const AudioBuffer mix = test::makeTwoToneMix();
    AppSettings settings = traceSettings();
    int adapting = 0;  // iterations of the supervised runs' template-adaptation stage
    SECTION("unsupervised") {}
    SECTION("supervised with a source learned first (its learning is not traced)")
    {
        adapting = settings.separation.adaptIterations;
        settings.method.method = Method::SemiSupervised;
        settings.method.learned = {{"low", "", 0.0, 0.75, 2}};
        settings.method.freeComponents = 2;
    }
    const auto trace = std::make_shared<ObjectiveTrace>();
    auto job = tracedJob(mix, settings, trace);
    job->start();
    job->wait();
    REQUIRE(job->error().empty());
    REQUIRE(job->result().has_value());
    const NmfResult& nmf = job->result()->nmf;
    const ObjectiveTrace::Points points = trace->snapshot();
    // After init, then every 5 iterations to 40 (+ the adaptation stage, same spacing).
    CHECK(points.values.size() == std::size_t(40 / 5 + 1 + adapting / 5));
    CHECK(points.values == nmf.objective);       // the same numbers: the live curve ends as the final one
    CHECK(points.iterations == nmf.objectiveIterations);
    CHECK(trace->size() == points.values.size());
}

TEST_CASE("objective trace: values arrive while the job is still running", "[objective][job]")
{
    const AudioBuffer mix = test::makeTwoToneMix();
    AppSettings settings = traceSettings();
    settings.separation.nmf.maxIterations = 100000;
    const auto trace = std::make_shared<ObjectiveTrace>();
    auto job = tracedJob(mix, settings, trace);
    job->start();
    while (trace->size() < 3 && !job->isFinished())
        juce::Thread::sleep(2);
    CHECK_FALSE(job->isFinished());  // a 100000-iteration run is far from done
    const ObjectiveTrace::Points live = trace->snapshot();
    REQUIRE(live.values.size() >= 3);
    CHECK(live.iterations[0] == 0);
    CHECK(live.iterations[1] == 5);
    CHECK(live.values[1] <= live.values[0]);  // KL multiplicative updates never increase it
    job->cancel();
    job->wait();
    CHECK(job->wasCancelled());
}

#include "TestAudio.hpp"

#include "model/PlaybackMixer.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::app;

namespace {

AudioBuffer ramp(double rate, size_t n, float scale, size_t channels = 2)
{
    AudioBuffer a;
    a.sampleRate = rate;
    a.channels.assign(channels, std::vector<float>(n));
    for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < n; ++i)
            a.channels[c][i] = scale * float(i) * (c == 0 ? 1.0f : -1.0f);
    return a;
}

struct Out {
    std::vector<std::vector<float>> data;
    std::vector<float*> pointers;
    Out(int channels, int frames) : data(size_t(channels), std::vector<float>(size_t(frames), 99.0f))
    {
        for (auto& d : data)
            pointers.push_back(d.data());
    }
};

}  // namespace

TEST_CASE("playback: solo and mute pick the stems that are heard", "[playback]")
{
    bool muted[3] = {false, true, false}, solo[3] = {false, false, false};
    CHECK(stemAudible(0, muted, solo, 3));
    CHECK_FALSE(stemAudible(1, muted, solo, 3));
    solo[1] = true;  // a soloed stem is heard even if muted; the others are not
    CHECK_FALSE(stemAudible(0, muted, solo, 3));
    CHECK(stemAudible(1, muted, solo, 3));
    CHECK_FALSE(stemAudible(2, muted, solo, 3));
}

TEST_CASE("playback: the mix, one stem, or the sum of the audible stems", "[playback]")
{
    const auto mix = ramp(100.0, 50, 3.0f);
    std::vector<Stem> stems{{"a", ramp(100.0, 50, 1.0f)}, {"b", ramp(100.0, 50, 2.0f)}};
    Out out(2, 10);

    double next = renderPlayback(mix, nullptr, nullptr, 5.0, 1.0, out.pointers.data(), 2, 10);
    CHECK(next == 15.0);
    CHECK(out.data[0][0] == 15.0f);
    CHECK(out.data[1][9] == -42.0f);

    const bool onlyB[2] = {false, true};
    renderPlayback(mix, &stems, onlyB, 5.0, 1.0, out.pointers.data(), 2, 10);
    CHECK(out.data[0][0] == 10.0f);

    const bool both[2] = {true, true};
    renderPlayback(mix, &stems, both, 5.0, 1.0, out.pointers.data(), 2, 10);
    CHECK(out.data[0][3] == 24.0f);  // (1 + 2) · 8: the stems add up to the mix

    const bool none[2] = {false, false};
    renderPlayback(mix, &stems, none, 5.0, 1.0, out.pointers.data(), 2, 10);
    CHECK(out.data[0][3] == 0.0f);
}

TEST_CASE("playback: other device rates interpolate, mono feeds every output, the end stops", "[playback]")
{
    const auto mono = ramp(100.0, 20, 1.0f, 1);
    Out out(2, 8);
    double next = renderPlayback(mono, nullptr, nullptr, 2.0, 0.5, out.pointers.data(), 2, 8);
    CHECK(next == 6.0);
    CHECK(out.data[0][1] == Approx(2.5f));
    CHECK(out.data[1][1] == Approx(2.5f));

    // Reaching the end writes silence after the last sample and reports the end.
    next = renderPlayback(mono, nullptr, nullptr, 16.0, 1.0, out.pointers.data(), 2, 8);
    CHECK(next >= 19.0);
    CHECK(out.data[0][3] == 19.0f);
    CHECK(out.data[0][4] == 0.0f);
    CHECK(out.data[0][7] == 0.0f);
}

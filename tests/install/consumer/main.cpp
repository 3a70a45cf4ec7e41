// Uses the installed Demix engine as any other program would: factorises a short
// generated two-tone signal into two sources and checks that the stems sum to it.
// Exit status 0 on success, 1 with a message otherwise.
#include <demix/demix.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#ifndef DEMIX_EXPECTED_VERSION
#error "build with -DDEMIX_EXPECTED_VERSION=\"MAJOR.MINOR.PATCH\""
#endif

int main() {
    if (std::strcmp(demix::versionString(), DEMIX_EXPECTED_VERSION) != 0) {
        std::fprintf(stderr, "engine version %s, expected %s\n", demix::versionString(),
                     DEMIX_EXPECTED_VERSION);
        return 1;
    }

    // 1.5 s at 16 kHz: a 440 Hz tone in the first two thirds, a 1250 Hz tone with a
    // harmonic in the last two thirds (they overlap in the middle third).
    const double rate = 16000.0;
    const int n = 24000;
    const double pi = 3.14159265358979323846;
    demix::AudioBuffer mix;
    mix.sampleRate = rate;
    mix.channels.assign(1, std::vector<float>(n, 0.0f));
    for (int i = 0; i < n; ++i) {
        const double t = i / rate;
        double x = 0.0;
        if (i < 2 * n / 3) x += 0.4 * std::sin(2 * pi * 440.0 * t);
        if (i >= n / 3) x += 0.3 * std::sin(2 * pi * 1250.0 * t) + 0.1 * std::sin(2 * pi * 2500.0 * t);
        mix.channels[0][i] = static_cast<float>(x);
    }

    demix::SeparationSettings settings;
    settings.stft.fftSize = 1024;
    settings.stft.hop = 256;
    settings.nmf.maxIterations = 100;
    settings.nmf.seed = 1;
    settings.threads = 1;

    const demix::Decomposition d = demix::decomposeUnsupervised(mix, 4, 2, settings);
    const std::vector<demix::Stem> stems = demix::renderStems(mix, d, settings);
    if (stems.size() != 2) {
        std::fprintf(stderr, "%zu stems, expected 2\n", stems.size());
        return 1;
    }

    double peak = 0.0, worst = 0.0, energy0 = 0.0, energy1 = 0.0;
    for (int i = 0; i < n; ++i) {
        const double sum = double(stems[0].audio.channels.at(0).at(i)) + stems[1].audio.channels.at(0).at(i);
        worst = std::fmax(worst, std::fabs(sum - mix.channels[0][i]));
        peak = std::fmax(peak, std::fabs(mix.channels[0][i]));
        energy0 += double(stems[0].audio.channels[0][i]) * stems[0].audio.channels[0][i];
        energy1 += double(stems[1].audio.channels[0][i]) * stems[1].audio.channels[0][i];
    }
    std::printf("demix %s: %d components, %zu stems, |sum - mix| <= %.3g (peak %.3g), "
                "stem energies %.1f / %.1f\n",
                demix::versionString(), static_cast<int>(d.W.cols()), stems.size(), worst, peak,
                energy0, energy1);
    if (!(worst <= 1e-4 * peak)) {
        std::fprintf(stderr, "the stems do not sum to the mix\n");
        return 1;
    }
    // Both tones are there for half the signal or more: a stem holding (nearly) nothing
    // would mean the separation did not happen.
    if (!(energy0 > 0.05 * (energy0 + energy1) && energy1 > 0.05 * (energy0 + energy1))) {
        std::fprintf(stderr, "one stem is (nearly) silent\n");
        return 1;
    }
    return 0;
}

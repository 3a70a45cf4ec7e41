#pragma once
// Shared by the --group-by and --restarts CLI tests: a low harmonic tone ("bass") and
// noise bursts ("hats"), their training clips and libraries, and a stereo mix of other
// performances; fast options and the usage-error check.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace demix::test::library_scene {

constexpr double kRate = 16000.0;
inline const std::vector<std::string> kFast{"--fft", "512", "--hop", "128", "--iterations", "60",
                                            "--seed", "1", "--quiet"};

inline std::vector<std::string> with(std::vector<std::string> args) {
    args.insert(args.end(), kFast.begin(), kFast.end());
    return args;
}

inline void expectUsageError(const RunResult& r, const std::string& what) {
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("demix: error:"));
    CHECK_THAT(r.err, Catch::Contains(what));
}

/// The libraries bass.dmxt and hats.dmxt (4 templates per set) are learned with
/// `learnRestarts` template sets per source ("" = demix learn's default).
struct Scene {
    TempDir dir;
    AudioBuffer bass, hat, mix;
    explicit Scene(const std::string& learnRestarts = "") {
        writeWav(dir.path("bass-train.wav"), tone(110.0, 6, 1.5, kRate, 1, 0.3, 0.5));
        writeWav(dir.path("hats-train.wav"), hats(1.5, kRate, 1, 7));
        bass = tone(146.8, 6, 2.0, kRate, 2, 0.3, 0.4);
        hat = hats(2.0, kRate, 2, 99, 0.3, 0.3);
        mix = sum(bass, hat);
        writeWav(dir.path("mix.wav"), mix);
        for (const char* name : {"bass", "hats"}) {
            std::vector<std::string> args{"learn", dir.path(std::string(name) + "-train.wav"),
                                          "--name", name, "-k", "4", "-o",
                                          dir.path(std::string(name) + ".dmxt")};
            if (!learnRestarts.empty()) {
                args.push_back("--restarts");
                args.push_back(learnRestarts);
            }
            const auto r = runDemix(with(args));
            INFO(r.err);
            REQUIRE(r.exitCode == 0);
        }
    }
};

}  // namespace demix::test::library_scene

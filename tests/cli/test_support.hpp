#pragma once
// Helpers for the end-to-end CLI tests: temporary folders, running the real `demix`
// binary, generating test signals and reading/writing audio through the CLI's own I/O.

#include "audio_file.hpp"

#include "demix/types.hpp"

#include <juce_core/juce_core.h>

#include <string>
#include <vector>

namespace demix::test {

/// A fresh temporary folder, deleted (recursively) at the end of the test.
class TempDir {
public:
    TempDir();
    ~TempDir();
    std::string path(const std::string& name = "") const;

private:
    juce::File dir_;
};

struct RunResult {
    int exitCode = -1;  ///< exit status, or 128 + signal if killed
    std::string out, err;
};

/// Runs the demix binary with `args` (cwd = `cwd` if not empty). Kills it after
/// `timeoutSeconds` (reported as exit code 124). If `interruptAfterSeconds` >= 0, sends
/// it SIGINT (like Ctrl-C) after that time. `stderrIsTerminal`: stderr is a pseudo-terminal
/// (as in an interactive shell) instead of a file.
RunResult runDemix(const std::vector<std::string>& args, const std::string& cwd = "",
                   double timeoutSeconds = 120.0, double interruptAfterSeconds = -1.0,
                   bool stderrIsTerminal = false);

/// Harmonic tone: `harmonics` partials of f0 with 1/h amplitudes, gated on/off every
/// `period` seconds (0 = always on), same in every channel scaled by (1 - 0.3 c).
AudioBuffer tone(double f0, int harmonics, double seconds, double rate, int channels,
                 double amplitude = 0.3, double period = 0.0);
/// High-passed noise bursts (short decays every `period` seconds), seeded.
AudioBuffer hats(double seconds, double rate, int channels, unsigned seed, double amplitude = 0.3,
                 double period = 0.25);
AudioBuffer sum(const AudioBuffer& a, const AudioBuffer& b);
AudioBuffer silence(std::size_t samples, double rate, int channels);

void writeWav(const std::string& path, const AudioBuffer& audio,
              cli::SampleFormat format = cli::SampleFormat::Float32);
AudioBuffer readWav(const std::string& path);

/// The id of a process that has just ended (forked, exited and reaped): what a killed
/// run's temporary file names carry.
long exitedProcessId();

std::string readBytes(const std::string& path);
void writeBytes(const std::string& path, const std::string& bytes);
bool exists(const std::string& path);

/// max |a - b| over all samples / max |a| (shapes must match).
double relativeMaxError(const AudioBuffer& a, const AudioBuffer& b);

}  // namespace demix::test

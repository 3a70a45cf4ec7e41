#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <fcntl.h>
#include <pty.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

namespace demix::test {

TempDir::TempDir() {
    // mkdtemp: unique even when several test processes run at once.
    std::string pattern = juce::File::getSpecialLocation(juce::File::tempDirectory)
                              .getChildFile("demix-cli-test-XXXXXX")
                              .getFullPathName()
                              .toStdString();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = juce::File(pattern);
}

TempDir::~TempDir() {
    // Restore permissions a test may have removed, then delete.
    ::chmod(dir_.getFullPathName().toRawUTF8(), 0755);
    for (const auto& f : dir_.findChildFiles(juce::File::findDirectories, true))
        ::chmod(f.getFullPathName().toRawUTF8(), 0755);
    dir_.deleteRecursively();
}

std::string TempDir::path(const std::string& name) const {
    return (name.empty() ? dir_ : dir_.getChildFile(name)).getFullPathName().toStdString();
}

RunResult runDemix(const std::vector<std::string>& args, const std::string& cwd,
                   double timeoutSeconds, double interruptAfterSeconds, bool stderrIsTerminal) {
    // Unique per test process and call: tests run in parallel.
    static int calls = 0;
    const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++calls);
    const juce::File tmp = juce::File::getSpecialLocation(juce::File::tempDirectory);
    const juce::File outFile = tmp.getChildFile("demix-test-out-" + tag + ".txt");
    const juce::File errFile = tmp.getChildFile("demix-test-err-" + tag + ".txt");
    std::vector<std::string> argv{DEMIX_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    int ptyMaster = -1, ptySlave = -1;
    if (stderrIsTerminal) REQUIRE(::openpty(&ptyMaster, &ptySlave, nullptr, nullptr, nullptr) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int o = ::open(outFile.getFullPathName().toRawUTF8(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(errFile.getFullPathName().toRawUTF8(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(o, 1);
        ::dup2(stderrIsTerminal ? ptySlave : e, 2);
        const int in = ::open("/dev/null", O_RDONLY);
        ::dup2(in, 0);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    RunResult result;
    std::string terminal;
    auto drain = [&] {  // keep reading so the child never blocks on a full terminal
        char buffer[4096];
        for (ssize_t n; ptyMaster >= 0 && (n = ::read(ptyMaster, buffer, sizeof buffer)) > 0;)
            terminal.append(buffer, static_cast<std::size_t>(n));
    };
    if (stderrIsTerminal) {
        ::close(ptySlave);
        ::fcntl(ptyMaster, F_SETFL, ::fcntl(ptyMaster, F_GETFL) | O_NONBLOCK);
    }
    int status = 0;
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::milliseconds(static_cast<long>(timeoutSeconds * 1000));
    bool interruptSent = interruptAfterSeconds < 0.0;
    for (;;) {
        if (!interruptSent && std::chrono::steady_clock::now() - started >
                                  std::chrono::milliseconds(static_cast<long>(interruptAfterSeconds * 1000))) {
            ::kill(pid, SIGINT);
            interruptSent = true;
        }
        drain();
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            result.exitCode = 124;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (result.exitCode != 124)
        result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = outFile.loadFileAsString().toStdString();
    result.err = errFile.loadFileAsString().toStdString();
    if (stderrIsTerminal) {
        drain();
        ::close(ptyMaster);
        result.err = terminal;
    }
    outFile.deleteFile();
    errFile.deleteFile();
    return result;
}

AudioBuffer tone(double f0, int harmonics, double seconds, double rate, int channels,
                 double amplitude, double period) {
    AudioBuffer a;
    a.sampleRate = rate;
    const auto n = static_cast<std::size_t>(seconds * rate);
    a.channels.assign(static_cast<std::size_t>(channels), std::vector<float>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate;
        double v = 0.0;
        for (int h = 1; h <= harmonics; ++h)
            if (f0 * h < rate / 2) v += std::sin(2.0 * M_PI * f0 * h * t) / h;
        const bool on = period <= 0.0 || std::fmod(t, period) < period / 2;
        for (int c = 0; c < channels; ++c)
            a.channels[static_cast<std::size_t>(c)][i] =
                on ? static_cast<float>(amplitude * v * (1.0 - 0.3 * c / std::max(1, channels))) : 0.0f;
    }
    return a;
}

AudioBuffer hats(double seconds, double rate, int channels, unsigned seed, double amplitude,
                 double period) {
    AudioBuffer a;
    a.sampleRate = rate;
    const auto n = static_cast<std::size_t>(seconds * rate);
    a.channels.assign(static_cast<std::size_t>(channels), std::vector<float>(n));
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    for (int c = 0; c < channels; ++c) {
        double prev = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double t = static_cast<double>(i) / rate;
            const double x = noise(rng);
            const double hp = x - prev;  // first difference: a simple high-pass
            prev = x;
            const double env = std::exp(-std::fmod(t, period) * 40.0);
            a.channels[static_cast<std::size_t>(c)][i] = static_cast<float>(amplitude * 0.5 * hp * env);
        }
    }
    return a;
}

AudioBuffer sum(const AudioBuffer& a, const AudioBuffer& b) {
    AudioBuffer s = a;
    for (std::size_t c = 0; c < s.numChannels(); ++c)
        for (std::size_t i = 0; i < s.numSamples(); ++i) s.channels[c][i] += b.channels[c][i];
    return s;
}

AudioBuffer silence(std::size_t samples, double rate, int channels) {
    AudioBuffer a;
    a.sampleRate = rate;
    a.channels.assign(static_cast<std::size_t>(channels), std::vector<float>(samples, 0.0f));
    return a;
}

void writeWav(const std::string& path, const AudioBuffer& audio, cli::SampleFormat format) {
    cli::writeAudioFile(path, audio, format);
}

AudioBuffer readWav(const std::string& path) { return cli::readAudioFile(path); }

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool exists(const std::string& path) { return juce::File(path).exists(); }

double relativeMaxError(const AudioBuffer& a, const AudioBuffer& b) {
    REQUIRE(a.numChannels() == b.numChannels());
    REQUIRE(a.numSamples() == b.numSamples());
    double peak = 0.0, err = 0.0;
    for (std::size_t c = 0; c < a.numChannels(); ++c)
        for (std::size_t i = 0; i < a.numSamples(); ++i) {
            peak = std::max(peak, std::fabs(static_cast<double>(a.channels[c][i])));
            err = std::max(err, std::fabs(static_cast<double>(a.channels[c][i]) - b.channels[c][i]));
        }
    return peak > 0.0 ? err / peak : err;
}

long exitedProcessId() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return static_cast<long>(child);
}

}  // namespace demix::test

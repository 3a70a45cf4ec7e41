// Windows, StftSettings validation and the tables derived from them.

#include "stft_internal.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <new>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace demix {

namespace {

constexpr int kMaxFftSize = 1 << 24;
// Minimum summed squared window, relative to max(w)^2 (see StftSettings::validate).
constexpr double kMinOverlapRatio = 1e-3;

const char* windowName(WindowType w) {
    switch (w) {
        case WindowType::Hann: return "hann";
        case WindowType::SqrtHann: return "sqrt-hann";
        case WindowType::Custom: return "custom";
    }
    return "unknown";
}

// sum_m a[i + m*hop] * s[i + m*hop] for i < hop, in double.
std::vector<double> productOverlap(const std::vector<float>& a, const std::vector<float>& s, int hop) {
    std::vector<double> sum(static_cast<std::size_t>(hop), 0.0);
    for (std::size_t j = 0; j < a.size(); ++j)
        sum[j % static_cast<std::size_t>(hop)] += static_cast<double>(a[j]) * s[j];
    return sum;
}

bool lowDelay(const StftSettings& settings) { return settings.synthesisSpan() < settings.fftSize; }

// Periodic Hann of length `length` at index i.
double hann(double i, double length) {
    return 0.5 - 0.5 * std::cos(6.283185307179586476925286766559 * i / length);
}

}  // namespace

std::vector<float> makeWindow(const StftSettings& settings) {
    const int n = settings.fftSize;
    if (lowDelay(settings)) {
        // Mauler & Martin: sqrt of a long Hann rising to 1 at n − M, then sqrt of the
        // falling half of a Hann of length 2M (M = L / 2).
        const int m = settings.synthesisSpan() / 2;
        std::vector<float> w(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            const double v = i < n - m ? hann(i, 2.0 * (n - m)) : hann(i - (n - 2 * m), 2.0 * m);
            w[static_cast<std::size_t>(i)] = static_cast<float>(std::sqrt(v));
        }
        return w;
    }
    if (settings.window == WindowType::Custom) return settings.customWindow;
    std::vector<float> w(static_cast<std::size_t>(std::max(n, 0)));
    const double twoPi = 6.283185307179586476925286766559;
    for (int i = 0; i < n; ++i) {
        const double hann = 0.5 - 0.5 * std::cos(twoPi * i / n);
        w[static_cast<std::size_t>(i)] =
            static_cast<float>(settings.window == WindowType::SqrtHann ? std::sqrt(hann) : hann);
    }
    return w;
}

std::vector<float> makeSynthesisWindow(const StftSettings& settings) {
    std::vector<float> analysis = makeWindow(settings);
    if (!lowDelay(settings)) return analysis;
    const int n = settings.fftSize;
    const int m = settings.synthesisSpan() / 2;
    std::vector<float> w(static_cast<std::size_t>(n), 0.0f);
    for (int i = n - 2 * m; i < n; ++i) {
        const double product = hann(i - (n - 2 * m), 2.0 * m);  // analysis × synthesis
        const double a = analysis[static_cast<std::size_t>(i)];
        w[static_cast<std::size_t>(i)] = a > 0.0 ? static_cast<float>(product / a) : 0.0f;
    }
    return w;
}

void StftSettings::validate() const {
    if (fftSize < 2 || fftSize > kMaxFftSize || fftSize % 2 != 0)
        throw InvalidArgument("StftSettings.fftSize must be an even number in [2, " +
                              std::to_string(kMaxFftSize) + "] (got " +
                              std::to_string(fftSize) + ")");
    if (hop < 1 || hop > fftSize)
        throw InvalidArgument("StftSettings.hop must be in [1, fftSize = " +
                              std::to_string(fftSize) + "] (got " + std::to_string(hop) + ")");
    if (window != WindowType::Hann && window != WindowType::SqrtHann &&
        window != WindowType::Custom)
        throw InvalidArgument("StftSettings.window is not a known window type");
    if (window == WindowType::Custom) {
        if (customWindow.size() != static_cast<std::size_t>(fftSize))
            throw InvalidArgument("StftSettings.customWindow must have fftSize = " +
                                  std::to_string(fftSize) + " values (got " +
                                  std::to_string(customWindow.size()) + ")");
        for (std::size_t i = 0; i < customWindow.size(); ++i)
            if (!std::isfinite(customWindow[i]))
                throw InvalidArgument("StftSettings.customWindow has a non-finite value at index " +
                                      std::to_string(i));
    }
    if (synthesisLength < 0 || synthesisLength > fftSize || synthesisLength % 2 != 0)
        throw InvalidArgument("StftSettings.synthesisLength must be 0 or an even number in [2, fftSize = " +
                              std::to_string(fftSize) + "] (got " + std::to_string(synthesisLength) + ")");
    if (lowDelay(*this) && window != WindowType::Hann)
        throw InvalidArgument("StftSettings.synthesisLength (low-delay windows) needs the hann window");
    const std::vector<float> w = makeWindow(*this);
    double peak = 0.0;
    for (float v : w) peak = std::max(peak, static_cast<double>(v) * v);
    if (!(peak >= 1e-12 && peak <= 1e12))
        throw InvalidArgument(
            "StftSettings.customWindow must have a largest |value| between 1e-6 and 1e6 "
            "(it is all zeros or badly scaled)");
    const std::vector<double> sum = productOverlap(w, makeSynthesisWindow(*this), hop);
    const auto worst = std::min_element(sum.begin(), sum.end());
    if (*worst < kMinOverlapRatio * peak) {
        const std::string what = window == WindowType::Custom
                                     ? std::string("StftSettings.customWindow")
                                     : std::string("the ") + windowName(window) + " window";
        throw InvalidArgument(
            "StftSettings.hop = " + std::to_string(hop) + " is too large for " + what +
            " with fftSize = " + std::to_string(fftSize) +
            ": the overlapping squared windows sum to (almost) zero at offset " +
            std::to_string(worst - sum.begin()) +
            ", so the signal cannot be reconstructed there (use hop <= fftSize / 2)");
    }
}

WindowType windowFromString(const std::string& name) {
    std::string s;
    for (char c : name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "hann") return WindowType::Hann;
    if (s == "sqrt-hann" || s == "sqrthann" || s == "sqrt_hann") return WindowType::SqrtHann;
    if (s == "custom") return WindowType::Custom;
    throw InvalidArgument("unknown window \"" + name + "\" (expected hann, sqrt-hann or custom)");
}

std::string toString(WindowType window) {
    switch (window) {
        case WindowType::Hann:
        case WindowType::SqrtHann:
        case WindowType::Custom: return windowName(window);
    }
    throw InvalidArgument("unknown WindowType value " + std::to_string(static_cast<int>(window)));
}

namespace detail {

void adviseHugePages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::size_t kHuge = std::size_t(2) << 20;
    if (data == nullptr || bytes < 4 * kHuge) return;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
    const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

FftrPlan::FftrPlan(int nfft, bool inverse) {
    if (RealFft::supports(nfft)) {
        fast_ = std::make_unique<RealFft>(nfft);
        return;
    }
    cfg_ = kiss_fftr_alloc(nfft, inverse ? 1 : 0, nullptr, nullptr);
    if (cfg_ == nullptr) throw std::bad_alloc();
}

FftrPlan::~FftrPlan() {
    if (cfg_ != nullptr) kiss_fftr_free(cfg_);
}

FftrPlan& FftrPlan::operator=(FftrPlan&& other) noexcept {
    if (this != &other) {
        if (cfg_ != nullptr) kiss_fftr_free(cfg_);
        cfg_ = other.cfg_;
        other.cfg_ = nullptr;
        fast_ = std::move(other.fast_);
    }
    return *this;
}

StftTables makeTables(const StftSettings& settings) {
    settings.validate();
    StftTables t;
    t.fftSize = settings.fftSize;
    t.hop = settings.hop;
    t.bins = settings.bins();
    t.window = makeWindow(settings);
    const std::vector<float> synthesis = makeSynthesisWindow(settings);
    t.synthesis.resize(t.window.size());
    const double scale = 1.0 / settings.fftSize;
    for (std::size_t j = 0; j < t.window.size(); ++j)
        t.synthesis[j] = static_cast<float>(synthesis[j] * scale);
    const std::vector<double> sum = productOverlap(t.window, synthesis, settings.hop);
    t.invNorm.resize(sum.size());
    for (std::size_t i = 0; i < sum.size(); ++i) t.invNorm[i] = static_cast<float>(1.0 / sum[i]);
    return t;
}

}  // namespace detail
}  // namespace demix

#pragma once
/// \file stft.hpp
/// Short-time Fourier transform (KissFFT real FFT, float32): offline and streaming.
///
/// Scaling: the forward transform is the plain unnormalised DFT of the windowed frame,
/// X[k] = sum_n w[n] x[n] e^{-2 pi i k n / N}. The inverse applies the synthesis window
/// and divides by the summed squared window (weighted overlap-add), so that
/// inverse(forward(x)) == x for every window/hop whose squared-window overlap sum is
/// non-zero everywhere (Hann and sqrt-Hann with hop <= N/2, and any hop that divides N
/// for sqrt-Hann / N/2 for Hann etc.).
///
/// Framing (offline and streaming agree): the signal is preceded by N - hop zeros, so
/// frame t covers input samples [(t+1)*hop - N, (t+1)*hop). Frames continue until every
/// input sample is covered by full overlap; inverse() trims back to the requested length,
/// so output length == input length exactly.
///
/// Thread-safety: an `Stft` is immutable after construction; its const methods may be
/// called from several threads at once. Not real-time safe (allocates): use
/// `StreamingStftAnalyzer` / `StreamingStftSynthesizer` on the audio thread.

#include "demix/types.hpp"

#include <memory>

namespace demix {

enum class WindowType {
    Hann,      ///< periodic Hann (default)
    SqrtHann,  ///< square root of periodic Hann (analysis and synthesis both sqrt-Hann)
    Custom     ///< `StftSettings::customWindow`, length fftSize
};

struct StftSettings {
    int fftSize = 2048;  ///< samples; any even size >= 2
    int hop = 512;       ///< samples; 1 <= hop <= fftSize
    WindowType window = WindowType::Hann;
    std::vector<float> customWindow;  ///< used when window == Custom

    int bins() const { return fftSize / 2 + 1; }
    /// Throws InvalidArgument naming the bad field if the settings cannot work.
    void validate() const;
};

/// The analysis window (length fftSize) for these settings.
std::vector<float> makeWindow(const StftSettings& settings);

/// Parse / print window names: "hann", "sqrt-hann". Throws InvalidArgument.
WindowType windowFromString(const std::string& name);
std::string toString(WindowType window);

/// A multichannel complex spectrogram: one F × T matrix per channel.
struct Spectrogram {
    std::vector<ComplexMatrix> channels;
    int bins() const { return channels.empty() ? 0 : static_cast<int>(channels[0].rows()); }
    int frames() const { return channels.empty() ? 0 : static_cast<int>(channels[0].cols()); }
};

/// The magnitude spectrogram V used by NMF, shared by all channels:
/// V(f, t) = mean over channels of |X_c(f, t)|. F × T, non-negative.
Matrix magnitude(const Spectrogram& spectrogram);

class Stft {
public:
    explicit Stft(StftSettings settings);  ///< throws InvalidArgument
    ~Stft();
    Stft(Stft&&) noexcept;
    Stft& operator=(Stft&&) noexcept;

    const StftSettings& settings() const;
    /// Number of frames produced for a signal of `numSamples` samples.
    int frameCount(std::size_t numSamples) const;

    /// One channel: returns bins × frameCount(n).
    ComplexMatrix forward(const float* samples, std::size_t numSamples) const;
    /// All channels; `threads` > 1 transforms channels in parallel (0 = hardware).
    Spectrogram forward(const AudioBuffer& audio, int threads = 1) const;

    /// One channel back to exactly `numSamples` samples.
    std::vector<float> inverse(const ComplexMatrix& spectrum, std::size_t numSamples) const;
    AudioBuffer inverse(const Spectrogram& spectrogram, std::size_t numSamples,
                        double sampleRate, int threads = 1) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Streaming analysis for one channel: push samples in blocks of any size, pop frames.
/// Real-time safe after `prepare` (no allocation, lock, I/O or exception in push/pop).
class StreamingStftAnalyzer {
public:
    StreamingStftAnalyzer();
    ~StreamingStftAnalyzer();
    /// Allocates. Throws InvalidArgument. `maxBlockSize` bounds one push().
    void prepare(const StftSettings& settings, int maxBlockSize);
    void reset() noexcept;  ///< back to the state right after prepare (zero history)

    /// Push up to maxBlockSize samples. Returns how many were consumed: it stops at
    /// the end of each frame so the caller can pop it (call again with the rest).
    int push(const float* samples, int numSamples) noexcept;
    /// If a frame is complete, writes bins() values and returns true.
    bool popFrame(std::complex<float>* spectrum) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Streaming synthesis for one channel: push frames, pull samples.
/// Real-time safe after `prepare`.
class StreamingStftSynthesizer {
public:
    StreamingStftSynthesizer();
    ~StreamingStftSynthesizer();
    void prepare(const StftSettings& settings);  ///< allocates; throws InvalidArgument
    void reset() noexcept;
    /// Overlap-adds one frame (bins() values); makes `hop` more samples available.
    void pushFrame(const std::complex<float>* spectrum) noexcept;
    /// Samples ready to pull.
    int available() const noexcept;
    /// Pulls up to numSamples; returns how many were written.
    int pull(float* out, int numSamples) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace demix

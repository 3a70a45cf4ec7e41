#pragma once
/// \file stft.hpp
/// Short-time Fourier transform (KissFFT real FFT, float32): offline and streaming.
///
/// Scaling: the forward transform is the plain unnormalised DFT of the windowed frame,
/// X[k] = sum_n w[n] x[n] e^{-2 pi i k n / N}, k = 0 .. N/2 (N = fftSize). The inverse
/// applies the synthesis window (== the analysis window) and divides by the summed
/// squared window (weighted overlap-add), so that inverse(forward(x)) == x (to float
/// rounding, <= 1e-5 relative RMS) for every window/hop that `StftSettings::validate()`
/// accepts. The imaginary parts of the DC and Nyquist bins are ignored by the inverse.
///
/// Framing (offline and streaming agree): the signal is preceded by N - hop zeros, so
/// frame t covers input samples [(t+1)*hop - N, (t+1)*hop) (samples outside [0, n) are
/// zero). Frames continue until every input sample is covered by full overlap, i.e. the
/// last frame is the last one that starts at or before sample n - 1:
///     frameCount(n) = n == 0 ? 0 : floor((n - 1 + N) / hop).
/// inverse() trims back to the requested length, so output length == input length
/// exactly. Every output sample in [0, n) sees the same (steady-state) set of frames, so
/// the first and last samples are reconstructed as exactly as the middle ones.
///
/// Denormals: the transforms run with flush-to-zero / denormals-are-zero enabled (the
/// caller's floating-point mode is restored on return), so subnormal input samples are
/// treated as zero and every result is finite for finite input.
///
/// Thread-safety: an `Stft` is immutable after construction; its const methods may be
/// called from several threads at once. Not real-time safe (allocates): use
/// `StreamingStftAnalyzer` / `StreamingStftSynthesizer` on the audio thread.

#include "demix/types.hpp"

#include <memory>

namespace demix {

enum class WindowType {
    Hann,      ///< periodic Hann, w[n] = 0.5 - 0.5 cos(2 pi n / N) (default)
    SqrtHann,  ///< square root of periodic Hann (analysis and synthesis both sqrt-Hann)
    Custom     ///< `StftSettings::customWindow`, length fftSize
};

struct StftSettings {
    int fftSize = 2048;  ///< samples; any even size in [2, 2^24]
    int hop = 512;       ///< samples; 1 <= hop <= fftSize
    WindowType window = WindowType::Hann;
    std::vector<float> customWindow;  ///< used when window == Custom (fftSize finite values)
    /// Low-delay windows (asymmetric analysis/synthesis, Mauler & Martin 2011) when
    /// 0 < synthesisLength < fftSize, with window == Hann: the analysis window keeps the
    /// full fftSize (frequency resolution) — the square root of a long Hann rising over
    /// fftSize − L/2 samples, then of a Hann_L falling over the last L/2 — and the
    /// synthesis window is non-zero only on the frame's last L samples, where
    /// analysis × synthesis = Hann_L (so overlap-add reconstructs for hop <= L/2). A
    /// streaming synthesiser then has a latency of L samples instead of fftSize.
    /// 0 (default) or fftSize: the usual STFT, synthesis window == analysis window.
    int synthesisLength = 0;

    int bins() const { return fftSize / 2 + 1; }
    /// Samples at the end of a frame the synthesis window covers (L, or fftSize).
    int synthesisSpan() const {
        return synthesisLength > 0 && synthesisLength < fftSize ? synthesisLength : fftSize;
    }
    /// Throws InvalidArgument naming the bad field if the settings cannot work:
    /// fftSize odd or out of range, hop out of [1, fftSize], a custom window of the wrong
    /// length or with non-finite values, or a window/hop pair whose summed squared window
    /// sum_j w[j + m*hop]^2 falls below 1e-3 * max(w)^2 somewhere (the signal could not
    /// be reconstructed accurately there: e.g. Hann with hop == fftSize).
    /// Every combination that passes reconstructs to <= 1e-5 relative RMS.
    void validate() const;
};

/// The analysis window (length fftSize) for these settings (not validated).
std::vector<float> makeWindow(const StftSettings& settings);
/// The synthesis window (length fftSize): the analysis window, or the low-delay one
/// (StftSettings::synthesisLength). Not validated.
std::vector<float> makeSynthesisWindow(const StftSettings& settings);

/// Parse / print window names: "hann", "sqrt-hann", "custom" (parsing is
/// case-insensitive and also accepts "sqrthann" / "sqrt_hann"). Throws InvalidArgument.
WindowType windowFromString(const std::string& name);
std::string toString(WindowType window);

/// A multichannel complex spectrogram: one F × T matrix per channel.
struct Spectrogram {
    std::vector<ComplexMatrix> channels;
    int bins() const { return channels.empty() ? 0 : static_cast<int>(channels[0].rows()); }
    int frames() const { return channels.empty() ? 0 : static_cast<int>(channels[0].cols()); }
};

/// The magnitude spectrogram V used by NMF, shared by all channels:
/// V(f, t) = mean over channels of |X_c(f, t)|. F × T, non-negative (0 × 0 for no
/// channels). Throws InvalidArgument if the channels' sizes differ.
Matrix magnitude(const Spectrogram& spectrogram);

class Stft {
public:
    explicit Stft(StftSettings settings);  ///< validates; throws InvalidArgument
    ~Stft();
    Stft(Stft&&) noexcept;
    Stft& operator=(Stft&&) noexcept;

    const StftSettings& settings() const;
    /// The analysis (== synthesis) window, length fftSize.
    const std::vector<float>& window() const;
    /// Number of frames produced for a signal of `numSamples` samples (see the framing
    /// rule above; 0 for 0 samples). Throws InvalidArgument if it would exceed INT_MAX.
    int frameCount(std::size_t numSamples) const;

    /// One channel: returns bins × frameCount(n).
    ComplexMatrix forward(const float* samples, std::size_t numSamples) const;
    /// All channels (equal lengths, else InvalidArgument). `threads` > 1 transforms
    /// channels in parallel, one channel per thread; with fewer channels than threads
    /// each channel is also cut into ranges of frames (0 = hardware concurrency). The
    /// result is bit-identical for every thread count.
    Spectrogram forward(const AudioBuffer& audio, int threads = 1) const;

    /// One channel back to exactly `numSamples` samples. `spectrum` must be
    /// bins × frameCount(numSamples), else InvalidArgument.
    std::vector<float> inverse(const ComplexMatrix& spectrum, std::size_t numSamples) const;
    /// All channels; threads as for forward() (ranges of output samples within a
    /// channel). Bit-identical for every thread count and to the one-channel inverse().
    AudioBuffer inverse(const Spectrogram& spectrogram, std::size_t numSamples,
                        double sampleRate, int threads = 1) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Streaming analysis for one channel: push samples in blocks of any size, pop frames.
/// Real-time safe after `prepare` (no allocation, lock, I/O or exception in push/pop).
/// Not thread-safe (one thread at a time).
///
/// Relation to the offline form: after prepare/reset the analyzer holds fftSize - hop
/// zeros of history (the offline left padding). Frame t becomes available once
/// (t+1)*hop samples have been pushed, and it equals column t of
/// `Stft::forward(x)` (bit-identical). Pushing hop*(frameCount(n)) - n trailing zeros
/// after x yields exactly all frameCount(n) offline frames.
class StreamingStftAnalyzer {
public:
    StreamingStftAnalyzer();
    ~StreamingStftAnalyzer();
    StreamingStftAnalyzer(StreamingStftAnalyzer&&) noexcept;  ///< e.g. in a std::vector
    StreamingStftAnalyzer& operator=(StreamingStftAnalyzer&&) noexcept;
    /// Allocates. Throws InvalidArgument (bad settings, maxBlockSize < 1).
    /// `maxBlockSize` is informative: push() never needs more than `hop` samples of room.
    void prepare(const StftSettings& settings, int maxBlockSize);
    void reset() noexcept;  ///< back to the state right after prepare (zero history)

    int bins() const noexcept;  ///< fftSize/2 + 1 (0 before prepare)
    int hop() const noexcept;   ///< 0 before prepare

    /// Push up to numSamples samples. Returns how many were consumed: it stops at
    /// the end of each frame so the caller can pop it (call again with the rest); it
    /// consumes nothing while a completed frame has not been popped.
    /// Before prepare it consumes everything and produces no frame.
    int push(const float* samples, int numSamples) noexcept;
    /// If a frame is complete, writes bins() values and returns true.
    bool popFrame(std::complex<float>* spectrum) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Streaming synthesis for one channel: push frames, pull samples.
/// Real-time safe after `prepare`. Not thread-safe (one thread at a time).
///
/// Relation to the offline form (latency == fftSize exactly; with low-delay windows read
/// synthesisSpan() = L for fftSize below): the output stream z of a freshly
/// prepared/reset synthesizer is the offline inverse y delayed by fftSize:
///     z[m] = 0 for m < fftSize,  z[m] = y[m - fftSize] for m >= fftSize,
/// where y = Stft::inverse(frames 0, 1, ...). Concretely, `hop` zeros are available
/// right after prepare/reset, and each pushFrame() makes `hop` more samples available;
/// the reconstruction of the fftSize - hop samples of left padding is replaced by zeros.
/// So the loop "per block of n input samples: push them into an analyzer, pass every
/// popped frame (possibly modified) to pushFrame, then pull n samples" always finds n
/// samples available and outputs y delayed by exactly fftSize samples.
class StreamingStftSynthesizer {
public:
    StreamingStftSynthesizer();
    ~StreamingStftSynthesizer();
    StreamingStftSynthesizer(StreamingStftSynthesizer&&) noexcept;
    StreamingStftSynthesizer& operator=(StreamingStftSynthesizer&&) noexcept;
    /// Allocates; throws InvalidArgument. The output FIFO holds
    /// max(maxBlockSize, fftSize) + 2*hop samples (see capacity()), enough for the loop
    /// above with blocks of up to maxBlockSize samples (0 = fftSize).
    void prepare(const StftSettings& settings, int maxBlockSize = 0);
    void reset() noexcept;  ///< back to the state right after prepare
    /// Overlap-adds one frame (bins() values); makes `hop` more samples available.
    /// If the FIFO would overflow, the oldest unread samples are dropped.
    void pushFrame(const std::complex<float>* spectrum) noexcept;
    /// Samples ready to pull.
    int available() const noexcept;
    /// FIFO size in samples (0 before prepare).
    int capacity() const noexcept;
    /// Pulls up to numSamples; returns how many were written.
    int pull(float* out, int numSamples) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace demix

#pragma once
/// \file types.hpp
/// Basic types shared by the whole engine.
///
/// Conventions used everywhere in Demix:
///  - Audio samples are float32, nominal full scale is [-1, 1]; nothing is clipped.
///  - Audio is planar: `AudioBuffer::channels[c][n]`.
///  - Matrices are Eigen, column-major, float32. A spectrogram / magnitude matrix is
///    F (frequency bins) rows × T (frames) columns; templates W are F × K; activations
///    H are K × T.
///  - Engine errors are thrown as `demix::Error` (or a subclass) with a message that
///    names what is wrong. Nothing in the real-time API throws (see streaming_separator.hpp).

#include <Eigen/Core>

#include <complex>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace demix {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using ComplexMatrix = Eigen::Matrix<std::complex<float>, Eigen::Dynamic, Eigen::Dynamic>;

/// Planar multichannel audio. All channels have the same length.
struct AudioBuffer {
    double sampleRate = 44100.0;               ///< Hz
    std::vector<std::vector<float>> channels;  ///< channels[c][n]

    std::size_t numChannels() const { return channels.size(); }
    std::size_t numSamples() const { return channels.empty() ? 0 : channels.front().size(); }
};

/// Base class of every error the engine reports. `what()` is meant for users.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A bad argument or an unusable setting (e.g. hop > FFT size, K = 0).
class InvalidArgument : public Error {
public:
    using Error::Error;
};

/// The work was cancelled through a progress callback.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

/// Progress of long offline work. `fraction` is in [0, 1]; `stage` is a short
/// human-readable label ("learning", "separating", ...). Return false to cancel;
/// the engine then stops within one iteration / block and throws `Cancelled`
/// (or returns with `cancelled = true` where a result type says so).
/// Called on the thread that runs the work.
using ProgressCallback = std::function<bool(double fraction, const std::string& stage)>;

}  // namespace demix

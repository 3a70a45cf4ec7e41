#pragma once
/// \file Pictures.hpp
/// Images of a decomposition, drawn off-screen with juce_graphics (no window needed):
/// spectrograms (linear or log frequency, dB colour scale), the spectrogram coloured by
/// source, templates W, activations H and the objective curve. The GUI draws these
/// images and the PNG export writes them.
///
/// Thread-safety: pure functions; juce::Image objects may be made on any thread.

#include <demix/types.hpp>

#include <juce_graphics/juce_graphics.h>

namespace demix::app {

/// What part of a spectrogram to draw and how.
struct SpectrogramView {
    double sampleRate = 44100.0;  ///< Hz, for the log-frequency axis
    bool logFrequency = false;    ///< log axis from 30 Hz to Nyquist
    int firstFrame = 0;           ///< first frame shown
    int lastFrame = -1;           ///< one past the last frame shown; -1 = all
    float rangeDb = 80.0f;        ///< dynamic range below the loudest bin
};

/// A distinct colour for source `s` (cycled).
juce::Colour sourceColour(int source);

/// Maps a level in [0, 1] to the app's colour map (black → violet → orange → pale yellow).
juce::Colour heatColour(float level);

/// Magnitude spectrogram V (F × T) as an image, dB colour-mapped.
juce::Image renderSpectrogram(const Matrix& V, const SpectrogramView& view, int width, int height);

/// V coloured by source: each pixel mixes the sources' colours by their masks, with the
/// brightness of V's level. `masks` are F × T each (they sum to one).
juce::Image renderSourceSpectrogram(const Matrix& V, const std::vector<Matrix>& masks,
                                    const SpectrogramView& view, int width, int height);

/// One source's masked spectrogram (mask ⊙ V), tinted with the source's colour.
juce::Image renderMaskedSpectrogram(const Matrix& V, const Matrix& mask, juce::Colour tint,
                                    const SpectrogramView& view, int width, int height);

/// Templates W (F × K): one column per component, frequency upwards, each column
/// normalised to its own peak; the strip under each column shows its source colour.
/// `sourceOfComponent[k]` is the source index of component k (or -1).
juce::Image renderTemplates(const Matrix& W, const std::vector<int>& sourceOfComponent,
                            bool logFrequency, double sampleRate, int width, int height);

/// Activations H (K × T): one row per component (each normalised to its own peak),
/// tinted by its source colour.
juce::Image renderActivations(const Matrix& H, const std::vector<int>& sourceOfComponent,
                              int firstFrame, int lastFrame, int width, int height);

/// The objective curve (log scale of the values) on a dark background.
juce::Image renderObjectiveCurve(const std::vector<double>& values, int width, int height);

/// Encodes `image` as PNG and writes it atomically. Throws FileError.
void savePng(const juce::Image& image, const juce::File& file);

}  // namespace demix::app

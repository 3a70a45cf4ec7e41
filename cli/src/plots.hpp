#pragma once
/// \file plots.hpp
/// PNG pictures for `--plot DIR` (JUCE Image + PNGImageFormat, no display needed).
///
/// Every picture maps values to a dark-to-bright colour scale; magnitudes are shown in dB
/// over an 80 dB range below the picture's maximum. Frequency runs bottom (0 Hz) to top on
/// a logarithmic bin scale (bin b at height log(b + 1) / log(F + 1)),
/// time left to right. Pictures are 600–1200 × 300–600 pixels; large matrices are reduced by taking
/// the maximum of the cells each pixel covers (so short events stay visible), small ones
/// are enlarged without smoothing.

#include "demix/separator.hpp"

#include <string>

namespace demix::cli {

/// spectrogram.png (V), templates.png (W, one column strip per component, sources
/// separated by white lines), activations.png (H, one row per component, grouped by
/// source, groups separated by white lines), masks.png (one panel per source, top to bottom in
/// source order).
/// Returns the written paths. Throws ProcessingError if a file cannot be written.
/// The file names the pictures may have (in their folder), for output checks.
const std::vector<std::string>& plotFileNames();

std::vector<std::string> writeDecompositionPlots(const Decomposition& decomposition,
                                                 float alpha, const std::string& dir);

/// templates.png for a library (learn).
std::vector<std::string> writeLibraryPlots(const TemplateLibrary& library, const std::string& dir);

}  // namespace demix::cli

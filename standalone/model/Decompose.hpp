#pragma once
/// \file Decompose.hpp
/// Runs the chosen method on a mix by calling the engine: loads and checks template
/// libraries, learns sources from clips, then decomposes (supervised, semi-supervised
/// or unsupervised). Pure function of its inputs, so it runs on any worker thread.

#include "model/AppSettings.hpp"

#include <demix/separator.hpp>

#include <juce_core/juce_core.h>

#include <functional>

namespace demix::app {

/// The library a supervised run uses: every library file (checked against the mix's
/// sample rate and the STFT settings) plus one source per learned clip. Throws
/// LibraryError / FileError / InvalidArgument with a message naming the culprit, or
/// Cancelled.
TemplateLibrary buildLibrary(const AudioBuffer& mix, const AppSettings& settings,
                             const ProgressCallback& progress = {});

/// Runs `settings.method` on `mix`. Progress fractions cover the whole run (learning
/// included). `onObjective` (optional, called on this thread) receives each objective
/// value of the final decomposition's NMF as it is evaluated — exactly the values of the
/// result's nmf.objective, in order; sources learned from clips first are not reported.
/// Throws like buildLibrary, or Cancelled.
Decomposition decompose(const AudioBuffer& mix, const AppSettings& settings,
                        const ProgressCallback& progress = {},
                        const std::function<void(int iteration, double objective)>& onObjective = {});

/// The analysis settings a mix is processed with.
AnalysisSettings analysisFor(const AudioBuffer& mix, const AppSettings& settings);

}  // namespace demix::app

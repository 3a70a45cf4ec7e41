#pragma once
// Held-out validation of template learning (SeparationSettings::validation). Internal
// header; exposed to the engine tests.

#include "demix/nmf.hpp"
#include "demix/separator.hpp"
#include "separator_common.hpp"  // neutralActivations, used by the tests too

#include <functional>
#include <vector>

namespace demix::detail {

/// Which frames of a training spectrogram fit the templates and which are held out.
struct FrameSplit {
    std::vector<Eigen::Index> fit;
    std::vector<Eigen::Index> heldOut;
};

/// Splits `frames` frames into interleaved blocks of `blockFrames`: block b is held out
/// when b % holdOutEvery == (1 + fold) % holdOutEvery, and the `guard` frames either side
/// of a held-out block belong to neither part. Deterministic; both lists ascending. Throws
/// InvalidArgument for blockFrames < 1, holdOutEvery < 2, guard < 0 or a fold outside
/// [0, holdOutEvery).
FrameSplit splitFrames(Eigen::Index frames, int blockFrames, int holdOutEvery, int guard,
                       int fold = 0);

/// The columns `columns` of V, in order.
Matrix selectFrames(const Matrix& V, const std::vector<Eigen::Index>& columns);

/// One validated learning run of K templates.
struct ValidatedRun {
    Matrix W;                  ///< unit-L1 templates of the best check
    int bestIteration = 0;     ///< iterations done on the fitting frames when they were taken
    double bestHeldOut = 0.0;  ///< held-out divergence per held-out frame there
    std::vector<int> checkIterations;
    std::vector<double> heldOutCurve;  ///< per held-out frame, at each check
    std::vector<int> fitIterations;    ///< fitting objective: iteration of each value
    std::vector<double> fitObjective;  ///< the fitting frames' penalised objective
};

/// Learns K templates on Vfit with `nmf` (random or NNDSVD init from nmf.seed; runs until
/// nmf.maxIterations or the nmf.tol rule, in steps of nmf.evalEvery iterations) and after
/// every step measures the divergence of VheldOut with the templates fixed (activations
/// solved afresh from neutralActivations by heldOutDivergence). Returns the templates of the step with the
/// lowest held-out divergence (the earliest on ties). `step(fraction)` is called after
/// every step (may throw to cancel).
ValidatedRun learnValidated(const Matrix& Vfit, const Matrix& VheldOut, int components,
                            const NmfSettings& nmf,
                            const std::function<void(double)>& step = {});

/// The divergence (nmf.objective) per frame of VheldOut with W fixed, its activations
/// solved by accelerated multiplicative updates from H (which receives them) for at most
/// `iterations` iterations or until the tol rule (NmfSettings::tol) stops them. The
/// defaults come within 1e-5 relative of the optimum on the engine tests' signals.
double heldOutDivergence(const Matrix& VheldOut, const Matrix& W, Matrix& H,
                         const NmfSettings& nmf, int iterations = 300, double tol = 1e-7);

}  // namespace demix::detail

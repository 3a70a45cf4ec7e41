// Held-out validation of template learning: early stopping and the choice of K from the
// training clips themselves (SeparationSettings::validation).

#include "learn_validation.hpp"

#include "separator_common.hpp"

#include <cmath>
#include <limits>

namespace demix::detail {

FrameSplit splitFrames(Eigen::Index frames, int blockFrames, int holdOutEvery, int guard,
                       int fold) {
    if (blockFrames < 1) throw InvalidArgument("held-out blocks need at least 1 frame");
    if (holdOutEvery < 2)
        throw InvalidArgument("held-out validation needs holdOutEvery >= 2, got " +
                              std::to_string(holdOutEvery));
    if (guard < 0) throw InvalidArgument("held-out guard frames must be >= 0");
    if (fold < 0 || fold >= holdOutEvery)
        throw InvalidArgument("held-out fold " + std::to_string(fold) + " is not in [0, " +
                              std::to_string(holdOutEvery) + ")");
    const int heldBlock = (1 + fold) % holdOutEvery;
    const auto heldOutAt = [&](Eigen::Index t) {
        return (t / blockFrames) % holdOutEvery == heldBlock;
    };
    FrameSplit split;
    for (Eigen::Index t = 0; t < frames; ++t) {
        if (heldOutAt(t)) {
            split.heldOut.push_back(t);
            continue;
        }
        // A fitting frame within `guard` frames of a held-out one shares samples with it.
        bool nearHeldOut = false;
        for (Eigen::Index d = 1; d <= guard && !nearHeldOut; ++d)
            nearHeldOut = (t >= d && heldOutAt(t - d)) || (t + d < frames && heldOutAt(t + d));
        if (!nearHeldOut) split.fit.push_back(t);
    }
    return split;
}

Matrix selectFrames(const Matrix& V, const std::vector<Eigen::Index>& columns) {
    Matrix out(V.rows(), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t i = 0; i < columns.size(); ++i)
        out.col(static_cast<Eigen::Index>(i)) = V.col(columns[i]);
    return out;
}

double heldOutDivergence(const Matrix& VheldOut, const Matrix& W, Matrix& H,
                         const NmfSettings& nmf, int iterations, double tol) {
    // Activations with the templates fixed: a convex problem for KL, solved (nearly) to its
    // optimum, so every check is measured alike. (Warm-starting from the previous check
    // with a looser rule left the values up to 2.5 % above the optimum, more so for early
    // checks — a bias toward long learning, the very thing validation is to judge.)
    NmfSettings solve;
    solve.components = static_cast<int>(W.cols());
    solve.objective = nmf.objective;
    solve.beta = nmf.beta;
    solve.maxIterations = iterations;
    solve.tol = tol;
    solve.evalEvery = 5;
    solve.normaliseW = false;
    solve.accelerate = true;
    solve.precision = nmf.precision == Precision::Adaptive ? Precision::Mixed : nmf.precision;
    solve.threads = nmf.threads;
    NmfInit init;
    init.W = W;
    init.H = std::move(H);
    init.freezeW.assign(static_cast<std::size_t>(W.cols()), true);
    NmfResult result = factorize(VheldOut, solve, init);
    H = std::move(result.H);
    return result.objective.back() / static_cast<double>(VheldOut.cols());
}

ValidatedRun learnValidated(const Matrix& Vfit, const Matrix& VheldOut, int components,
                            const NmfSettings& nmf, const std::function<void(double)>& step) {
    if (VheldOut.cols() == 0) throw InvalidArgument("held-out validation needs held-out frames");
    ValidatedRun run;
    NmfSettings segment = nmf;
    segment.components = components;
    segment.tol = 0.0;  // the tol rule is applied here, over the whole run
    // Adaptive precision keeps its state within one factorize call; the run here is cut
    // into steps, which would each start again in bfloat16: Mixed throughout instead.
    if (segment.precision == Precision::Adaptive) segment.precision = Precision::Mixed;
    Matrix W, H;
    initialise(Vfit, components, nmf.init, nmf.seed, W, H);
    const auto check = [&](int iteration) {
        Matrix unit = W;
        normaliseColumns(unit);
        Matrix Hheld = neutralActivations(VheldOut, components);
        const double value = heldOutDivergence(VheldOut, unit, Hheld, nmf);
        run.checkIterations.push_back(iteration);
        run.heldOutCurve.push_back(value);
        if (run.heldOutCurve.size() == 1 || value < run.bestHeldOut) {
            run.bestHeldOut = value;
            run.bestIteration = iteration;
            run.W = std::move(unit);
        }
    };
    if (nmf.maxIterations == 0) check(0);
    double first = 0.0, previous = 0.0;
    for (int done = 0; done < nmf.maxIterations;) {
        segment.maxIterations = std::min(nmf.evalEvery, nmf.maxIterations - done);
        segment.evalEvery = segment.maxIterations;
        NmfInit init;
        if (done > 0) {
            init.W = std::move(W);
            init.H = std::move(H);
        }
        NmfResult result = factorize(Vfit, segment, init);
        W = std::move(result.W);
        H = std::move(result.H);
        if (done == 0) {
            first = previous = result.objective.front();
            run.fitIterations.push_back(0);
            run.fitObjective.push_back(first);
        }
        done += segment.maxIterations;
        const double value = result.objective.back();
        run.fitIterations.push_back(done);
        run.fitObjective.push_back(value);
        check(done);
        if (step) step(static_cast<double>(done) / nmf.maxIterations);
        // factorize's stopping rule (NmfSettings::tol), on the fitting frames' objective.
        const bool converged = nmf.tol > 0.0 && (!(first > 0.0) || (previous - value) / first < nmf.tol);
        previous = value;
        if (converged) break;
    }
    return run;
}

}  // namespace demix::detail

#pragma once
/// \file nmf_loops.hpp
/// The outer iteration loops of factorize (one per solver family) and what they share:
/// the objective log with the convergence rule, column normalisation and progress.
/// Not part of the public API.

#include "nmf_internal.hpp"

#include <limits>
#include <optional>

namespace demix::nmf_detail {

/// Records objective values into an NmfResult and applies the convergence rule
/// (obj_prev − obj) / obj_first < tol between consecutive recorded values.
class ObjectiveLog {
public:
    ObjectiveLog(NmfResult& result, double tol, int maxIterations)
        : result_(result), tol_(tol), maxIterations_(maxIterations)
    {
    }
    /// Records the objective of the state after `iteration` iterations; true = converged.
    bool record(int iteration, double value);
    /// True if the value after `iteration` iterations is already recorded.
    bool has(int iteration) const
    {
        return !result_.objectiveIterations.empty() &&
               result_.objectiveIterations.back() == iteration;
    }
    double latest() const { return latest_; }
    /// The objective's fall per iteration between the last two records, relative to the
    /// last value (negative if it rose); NaN before the second record.
    double progressPerIteration() const { return progress_; }

private:
    NmfResult& result_;
    double tol_;
    int maxIterations_;
    double first_ = 0.0, previous_ = 0.0;
    int previousIteration_ = 0;
    double progress_ = std::numeric_limits<double>::quiet_NaN();
    double latest_ = std::numeric_limits<double>::quiet_NaN();
};

/// What every loop needs: the step context, the settings, the result being built (its W
/// and H are the iterate) and the progress callback.
struct LoopContext {
    StepContext& ctx;  ///< the loops may change ctx.precision (Precision::Adaptive)
    const NmfSettings& settings;
    NmfResult& result;
    ObjectiveLog& log;
    const NmfProgress& progress;
    /// Precision::Adaptive: Bfloat16 ends once the objective is at or below this
    /// (kAdaptivePrecisionMisfit × ΣV).
    double adaptiveObjectiveFloor = 0.0;
    /// NmfInit::objective: the objective of the starting W, H, if the caller knew it.
    std::optional<double> initialObjective;

    /// The objective is recorded after `iteration` iterations.
    bool evaluatesAt(int iteration) const
    {
        return iteration % settings.evalEvery == 0 || iteration == settings.maxIterations;
    }
    /// Bookkeeping after iteration `done` (1-based) finished: the count and the progress
    /// callback. Returns false (and sets result.cancelled) if the caller cancelled.
    bool finished(int done);
    /// Precision::Adaptive: switches ctx.precision from Bfloat16 to Mixed once the
    /// recorded objective's progress is below kAdaptivePrecisionProgress. Call before
    /// each iteration.
    void adaptPrecision();
};

/// Unit L1 norm for each column k of W whose column and H row are both free; the scale
/// moves into row k of H so that WH is unchanged (nmf_factorize.cpp).
void normaliseColumns(const StepContext& ctx, Matrix& W, Matrix& H);

/// Plain multiplicative updates (any β), fused passes (nmf_factorize.cpp).
void runMultiplicative(LoopContext& loop);

/// Multiplicative updates with extrapolation and restart (nmf_extrapolate.cpp).
void runExtrapolatedMultiplicative(LoopContext& loop);

/// HALS (Frobenius); with settings.accelerate repeated inner sweeps (nmf_hals.cpp).
void runHals(LoopContext& loop);

/// Projected ALS with exact line search (Frobenius) (nmf_als.cpp).
void runAls(LoopContext& loop);

}  // namespace demix::nmf_detail

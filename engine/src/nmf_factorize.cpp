// factorize(): checks the settings, initialises W and H, runs the chosen solver with the
// convergence test, column normalisation, progress reporting and cancellation.
#include "nmf_internal.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace demix {
namespace {

using nmf_detail::StepContext;

std::string shape(Eigen::Index rows, Eigen::Index cols)
{
    return std::to_string(rows) + " x " + std::to_string(cols);
}

void checkMatrix(const Matrix& M, const char* name)
{
    for (Eigen::Index c = 0; c < M.cols(); ++c)
        for (Eigen::Index r = 0; r < M.rows(); ++r) {
            const float x = M(r, c);
            if (!std::isfinite(x))
                throw InvalidArgument(std::string("NMF: ") + name + " contains a non-finite value at (" +
                                      std::to_string(r) + ", " + std::to_string(c) + ")");
            if (x < 0.0f)
                throw InvalidArgument(std::string("NMF: ") + name + " contains a negative value at (" +
                                      std::to_string(r) + ", " + std::to_string(c) + ")");
        }
}

void checkPenalty(float value, const char* name)
{
    if (!std::isfinite(value) || value < 0.0f)
        throw InvalidArgument(std::string("NMF: ") + name + " must be a finite number >= 0");
}

void validate(const Matrix& V, const NmfSettings& s, const NmfInit& init)
{
    if (V.rows() == 0 || V.cols() == 0)
        throw InvalidArgument("NMF: V is empty (" + shape(V.rows(), V.cols()) + ")");
    const int K = s.components;
    if (K < 1)
        throw InvalidArgument("NMF: the number of components must be at least 1 (got " +
                              std::to_string(K) + ")");
    if (s.maxIterations < 0) throw InvalidArgument("NMF: maxIterations must be >= 0");
    if (s.evalEvery < 1) throw InvalidArgument("NMF: evalEvery must be >= 1");
    if (!(s.tol >= 0.0) || !std::isfinite(s.tol))
        throw InvalidArgument("NMF: tol must be a finite number >= 0");
    if (s.threads < 0) throw InvalidArgument("NMF: threads must be >= 0 (0 = all cores)");
    if (s.objective == Objective::Beta && !std::isfinite(s.beta))
        throw InvalidArgument("NMF: beta must be finite");
    checkPenalty(s.sparsityH, "sparsityH");
    checkPenalty(s.sparsityW, "sparsityW");
    checkPenalty(s.continuityH, "continuityH");
    checkPenalty(s.anchorW, "anchorW");
    const float beta = betaOf(s.objective, s.beta);
    if (s.solver != Solver::Multiplicative) {
        if (beta != 2.0f)
            throw InvalidArgument("NMF: solver '" + toString(s.solver) +
                                  "' needs the Frobenius objective (got '" +
                                  toString(s.objective, s.beta) + "'); use solver 'mu'");
        if (s.continuityH > 0.0f)
            throw InvalidArgument("NMF: the temporal-continuity penalty needs solver 'mu' (got '" +
                                  toString(s.solver) + "')");
        if (s.anchorW > 0.0f)
            throw InvalidArgument("NMF: the template anchor (anchorW) needs solver 'mu' (got '" +
                                  toString(s.solver) + "')");
    }
    checkMatrix(V, "V");
    if (init.W) {
        if (init.W->rows() != V.rows() || init.W->cols() != K)
            throw InvalidArgument("NMF: initial W is " + shape(init.W->rows(), init.W->cols()) +
                                  " but must be " + shape(V.rows(), K) + " (F x K)");
        checkMatrix(*init.W, "initial W");
    }
    if (init.H) {
        if (init.H->rows() != K || init.H->cols() != V.cols())
            throw InvalidArgument("NMF: initial H is " + shape(init.H->rows(), init.H->cols()) +
                                  " but must be " + shape(K, V.cols()) + " (K x T)");
        checkMatrix(*init.H, "initial H");
    }
    auto checkMask = [&](const std::vector<bool>& mask, const char* name, const char* matrix,
                         bool given) {
        if (mask.empty()) return;
        if (static_cast<int>(mask.size()) != K)
            throw InvalidArgument(std::string("NMF: ") + name + " has " + std::to_string(mask.size()) +
                                  " entries but K = " + std::to_string(K));
        for (bool b : mask)
            if (b && !given)
                throw InvalidArgument(std::string("NMF: ") + name +
                                      " freezes a component but no initial " + matrix +
                                      " was given");
    };
    checkMask(init.freezeW, "freezeW", "W", init.W.has_value());
    checkMask(init.freezeH, "freezeH", "H", init.H.has_value());
}

/// Unit L1 norm for each column k of W whose column and H row are both free; the scale
/// moves into row k of H so that WH is unchanged.
void normalise(const StepContext& ctx, Matrix& W, Matrix& H)
{
    for (Eigen::Index k = 0; k < W.cols(); ++k) {
        if (!ctx.freeW[static_cast<std::size_t>(k)] || !ctx.freeH[static_cast<std::size_t>(k)])
            continue;
        const double norm = W.col(k).cast<double>().sum();
        if (!(norm > 0.0) || !std::isfinite(norm)) continue;
        W.col(k) *= static_cast<float>(1.0 / norm);
        H.row(k) *= static_cast<float>(norm);
        if (ctx.workspace && ctx.workspace->pendingScale.size() == W.cols())
            ctx.workspace->pendingScale(k) *= static_cast<float>(norm);
        for (Eigen::Index f = 0; f < W.rows(); ++f)
            if (!(W(f, k) >= kTiny)) W(f, k) = 0.0f;
        for (Eigen::Index t = 0; t < H.cols(); ++t)
            if (!(H(k, t) >= kTiny)) H(k, t) = 0.0f;
    }
}

}  // namespace

NmfResult factorize(const Matrix& V, const NmfSettings& settings, const NmfInit& init,
                    const NmfProgress& progress)
{
    validate(V, settings, init);
    const int K = settings.components;
    const Eigen::Index F = V.rows(), T = V.cols();

    NmfResult result;
    if (init.W && init.H) {
        result.W = *init.W;
        result.H = *init.H;
    } else {
        initialise(V, K, settings.init, settings.seed, result.W, result.H);
        if (init.W) result.W = *init.W;
        if (init.H) result.H = *init.H;
    }
    Matrix& W = result.W;
    Matrix& H = result.H;

    StepContext ctx;
    ctx.V = &V;
    ctx.beta = betaOf(settings.objective, settings.beta);
    ctx.sparsityW = settings.sparsityW;
    ctx.sparsityH = settings.sparsityH;
    ctx.continuityH = settings.continuityH;
    ctx.normaliseW = settings.normaliseW;
    ctx.freeW.assign(static_cast<std::size_t>(K), true);
    ctx.freeH.assign(static_cast<std::size_t>(K), true);
    for (std::size_t k = 0; k < init.freezeW.size(); ++k) ctx.freeW[k] = !init.freezeW[k];
    for (std::size_t k = 0; k < init.freezeH.size(); ++k) ctx.freeH[k] = !init.freezeH[k];
    ctx.anyFreeW = false;
    ctx.anyFreeH = false;
    for (int k = 0; k < K; ++k) {
        ctx.anyFreeW = ctx.anyFreeW || ctx.freeW[static_cast<std::size_t>(k)];
        ctx.anyFreeH = ctx.anyFreeH || ctx.freeH[static_cast<std::size_t>(k)];
    }
    ctx.workers = nmf_detail::effectiveWorkers(settings.threads, F, T, K);
    nmf_detail::Workspace workspace;
    workspace.workers.resize(static_cast<std::size_t>(ctx.workers));
    ctx.workspace = &workspace;
    Matrix anchor;
    if (settings.anchorW > 0.0f && ctx.anyFreeW) {
        anchor = W;
        ctx.anchor = &anchor;
        ctx.anchorW = settings.anchorW;
    }

    nmf_detail::FlushDenormals ftz;  // the calling thread also does work
    const int maxIt = settings.maxIterations;
    const double tol = settings.tol;
    double first = 0.0, previous = 0.0;
    double latest = std::numeric_limits<double>::quiet_NaN();

    // Records the objective of the state after `iteration` iterations; true = converged.
    auto record = [&](int iteration, double value) {
        result.objective.push_back(value);
        result.objectiveIterations.push_back(iteration);
        latest = value;
        if (result.objective.size() == 1) {
            first = previous = value;
            return tol > 0.0 && iteration < maxIt && !(value > 0.0);  // already perfect
        }
        const bool done = tol > 0.0 && (!(first > 0.0) || (previous - value) / first < tol);
        previous = value;
        return done;
    };

    for (int it = 0;; ++it) {
        const bool evalNow = it % settings.evalEvery == 0 || it == maxIt;
        if (it == maxIt) {
            if (evalNow && (result.objectiveIterations.empty() ||
                            result.objectiveIterations.back() != it)) {
                double value = 0.0;
                if (settings.solver != Solver::Multiplicative ||
                    !nmf_detail::pendingObjective(ctx, W, H, value))
                    value = nmf_detail::penalisedObjective(ctx, W, H);
                result.converged = record(it, value);
            }
            break;
        }
        if (settings.solver == Solver::Multiplicative) {
            double value = 0.0;
            bool stop = false;
            const bool stopped = nmf_detail::multiplicativeIteration(
                ctx, W, H, evalNow ? &value : nullptr,
                [&](double v) { return stop = record(it, v); },
                /*prepareNext=*/it + 1 < maxIt,
                /*evaluateNext=*/(it + 1) % settings.evalEvery == 0 || it + 1 == maxIt);
            if (stopped || stop) {
                result.converged = true;
                break;
            }
        } else {
            if (evalNow && record(it, nmf_detail::penalisedObjective(ctx, W, H))) {
                result.converged = true;
                break;
            }
            if (settings.solver == Solver::Als)
                nmf_detail::alsIteration(ctx, W, H);
            else
                nmf_detail::halsIteration(ctx, W, H);
        }
        if (settings.normaliseW) normalise(ctx, W, H);
        result.iterations = it + 1;
        if (progress && !progress(it + 1, maxIt, latest)) {
            result.cancelled = true;
            break;
        }
    }
    return result;
}

}  // namespace demix

// factorize(): checks the settings, initialises W and H, runs the chosen solver with the
// convergence test, column normalisation, progress reporting and cancellation.
#include "nmf_loops.hpp"

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
    checkPenalty(s.activationFloor, "activationFloor");
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
    const Matrix& W = result.W;

    StepContext ctx;
    ctx.V = &V;
    ctx.beta = betaOf(settings.objective, settings.beta);
    ctx.sparsityW = settings.sparsityW;
    ctx.sparsityH = settings.sparsityH;
    ctx.continuityH = settings.continuityH;
    ctx.activationFloor = std::max(settings.activationFloor, kTiny);
    ctx.normaliseW = settings.normaliseW;
    // Adaptive starts in Bfloat16 only if some objective is recorded before the end
    // (otherwise nothing would ever tell it to switch).
    ctx.precision = settings.precision != Precision::Adaptive ? settings.precision
                    : settings.evalEvery < settings.maxIterations ? Precision::Bfloat16
                                                                  : Precision::Mixed;
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
    nmf_detail::ObjectiveLog log(result, settings.tol, settings.maxIterations);
    nmf_detail::LoopContext loop{ctx, settings, result, log, progress, 0.0, std::nullopt};
    if (init.W && init.H) loop.initialObjective = init.objective;
    if (ctx.precision == Precision::Bfloat16 && settings.precision == Precision::Adaptive)
        loop.adaptiveObjectiveFloor = kAdaptivePrecisionMisfit * V.cast<double>().sum();
    switch (settings.solver) {
    case Solver::Multiplicative:
        // Extrapolation decides restarts on the reported objective; the continuity
        // heuristic is not monotone, so it runs plain MU. The anchor is not part of the
        // objective either, but every W update re-applies it, so an extrapolated W is
        // pulled back toward the anchor at the next step (docs/quality.md).
        if (settings.accelerate && settings.continuityH == 0.0f)
            nmf_detail::runExtrapolatedMultiplicative(loop);
        else
            nmf_detail::runMultiplicative(loop);
        break;
    case Solver::Hals: nmf_detail::runHals(loop); break;
    case Solver::Als: nmf_detail::runAls(loop); break;
    }
    return result;
}

}  // namespace demix

namespace demix::nmf_detail {

bool ObjectiveLog::record(int iteration, double value)
{
    result_.objective.push_back(value);
    result_.objectiveIterations.push_back(iteration);
    latest_ = value;
    if (result_.objective.size() > 1 && iteration > previousIteration_)
        progress_ = (previous_ - value) / (std::abs(value) * (iteration - previousIteration_));
    previousIteration_ = iteration;
    if (result_.objective.size() == 1) {
        first_ = previous_ = value;
        return tol_ > 0.0 && iteration < maxIterations_ && !(value > 0.0);  // already perfect
    }
    const bool done = tol_ > 0.0 && (!(first_ > 0.0) || (previous_ - value) / first_ < tol_);
    previous_ = value;
    return done;
}

bool LoopContext::finished(int done)
{
    result.iterations = done;
    if (ctx.precision == Precision::Bfloat16 && ctx.beta == 1.0 && klkernel::mixedAvailable())
        ++result.bfloat16Iterations;
    if (progress && !progress(done, settings.maxIterations, log.latest())) {
        result.cancelled = true;
        return false;
    }
    return true;
}

void LoopContext::adaptPrecision()
{
    if (settings.precision != Precision::Adaptive || ctx.precision != Precision::Bfloat16) return;
    if (result.objective.empty()) return;  // nothing recorded yet
    const double progress = log.progressPerIteration();  // NaN after one record
    if (!(log.latest() > adaptiveObjectiveFloor) ||
        (!std::isnan(progress) && !(progress > kAdaptivePrecisionProgress)))
        ctx.precision = Precision::Mixed;
}

void normaliseColumns(const StepContext& ctx, Matrix& W, Matrix& H)
{
    const Eigen::Index K = W.cols();
    // Scale per component (1 = untouched), then one pass down H's columns: H is column
    // major, so scaling row by row would touch a cache line per entry, twice.
    Eigen::VectorXf scale = Eigen::VectorXf::Ones(K);
    std::vector<unsigned char> scaled(static_cast<std::size_t>(K), 0);
    bool any = false;
    for (Eigen::Index k = 0; k < K; ++k) {
        if (!ctx.freeW[static_cast<std::size_t>(k)] || !ctx.freeH[static_cast<std::size_t>(k)])
            continue;
        const double norm = W.col(k).cast<double>().sum();
        if (!(norm > 0.0) || !std::isfinite(norm)) continue;
        scale(k) = static_cast<float>(norm);
        scaled[static_cast<std::size_t>(k)] = 1;
        any = true;
        W.col(k) *= static_cast<float>(1.0 / norm);
        if (ctx.workspace && ctx.workspace->pendingScale.size() == K)
            ctx.workspace->pendingScale(k) *= scale(k);
        for (Eigen::Index f = 0; f < W.rows(); ++f)
            if (!(W(f, k) >= kTiny)) W(f, k) = 0.0f;
    }
    if (!any) return;
    for (Eigen::Index t = 0; t < H.cols(); ++t) {
        float* h = H.col(t).data();
        for (Eigen::Index k = 0; k < K; ++k) {
            if (!scaled[static_cast<std::size_t>(k)]) continue;
            const float x = h[k] * scale(k);
            h[k] = x >= kTiny ? x : 0.0f;
        }
    }
}

void runMultiplicative(LoopContext& loop)
{
    const StepContext& ctx = loop.ctx;
    NmfResult& result = loop.result;
    Matrix& W = result.W;
    Matrix& H = result.H;
    const int maxIt = loop.settings.maxIterations;
    for (int it = 0;; ++it) {
        loop.adaptPrecision();
        const bool evalNow = loop.evaluatesAt(it);
        if (it == maxIt) {
            if (evalNow && !loop.log.has(it)) {
                double value = 0.0;
                if (!pendingObjective(ctx, W, H, value)) value = penalisedObjective(ctx, W, H);
                result.converged = loop.log.record(it, value);
            }
            return;
        }
        double value = 0.0;
        bool stop = false;
        bool evaluate = evalNow;
        if (it == 0 && loop.initialObjective) {  // known: recorded without a pass over V
            evaluate = false;
            if (loop.log.record(0, *loop.initialObjective)) {
                result.converged = true;
                return;
            }
        }
        const bool stopped = multiplicativeIteration(
            ctx, W, H, evaluate ? &value : nullptr,
            [&](double v) { return stop = loop.log.record(it, v); },
            /*prepareNext=*/it + 1 < maxIt,
            /*evaluateNext=*/loop.evaluatesAt(it + 1));
        if (stopped || stop) {
            result.converged = true;
            return;
        }
        if (ctx.normaliseW) normaliseColumns(ctx, W, H);
        if (!loop.finished(it + 1)) return;
    }
}

}  // namespace demix::nmf_detail

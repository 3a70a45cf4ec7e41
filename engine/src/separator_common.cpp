#include "separator_common.hpp"

#include "frame_analysis.hpp"
#include "stft_internal.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace demix::detail {

void checkAudio(const AudioBuffer& audio, const std::string& what) {
    if (audio.channels.empty()) throw InvalidArgument(what + " has no channels");
    if (!(audio.sampleRate > 0.0) || !std::isfinite(audio.sampleRate)) {
        throw InvalidArgument(what + " has an invalid sample rate (" +
                              std::to_string(audio.sampleRate) + ")");
    }
    const std::size_t length = audio.channels.front().size();
    if (length == 0) throw InvalidArgument(what + " is empty (0 samples)");
    for (std::size_t c = 0; c < audio.channels.size(); ++c) {
        const std::vector<float>& channel = audio.channels[c];
        if (channel.size() != length) {
            throw InvalidArgument(what + ": channel " + std::to_string(c + 1) + " has " +
                                  std::to_string(channel.size()) + " samples, channel 1 has " +
                                  std::to_string(length));
        }
        for (std::size_t n = 0; n < length; ++n) {
            if (!std::isfinite(channel[n])) {
                throw InvalidArgument(what + " contains a non-finite sample (channel " +
                                      std::to_string(c + 1) + ", sample " + std::to_string(n) +
                                      ")");
            }
        }
    }
}

void StageProgress::report(double fraction) const {
    if (!callback_) return;
    fraction = std::min(1.0, std::max(0.0, fraction));
    if (!callback_(base_ + span_ * fraction, stage_)) throw Cancelled();
}

ProgressCallback subProgress(const ProgressCallback& callback, double base, double span) {
    if (!callback) return {};
    return [callback, base, span](double fraction, const std::string& stage) {
        return callback(base + span * fraction, stage);
    };
}

NmfProgress StageProgress::nmfCallback() const {
    if (!callback_) return {};
    return [this](int iteration, int maxIterations, double) {
        const double fraction =
            maxIterations > 0 ? static_cast<double>(iteration) / maxIterations : 1.0;
        return callback_(base_ + span_ * std::min(1.0, std::max(0.0, fraction)), stage_);
    };
}

void runWorkers(int workers, std::atomic<bool>& stop, const std::function<void(int)>& job) {
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
    std::vector<std::thread> helpers;
    const auto guarded = [&](int w) {
        try {
            job(w);
        } catch (...) {
            errors[static_cast<std::size_t>(w)] = std::current_exception();
            stop = true;
        }
    };
    try {
        for (int w = 1; w < workers; ++w) helpers.emplace_back(guarded, w);
    } catch (...) {
        stop = true;
        for (std::thread& h : helpers) h.join();
        throw;
    }
    guarded(0);
    for (std::thread& h : helpers) h.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

Matrix meanMagnitude(const AudioBuffer& audio, const Stft& stft, const StageProgress& progress,
                     int threads) {
    const std::size_t length = audio.numSamples();
    const Eigen::Index frames = stft.frameCount(length);
    const Eigen::Index bins = stft.settings().bins();
    Matrix V(bins, frames);
    adviseHugePages(V.data(), static_cast<std::size_t>(V.size()) * sizeof(float));  // not touched yet
    const std::size_t channels = audio.numChannels();
    // Frame by frame (bit-identical to the offline STFT; no complex spectrogram of the
    // whole mix is ever held), each column summed over the channels in order. Every
    // column is computed alone, so the frames can be split over workers.
    constexpr Eigen::Index kBlock = 64;  // frames between progress reports
    int workers = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    workers = static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(workers, frames / kBlock)));
    std::atomic<bool> stop{false};
    const auto work = [&](int w) {
        const Eigen::Index first = frames * w / workers, last = frames * (w + 1) / workers;
        FrameAnalyzer analyzer(stft.settings());
        std::vector<std::complex<float>> frame(static_cast<std::size_t>(bins));
        for (Eigen::Index t = first; t < last; ++t) {
            if ((t - first) % kBlock == 0) {
                if (stop.load(std::memory_order_relaxed)) return;
                if (w == 0) progress.report(static_cast<double>(t - first) / static_cast<double>(last - first));
            }
            for (std::size_t c = 0; c < channels; ++c) {
                analyzer.analyse(audio.channels[c].data(), length, t, frame.data());
                addMagnitudes(frame.data(), V.col(t).data(), bins, c > 0);
            }
        }
    };
    runWorkers(workers, stop, work);
    if (channels > 1) V /= static_cast<float>(channels);
    progress.report(1.0);
    return V;
}

NmfSettings nmfSettingsFor(const SeparationSettings& settings, int components) {
    NmfSettings nmf = settings.nmf;
    nmf.components = components;
    nmf.threads = settings.threads;
    return nmf;
}

AnalysisSettings analysisFor(double sampleRate, const SeparationSettings& settings) {
    AnalysisSettings analysis;
    analysis.sampleRate = sampleRate;
    analysis.stft = settings.stft;
    analysis.objective = settings.nmf.objective;
    analysis.beta = betaOf(settings.nmf.objective, settings.nmf.beta);
    return analysis;
}

void normaliseColumns(Matrix& W) {
    for (Eigen::Index k = 0; k < W.cols(); ++k) {
        const float sum = W.col(k).sum();
        if (sum > 0.0f && std::isfinite(sum)) {
            W.col(k) /= sum;
        } else {
            W.col(k).setConstant(1.0f / static_cast<float>(W.rows()));
        }
    }
}

Matrix neutralActivations(const Matrix& V, int components) {
    Matrix H(components, V.cols());
    H.rowwise() = V.colwise().sum() / static_cast<float>(components);
    return H;
}

NmfResult runNmf(const Matrix& V, const NmfSettings& nmf, const NmfInit& init,
                 const StageProgress& progress,
                 const std::function<void(int, double)>& onObjective) {
    progress.report(0.0);
    const NmfProgress stage = progress.nmfCallback();
    std::size_t handedOver = 0;  // evaluations already passed to onObjective (NaN included)
    auto hand = [&](int iteration, double value) {
        ++handedOver;
        if (!std::isnan(value)) onObjective(iteration, value);
    };
    NmfProgress callback = stage;
    if (onObjective) {
        // factorize evaluates the objective of the state after `it` iterations when
        // it % evalEvery == 0, then runs iteration it and reports progress(it + 1, ...) with
        // that value; evaluations that end the run (convergence, last iteration) are not
        // followed by a progress call and are handed over from the result below.
        callback = [&](int iteration, int maxIterations, double objective) {
            if ((iteration - 1) % nmf.evalEvery == 0) hand(iteration - 1, objective);
            return !stage || stage(iteration, maxIterations, objective);
        };
    }
    NmfResult result = factorize(V, nmf, init, callback);
    if (result.cancelled) throw Cancelled();
    if (onObjective) {
        while (handedOver < result.objective.size())
            hand(result.objectiveIterations[handedOver], result.objective[handedOver]);
    }
    progress.report(1.0);
    return result;
}

Decomposition makeDecomposition(const AnalysisSettings& analysis, Matrix V, NmfResult nmf,
                                ComponentGroups groups, std::vector<std::string> names) {
    Decomposition d;
    d.analysis = analysis;
    d.V = std::move(V);
    d.W = std::move(nmf.W);
    d.H = std::move(nmf.H);
    nmf.W = Matrix();
    nmf.H = Matrix();
    d.nmf = std::move(nmf);
    d.groups = std::move(groups);
    d.sourceNames = std::move(names);
    return d;
}

}  // namespace demix::detail

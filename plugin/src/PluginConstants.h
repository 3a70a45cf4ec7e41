#pragma once
/// \file PluginConstants.h
/// Fixed capacities of the Demix plugin. Everything the audio thread touches is sized
/// from these at prepareToPlay, so processBlock never allocates. The separation's own
/// limits and defaults are the engine's (demix/realtime.hpp), shared with the CLI.

#include <demix/realtime.hpp>

namespace demix::plugin {

/// Named sources the user can fill with templates (loaded or learned).
constexpr int kNumNamedSources = demix::kRealtimeMaxNamedSources;
/// The slot of the free "residual" source: generic broadband templates that take
/// whatever the named sources' templates do not explain.
constexpr int kResidualSlot = kNumNamedSources;
/// Named sources + residual: one gain/mute/solo set and one output bus each.
constexpr int kNumSlots = kNumNamedSources + 1;

/// Templates per named source (a library source with more is refused with a message).
constexpr int kMaxComponentsPerSource = demix::kRealtimeMaxComponentsPerSource;
/// Templates of the residual source.
constexpr int kResidualComponents = demix::kRealtimeResidualComponents;
constexpr int kMaxComponents = kNumNamedSources * kMaxComponentsPerSource + kResidualComponents;

/// The host block is processed in chunks of at most this many samples, so any host
/// block size (1 … 8192 and beyond) works with fixed scratch buffers.
constexpr int kChunkSize = demix::kRealtimeBlockSize;
/// Longest learning recording (seconds of audio kept while "learn" is armed).
constexpr double kMaxRecordSeconds = 30.0;
/// Crossfade length when new templates replace old ones (seconds).
constexpr double kSwapCrossfadeSeconds = 0.05;
/// Offline rendering (isNonRealtime) multiplies the iterations per frame by this.
constexpr int kOfflineIterationFactor = 4;
constexpr int kMaxIterationsPerFrame = 200;

}  // namespace demix::plugin

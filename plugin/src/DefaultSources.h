#pragma once
/// \file DefaultSources.h
/// The default source set: the template libraries that ship with Demix
/// (assets/templates: drums, bass, keys, voice), embedded in the plugin binary
/// (JUCE BinaryData) so a new instance separates the moment it is inserted, wherever
/// its bundle is installed. Everything else a song holds goes to the residual source.
///
/// The libraries keep the grid they were learned on; the engine resamples them to the
/// plugin's analysis grid when a model is built (see EngineModel.h).

#include <demix/template_library.hpp>

#include <juce_core/juce_core.h>

#include <vector>

namespace demix::plugin {

struct DefaultSource {
    juce::String key;                ///< stable identifier kept in the plugin state ("drums")
    demix::TemplateLibrary library;  ///< exactly one source, named like the key
};

/// The embedded libraries, parsed on first use (thread-safe) and kept for the process.
/// A library that fails to parse or has an unusable template count is left out, so this
/// never throws; the order is drums, bass, keys, voice. Allocates on first call: not
/// for the audio thread.
const std::vector<DefaultSource>& defaultSources();

/// The default source with this key, or nullptr.
const DefaultSource* findDefaultSource(const juce::String& key);

}  // namespace demix::plugin

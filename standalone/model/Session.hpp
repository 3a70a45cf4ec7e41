#pragma once
/// \file Session.hpp
/// The standalone app's model and single source of truth: the opened audio file, the
/// settings, the decomposition, the user's grouping of components into sources (with
/// undo/redo), the rendered stems, exports and the project file. The GUI only shows
/// and edits a Session; the tests drive one without a window.
///
/// Thread-safety: a Session belongs to one thread (the message thread in the app). Long
/// work is done on worker threads through the snapshot functions (`mixPointer`,
/// `renderInput`) and pure functions (Decompose.hpp, `renderStemsFor`), whose results
/// are handed back with `setDecomposition` / `setStems`.

#include "model/AppSettings.hpp"
#include "model/AudioFile.hpp"
#include "model/Grouping.hpp"

#include <demix/separator.hpp>

#include <juce_data_structures/juce_data_structures.h>

#include <memory>

namespace demix::app {

/// What a background stem render needs: immutable snapshots.
struct RenderInput {
    std::shared_ptr<const AudioBuffer> mix;
    std::shared_ptr<const Decomposition> decomposition;  ///< W, H (groups ignored)
    Grouping grouping;
    SeparationSettings settings;
    int revision = 0;  ///< Session::revision() when taken
};

/// Renders one stem per source of `input.grouping` (pure; any thread).
std::vector<Stem> renderStemsFor(const RenderInput& input, const ProgressCallback& progress = {});

class Session {
public:
    /// Notified synchronously on the Session's thread.
    struct Listener {
        virtual ~Listener() = default;
        virtual void audioChanged() {}
        virtual void settingsChanged() {}
        virtual void decompositionChanged() {}
        virtual void groupingChanged() {}
        virtual void stemsChanged() {}
    };

    Session();
    ~Session();

    void addListener(Listener* listener) { listeners_.add(listener); }
    void removeListener(Listener* listener) { listeners_.remove(listener); }

    // --- Audio ------------------------------------------------------------------------
    /// Opens a WAV/AIFF/FLAC file. Throws FileError (and keeps the previous file open).
    /// Clears the decomposition, grouping, stems and undo history.
    void open(const juce::File& file);
    bool hasAudio() const { return mix_ != nullptr; }
    const AudioBuffer& mix() const;  ///< precondition: hasAudio()
    std::shared_ptr<const AudioBuffer> mixPointer() const { return mix_; }
    const juce::File& audioFile() const { return audioFile_; }
    double durationSeconds() const;
    /// The mix's magnitude spectrogram (F × T) with the current STFT settings.
    const Matrix& spectrogram() const { return *spectrogram_; }

    // --- Settings ---------------------------------------------------------------------
    const AppSettings& settings() const { return settings_; }
    /// Stores new settings (validated when a run starts). A different STFT recomputes
    /// the displayed spectrogram; the current decomposition stays until the next run.
    void setSettings(const AppSettings& settings);
    /// Loads the template library (.dmxt) at `file`, appends its path to the method's
    /// libraries, switches an unsupervised method to supervised and adopts the library's
    /// STFT settings (so its templates fit). Returns the loaded library. Throws
    /// LibraryError naming the file (missing or invalid); the settings are then unchanged.
    TemplateLibrary addLibrary(const juce::File& file);

    // --- Decomposition ----------------------------------------------------------------
    bool hasDecomposition() const { return decomposition_ != nullptr; }
    const Decomposition& decomposition() const;  ///< precondition: hasDecomposition()
    /// The settings the current decomposition was made with.
    const AppSettings& decompositionSettings() const { return decompositionSettings_; }
    /// Runs the method on the calling thread (tests, scripted runs). Throws engine
    /// errors, FileError or Cancelled; the session is unchanged on error.
    void runBlocking(const ProgressCallback& progress = {});
    /// Installs a finished decomposition made with `madeWith`; the grouping becomes
    /// its automatic one and the undo history is cleared.
    void setDecomposition(Decomposition decomposition, const AppSettings& madeWith);
    int components() const;

    // --- Grouping (undoable) ----------------------------------------------------------
    const Grouping& grouping() const { return grouping_; }
    /// Every edit throws InvalidArgument on a bad index / name and then changes nothing.
    void moveComponent(int component, int toSource);
    void renameSource(int source, const std::string& name);
    int addSource(const std::string& name = {});  ///< returns its index
    /// Removes a source; its components move to the neighbouring source. The last
    /// source cannot be removed.
    void removeSource(int source);
    /// Replaces the whole grouping (validated) as one undoable step.
    void setGrouping(const Grouping& grouping, const juce::String& description = "Regroup");
    juce::UndoManager& undoManager() { return undo_; }
    bool undo() { return undo_.undo(); }
    bool redo() { return undo_.redo(); }
    /// Increases on every grouping change (and new decomposition).
    int revision() const { return revision_; }

    // --- Results ----------------------------------------------------------------------
    /// One F × T mask per source of the current grouping (cached per revision).
    const std::vector<Matrix>& masks();
    RenderInput renderInput() const;
    /// The stems of the current grouping; rendered on the calling thread if stale.
    const std::vector<Stem>& stems(const ProgressCallback& progress = {});
    bool stemsUpToDate() const { return stemsRevision_ == revision_ && hasDecomposition(); }
    /// The last rendered stems, shared (e.g. with the player) without copying; may be
    /// stale (see stemsUpToDate) or null.
    std::shared_ptr<const std::vector<Stem>> stemsPointer() const { return stems_; }
    /// Hands back stems rendered from renderInput(); ignored if the grouping changed since.
    bool setStems(int revision, std::vector<Stem> stems);

    /// The templates of every non-empty source, as a library for `demix` and the plugin
    /// (columns L1-normalised, analysis settings of the decomposition). An ensemble
    /// decomposition (Decomposition::memberStarts) gives one template set per member
    /// (SourceTemplates::alternates after the first).
    TemplateLibrary templateLibrary() const;

    // --- Export -----------------------------------------------------------------------
    /// Writes "<file stem>-<source>.wav" per source into `folder` (atomically; never over
    /// the input). Returns the files. Throws FileError.
    std::vector<juce::File> exportStems(const juce::File& folder, SampleFormat format,
                                        const ProgressCallback& progress = {});
    void exportTemplates(const juce::File& file) const;  ///< .dmxt; throws LibraryError
    /// spectrogram.png, sources.png, templates.png, activations.png, objective.png and
    /// source-<name>.png per source. Returns the files. Throws FileError.
    std::vector<juce::File> exportPictures(const juce::File& folder);

    // --- Project ----------------------------------------------------------------------
    /// Saves file reference, settings, decomposition (W, H) and grouping as XML. The
    /// reopened project renders identical stems without re-running NMF.
    void saveProject(const juce::File& file) const;
    /// Throws FileError / InvalidArgument with a clear message; the session is unchanged
    /// on error.
    void loadProject(const juce::File& file);

private:
    void applyGrouping(const Grouping& grouping);
    void recomputeSpectrogram();
    template <typename Fn> void notify(Fn fn) { listeners_.call(fn); }
    class GroupingAction;

    juce::File audioFile_;
    std::shared_ptr<const AudioBuffer> mix_;
    /// The decomposition's V when it fits (shared, not copied), else the mix's own.
    std::shared_ptr<const Matrix> spectrogram_ = std::make_shared<const Matrix>();
    AppSettings settings_;
    AppSettings decompositionSettings_;
    std::shared_ptr<const Decomposition> decomposition_;
    Grouping grouping_;
    int revision_ = 0;
    std::vector<Matrix> masks_;
    int masksRevision_ = -1;
    std::shared_ptr<const std::vector<Stem>> stems_;
    int stemsRevision_ = -1;
    juce::UndoManager undo_;
    juce::ListenerList<Listener> listeners_;
};

}  // namespace demix::app

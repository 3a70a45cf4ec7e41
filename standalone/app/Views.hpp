#pragma once
/// \file Views.hpp
/// The app's pictures of a Session: the timeline (waveform + spectrogram, zoom and
/// scroll in time, play head, selection), templates W, activations H, the per-source
/// masked spectrograms and the objective curve. Views only read the Session; edits go
/// through the Session's methods. Message thread only.

#include "model/ObjectiveTrace.hpp"
#include "model/Pictures.hpp"
#include "model/Session.hpp"

#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>

namespace demix::app {

/// What the views show, shared between them: the visible time window, the selection,
/// display options and the play head. `changed()` repaints every watcher.
struct ViewState {
    double duration = 0.0;          ///< seconds of audio
    double start = 0.0, end = 0.0;  ///< visible window, seconds
    double selectionStart = 0.0, selectionEnd = 0.0;  ///< seconds; empty if equal
    double playHead = 0.0;          ///< seconds
    bool logFrequency = true;
    bool colourBySource = true;
    int generation = 0;             ///< bumped whenever the Session's data changes

    std::function<void(double seconds)> onSeek;  ///< click on the timeline
    std::function<void()> onChanged;             ///< after every change (e.g. the scroll bar)
    std::vector<juce::Component::SafePointer<juce::Component>> watchers;

    void reset(double seconds);
    void setWindow(double newStart, double newEnd);
    void zoom(double factor, double centreSeconds);
    void scroll(double seconds);
    void changed();
    bool hasSelection() const { return selectionEnd > selectionStart; }
};

/// Left margin (pixels) of every view that follows the timeline's time axis.
constexpr int kTimeAxisMargin = 46;

/// Converts between seconds and frames of a decomposition's STFT.
double frameOfSeconds(double seconds, double sampleRate, const StftSettings& stft);

/// Base for views that draw one cached image per data generation, size and window.
class CachedImageView : public juce::Component {
public:
    CachedImageView(Session& session, ViewState& view) : session_(session), view_(view) {}
    void paint(juce::Graphics& g) override;

protected:
    /// The area the image fills and the image for it (empty = draw `emptyText`).
    virtual juce::Rectangle<int> imageArea() const { return getLocalBounds(); }
    virtual juce::Image makeImage(int width, int height) = 0;
    virtual juce::String emptyText() const { return {}; }
    virtual void paintOver(juce::Graphics&) {}
    virtual bool followsTime() const { return false; }

    Session& session_;
    ViewState& view_;

private:
    juce::Image cache_;
    juce::String cacheKey_;
};

/// Waveform strip over the spectrogram, frequency and time axes, play head and selection.
class TimelineView : public CachedImageView {
public:
    using CachedImageView::CachedImageView;
    void mouseDown(const juce::MouseEvent& e) override;
    void mouseDrag(const juce::MouseEvent& e) override;
    void mouseUp(const juce::MouseEvent& e) override;
    void mouseWheelMove(const juce::MouseEvent& e, const juce::MouseWheelDetails& wheel) override;

protected:
    juce::Rectangle<int> imageArea() const override;
    juce::Image makeImage(int width, int height) override;
    juce::String emptyText() const override;
    void paintOver(juce::Graphics& g) override;
    bool followsTime() const override { return true; }

private:
    double secondsAt(float x) const;
    float xOf(double seconds) const;
    double dragStart_ = -1.0;
};

/// Templates W, one column per component, coloured strip = source.
class TemplatesView : public CachedImageView {
public:
    using CachedImageView::CachedImageView;

protected:
    juce::Image makeImage(int width, int height) override;
    juce::String emptyText() const override
    {
        return session_.hasDecomposition() ? juce::String() : "Run a separation to see its templates (W)";
    }
    void paintOver(juce::Graphics& g) override;
};

/// Activations H, one row per component, following the timeline's window.
class ActivationsView : public CachedImageView {
public:
    using CachedImageView::CachedImageView;

protected:
    juce::Image makeImage(int width, int height) override;
    juce::String emptyText() const override
    {
        return session_.hasDecomposition() ? juce::String() : "Run a separation to see its activations (H)";
    }
    /// Aligned in time with the timeline above (same left margin).
    juce::Rectangle<int> imageArea() const override { return getLocalBounds().withTrimmedLeft(kTimeAxisMargin); }
    void paintOver(juce::Graphics& g) override;
    bool followsTime() const override { return true; }
};

/// Each source's masked spectrogram, stacked, following the timeline's window.
class SourceSpectraView : public CachedImageView {
public:
    using CachedImageView::CachedImageView;

protected:
    juce::Image makeImage(int width, int height) override;
    juce::String emptyText() const override
    {
        return session_.hasDecomposition() ? juce::String() : "Run a separation to see each source's spectrogram";
    }
    juce::Rectangle<int> imageArea() const override { return getLocalBounds().withTrimmedLeft(kTimeAxisMargin); }
    void paintOver(juce::Graphics& g) override;
    bool followsTime() const override { return true; }
};

/// The objective per evaluation: live progress while running, the curve afterwards.
/// While running, the values evaluated so far (`live`, copied from the job's
/// ObjectiveTrace on the message thread) are drawn as they come.
class ObjectiveView : public juce::Component {
public:
    explicit ObjectiveView(Session& session) : session_(session) {}
    void paint(juce::Graphics& g) override;
    bool running = false;      ///< a separation is in progress
    double progress = 0.0;     ///< its progress, 0..1
    juce::String stage;        ///< its current stage
    juce::String objectiveName;  ///< the running separation's objective (e.g. "kl")
    ObjectiveTrace::Points live;  ///< the running separation's objective so far

private:
    /// The curve of `values` (at `iterations`) with its axis labels and a title.
    void drawCurve(juce::Graphics& g, juce::Rectangle<int> area, const std::vector<double>& values,
                   int lastIteration, const juce::String& title);

    Session& session_;
};

}  // namespace demix::app

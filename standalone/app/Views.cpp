#include "app/Views.hpp"

#include "app/Theme.hpp"

#include <cmath>

namespace demix::app {

// --- ViewState --------------------------------------------------------------------------

void ViewState::reset(double seconds)
{
    duration = std::max(0.0, seconds);
    start = 0.0;
    end = duration;
    selectionStart = selectionEnd = 0.0;
    playHead = 0.0;
    changed();
}

void ViewState::setWindow(double newStart, double newEnd)
{
    const double minimum = std::min(duration, 0.05);
    double length = juce::jlimit(minimum, std::max(minimum, duration), newEnd - newStart);
    start = juce::jlimit(0.0, std::max(0.0, duration - length), newStart);
    end = start + length;
    changed();
}

void ViewState::zoom(double factor, double centreSeconds)
{
    const double length = (end - start) * factor;
    const double anchor = end > start ? (centreSeconds - start) / (end - start) : 0.5;
    setWindow(centreSeconds - anchor * length, centreSeconds + (1.0 - anchor) * length);
}

void ViewState::scroll(double seconds) { setWindow(start + seconds, end + seconds); }

void ViewState::changed()
{
    if (onChanged)
        onChanged();
    for (auto& w : watchers)
        if (w != nullptr)
            w->repaint();
}

double frameOfSeconds(double seconds, double sampleRate, const StftSettings& stft)
{
    // Frame t is centred on sample (t + 1)·hop − N/2 (see stft.hpp's framing).
    return (seconds * sampleRate + stft.fftSize / 2.0) / stft.hop - 1.0;
}

namespace {

/// The frame range of the visible window for `stft`, clamped to [0, frames).
std::pair<int, int> visibleFrames(const ViewState& view, double sampleRate, const StftSettings& stft,
                                  int frames)
{
    int first = int(std::floor(frameOfSeconds(view.start, sampleRate, stft)));
    int last = int(std::ceil(frameOfSeconds(view.end, sampleRate, stft))) + 1;
    first = juce::jlimit(0, std::max(0, frames - 1), first);
    last = juce::jlimit(first + 1, std::max(first + 1, frames), last);
    return {first, last};
}

void drawEmpty(juce::Graphics& g, juce::Rectangle<int> area, const juce::String& text)
{
    g.setColour(theme::dimText);
    g.setFont(15.0f);
    g.drawFittedText(text, area.reduced(12), juce::Justification::centred, 3);
}

std::vector<int> ownersOf(const Session& session)
{
    std::vector<int> owner(size_t(session.components()), -1);
    for (int k = 0; k < session.components(); ++k)
        owner[size_t(k)] = session.grouping().sourceOf(k);
    return owner;
}

}  // namespace

// --- CachedImageView --------------------------------------------------------------------

void CachedImageView::paint(juce::Graphics& g)
{
    g.fillAll(theme::panel);
    const auto area = imageArea();
    const auto empty = emptyText();
    if (empty.isNotEmpty() || area.isEmpty()) {
        drawEmpty(g, getLocalBounds(), empty);
        return;
    }
    juce::String key;
    key << view_.generation << ":" << area.getWidth() << "x" << area.getHeight() << ":"
        << int(view_.logFrequency) << int(view_.colourBySource);
    if (followsTime())
        key << ":" << view_.start << "-" << view_.end;
    if (key != cacheKey_ || !cache_.isValid()) {
        cache_ = makeImage(area.getWidth(), area.getHeight());
        cacheKey_ = key;
    }
    g.drawImageAt(cache_, area.getX(), area.getY());
    paintOver(g);
}

// --- TimelineView -----------------------------------------------------------------------

namespace {
constexpr int kAxisWidth = kTimeAxisMargin, kWaveHeight = 72, kRulerHeight = 18;
}

juce::String TimelineView::emptyText() const
{
    return session_.hasAudio() ? juce::String()
                               : juce::String("Open a WAV, AIFF or FLAC file (File > Open, Ctrl+O) "
                                              "or drop one here");
}

juce::Rectangle<int> TimelineView::imageArea() const
{
    return getLocalBounds().withTrimmedLeft(kAxisWidth).withTrimmedBottom(kRulerHeight);
}

float TimelineView::xOf(double seconds) const
{
    const auto area = imageArea();
    const double span = std::max(1e-9, view_.end - view_.start);
    return float(area.getX() + (seconds - view_.start) / span * area.getWidth());
}

double TimelineView::secondsAt(float x) const
{
    const auto area = imageArea();
    const double span = view_.end - view_.start;
    return juce::jlimit(0.0, view_.duration,
                        view_.start + (x - float(area.getX())) / std::max(1, area.getWidth()) * span);
}

juce::Image TimelineView::makeImage(int width, int height)
{
    juce::Image image(juce::Image::RGB, width, height, true);
    juce::Graphics g(image);
    g.fillAll(juce::Colour(0xff101014));
    const auto& mix = session_.mix();
    const double rate = mix.sampleRate;

    // Waveform: min/max of the channel mean per pixel column.
    const int waveHeight = std::min(kWaveHeight, height / 3);
    const auto first = size_t(juce::jlimit(0.0, double(mix.numSamples()), view_.start * rate));
    const auto last = size_t(juce::jlimit(0.0, double(mix.numSamples()), view_.end * rate));
    const double perPixel = double(last - first) / width;
    const float mid = waveHeight / 2.0f;
    g.setColour(juce::Colour(0xff16161c));
    g.fillRect(0, 0, width, waveHeight);
    for (int x = 0; x < width; ++x) {
        const auto a = first + size_t(x * perPixel);
        const auto b = std::max(a + 1, first + size_t((x + 1) * perPixel));
        float lo = 0.0f, hi = 0.0f;
        // Long windows: sample at most 256 points per pixel column (display only).
        const size_t stride = std::max<size_t>(1, (b - a) / 256);
        for (size_t n = a; n < b && n < mix.numSamples(); n += stride) {
            float v = 0.0f;
            for (const auto& c : mix.channels)
                v += c[n];
            v /= float(mix.numChannels());
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        g.setColour(theme::accent.withAlpha(0.85f));
        g.drawVerticalLine(x, mid - hi * mid * 0.95f, mid - lo * mid * 0.95f + 1.0f);
    }

    // Spectrogram (coloured by source once there is a decomposition).
    const Matrix& V = session_.spectrogram();
    if (V.size() > 0) {
        // The shown spectrogram is the decomposition's until the STFT settings change.
        const bool fromDecomposition = session_.hasDecomposition()
                                       && session_.decomposition().V.rows() == V.rows()
                                       && session_.decomposition().V.cols() == V.cols();
        const auto& stft = fromDecomposition ? session_.decompositionSettings().separation.stft
                                             : session_.settings().separation.stft;
        SpectrogramView sv;
        sv.sampleRate = rate;
        sv.logFrequency = view_.logFrequency;
        std::tie(sv.firstFrame, sv.lastFrame) = visibleFrames(view_, rate, stft, int(V.cols()));
        const int specHeight = height - waveHeight - 1;
        const bool bySource = view_.colourBySource && fromDecomposition;
        const auto picture = bySource ? renderSourceSpectrogram(V, session_.masks(), sv, width, specHeight)
                                      : renderSpectrogram(V, sv, width, specHeight);
        g.drawImageAt(picture, 0, waveHeight + 1);
    }
    return image;
}

void TimelineView::paintOver(juce::Graphics& g)
{
    const auto area = imageArea();
    const int waveHeight = std::min(kWaveHeight, area.getHeight() / 3);
    const auto spec = area.withTrimmedTop(waveHeight + 1);

    // Frequency axis.
    g.setFont(11.0f);
    g.setColour(theme::dimText);
    const double nyquist = session_.mix().sampleRate / 2.0;
    for (double hz : {50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0}) {
        if (hz >= nyquist)
            break;
        double position = hz / nyquist;
        if (view_.logFrequency)
            position = std::log(hz / 30.0) / std::log(nyquist / 30.0);
        if (position <= 0.02 || position >= 0.98)
            continue;
        const int y = spec.getBottom() - int(position * spec.getHeight());
        g.drawText(hz >= 1000 ? juce::String(hz / 1000, 0) + "k" : juce::String(int(hz)),
                   0, y - 7, kAxisWidth - 6, 14, juce::Justification::centredRight);
        g.drawHorizontalLine(y, float(kAxisWidth - 4), float(kAxisWidth));
    }
    g.drawText("Hz", 0, spec.getY(), kAxisWidth - 6, 14, juce::Justification::centredRight);

    // Time ruler: a tick every "nice" number of seconds.
    const double span = view_.end - view_.start;
    double tick = 0.01;
    for (double t : {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0})
        if (span / t <= area.getWidth() / 80.0) {
            tick = t;
            break;
        }
    for (double t = std::ceil(view_.start / tick) * tick; t <= view_.end; t += tick) {
        const float x = xOf(t);
        g.drawVerticalLine(int(x), float(area.getBottom()), float(area.getBottom() + 5));
        const int whole = int(std::round(t));
        const auto label = tick >= 1.0 ? juce::String(whole / 60) + ":" + juce::String(whole % 60).paddedLeft('0', 2)
                                       : juce::String(t, tick >= 0.1 ? 1 : 2) + "s";
        g.drawText(label, int(x) + 3, area.getBottom() + 2, 60, kRulerHeight - 3,
                   juce::Justification::centredLeft);
    }

    // Selection and play head.
    if (view_.hasSelection()) {
        const float a = std::max(float(area.getX()), xOf(view_.selectionStart));
        const float b = std::min(float(area.getRight()), xOf(view_.selectionEnd));
        if (b > a) {
            g.setColour(theme::selection);
            g.fillRect(juce::Rectangle<float>(a, float(area.getY()), b - a, float(area.getHeight())));
            g.setColour(sourceColour(0));
            g.drawRect(juce::Rectangle<float>(a, float(area.getY()), b - a, float(area.getHeight())), 1.0f);
            g.setFont(12.0f);
            g.drawText(juce::String(view_.selectionStart, 2) + " - " + juce::String(view_.selectionEnd, 2) + " s",
                       int(a) + 4, area.getY() + 2, 160, 16, juce::Justification::centredLeft);
        }
    }
    const float x = xOf(view_.playHead);
    if (x >= area.getX() && x <= area.getRight()) {
        g.setColour(theme::playHead);
        g.drawLine(x, float(area.getY()), x, float(area.getBottom()), 1.5f);
    }
    g.setColour(theme::outline);
    g.drawRect(area.expanded(1));
    g.drawHorizontalLine(area.getY() + waveHeight, float(area.getX()), float(area.getRight()));
}

void TimelineView::mouseDown(const juce::MouseEvent& e)
{
    if (!session_.hasAudio())
        return;
    dragStart_ = secondsAt(float(e.x));
}

void TimelineView::mouseDrag(const juce::MouseEvent& e)
{
    if (dragStart_ < 0 || e.getDistanceFromDragStart() < 4)
        return;
    const double now = secondsAt(float(e.x));
    view_.selectionStart = std::min(dragStart_, now);
    view_.selectionEnd = std::max(dragStart_, now);
    view_.changed();
}

void TimelineView::mouseUp(const juce::MouseEvent& e)
{
    if (dragStart_ >= 0 && e.getDistanceFromDragStart() < 4) {
        view_.selectionStart = view_.selectionEnd = 0.0;
        if (view_.onSeek)
            view_.onSeek(secondsAt(float(e.x)));
        view_.changed();
    }
    dragStart_ = -1.0;
}

void TimelineView::mouseWheelMove(const juce::MouseEvent& e, const juce::MouseWheelDetails& wheel)
{
    if (!session_.hasAudio())
        return;
    if (e.mods.isCommandDown() || e.mods.isCtrlDown())
        view_.zoom(wheel.deltaY > 0 ? 0.8 : 1.25, secondsAt(float(e.x)));
    else
        view_.scroll(-(wheel.deltaY + wheel.deltaX) * (view_.end - view_.start) * 0.5);
}

// --- Templates, activations, sources ----------------------------------------------------

juce::Image TemplatesView::makeImage(int width, int height)
{
    return renderTemplates(session_.decomposition().W, ownersOf(session_), view_.logFrequency,
                           session_.mix().sampleRate, width, height - 16);
}

void TemplatesView::paintOver(juce::Graphics& g)
{
    const int k = session_.components();
    g.setFont(11.0f);
    g.setColour(theme::dimText);
    const int step = std::max(1, 24 * k / std::max(1, getWidth()));
    for (int c = 0; c < k; c += step)
        g.drawText(juce::String(c + 1), c * getWidth() / k, getHeight() - 15, getWidth() / k * step, 14,
                   juce::Justification::centred);
}

juce::Image ActivationsView::makeImage(int width, int height)
{
    const auto& d = session_.decomposition();
    const auto [first, last] = visibleFrames(view_, session_.mix().sampleRate,
                                             session_.decompositionSettings().separation.stft,
                                             int(d.H.cols()));
    return renderActivations(d.H, ownersOf(session_), first, last, width, height);
}

void ActivationsView::paintOver(juce::Graphics& g)
{
    const int k = session_.components();
    if (getHeight() / std::max(1, k) < 11)
        return;
    g.setFont(11.0f);
    for (int c = 0; c < k; ++c) {
        const int owner = session_.grouping().sourceOf(c);
        g.setColour(owner >= 0 ? sourceColour(owner) : theme::dimText);
        g.drawText(juce::String(c + 1), 0, c * getHeight() / k, kTimeAxisMargin - 6, getHeight() / k,
                   juce::Justification::centredRight);
    }
}

juce::Image SourceSpectraView::makeImage(int width, int height)
{
    juce::Image image(juce::Image::RGB, width, height, true);
    juce::Graphics g(image);
    g.fillAll(theme::panel);
    const auto& d = session_.decomposition();
    const auto& masks = session_.masks();
    const int sources = int(masks.size());
    if (sources == 0)
        return image;
    SpectrogramView sv;
    sv.sampleRate = session_.mix().sampleRate;
    sv.logFrequency = view_.logFrequency;
    std::tie(sv.firstFrame, sv.lastFrame) =
        visibleFrames(view_, sv.sampleRate, session_.decompositionSettings().separation.stft, int(d.V.cols()));
    const int rowHeight = height / sources;
    for (int s = 0; s < sources; ++s) {
        const auto picture = renderMaskedSpectrogram(d.V, masks[size_t(s)], sourceColour(s), sv, width,
                                                     std::max(1, rowHeight - 2));
        g.drawImageAt(picture, 0, s * rowHeight);
    }
    return image;
}

void SourceSpectraView::paintOver(juce::Graphics& g)
{
    const auto& names = session_.grouping().names;
    const int sources = int(names.size());
    if (sources == 0)
        return;
    const int rowHeight = getHeight() / sources;
    g.setFont(juce::Font(13.0f, juce::Font::bold));
    for (int s = 0; s < sources; ++s) {
        const auto label = juce::Rectangle<int>(kTimeAxisMargin + 6, s * rowHeight + 5, 160, 20);
        g.setColour(juce::Colours::black.withAlpha(0.55f));
        g.fillRoundedRectangle(label.toFloat().withWidth(float(g.getCurrentFont().getStringWidth(names[size_t(s)]) + 24)), 4.0f);
        g.setColour(sourceColour(s));
        g.fillEllipse(float(label.getX() + 6), float(label.getY() + 6), 8.0f, 8.0f);
        g.setColour(theme::text);
        g.drawText(names[size_t(s)], label.withTrimmedLeft(19), juce::Justification::centredLeft);
    }
}

// --- Objective --------------------------------------------------------------------------

void ObjectiveView::drawCurve(juce::Graphics& g, juce::Rectangle<int> area, const std::vector<double>& values,
                              int lastIteration, const juce::String& title)
{
    area = area.reduced(12).withTrimmedLeft(70).withTrimmedBottom(20).withTrimmedTop(20);
    g.drawImageAt(renderObjectiveCurve(values, area.getWidth(), area.getHeight()), area.getX(), area.getY());
    g.setColour(theme::dimText);
    g.setFont(12.0f);
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    g.drawText(juce::String(*hi, 4, true), 4, area.getY(), 64, 16, juce::Justification::centredRight);
    g.drawText(juce::String(*lo, 4, true), 4, area.getBottom() - 16, 64, 16, juce::Justification::centredRight);
    g.drawText("0", area.getX(), area.getBottom() + 2, 40, 16, juce::Justification::centredLeft);
    g.drawText(juce::String(lastIteration) + " iterations", area.getRight() - 200, area.getBottom() + 2, 200, 16,
               juce::Justification::centredRight);
    g.setColour(theme::text);
    g.drawText(title, area.getX(), area.getY() - 28, area.getWidth(), 16, juce::Justification::centredLeft);
}

void ObjectiveView::paint(juce::Graphics& g)
{
    g.fillAll(theme::panel);
    if (running) {
        const auto status = juce::String::fromUTF8("Separating (") + stage + ") " + juce::String(int(progress * 100)) + "%";
        auto bounds = getLocalBounds();
        juce::Rectangle<float> bar;
        if (live.values.size() >= 2) {
            // The curve so far, drawn as the engine evaluates it; a thin progress bar below.
            drawCurve(g, bounds.withTrimmedBottom(14), live.values, live.iterations.back(),
                      "Objective (" + objectiveName + ", log scale) — " + status);
            bar = bounds.removeFromBottom(14).reduced(12, 4).withTrimmedLeft(70).toFloat();
        } else {
            drawEmpty(g, bounds.withTrimmedBottom(40), status);
            bar = bounds.withSizeKeepingCentre(getWidth() / 2, 6).translated(0, 10).toFloat();
        }
        g.setColour(theme::panelLight);
        g.fillRoundedRectangle(bar, 3.0f);
        g.setColour(theme::accent);
        g.fillRoundedRectangle(bar.withWidth(bar.getWidth() * float(juce::jlimit(0.0, 1.0, progress))), 3.0f);
        return;
    }
    if (!session_.hasDecomposition() || session_.decomposition().nmf.objective.size() < 2) {
        drawEmpty(g, getLocalBounds(), "Run a separation to see how its objective converges");
        return;
    }
    const auto& nmf = session_.decomposition().nmf;
    const int lastIteration = nmf.objectiveIterations.empty() ? nmf.iterations : nmf.objectiveIterations.back();
    drawCurve(g, getLocalBounds(), nmf.objective, lastIteration,
              "Objective (" + juce::String(toString(session_.decompositionSettings().separation.nmf.objective))
                  + ", log scale) — " + juce::String(nmf.converged ? "converged" : "stopped at the iteration limit"));
}

}  // namespace demix::app

#include "SpectrogramView.h"

#include "EditorStyle.h"

#include <cmath>

namespace demix::plugin {

namespace {
constexpr double kLowestHz = 30.0;

/// Colour of a frame's bin from the per-slot estimates (and their total).
juce::Colour mixColour(const float* estimates, int slots, float total, float brightness)
{
    float r = 0, g = 0, b = 0;
    for (int s = 0; s < slots; ++s) {
        if (estimates[s] <= 0.0f)
            continue;
        const auto c = slotColour(s);
        const float w = estimates[s] / total;
        r += w * c.getFloatRed();
        g += w * c.getFloatGreen();
        b += w * c.getFloatBlue();
    }
    return juce::Colour::fromFloatRGBA(r * brightness, g * brightness, b * brightness, 1.0f);
}

int slotOfComponent(const EngineModel& model, int k)
{
    for (int s = 0; s < kNumSlots; ++s) {
        const auto first = model.firstComponent[static_cast<size_t>(s)];
        if (k >= first && k < first + model.componentCount[static_cast<size_t>(s)])
            return s;
    }
    return kResidualSlot;
}
}  // namespace

std::vector<int> logFrequencyRows(const EngineFormat& format, int rows)
{
    std::vector<int> bins(static_cast<size_t>(rows));
    const double nyquist = format.sampleRate / 2.0;
    const double binHz = format.sampleRate / format.stft.fftSize;
    for (int r = 0; r < rows; ++r) {
        // Row 0 is the top (highest frequency).
        const double t = 1.0 - static_cast<double>(r) / (rows - 1);
        const double hz = kLowestHz * std::pow(nyquist / kLowestHz, t);
        bins[static_cast<size_t>(r)] = juce::jlimit(0, format.stft.bins() - 1, static_cast<int>(std::lround(hz / binHz)));
    }
    return bins;
}

SpectrogramView::SpectrogramView() : image_(juce::Image::RGB, kColumns, kRows, true) { setOpaque(true); }

void SpectrogramView::addFrame(const EngineModel& model, const float* h)
{
    if (rowBin_.empty() || cachedFormat_.sampleRate != model.format.sampleRate
        || cachedFormat_.stft.fftSize != model.format.stft.fftSize) {
        cachedFormat_ = model.format;
        rowBin_ = logFrequencyRows(model.format, kRows);
    }
    // A full-scale sine peaks at about fftSize/4 in the Hann-windowed, unnormalised DFT.
    const float reference = static_cast<float>(model.format.stft.fftSize) / 4.0f;
    float estimates[kNumSlots];
    for (int r = 0; r < kRows; ++r) {
        const int bin = rowBin_[static_cast<size_t>(r)];
        float total = 0.0f;
        for (int s = 0; s < kNumSlots; ++s) {
            float e = 0.0f;
            const int first = model.firstComponent[static_cast<size_t>(s)];
            for (int k = 0; k < model.componentCount[static_cast<size_t>(s)]; ++k)
                e += model.W(bin, first + k) * h[first + k];
            estimates[s] = std::isfinite(e) ? std::max(e, 0.0f) : 0.0f;
            total += estimates[s];
        }
        juce::Colour colour = juce::Colours::black;
        if (total > 0.0f) {
            const float db = 20.0f * std::log10(total / reference + 1e-12f);
            const float brightness = juce::jlimit(0.0f, 1.0f, (db + 90.0f) / 90.0f);
            colour = mixColour(estimates, kNumSlots, total, brightness);
        }
        image_.setPixelAt(column_, r, colour);
    }
    column_ = (column_ + 1) % kColumns;
    repaint();
}

void SpectrogramView::paint(juce::Graphics& g)
{
    g.fillAll(juce::Colours::black);
    auto area = getLocalBounds().toFloat();
    // Oldest column (column_) on the left, newest on the right.
    const float split = area.getWidth() * static_cast<float>(kColumns - column_) / kColumns;
    g.setImageResamplingQuality(juce::Graphics::lowResamplingQuality);
    g.drawImage(image_, area.getX(), area.getY(), split, area.getHeight(), column_, 0, kColumns - column_, kRows);
    if (column_ > 0)
        g.drawImage(image_, area.getX() + split, area.getY(), area.getWidth() - split, area.getHeight(), 0, 0,
                    column_, kRows);

    // Frequency grid.
    g.setFont(11.0f);
    const double nyquist = cachedFormat_.sampleRate / 2.0;
    for (double hz : {100.0, 1000.0, 10000.0}) {
        if (hz >= nyquist)
            continue;
        const double t = std::log(hz / kLowestHz) / std::log(nyquist / kLowestHz);
        const float y = area.getBottom() - static_cast<float>(t) * area.getHeight();
        g.setColour(juce::Colours::white.withAlpha(0.25f));
        g.drawHorizontalLine(static_cast<int>(y), area.getX(), area.getRight());
        g.setColour(juce::Colours::white.withAlpha(0.7f));
        g.drawText(hz >= 1000.0 ? juce::String(hz / 1000.0, 0) + " kHz" : juce::String(hz, 0) + " Hz",
                   juce::Rectangle<float>(area.getX() + 4, y - 14, 60, 14), juce::Justification::left);
    }
    g.setColour(juce::Colours::white.withAlpha(0.8f));
    g.drawText("sound over time (colour = source)", area.reduced(4), juce::Justification::topLeft);
}

TemplateActivationView::TemplateActivationView()
    : templates_(juce::Image::RGB, 1, kRows, true), activations_(juce::Image::RGB, kColumns, 1, true)
{
    setOpaque(true);
}

void TemplateActivationView::renderTemplates(const EngineModel& model)
{
    components_ = static_cast<int>(model.W.cols());
    templatesGeneration_ = model.generation;
    componentSlot_.resize(static_cast<size_t>(components_));
    for (int k = 0; k < components_; ++k)
        componentSlot_[static_cast<size_t>(k)] = slotOfComponent(model, k);

    const auto rows = logFrequencyRows(model.format, kRows);
    templates_ = juce::Image(juce::Image::RGB, std::max(1, components_), kRows, true);
    for (int k = 0; k < components_; ++k) {
        const float peak = std::max(model.W.col(k).maxCoeff(), 1e-12f);
        const auto colour = slotColour(componentSlot_[static_cast<size_t>(k)]);
        for (int r = 0; r < kRows; ++r) {
            const float v = model.W(rows[static_cast<size_t>(r)], k) / peak;
            const float db = juce::jlimit(0.0f, 1.0f, (20.0f * std::log10(v + 1e-9f) + 60.0f) / 60.0f);
            templates_.setPixelAt(k, r, colour.withMultipliedBrightness(db));
        }
    }
    activations_ = juce::Image(juce::Image::RGB, kColumns, std::max(1, components_), true);
    column_ = 0;
}

void TemplateActivationView::addFrame(const EngineModel& model, const float* h)
{
    if (model.generation != templatesGeneration_ || components_ != model.W.cols())
        renderTemplates(model);
    float peak = 1e-12f;
    for (int k = 0; k < components_; ++k)
        peak = std::max(peak, h[k]);
    for (int k = 0; k < components_; ++k) {
        const float v = std::isfinite(h[k]) ? juce::jlimit(0.0f, 1.0f, h[k] / peak) : 0.0f;
        activations_.setPixelAt(column_, k, slotColour(componentSlot_[static_cast<size_t>(k)]).withMultipliedBrightness(v));
    }
    column_ = (column_ + 1) % kColumns;
    repaint();
}

void TemplateActivationView::paint(juce::Graphics& g)
{
    g.fillAll(juce::Colours::black);
    auto area = getLocalBounds().toFloat().reduced(2.0f);
    g.setImageResamplingQuality(juce::Graphics::lowResamplingQuality);
    auto left = area.removeFromLeft(area.getWidth() * 0.35f);
    area.removeFromLeft(4.0f);
    g.drawImage(templates_, left.getX(), left.getY() + 14, left.getWidth(), left.getHeight() - 14, 0, 0,
                templates_.getWidth(), templates_.getHeight());
    const float split = area.getWidth() * static_cast<float>(kColumns - column_) / kColumns;
    const int rows = activations_.getHeight();
    g.drawImage(activations_, area.getX(), area.getY() + 14, split, area.getHeight() - 14, column_, 0,
                kColumns - column_, rows);
    if (column_ > 0)
        g.drawImage(activations_, area.getX() + split, area.getY() + 14, area.getWidth() - split,
                    area.getHeight() - 14, 0, 0, column_, rows);
    g.setColour(juce::Colours::white.withAlpha(0.8f));
    g.setFont(11.0f);
    g.drawText("source sounds (" + juce::String(components_) + ")", left.removeFromTop(14), juce::Justification::left);
    g.drawText("activity", area.removeFromTop(14), juce::Justification::left);
}

}  // namespace demix::plugin

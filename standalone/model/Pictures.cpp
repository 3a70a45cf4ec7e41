#include "model/Pictures.hpp"

#include "model/AudioFile.hpp"

#include <algorithm>
#include <cmath>

namespace demix::app {

namespace {

constexpr double kLowestLogHz = 30.0;

/// For each pixel row (top = highest frequency), the half-open bin range it covers.
std::vector<std::pair<int, int>> binRanges(int bins, int height, bool logFrequency, double sampleRate)
{
    std::vector<std::pair<int, int>> ranges(size_t(std::max(0, height)));
    const double nyquist = sampleRate / 2.0;
    auto binAt = [&](double position) {  // position 0 = bottom edge, 1 = top edge
        double fraction = position;
        if (logFrequency) {
            const double low = std::min(kLowestLogHz, nyquist / 2);
            fraction = low * std::pow(nyquist / low, position) / nyquist;
        }
        return fraction * (bins - 1);
    };
    for (int y = 0; y < height; ++y) {
        const double top = 1.0 - double(y) / height, bottom = 1.0 - double(y + 1) / height;
        int b0 = int(std::floor(binAt(bottom) + 0.5)), b1 = int(std::floor(binAt(top) + 0.5));
        b0 = std::clamp(b0, 0, bins - 1);
        b1 = std::clamp(std::max(b1, b0 + 1), 1, bins);
        ranges[size_t(y)] = {b0, b1};
    }
    return ranges;
}

/// For each pixel column, the half-open frame range it covers.
std::vector<std::pair<int, int>> frameRanges(int first, int last, int width)
{
    std::vector<std::pair<int, int>> ranges(size_t(std::max(0, width)));
    const double span = double(last - first);
    for (int x = 0; x < width; ++x) {
        int t0 = first + int(std::floor(span * x / width));
        int t1 = first + int(std::floor(span * (x + 1) / width));
        t0 = std::clamp(t0, first, last - 1);
        ranges[size_t(x)] = {t0, std::clamp(std::max(t1, t0 + 1), t0 + 1, last)};
    }
    return ranges;
}

/// Calls fn(x, y, f, t, value) with the loudest (f, t) of V under each pixel.
template <typename Fn>
void forEachPixel(const Matrix& V, const SpectrogramView& view, int width, int height, Fn fn)
{
    const int frames = int(V.cols());
    const int first = std::clamp(view.firstFrame, 0, std::max(0, frames - 1));
    const int last = view.lastFrame < 0 ? frames : std::clamp(view.lastFrame, first + 1, frames);
    const auto rows = binRanges(int(V.rows()), height, view.logFrequency, view.sampleRate);
    const auto cols = frameRanges(first, last, width);
    for (int x = 0; x < width; ++x)
        for (int y = 0; y < height; ++y) {
            const auto [b0, b1] = rows[size_t(y)];
            const auto [t0, t1] = cols[size_t(x)];
            Eigen::Index f = 0, t = 0;
            const float value = V.block(b0, t0, b1 - b0, t1 - t0).maxCoeff(&f, &t);
            fn(x, y, int(b0 + f), int(t0 + t), value);
        }
}

/// dB level of `value` relative to `peak`, mapped to [0, 1] over `rangeDb`.
float levelOf(float value, float peak, float rangeDb)
{
    if (!(value > 0.0f) || !(peak > 0.0f))
        return 0.0f;
    const float db = 20.0f * std::log10(value / peak);
    return std::clamp((db + rangeDb) / rangeDb, 0.0f, 1.0f);
}

juce::Image blankImage(int width, int height)
{
    juce::Image image(juce::Image::RGB, std::max(1, width), std::max(1, height), true);
    image.clear(image.getBounds(), juce::Colour(0xff101014));
    return image;
}

}  // namespace

juce::Colour sourceColour(int source)
{
    static const juce::uint32 palette[] = {0xff4fc3f7, 0xffff8a65, 0xffaed581, 0xffba68c8,
                                           0xffffd54f, 0xff4db6ac, 0xfff06292, 0xff90a4ae};
    return juce::Colour(palette[size_t(std::abs(source)) % std::size(palette)]);
}

juce::Colour heatColour(float level)
{
    static const juce::Colour stops[] = {juce::Colour(0xff000004), juce::Colour(0xff2c115f),
                                         juce::Colour(0xff721f81), juce::Colour(0xffb73779),
                                         juce::Colour(0xfff1605d), juce::Colour(0xfffeb078),
                                         juce::Colour(0xfffcfdbf)};
    constexpr int n = int(std::size(stops)) - 1;
    const float position = std::clamp(level, 0.0f, 1.0f) * n;
    const int i = std::min(int(position), n - 1);
    return stops[i].interpolatedWith(stops[i + 1], position - float(i));
}

juce::Image renderSpectrogram(const Matrix& V, const SpectrogramView& view, int width, int height)
{
    auto image = blankImage(width, height);
    if (V.size() == 0)
        return image;
    const float peak = V.maxCoeff();
    juce::Image::BitmapData pixels(image, juce::Image::BitmapData::writeOnly);
    forEachPixel(V, view, image.getWidth(), image.getHeight(),
                 [&](int x, int y, int, int, float value) {
                     pixels.setPixelColour(x, y, heatColour(levelOf(value, peak, view.rangeDb)));
                 });
    return image;
}

juce::Image renderSourceSpectrogram(const Matrix& V, const std::vector<Matrix>& masks,
                                    const SpectrogramView& view, int width, int height)
{
    auto image = blankImage(width, height);
    if (V.size() == 0 || masks.empty())
        return image;
    const float peak = V.maxCoeff();
    juce::Image::BitmapData pixels(image, juce::Image::BitmapData::writeOnly);
    forEachPixel(V, view, image.getWidth(), image.getHeight(),
                 [&](int x, int y, int f, int t, float value) {
                     float r = 0, g = 0, b = 0;
                     for (size_t s = 0; s < masks.size(); ++s) {
                         const float share = masks[s](f, t);
                         const auto c = sourceColour(int(s));
                         r += share * c.getFloatRed();
                         g += share * c.getFloatGreen();
                         b += share * c.getFloatBlue();
                     }
                     const float level = std::pow(levelOf(value, peak, view.rangeDb), 1.3f);
                     pixels.setPixelColour(x, y, juce::Colour::fromFloatRGBA(r * level, g * level,
                                                                            b * level, 1.0f));
                 });
    return image;
}

juce::Image renderMaskedSpectrogram(const Matrix& V, const Matrix& mask, juce::Colour tint,
                                    const SpectrogramView& view, int width, int height)
{
    auto image = blankImage(width, height);
    if (V.size() == 0 || mask.rows() != V.rows() || mask.cols() != V.cols())
        return image;
    const Matrix masked = V.cwiseProduct(mask);
    const float peak = V.maxCoeff();  // same scale as the mix: quiet sources look quiet
    juce::Image::BitmapData pixels(image, juce::Image::BitmapData::writeOnly);
    forEachPixel(masked, view, image.getWidth(), image.getHeight(),
                 [&](int x, int y, int, int, float value) {
                     const float level = levelOf(value, peak, view.rangeDb);
                     // A gamma > 1 keeps the quiet part of the range dark, so the source's
                     // own energy stands out; the loudest bins go towards white.
                     const auto base = juce::Colour(0xff000000).interpolatedWith(
                         tint, std::min(1.0f, 1.15f * std::pow(level, 1.7f)));
                     pixels.setPixelColour(x, y, base.interpolatedWith(juce::Colours::white,
                                                                       std::pow(level, 6.0f) * 0.5f));
                 });
    return image;
}

juce::Image renderTemplates(const Matrix& W, const std::vector<int>& sourceOfComponent,
                            bool logFrequency, double sampleRate, int width, int height)
{
    auto image = blankImage(width, height);
    const int k = int(W.cols());
    if (W.size() == 0)
        return image;
    constexpr int strip = 8;  // source colour under each column
    const int plotHeight = std::max(1, image.getHeight() - strip);
    const auto rows = binRanges(int(W.rows()), plotHeight, logFrequency, sampleRate);
    juce::Image::BitmapData pixels(image, juce::Image::BitmapData::writeOnly);
    for (int x = 0; x < image.getWidth(); ++x) {
        const int c = std::min(k - 1, x * k / image.getWidth());
        // A one-pixel gap at the right edge of each column when there is room.
        const bool gap = image.getWidth() >= 3 * k && x == ((c + 1) * image.getWidth()) / k - 1;
        const float peak = W.col(c).maxCoeff();
        for (int y = 0; y < plotHeight; ++y) {
            const auto [b0, b1] = rows[size_t(y)];
            const float value = W.col(c).segment(b0, b1 - b0).maxCoeff();
            pixels.setPixelColour(x, y, gap ? juce::Colour(0xff101014) : heatColour(levelOf(value, peak, 60.0f)));
        }
        const int owner = c < int(sourceOfComponent.size()) ? sourceOfComponent[size_t(c)] : -1;
        const auto colour = owner >= 0 ? sourceColour(owner) : juce::Colours::grey;
        for (int y = plotHeight; y < image.getHeight(); ++y)
            pixels.setPixelColour(x, y, gap ? juce::Colour(0xff101014) : colour);
    }
    return image;
}

juce::Image renderActivations(const Matrix& H, const std::vector<int>& sourceOfComponent,
                              int firstFrame, int lastFrame, int width, int height)
{
    auto image = blankImage(width, height);
    const int k = int(H.rows()), frames = int(H.cols());
    if (H.size() == 0)
        return image;
    const int first = std::clamp(firstFrame, 0, frames - 1);
    const int last = lastFrame < 0 ? frames : std::clamp(lastFrame, first + 1, frames);
    const auto cols = frameRanges(first, last, image.getWidth());
    juce::Image::BitmapData pixels(image, juce::Image::BitmapData::writeOnly);
    for (int y = 0; y < image.getHeight(); ++y) {
        const int row = std::min(k - 1, y * k / image.getHeight());
        const float peak = H.row(row).maxCoeff();
        const int owner = row < int(sourceOfComponent.size()) ? sourceOfComponent[size_t(row)] : -1;
        const auto colour = owner >= 0 ? sourceColour(owner) : juce::Colours::grey;
        const bool gap = image.getHeight() >= 4 * k && ((y + 1) * k / image.getHeight()) != row;
        for (int x = 0; x < image.getWidth(); ++x) {
            const auto [t0, t1] = cols[size_t(x)];
            const float value = H.row(row).segment(t0, t1 - t0).maxCoeff();
            const float level = peak > 0.0f ? std::sqrt(value / peak) : 0.0f;
            pixels.setPixelColour(x, y, gap ? juce::Colour(0xff101014)
                                            : juce::Colour(0xff16161c).interpolatedWith(colour, level));
        }
    }
    return image;
}

juce::Image renderObjectiveCurve(const std::vector<double>& values, int width, int height)
{
    auto image = blankImage(width, height);
    juce::Graphics g(image);
    const auto area = image.getBounds().toFloat().reduced(8.0f);
    g.setColour(juce::Colour(0xff2a2a33));
    for (int i = 1; i < 4; ++i)
        g.drawHorizontalLine(int(area.getY() + area.getHeight() * i / 4), area.getX(), area.getRight());
    std::vector<double> logs;
    for (double v : values)
        if (std::isfinite(v) && v > 0.0)
            logs.push_back(std::log10(v));
    if (logs.size() < 2)
        return image;
    const auto [lo, hi] = std::minmax_element(logs.begin(), logs.end());
    const double range = std::max(1e-12, *hi - *lo);
    juce::Path path;
    for (size_t i = 0; i < logs.size(); ++i) {
        const float x = area.getX() + area.getWidth() * float(i) / float(logs.size() - 1);
        const float y = area.getBottom() - area.getHeight() * float((logs[i] - *lo) / range);
        if (i == 0)
            path.startNewSubPath(x, y);
        else
            path.lineTo(x, y);
    }
    g.setColour(juce::Colour(0xfffeb078));
    g.strokePath(path, juce::PathStrokeType(2.0f));
    return image;
}

void savePng(const juce::Image& image, const juce::File& file)
{
    juce::MemoryOutputStream out;
    juce::PNGImageFormat png;
    if (!png.writeImageToStream(image, out))
        throw FileError("Cannot encode '" + file.getFullPathName().toStdString() + "' as PNG");
    writeFileAtomically(file, out.getData(), out.getDataSize());
}

}  // namespace demix::app

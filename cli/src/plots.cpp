#include "plots.hpp"

#include "cli_error.hpp"

#include <juce_graphics/juce_graphics.h>

#include <algorithm>
#include <cmath>

namespace demix::cli {
namespace {

constexpr int kMaxWidth = 1200;
constexpr int kMaxHeight = 600;
constexpr int kMinWidth = 600;
constexpr int kMinHeight = 300;

juce::Colour colourFor(float v) {
    // A perceptually ordered dark → purple → orange → pale-yellow scale.
    static const juce::ColourGradient gradient = [] {
        juce::ColourGradient g(juce::Colour(0xff000004), 0.0f, 0.0f, juce::Colour(0xfffcfdbf),
                               1.0f, 0.0f, false);
        g.addColour(0.25, juce::Colour(0xff3b0f70));
        g.addColour(0.5, juce::Colour(0xff8c2981));
        g.addColour(0.75, juce::Colour(0xfffe9f6d));
        return g;
    }();
    return gradient.getColourAtPosition(static_cast<double>(std::clamp(v, 0.0f, 1.0f)));
}

/// First row of pixel row y: linear, or logarithmic in the row index (frequency pictures:
/// low bins get more pixels, like a musical axis). edge(0) = 0, edge(height) = rows.
Eigen::Index rowEdge(int y, int height, Eigen::Index rows, bool logRows) {
    if (!logRows) return static_cast<Eigen::Index>(y) * rows / height;
    const double e = std::pow(static_cast<double>(rows) + 1.0, static_cast<double>(y) / height) - 1.0;
    return std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::lround(e)), 0, rows);
}

/// Maximum over the block of cells that pixel (x, y) covers.
Matrix reduce(const Matrix& m, int width, int height, bool logRows) {
    Matrix out = Matrix::Zero(height, width);
    const auto rows = m.rows(), cols = m.cols();
    for (int x = 0; x < width; ++x) {
        const auto c0 = static_cast<Eigen::Index>(x) * cols / width;
        const auto c1 = std::max(c0 + 1, static_cast<Eigen::Index>(x + 1) * cols / width);
        for (int y = 0; y < height; ++y) {
            const auto r0 = std::min(rowEdge(y, height, rows, logRows), rows - 1);
            const auto r1 = std::max(r0 + 1, rowEdge(y + 1, height, rows, logRows));
            out(y, x) = m.block(r0, c0, r1 - r0, c1 - c0).maxCoeff();
        }
    }
    return out;
}

/// Values → [0, 1] on a dB scale (80 dB below the maximum is black).
Matrix toDbScale(Matrix m) {
    const float peak = m.size() > 0 ? m.maxCoeff() : 0.0f;
    if (!(peak > 0.0f)) return Matrix::Zero(m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        const float db = 20.0f * std::log10(std::max(m.data()[i] / peak, 1e-8f));
        m.data()[i] = std::clamp((db + 80.0f) / 80.0f, 0.0f, 1.0f);
    }
    return m;
}

/// Paints `m` (already scaled to [0,1]) into `area` of `image`. `frequencyRows`: rows are
/// frequency bins, drawn bottom-up on a logarithmic scale.
void paint(juce::Image& image, const Matrix& m, juce::Rectangle<int> area, bool frequencyRows) {
    const bool flip = frequencyRows;
    if (m.size() == 0 || area.isEmpty()) return;
    const Matrix r = reduce(m, area.getWidth(), area.getHeight(), frequencyRows);
    juce::Image::BitmapData bitmap(image, juce::Image::BitmapData::writeOnly);
    for (int y = 0; y < area.getHeight(); ++y)
        for (int x = 0; x < area.getWidth(); ++x) {
            const int row = flip ? area.getHeight() - 1 - y : y;
            bitmap.setPixelColour(area.getX() + x, area.getY() + y, colourFor(r(row, x)));
        }
}

std::string savePng(const juce::Image& image, const std::string& dir, const std::string& name) {
    const juce::File file = juce::File::getCurrentWorkingDirectory().getChildFile(dir).getChildFile(name);
    file.deleteFile();
    juce::FileOutputStream stream(file);
    juce::PNGImageFormat png;
    if (!stream.openedOk() || !png.writeImageToStream(image, stream))
        throw ProcessingError(inQuotes(file.getFullPathName().toStdString()) +
                              ": cannot write the picture");
    stream.flush();
    if (stream.getStatus().failed())
        throw ProcessingError(inQuotes(file.getFullPathName().toStdString()) +
                              ": cannot write the picture");
    return file.getFullPathName().toStdString();
}

/// Pixels for n cells: small matrices are enlarged (nearest neighbour) to at least `min`.
int clampSize(Eigen::Index n, int min, int max) {
    return static_cast<int>(std::clamp<Eigen::Index>(n, min, max));
}

juce::Image blank(int w, int h) {
    juce::Image image(juce::Image::ARGB, std::max(1, w), std::max(1, h), true);
    image.clear(image.getBounds(), juce::Colours::white);
    return image;
}

/// One vertical strip per template column; white 2-pixel lines between sources.
juce::Image templatesImage(const Matrix& W, const std::vector<std::vector<int>>& groups) {
    std::vector<int> order;
    std::vector<bool> boundary;
    for (const auto& g : groups)
        for (std::size_t i = 0; i < g.size(); ++i) {
            order.push_back(g[i]);
            boundary.push_back(i == 0 && order.size() > 1);  // first of a later source
        }
    if (order.empty())
        for (int k = 0; k < W.cols(); ++k) order.push_back(k), boundary.push_back(false);
    const int K = static_cast<int>(order.size());
    const int strip = std::clamp(kMaxWidth / std::max(1, K), 2, 24);
    const int height = clampSize(W.rows(), kMinHeight, kMaxHeight);
    juce::Image image = blank(K * strip + 2 * static_cast<int>(groups.size()), height);
    int x = 0;
    for (int i = 0; i < K; ++i) {
        if (boundary[static_cast<std::size_t>(i)]) x += 2;
        paint(image, toDbScale(W.col(order[static_cast<std::size_t>(i)])), {x, 0, strip, height}, true);
        x += strip;
    }
    return image;
}

}  // namespace

std::vector<std::string> writeDecompositionPlots(const Decomposition& d, float alpha,
                                                 const std::string& dir) {
    std::vector<std::string> written;
    const int T = static_cast<int>(d.V.cols());
    const int width = clampSize(T, kMinWidth, kMaxWidth);

    {  // spectrogram
        juce::Image image = blank(width, clampSize(d.V.rows(), kMinHeight, kMaxHeight));
        paint(image, toDbScale(d.V), image.getBounds(), true);
        written.push_back(savePng(image, dir, "spectrogram.png"));
    }
    written.push_back(savePng(templatesImage(d.W, d.groups), dir, "templates.png"));
    {  // activations: one row band per component, in source order, top to bottom, with
       // a white 2-pixel line between sources
        std::vector<int> order;
        std::vector<bool> boundary;
        for (const auto& g : d.groups)
            for (std::size_t i = 0; i < g.size(); ++i) {
                order.push_back(g[i]);
                boundary.push_back(i == 0 && order.size() > 1);
            }
        if (order.empty())
            for (int k = 0; k < d.H.rows(); ++k) order.push_back(k), boundary.push_back(false);
        const int K = static_cast<int>(order.size());
        const int band = std::clamp(kMaxHeight / std::max(1, K), 2, 24);
        Matrix ordered(K, d.H.cols());
        for (int i = 0; i < K; ++i) ordered.row(i) = d.H.row(order[static_cast<std::size_t>(i)]);
        const Matrix scaled = toDbScale(ordered);
        juce::Image image = blank(width, K * band + 2 * static_cast<int>(d.groups.size()));
        int y = 0;
        for (int i = 0; i < K; ++i) {
            if (boundary[static_cast<std::size_t>(i)]) y += 2;
            paint(image, scaled.row(i), {0, y, width, band}, false);
            y += band;
        }
        written.push_back(savePng(image, dir, "activations.png"));
    }
    if (!d.groups.empty()) {  // masks
        const auto masks = wienerMasks(d.W, d.H, d.groups, alpha);
        const int panel = std::clamp(kMaxHeight / static_cast<int>(masks.size()), 32, 256);
        juce::Image image = blank(width, static_cast<int>(masks.size()) * (panel + 2));
        for (std::size_t s = 0; s < masks.size(); ++s)
            paint(image, masks[s], {0, static_cast<int>(s) * (panel + 2), width, panel}, true);
        written.push_back(savePng(image, dir, "masks.png"));
    }
    return written;
}

std::vector<std::string> writeLibraryPlots(const TemplateLibrary& library, const std::string& dir) {
    Matrix W(library.bins(), library.totalComponents());
    std::vector<std::vector<int>> groups;
    int k = 0;
    for (const auto& s : library.sources) {
        groups.emplace_back();
        for (int j = 0; j < s.templates.cols(); ++j, ++k) {
            W.col(k) = s.templates.col(j);
            groups.back().push_back(k);
        }
    }
    return {savePng(templatesImage(W, groups), dir, "templates.png")};
}

const std::vector<std::string>& plotFileNames() {
    static const std::vector<std::string> names{"spectrogram.png", "templates.png", "activations.png",
                                                "masks.png"};
    return names;
}

}  // namespace demix::cli

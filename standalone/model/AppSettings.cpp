#include "model/AppSettings.hpp"

#include <cerrno>
#include <cstdlib>

namespace demix::app {

const char* toString(Method method)
{
    switch (method) {
        case Method::Supervised: return "supervised";
        case Method::SemiSupervised: return "semi-supervised";
        case Method::Unsupervised: return "unsupervised";
        case Method::GroupedByLibrary: return "grouped-by-library";
    }
    return "unsupervised";
}

Method methodFromString(const std::string& text)
{
    if (text == "supervised") return Method::Supervised;
    if (text == "semi-supervised") return Method::SemiSupervised;
    if (text == "unsupervised") return Method::Unsupervised;
    if (text == "grouped-by-library") return Method::GroupedByLibrary;
    throw InvalidArgument("Unknown method '" + text
                          + "' (use supervised, semi-supervised, unsupervised or grouped-by-library)");
}

bool LearnedSource::operator==(const LearnedSource& other) const
{
    return name == other.name && file == other.file && startSeconds == other.startSeconds
           && endSeconds == other.endSeconds && components == other.components;
}

void AppSettings::validate() const
{
    separation.stft.validate();
    if (!(separation.alpha > 0.0f && separation.alpha <= 16.0f))
        throw InvalidArgument("The mask exponent α must be in (0, 16]");
    if (separation.nmf.maxIterations < 1)
        throw InvalidArgument("Iterations must be at least 1");
    if (separation.nmf.tol < 0.0)
        throw InvalidArgument("The tolerance must not be negative");
    if ((separation.nmf.solver == Solver::Als || separation.nmf.solver == Solver::Hals)
        && separation.nmf.objective != Objective::Frobenius)
        throw InvalidArgument("The ALS and HALS solvers need the Frobenius objective");

    const auto& m = method;
    if (m.method == Method::Unsupervised) {
        if (m.components < 1 || m.components > 256)
            throw InvalidArgument("Components K must be between 1 and 256");
        if (m.sources < 0 || m.sources > m.components)
            throw InvalidArgument("Sources S must be between 1 and K (or 0: one per component)");
    } else {
        if (m.method == Method::GroupedByLibrary && (m.components < 2 || m.components > 256))
            throw InvalidArgument("Components K must be between 2 and 256");
        if (m.libraries.empty() && m.learned.empty())
            throw InvalidArgument(std::string("The ") + toString(m.method)
                                  + " method needs a template library or a learned source");
        if (m.method == Method::SemiSupervised && (m.freeComponents < 1 || m.freeComponents > 256))
            throw InvalidArgument("Free components must be between 1 and 256");
        for (const auto& source : m.learned) {
            if (source.name.empty())
                throw InvalidArgument("A learned source needs a name");
            if (source.components < 1 || source.components > 256)
                throw InvalidArgument("Source '" + source.name
                                      + "': components must be between 1 and 256");
        }
    }
}

AppSettings defaultAppSettings()
{
    AppSettings s;
    s.separation.stft.fftSize = 2048;
    s.separation.stft.hop = 512;
    s.separation.nmf.objective = Objective::KullbackLeibler;
    s.separation.nmf.solver = Solver::Multiplicative;
    s.separation.nmf.maxIterations = 200;
    s.separation.nmf.tol = 1e-4;
    s.separation.nmf.seed = 1;
    s.separation.alpha = 2.0f;
    // separation.unsupervisedRestarts stays 0, the engine's per-path default: one
    // factorisation for the blind grouping (its component list stays K for editing),
    // three for grouping by library (docs/quality.md).
    return s;
}

std::uint64_t seedFromString(const juce::String& text)
{
    const auto trimmed = text.trim();
    if (trimmed.isEmpty() || !trimmed.containsOnly("0123456789") || trimmed.length() > 20)
        throw InvalidArgument("The seed must be a whole number from 0 to 18446744073709551615, not '"
                              + trimmed.toStdString() + "'");
    errno = 0;
    const unsigned long long value = std::strtoull(trimmed.toRawUTF8(), nullptr, 10);
    if (errno == ERANGE)
        throw InvalidArgument("The seed " + trimmed.toStdString() + " is too large");
    return static_cast<std::uint64_t>(value);
}

namespace {
const juce::Identifier kSettings("Settings"), kMethod("Method"), kLibrary("Library"),
    kLearned("LearnedSource");
}

juce::ValueTree toValueTree(const AppSettings& s)
{
    juce::ValueTree tree(kSettings);
    const auto& sep = s.separation;
    tree.setProperty("fftSize", sep.stft.fftSize, nullptr);
    tree.setProperty("hop", sep.stft.hop, nullptr);
    tree.setProperty("window", juce::String(toString(sep.stft.window)), nullptr);
    tree.setProperty("objective", juce::String(toString(sep.nmf.objective, sep.nmf.beta)), nullptr);
    tree.setProperty("solver", juce::String(toString(sep.nmf.solver)), nullptr);
    tree.setProperty("init", juce::String(toString(sep.nmf.init)), nullptr);
    tree.setProperty("iterations", sep.nmf.maxIterations, nullptr);
    tree.setProperty("tolerance", sep.nmf.tol, nullptr);
    tree.setProperty("seed", juce::String(static_cast<juce::uint64>(sep.nmf.seed)), nullptr);
    tree.setProperty("alpha", sep.alpha, nullptr);

    juce::ValueTree m(kMethod);
    m.setProperty("name", juce::String(toString(s.method.method)), nullptr);
    m.setProperty("components", s.method.components, nullptr);
    m.setProperty("sources", s.method.sources, nullptr);
    m.setProperty("freeComponents", s.method.freeComponents, nullptr);
    for (const auto& path : s.method.libraries) {
        juce::ValueTree lib(kLibrary);
        lib.setProperty("path", juce::String(path), nullptr);
        m.appendChild(lib, nullptr);
    }
    for (const auto& source : s.method.learned) {
        juce::ValueTree l(kLearned);
        l.setProperty("name", juce::String(source.name), nullptr);
        l.setProperty("file", juce::String(source.file), nullptr);
        l.setProperty("start", source.startSeconds, nullptr);
        l.setProperty("end", source.endSeconds, nullptr);
        l.setProperty("components", source.components, nullptr);
        m.appendChild(l, nullptr);
    }
    tree.appendChild(m, nullptr);
    return tree;
}

AppSettings appSettingsFromValueTree(const juce::ValueTree& tree)
{
    AppSettings s = defaultAppSettings();
    if (!tree.hasType(kSettings))
        throw InvalidArgument("The project has no <Settings>");
    auto& sep = s.separation;
    sep.stft.fftSize = tree.getProperty("fftSize", sep.stft.fftSize);
    sep.stft.hop = tree.getProperty("hop", sep.stft.hop);
    sep.stft.window = windowFromString(tree.getProperty("window", "hann").toString().toStdString());
    sep.nmf.objective = objectiveFromString(
        tree.getProperty("objective", "kl").toString().toStdString(), &sep.nmf.beta);
    sep.nmf.solver = solverFromString(tree.getProperty("solver", "mu").toString().toStdString());
    sep.nmf.init = initialisationFromString(tree.getProperty("init", "random").toString().toStdString());
    sep.nmf.maxIterations = tree.getProperty("iterations", sep.nmf.maxIterations);
    sep.nmf.tol = tree.getProperty("tolerance", sep.nmf.tol);
    sep.nmf.seed = seedFromString(tree.getProperty("seed", "1").toString());
    sep.alpha = static_cast<float>(static_cast<double>(tree.getProperty("alpha", sep.alpha)));

    const auto m = tree.getChildWithName(kMethod);
    if (m.isValid()) {
        s.method.method = methodFromString(m.getProperty("name", "unsupervised").toString().toStdString());
        s.method.components = m.getProperty("components", s.method.components);
        s.method.sources = m.getProperty("sources", s.method.sources);
        s.method.freeComponents = m.getProperty("freeComponents", s.method.freeComponents);
        for (const auto& child : m) {
            if (child.hasType(kLibrary))
                s.method.libraries.push_back(child.getProperty("path").toString().toStdString());
            else if (child.hasType(kLearned)) {
                LearnedSource l;
                l.name = child.getProperty("name").toString().toStdString();
                l.file = child.getProperty("file").toString().toStdString();
                l.startSeconds = child.getProperty("start", 0.0);
                l.endSeconds = child.getProperty("end", 0.0);
                l.components = child.getProperty("components", 4);
                s.method.learned.push_back(l);
            }
        }
    }
    s.validate();
    return s;
}

}  // namespace demix::app

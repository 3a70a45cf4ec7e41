#include "model/Session.hpp"

#include "model/Decompose.hpp"
#include "model/Pictures.hpp"

#include <demix/file_names.hpp>

#include <algorithm>

namespace demix::app {

// --- Undo -------------------------------------------------------------------------------

/// A grouping edit as a before/after pair: small (indices and names only) and exact.
class Session::GroupingAction : public juce::UndoableAction {
public:
    GroupingAction(Session& session, Grouping before, Grouping after)
        : session_(session), before_(std::move(before)), after_(std::move(after)) {}
    bool perform() override { session_.applyGrouping(after_); return true; }
    bool undo() override { session_.applyGrouping(before_); return true; }
    int getSizeInUnits() override { return 10; }

private:
    Session& session_;
    Grouping before_, after_;
};

// --- Rendering --------------------------------------------------------------------------

std::vector<Stem> renderStemsFor(const RenderInput& input, const ProgressCallback& progress)
{
    if (input.mix == nullptr || input.decomposition == nullptr)
        throw InvalidArgument("Nothing to render: run a separation first");
    // Masks need only W, H and the grouping: leave V (F × T, the biggest part) out of the copy.
    Decomposition d;
    d.analysis = input.decomposition->analysis;
    d.W = input.decomposition->W;
    d.H = input.decomposition->H;
    d.groups = input.grouping.groups;
    d.sourceNames = input.grouping.names;
    std::vector<Stem> stems = renderStems(*input.mix, d, input.settings, progress);
    for (size_t s = 0; s < stems.size() && s < d.sourceNames.size(); ++s)
        stems[s].name = d.sourceNames[s];
    return stems;
}

// --- Session ----------------------------------------------------------------------------

Session::Session() : settings_(defaultAppSettings()), decompositionSettings_(settings_) {}
Session::~Session() = default;

const AudioBuffer& Session::mix() const
{
    jassert(mix_ != nullptr);
    return *mix_;
}

double Session::durationSeconds() const
{
    return mix_ ? double(mix_->numSamples()) / mix_->sampleRate : 0.0;
}

void Session::open(const juce::File& file)
{
    auto audio = std::make_shared<const AudioBuffer>(readAudioFile(file));
    audioFile_ = file;
    mix_ = std::move(audio);
    decomposition_.reset();
    grouping_ = {};
    stems_.reset();
    masks_.clear();
    ++revision_;
    undo_.clearUndoHistory();
    recomputeSpectrogram();
    notify([](Listener& l) { l.audioChanged(); });
    notify([](Listener& l) { l.decompositionChanged(); });
    notify([](Listener& l) { l.groupingChanged(); });
}

void Session::recomputeSpectrogram()
{
    spectrogram_ = std::make_shared<const Matrix>();
    if (!mix_)
        return;
    try {
        const Stft stft(settings_.separation.stft);
        spectrogram_ = std::make_shared<const Matrix>(magnitude(stft.forward(*mix_, 0)));
    } catch (const InvalidArgument&) {
        // Bad STFT settings: nothing to show until they are fixed.
    }
}

void Session::setSettings(const AppSettings& settings)
{
    const auto& a = settings_.separation.stft;
    const auto& b = settings.separation.stft;
    const bool stftChanged = a.fftSize != b.fftSize || a.hop != b.hop || a.window != b.window;
    settings_ = settings;
    if (stftChanged)
        recomputeSpectrogram();
    notify([](Listener& l) { l.settingsChanged(); });
}

TemplateLibrary Session::addLibrary(const juce::File& file)
{
    auto library = TemplateLibrary::load(file.getFullPathName().toStdString());
    auto s = settings_;
    s.method.libraries.push_back(file.getFullPathName().toStdString());
    if (s.method.method == Method::Unsupervised)
        s.method.method = Method::Supervised;
    // Adopt the library's analysis so that it fits (the sample rate must match too).
    s.separation.stft = library.settings.stft;
    setSettings(s);
    return library;
}

const Decomposition& Session::decomposition() const
{
    jassert(decomposition_ != nullptr);
    return *decomposition_;
}

int Session::components() const
{
    return decomposition_ ? static_cast<int>(decomposition_->W.cols()) : 0;
}

void Session::runBlocking(const ProgressCallback& progress)
{
    if (!mix_)
        throw InvalidArgument("Open an audio file first");
    const AppSettings madeWith = settings_;
    setDecomposition(decompose(*mix_, madeWith, progress), madeWith);
}

void Session::setDecomposition(Decomposition decomposition, const AppSettings& madeWith)
{
    Grouping grouping;
    grouping.groups = decomposition.groups;
    grouping.names = decomposition.sourceNames;
    grouping.names.resize(grouping.groups.size());
    for (size_t s = 0; s < grouping.names.size(); ++s)
        if (grouping.names[s].empty())
            grouping.names[s] = "source-" + std::to_string(s + 1);
    // Components the engine left in no group get a source of their own, so that every
    // component can be seen and dragged.
    std::vector<int> unassigned;
    for (int k = 0; k < int(decomposition.W.cols()); ++k)
        if (grouping.sourceOf(k) < 0)
            unassigned.push_back(k);
    if (!unassigned.empty()) {
        grouping.groups.push_back(unassigned);
        grouping.names.push_back(grouping.unusedName("unassigned"));
    }
    grouping.validate(static_cast<int>(decomposition.W.cols()));
    decomposition_ = std::make_shared<const Decomposition>(std::move(decomposition));
    decompositionSettings_ = madeWith;
    if (decomposition_->V.rows() > 0)
        spectrogram_ = std::shared_ptr<const Matrix>(decomposition_, &decomposition_->V);
    grouping_ = std::move(grouping);
    ++revision_;
    undo_.clearUndoHistory();
    notify([](Listener& l) { l.decompositionChanged(); });
    notify([](Listener& l) { l.groupingChanged(); });
}

// --- Grouping edits ---------------------------------------------------------------------

void Session::applyGrouping(const Grouping& grouping)
{
    grouping_ = grouping;
    ++revision_;
    notify([](Listener& l) { l.groupingChanged(); });
}

void Session::setGrouping(const Grouping& grouping, const juce::String& description)
{
    if (!decomposition_)
        throw InvalidArgument("Run a separation before grouping components");
    grouping.validate(components());
    if (grouping == grouping_)
        return;
    undo_.beginNewTransaction(description);
    undo_.perform(new GroupingAction(*this, grouping_, grouping));
}

void Session::moveComponent(int component, int toSource)
{
    if (component < 0 || component >= components())
        throw InvalidArgument("No component " + std::to_string(component + 1));
    if (toSource < 0 || toSource >= grouping_.sources())
        throw InvalidArgument("No source " + std::to_string(toSource + 1));
    const int from = grouping_.sourceOf(component);
    if (from == toSource)
        return;
    Grouping g = grouping_;
    if (from >= 0) {
        auto& group = g.groups[size_t(from)];
        group.erase(std::remove(group.begin(), group.end(), component), group.end());
    }
    auto& target = g.groups[size_t(toSource)];
    target.insert(std::upper_bound(target.begin(), target.end(), component), component);
    setGrouping(g, "Move component " + juce::String(component + 1) + " to "
                       + juce::String(g.names[size_t(toSource)]));
}

void Session::renameSource(int source, const std::string& name)
{
    if (source < 0 || source >= grouping_.sources())
        throw InvalidArgument("No source " + std::to_string(source + 1));
    const auto trimmed = juce::String(name).trim().toStdString();
    if (trimmed.empty())
        throw InvalidArgument("A source needs a name");
    Grouping g = grouping_;
    g.names[size_t(source)] = trimmed;
    setGrouping(g, "Rename source to " + juce::String(trimmed));
}

int Session::addSource(const std::string& name)
{
    if (!decomposition_)
        throw InvalidArgument("Run a separation before adding sources");
    Grouping g = grouping_;
    g.groups.emplace_back();
    g.names.push_back(name.empty() ? grouping_.unusedName() : name);
    setGrouping(g, "Add source " + juce::String(g.names.back()));
    return grouping_.sources() - 1;
}

void Session::removeSource(int source)
{
    if (source < 0 || source >= grouping_.sources())
        throw InvalidArgument("No source " + std::to_string(source + 1));
    if (grouping_.sources() == 1)
        throw InvalidArgument("The last source cannot be removed");
    Grouping g = grouping_;
    const size_t heir = source == 0 ? 1 : size_t(source - 1);
    auto& target = g.groups[heir];
    target.insert(target.end(), g.groups[size_t(source)].begin(), g.groups[size_t(source)].end());
    std::sort(target.begin(), target.end());
    const juce::String removed(g.names[size_t(source)]);
    g.groups.erase(g.groups.begin() + source);
    g.names.erase(g.names.begin() + source);
    setGrouping(g, "Remove source " + removed);
}

// --- Results ----------------------------------------------------------------------------

const std::vector<Matrix>& Session::masks()
{
    if (masksRevision_ != revision_) {
        masks_.clear();
        if (decomposition_)
            masks_ = wienerMasks(decomposition_->W, decomposition_->H, grouping_.groups,
                                 decompositionSettings_.separation.alpha);
        masksRevision_ = revision_;
    }
    return masks_;
}

RenderInput Session::renderInput() const
{
    RenderInput input;
    input.mix = mix_;
    input.decomposition = decomposition_;
    input.grouping = grouping_;
    input.settings = decompositionSettings_.separation;
    input.revision = revision_;
    return input;
}

const std::vector<Stem>& Session::stems(const ProgressCallback& progress)
{
    if (!stemsUpToDate())
        setStems(revision_, renderStemsFor(renderInput(), progress));
    return *stems_;
}

bool Session::setStems(int revision, std::vector<Stem> stems)
{
    if (revision != revision_)
        return false;
    stems_ = std::make_shared<const std::vector<Stem>>(std::move(stems));
    stemsRevision_ = revision;
    notify([](Listener& l) { l.stemsChanged(); });
    return true;
}

TemplateLibrary Session::templateLibrary() const
{
    if (!decomposition_)
        throw InvalidArgument("Run a separation before exporting templates");
    TemplateLibrary library;
    library.settings = decomposition_->analysis;
    // An ensemble decomposition (an ensemble library, or sources learned with restarts)
    // exports one template set per member: a source's components within member m's block.
    std::vector<int> starts = decomposition_->memberStarts;
    if (starts.empty())
        starts.push_back(0);
    starts.push_back(int(decomposition_->W.cols()));
    const auto unitColumns = [this](const std::vector<int>& components) {
        Matrix set(decomposition_->W.rows(), Eigen::Index(components.size()));
        for (size_t i = 0; i < components.size(); ++i) {
            auto column = decomposition_->W.col(components[i]);
            const float sum = column.sum();
            set.col(Eigen::Index(i)) = sum > 0.0f ? Matrix(column / sum) : Matrix(column);
        }
        return set;
    };
    for (int s = 0; s < grouping_.sources(); ++s) {
        const auto& group = grouping_.groups[size_t(s)];
        SourceTemplates source;
        // A library's names become stem file names wherever it is used: made portable.
        source.name = portableSourceName(grouping_.names[size_t(s)]);
        bool first = true;
        for (size_t m = 0; m + 1 < starts.size(); ++m) {
            std::vector<int> inMember;
            for (int c : group)
                if (c >= starts[m] && c < starts[m + 1])
                    inMember.push_back(c);
            if (inMember.empty())
                continue;  // regrouped away from this source in this member
            if (first)
                source.templates = unitColumns(inMember);
            else
                source.alternates.push_back(unitColumns(inMember));
            first = false;
        }
        if (!first)
            library.sources.push_back(std::move(source));
    }
    return library;
}

// --- Export -----------------------------------------------------------------------------

std::vector<juce::File> Session::exportStems(const juce::File& folder, SampleFormat format,
                                             const ProgressCallback& progress)
{
    if (!decomposition_)
        throw FileError("Nothing to export: run a separation first");
    const auto& rendered = stems(progress);
    const juce::String base = audioFile_.getFileNameWithoutExtension();
    // Every file the session reads is protected by identity (a link to one counts); all
    // names are checked before the first stem is written.
    std::vector<juce::File> inputs{audioFile_};
    for (const auto& path : settings_.method.libraries)
        inputs.emplace_back(path);
    std::vector<juce::File> files;
    for (const auto& stem : rendered) {
        files.push_back(folder.getChildFile(base + "-" + safeFileName(stem.name) + ".wav"));
        for (const auto& input : inputs)
            refuseOverwriting(files.back(), input);
    }
    for (size_t i = 0; i < rendered.size(); ++i)
        writeWav(files[i], rendered[i].audio, format, audioFile_);
    return files;
}

void Session::exportTemplates(const juce::File& file) const
{
    refuseOverwriting(file, audioFile_);
    for (const auto& path : settings_.method.libraries)
        refuseOverwriting(file, juce::File(path));
    templateLibrary().save(file.getFullPathName().toStdString());
}

std::vector<juce::File> Session::exportPictures(const juce::File& folder)
{
    if (!mix_)
        throw FileError("Nothing to export: open an audio file first");
    std::vector<juce::File> files;
    auto write = [&](const juce::Image& image, const juce::String& name) {
        const auto file = folder.getChildFile(name);
        savePng(image, file);
        files.push_back(file);
    };
    SpectrogramView view;
    view.sampleRate = mix_->sampleRate;
    view.logFrequency = true;
    const int width = juce::jlimit(400, 4000, int(spectrogram().cols()));
    write(renderSpectrogram(spectrogram(), view, width, 512), "spectrogram.png");
    if (!decomposition_)
        return files;

    const auto& m = masks();
    std::vector<int> owner(size_t(components()), -1);
    for (int k = 0; k < components(); ++k)
        owner[size_t(k)] = grouping_.sourceOf(k);
    write(renderSourceSpectrogram(decomposition_->V, m, view, width, 512), "sources.png");
    write(renderTemplates(decomposition_->W, owner, true, mix_->sampleRate,
                          std::max(200, 24 * components()), 512),
          "templates.png");
    write(renderActivations(decomposition_->H, owner, 0, -1, width,
                            std::max(128, 16 * components())),
          "activations.png");
    write(renderObjectiveCurve(decomposition_->nmf.objective, 600, 300), "objective.png");
    for (int s = 0; s < grouping_.sources(); ++s)
        write(renderMaskedSpectrogram(decomposition_->V, m[size_t(s)], sourceColour(s), view,
                                      width, 512),
              "source-" + safeFileName(grouping_.names[size_t(s)]) + ".png");
    return files;
}

}  // namespace demix::app

#include "app/SettingsPanel.hpp"

#include "app/Theme.hpp"

namespace demix::app {

namespace {
constexpr int kRowHeight = 26, kLabelWidth = 96;
const int kFftSizes[] = {256, 512, 1024, 2048, 4096, 8192};
const int kHopDivisors[] = {2, 4, 8};
const double kTolerances[] = {0.0, 1e-3, 1e-4, 1e-5, 1e-6};
/// The method box's items, in order (item id = index + 1).
const Method kMethods[] = {Method::Unsupervised, Method::SemiSupervised, Method::Supervised,
                           Method::GroupedByLibrary};

int methodItem(Method method)
{
    for (size_t i = 0; i < std::size(kMethods); ++i)
        if (kMethods[i] == method)
            return int(i) + 1;
    return 1;
}

Method methodOfItem(int id)
{
    return kMethods[size_t(juce::jlimit(1, int(std::size(kMethods)), id) - 1)];
}

void setupSlider(juce::Slider& s, double lo, double hi, double step)
{
    s.setSliderStyle(juce::Slider::LinearBar);
    s.setRange(lo, hi, step);
    s.setTextBoxStyle(juce::Slider::TextBoxLeft, false, 60, kRowHeight - 4);
}
}  // namespace

void SettingsPanel::StringList::paintListBoxItem(int row, juce::Graphics& g, int width, int height, bool selected)
{
    if (selected)
        g.fillAll(theme::accent.withAlpha(0.3f));
    g.setColour(theme::text);
    g.setFont(12.0f);
    g.drawText(items[row], 6, 0, width - 8, height, juce::Justification::centredLeft);
}

SettingsPanel::SettingsPanel(Session& session, ViewState& view) : session_(session), view_(view)
{
    method_.addItemList({"Unsupervised", "Semi-supervised", "Supervised", "Grouped by library"}, 1);
    addRow(method_, "Method", "Unsupervised: K free components grouped into S sources. Supervised: templates from "
                              "libraries or learned clips. Semi-supervised: those plus K free components. "
                              "Grouped by library: K free components, each shared among the sources of the "
                              "libraries / learned clips by how well they match.");
    setupSlider(components_, 1, 64, 1);
    addRow(components_, "Components K", "Number of NMF components (templates)");
    setupSlider(sources_, 0, 16, 1);
    addRow(sources_, "Sources S", "Sources the components are grouped into (0: one per component)");
    setupSlider(free_, 1, 64, 1);
    addRow(free_, "Free K", "Free components learned next to the library's (the 'residual' source)");

    for (auto* l : {&librariesTitle_, &learnedTitle_}) {
        l->setFont(juce::Font(13.0f, juce::Font::bold));
        content_.addAndMakeVisible(*l);
    }
    librariesTitle_.setText("Template libraries", juce::dontSendNotification);
    learnedTitle_.setText("Learned sources", juce::dontSendNotification);
    for (auto* list : {&librariesList_, &learnedList_}) {
        list->setRowHeight(20);
        list->setColour(juce::ListBox::outlineColourId, theme::outline);
        list->setOutlineThickness(1);
        content_.addAndMakeVisible(*list);
    }
    for (auto* b : {&addLibrary_, &removeLibrary_, &learnSelection_, &learnFile_, &removeLearned_})
        content_.addAndMakeVisible(*b);
    addLibrary_.onClick = [this] { addLibrary(); };
    learnSelection_.onClick = [this] { learnFromSelection(); };
    learnFile_.onClick = [this] { learnFromFile(); };
    learnSelection_.setTooltip("Learn a source's templates from the time range selected on the timeline");
    learnFile_.setTooltip("Learn a source's templates from another audio file");
    removeLibrary_.onClick = [this] {
        auto s = session_.settings();
        const int row = librariesList_.getSelectedRow();
        if (row >= 0 && row < int(s.method.libraries.size())) {
            s.method.libraries.erase(s.method.libraries.begin() + row);
            session_.setSettings(s);
        }
    };
    removeLearned_.onClick = [this] {
        auto s = session_.settings();
        const int row = learnedList_.getSelectedRow();
        if (row >= 0 && row < int(s.method.learned.size())) {
            s.method.learned.erase(s.method.learned.begin() + row);
            session_.setSettings(s);
        }
    };

    for (int n : kFftSizes)
        fft_.addItem(juce::String(n), n);
    addRow(fft_, "FFT size", "STFT frame length in samples");
    for (int d : kHopDivisors)
        hop_.addItem("FFT / " + juce::String(d), d);
    addRow(hop_, "Hop", "Distance between STFT frames");
    objective_.addItemList({"Kullback-Leibler", "Frobenius", "Itakura-Saito"}, 1);
    addRow(objective_, "Objective", "The divergence NMF minimises");
    solver_.addItemList({"Multiplicative", "ALS", "HALS"}, 1);
    addRow(solver_, "Solver", "ALS and HALS need the Frobenius objective");
    setupSlider(iterations_, 10, 2000, 10);
    addRow(iterations_, "Iterations", "Maximum NMF iterations");
    for (size_t i = 0; i < std::size(kTolerances); ++i)
        tolerance_.addItem(kTolerances[i] == 0.0 ? juce::String("0 (run all)") : juce::String(kTolerances[i]), int(i) + 1);
    addRow(tolerance_, "Tolerance", "Stop when the objective improves by less than this (relative)");
    seed_.setInputRestrictions(20, "0123456789");
    addRow(seed_, "Seed", "Random seed of the initialisation: the same seed gives the same result");
    setupSlider(alpha_, 0.5, 4.0, 0.1);
    addRow(alpha_, "Mask alpha", "Wiener mask exponent: 1 soft, 2 power Wiener, higher is harder");

    for (auto* c : {&method_, &fft_, &hop_, &objective_, &solver_, &tolerance_})
        c->onChange = [this] { push(); };
    for (auto* s : {&components_, &sources_, &free_, &iterations_, &alpha_})
        s->onValueChange = [this] { push(); };
    seed_.onTextChange = [this] { push(); };

    viewport_.setViewedComponent(&content_, false);
    viewport_.setScrollBarsShown(true, false);
    addAndMakeVisible(viewport_);
    session_.addListener(this);
    pull();
}

SettingsPanel::~SettingsPanel() { session_.removeListener(this); }

void SettingsPanel::addRow(juce::Component& control, const juce::String& label, const juce::String& tooltip)
{
    auto l = std::make_unique<juce::Label>(label, label);
    l->setColour(juce::Label::textColourId, theme::dimText);
    l->setFont(13.0f);
    l->setTooltip(tooltip);
    if (auto* t = dynamic_cast<juce::SettableTooltipClient*>(&control))
        t->setTooltip(tooltip);
    content_.addAndMakeVisible(*l);
    content_.addAndMakeVisible(control);
    rows_.push_back({&control, std::move(l)});
}

void SettingsPanel::pull()
{
    const juce::ScopedValueSetter<bool> guard(pulling_, true);
    const auto& s = session_.settings();
    const auto& sep = s.separation;
    method_.setSelectedId(methodItem(s.method.method), juce::dontSendNotification);
    components_.setValue(s.method.components, juce::dontSendNotification);
    sources_.setValue(s.method.sources, juce::dontSendNotification);
    free_.setValue(s.method.freeComponents, juce::dontSendNotification);
    fft_.setSelectedId(sep.stft.fftSize, juce::dontSendNotification);
    if (fft_.getSelectedId() == 0)
        fft_.setText(juce::String(sep.stft.fftSize), juce::dontSendNotification);
    hop_.setSelectedId(sep.stft.fftSize / std::max(1, sep.stft.hop), juce::dontSendNotification);
    objective_.setSelectedId(sep.nmf.objective == Objective::Frobenius ? 2 : sep.nmf.objective == Objective::ItakuraSaito ? 3 : 1,
                             juce::dontSendNotification);
    solver_.setSelectedId(sep.nmf.solver == Solver::Als ? 2 : sep.nmf.solver == Solver::Hals ? 3 : 1,
                          juce::dontSendNotification);
    iterations_.setValue(sep.nmf.maxIterations, juce::dontSendNotification);
    int tol = 3;
    for (size_t i = 0; i < std::size(kTolerances); ++i)
        if (std::abs(kTolerances[i] - sep.nmf.tol) <= 1e-12)
            tol = int(i) + 1;
    tolerance_.setSelectedId(tol, juce::dontSendNotification);
    if (seed_.getText() != juce::String(juce::uint64(sep.nmf.seed)))
        seed_.setText(juce::String(juce::uint64(sep.nmf.seed)), false);
    alpha_.setValue(sep.alpha, juce::dontSendNotification);

    libraries_.items.clear();
    for (const auto& path : s.method.libraries)
        libraries_.items.add(juce::File(path).getFileName());
    learned_.items.clear();
    for (const auto& l : s.method.learned) {
        const juce::String from = l.file.empty() ? juce::String("this file") : juce::File(l.file).getFileName();
        const juce::String range = l.endSeconds > l.startSeconds
                                       ? " " + juce::String(l.startSeconds, 2) + "-" + juce::String(l.endSeconds, 2) + " s"
                                       : juce::String();
        learned_.items.add(juce::String(l.name) + " (" + juce::String(l.components) + " from " + from + range + ")");
    }
    librariesList_.updateContent();
    learnedList_.updateContent();
    updateVisibility();
}

void SettingsPanel::push()
{
    if (pulling_)
        return;
    auto s = session_.settings();
    auto& sep = s.separation;
    s.method.method = methodOfItem(method_.getSelectedId());
    s.method.components = int(components_.getValue());
    s.method.sources = int(sources_.getValue());
    s.method.freeComponents = int(free_.getValue());
    if (fft_.getSelectedId() > 0)
        sep.stft.fftSize = fft_.getSelectedId();
    sep.stft.hop = sep.stft.fftSize / std::max(2, hop_.getSelectedId());
    sep.nmf.objective = objective_.getSelectedId() == 2 ? Objective::Frobenius
                        : objective_.getSelectedId() == 3 ? Objective::ItakuraSaito : Objective::KullbackLeibler;
    sep.nmf.solver = solver_.getSelectedId() == 2 ? Solver::Als : solver_.getSelectedId() == 3 ? Solver::Hals : Solver::Multiplicative;
    sep.nmf.maxIterations = int(iterations_.getValue());
    sep.nmf.tol = kTolerances[size_t(juce::jlimit(1, int(std::size(kTolerances)), tolerance_.getSelectedId()) - 1)];
    try {
        sep.nmf.seed = seedFromString(seed_.getText().isEmpty() ? juce::String("0") : seed_.getText());
    } catch (const std::exception& e) {
        if (onError)
            onError(e.what());
    }
    sep.alpha = float(alpha_.getValue());
    session_.setSettings(s);
    updateVisibility();
}

void SettingsPanel::updateVisibility()
{
    const auto m = session_.settings().method.method;
    const bool unsupervised = m == Method::Unsupervised;
    components_.setEnabled(unsupervised || m == Method::GroupedByLibrary);
    sources_.setEnabled(unsupervised);
    free_.setEnabled(m == Method::SemiSupervised);
    for (auto* c : {&components_, &sources_, &free_})
        c->setAlpha(c->isEnabled() ? 1.0f : 0.4f);
    for (juce::Component* c : std::initializer_list<juce::Component*>{&librariesList_, &learnedList_, &addLibrary_, &removeLibrary_,
                                                                    &learnSelection_, &learnFile_, &removeLearned_,
                                                                    &librariesTitle_, &learnedTitle_})
    {
        c->setEnabled(!unsupervised);
        c->setAlpha(unsupervised ? 0.45f : 1.0f);
    }
    removeLibrary_.setEnabled(!unsupervised && !libraries_.items.isEmpty());
    removeLearned_.setEnabled(!unsupervised && !learned_.items.isEmpty());
}

void SettingsPanel::addLibrary()
{
    chooser_ = std::make_unique<juce::FileChooser>("Add a template library", juce::File(), "*.dmxt");
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [this](const juce::FileChooser& fc) {
                              const auto file = fc.getResult();
                              if (file == juce::File())
                                  return;
                              try {
                                  const auto library = session_.addLibrary(file);
                                  if (onStatus)
                                      onStatus("Added library " + file.getFileName() + " ("
                                               + juce::String(library.sources.size()) + " sources)");
                              } catch (const std::exception& e) {
                                  if (onError)
                                      onError(e.what());
                              }
                          });
}

void SettingsPanel::learnFromSelection()
{
    if (!session_.hasAudio() || !view_.hasSelection()) {
        if (onError)
            onError("Select a time range on the timeline first (drag across the waveform)");
        return;
    }
    const double start = view_.selectionStart, end = view_.selectionEnd;
    auto* window = new juce::AlertWindow("Learn a source",
                                         "Learn templates from " + juce::String(start, 2) + " s to " + juce::String(end, 2)
                                             + " s. Name the source:",
                                         juce::MessageBoxIconType::NoIcon);
    window->addTextEditor("name", "source-" + juce::String(session_.settings().method.learned.size() + 1));
    window->addTextEditor("k", "4", "Components");
    window->addButton("Learn", 1, juce::KeyPress(juce::KeyPress::returnKey));
    window->addButton("Cancel", 0, juce::KeyPress(juce::KeyPress::escapeKey));
    window->enterModalState(true, juce::ModalCallbackFunction::create([this, window, start, end](int result) {
        if (result != 1)
            return;
        addLearnedSource(window->getTextEditorContents("name"), {}, start, end,
                         window->getTextEditorContents("k").getIntValue());
    }), true);
}

void SettingsPanel::learnFromFile()
{
    chooser_ = std::make_unique<juce::FileChooser>("Learn a source from an audio file", juce::File(), "*.wav;*.aif;*.aiff;*.flac");
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [this](const juce::FileChooser& fc) {
                              const auto file = fc.getResult();
                              if (file == juce::File())
                                  return;
                              addLearnedSource(file.getFileNameWithoutExtension(), file.getFullPathName(), 0.0, 0.0, 4);
                          });
}

void SettingsPanel::addLearnedSource(const juce::String& name, const juce::String& file, double start, double end,
                                     int components)
{
    auto s = session_.settings();
    const auto trimmed = name.trim();
    for (const auto& l : s.method.learned)
        if (juce::String(l.name) == trimmed) {
            if (onError)
                onError("There is already a learned source named '" + trimmed + "'");
            return;
        }
    if (trimmed.isEmpty()) {
        if (onError)
            onError("A learned source needs a name");
        return;
    }
    s.method.learned.push_back({trimmed.toStdString(), file.toStdString(), start, end, juce::jlimit(1, 256, components)});
    if (s.method.method == Method::Unsupervised)
        s.method.method = Method::Supervised;
    session_.setSettings(s);
    if (onStatus)
        onStatus("Added the learned source '" + trimmed + "'; press Run to separate");
}

void SettingsPanel::resized()
{
    viewport_.setBounds(getLocalBounds());
    const int width = viewport_.getMaximumVisibleWidth();
    int y = 8;
    auto place = [&](Row& row) {
        row.label->setBounds(6, y, kLabelWidth, kRowHeight);
        row.control->setBounds(6 + kLabelWidth, y + 1, width - kLabelWidth - 14, kRowHeight - 2);
        y += kRowHeight + 4;
    };
    for (size_t i = 0; i < 4; ++i)
        place(rows_[i]);
    y += 4;
    auto listBlock = [&](juce::Label& title, juce::ListBox& list, std::initializer_list<juce::Button*> buttons) {
        title.setBounds(6, y, width - 12, 20);
        y += 22;
        list.setBounds(8, y, width - 16, 62);
        y += 66;
        int x = 8;
        const int w = (width - 16 - 4 * (int(buttons.size()) - 1)) / int(buttons.size());
        for (auto* b : buttons) {
            b->setBounds(x, y, w, 24);
            x += w + 4;
        }
        y += 32;
    };
    listBlock(librariesTitle_, librariesList_, {&addLibrary_, &removeLibrary_});
    listBlock(learnedTitle_, learnedList_, {&learnSelection_, &learnFile_, &removeLearned_});
    for (size_t i = 4; i < rows_.size(); ++i)
        place(rows_[i]);
    content_.setSize(width, y + 8);
}

void SettingsPanel::paint(juce::Graphics& g) { g.fillAll(theme::panel); }

}  // namespace demix::app

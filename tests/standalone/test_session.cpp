#include "TestAudio.hpp"

#include "model/Decompose.hpp"
#include "model/Job.hpp"
#include "model/Session.hpp"

#include <juce_graphics/juce_graphics.h>

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::app;
using demix::app::test::TempFolder;

namespace {

/// Small, quick settings for a 2 s file at 22.05 kHz.
AppSettings quickSettings()
{
    AppSettings s = defaultAppSettings();
    s.separation.stft.fftSize = 512;
    s.separation.stft.hop = 128;
    s.separation.nmf.maxIterations = 40;
    s.separation.threads = 1;
    s.separation.nmf.threads = 1;
    s.separation.learningRestarts = 1;  // one template set per learned source (but see below)
    s.method.method = Method::Unsupervised;
    s.method.components = 4;
    s.method.sources = 2;
    return s;
}

/// Largest |sum of stems − mix| over all samples.
float sumError(const std::vector<Stem>& stems, const AudioBuffer& mix)
{
    float worst = 0;
    for (size_t c = 0; c < mix.numChannels(); ++c)
        for (size_t n = 0; n < mix.numSamples(); ++n) {
            float sum = 0;
            for (const auto& stem : stems)
                sum += stem.audio.channels[c][n];
            worst = std::max(worst, std::abs(sum - mix.channels[c][n]));
        }
    return worst;
}

double energy(const AudioBuffer& audio, double from, double to)
{
    double e = 0;
    const auto a = size_t(from * audio.sampleRate), b = size_t(to * audio.sampleRate);
    for (const auto& channel : audio.channels)
        for (size_t n = a; n < b && n < channel.size(); ++n)
            e += double(channel[n]) * channel[n];
    return e;
}

struct OpenedSession {
    TempFolder tmp;
    Session session;
    OpenedSession()
    {
        test::writeTestWav(tmp / "mix.wav", test::makeTwoToneMix());
        session.open(tmp / "mix.wav");
        session.setSettings(quickSettings());
    }
};

/// Learns `learned` with quickSettings(), separates supervised and exports the templates
/// as the library `fileName`, which it returns; the session keeps that decomposition.
juce::File exportLearnedLibrary(OpenedSession& o, const std::vector<LearnedSource>& learned,
                                const char* fileName)
{
    AppSettings settings = quickSettings();
    settings.method.method = Method::Supervised;
    settings.method.learned = learned;
    o.session.setSettings(settings);
    o.session.runBlocking();
    const auto libraryFile = o.tmp / fileName;
    o.session.exportTemplates(libraryFile);
    return libraryFile;
}

/// The low tone (first 0.75 s, 2 components) as the library low.dmxt.
juce::File exportLowLibrary(OpenedSession& o)
{
    return exportLearnedLibrary(o, {{"low", "", 0.0, 0.75, 2}}, "low.dmxt");
}

}  // namespace

TEST_CASE("session: opening a file shows its spectrogram and nothing else", "[session]")
{
    OpenedSession o;
    auto& s = o.session;
    REQUIRE(s.hasAudio());
    CHECK(s.durationSeconds() == Approx(2.0));
    CHECK(s.spectrogram().rows() == 257);
    CHECK(s.spectrogram().cols() > 300);
    CHECK_FALSE(s.hasDecomposition());
    CHECK_THROWS_WITH(s.moveComponent(0, 0), Catch::Contains("No component"));
    CHECK_THROWS_WITH(Session().runBlocking(), Catch::Contains("Open an audio file first"));
}

TEST_CASE("session: a bad file is refused and the open file stays", "[session][errors]")
{
    OpenedSession o;
    (o.tmp / "bad.flac").replaceWithText("fLaC but not really");
    CHECK_THROWS_AS(o.session.open(o.tmp / "bad.flac"), FileError);
    CHECK(o.session.audioFile() == o.tmp / "mix.wav");
    CHECK(o.session.hasAudio());
}

TEST_CASE("session: unsupervised run, regroup with undo/redo, stems sum to the mix", "[session]")
{
    OpenedSession o;
    auto& s = o.session;
    std::vector<double> fractions;
    s.runBlocking([&](double f, const std::string&) { fractions.push_back(f); return true; });
    REQUIRE(s.hasDecomposition());
    CHECK(s.components() == 4);
    CHECK(s.grouping().sources() == 2);
    CHECK_FALSE(s.decomposition().nmf.objective.empty());
    REQUIRE_FALSE(fractions.empty());
    CHECK(fractions.back() <= 1.0);

    const auto original = s.grouping();
    const auto stems = s.stems();
    REQUIRE(stems.size() == 2);
    CHECK(sumError(stems, s.mix()) < 1e-4f);

    // Move a component from source 0 to source 1: stems change, still sum to the mix.
    const int moved = original.groups[0].front();
    s.moveComponent(moved, 1);
    CHECK(s.grouping().sourceOf(moved) == 1);
    const auto regrouped = s.stems();
    CHECK(sumError(regrouped, s.mix()) < 1e-4f);
    CHECK(regrouped[1].audio.channels != stems[1].audio.channels);

    s.renameSource(1, "  bright  ");
    CHECK(s.grouping().names[1] == "bright");
    CHECK_THROWS_WITH(s.renameSource(0, "bright"), Catch::Contains("Two sources are named 'bright'"));
    const int added = s.addSource();
    CHECK(s.grouping().sources() == 3);
    CHECK(s.grouping().names[size_t(added)] == "source-2");  // the first unused name
    CHECK(s.stems().size() == 3);
    CHECK(sumError(s.stems(), s.mix()) < 1e-4f);

    // Undo everything, step by step, back to the automatic grouping and identical stems.
    CHECK(s.undo());  // add
    CHECK(s.grouping().sources() == 2);
    CHECK(s.undo());  // rename
    CHECK(s.grouping().names[1] == original.names[1]);
    CHECK(s.undo());  // move
    CHECK(s.grouping() == original);
    CHECK_FALSE(s.undo());
    CHECK(s.stems()[0].audio.channels == stems[0].audio.channels);
    CHECK(s.stems()[1].audio.channels == stems[1].audio.channels);

    CHECK(s.redo());
    CHECK(s.grouping().sourceOf(moved) == 1);
    CHECK(s.redo());
    CHECK(s.redo());
    CHECK(s.grouping().sources() == 3);

    // Removing a source hands its components to its neighbour; the last one stays.
    s.removeSource(1);
    CHECK(s.grouping().sources() == 2);
    CHECK(s.grouping().sourceOf(moved) == 0);
    s.removeSource(1);
    CHECK_THROWS_WITH(s.removeSource(0), Catch::Contains("last source"));
    CHECK(s.grouping().groups[0].size() == 4);
    CHECK(sumError(s.stems(), s.mix()) < 1e-4f);
}

TEST_CASE("session: exported stems are WAV files that sum to the mix", "[session][export]")
{
    OpenedSession o;
    auto& s = o.session;
    s.runBlocking();
    const auto folder = o.tmp / "stems";
    const auto files = s.exportStems(folder, SampleFormat::Float32);
    REQUIRE(files.size() == 2);
    std::vector<Stem> reread;
    for (const auto& f : files) {
        CHECK(f.getParentDirectory() == folder);
        CHECK(f.getFileName().startsWith("mix-"));
        reread.push_back({f.getFileName().toStdString(), readAudioFile(f)});
    }
    CHECK(reread[0].audio.sampleRate == 22050.0);
    CHECK(reread[0].audio.numSamples() == s.mix().numSamples());
    CHECK(sumError(reread, s.mix()) < 1e-4f);

    const auto pcm = s.exportStems(o.tmp / "pcm", SampleFormat::Pcm24);
    std::vector<Stem> reread24;
    for (const auto& f : pcm)
        reread24.push_back({"", readAudioFile(f)});
    CHECK(sumError(reread24, s.mix()) < 1e-4f);
    // The input is untouched and nothing else was written next to it.
    CHECK(readAudioFile(o.tmp / "mix.wav").channels == s.mix().channels);
}

TEST_CASE("session: supervised with sources learned from time ranges separates them", "[session][supervised]")
{
    OpenedSession o;
    auto& s = o.session;
    AppSettings settings = quickSettings();
    settings.method.method = Method::Supervised;
    settings.method.learned = {{"low", "", 0.0, 0.75, 3}, {"high", "", 1.25, 2.0, 3}};
    s.setSettings(settings);
    s.runBlocking();
    REQUIRE(s.grouping().names == std::vector<std::string>{"low", "high"});
    CHECK(s.components() == 6);
    const auto& stems = s.stems();
    // 0–0.7 s holds only the low tone, 1.3–2 s only the high one.
    CHECK(energy(stems[0].audio, 0.05, 0.7) > 20 * energy(stems[1].audio, 0.05, 0.7));
    CHECK(energy(stems[1].audio, 1.3, 1.95) > 20 * energy(stems[0].audio, 1.3, 1.95));
    CHECK(sumError(stems, s.mix()) < 1e-4f);
}

TEST_CASE("session: exported templates are a library for supervised and semi-supervised runs", "[session][library]")
{
    OpenedSession o;
    auto& s = o.session;
    AppSettings settings = quickSettings();
    settings.method.method = Method::Supervised;
    settings.method.learned = {{"low", "", 0.0, 0.75, 2}, {"high", (o.tmp / "mix.wav").getFullPathName().toStdString(), 1.25, 2.0, 2}};
    s.setSettings(settings);
    s.runBlocking();
    const auto libraryFile = o.tmp / "learned.dmxt";
    s.exportTemplates(libraryFile);
    const auto library = TemplateLibrary::load(libraryFile.getFullPathName().toStdString());
    REQUIRE(library.sources.size() == 2);
    CHECK(library.sources[0].name == "low");
    CHECK(library.settings.sampleRate == 22050.0);
    CHECK(library.settings.stft.fftSize == 512);
    CHECK(library.sources[0].templates.colwise().sum().isApproxToConstant(1.0f, 1e-4f));

    // The library drives a semi-supervised run: its sources plus a learned residual.
    settings.method.method = Method::SemiSupervised;
    settings.method.learned.clear();
    settings.method.libraries = {libraryFile.getFullPathName().toStdString()};
    settings.method.freeComponents = 2;
    s.setSettings(settings);
    s.runBlocking();
    CHECK(s.components() == 6);
    CHECK(s.grouping().sources() == 3);
    CHECK(s.grouping().names[0] == "low");
    CHECK(sumError(s.stems(), s.mix()) < 1e-4f);
}

TEST_CASE("session: components grouped by libraries are named after their sources", "[session][library]")
{
    OpenedSession o;
    auto& s = o.session;
    // Libraries of the two tones, learned from their own time ranges and exported.
    const auto libraryFile =
        exportLearnedLibrary(o, {{"low", "", 0.0, 0.75, 2}, {"high", "", 1.25, 2.0, 2}}, "tones.dmxt");

    // The factorisation has only free components; the library names and groups them.
    AppSettings settings = quickSettings();
    settings.method.method = Method::GroupedByLibrary;
    settings.method.libraries = {libraryFile.getFullPathName().toStdString()};
    settings.method.components = 4;
    s.setSettings(settings);
    s.runBlocking();
    REQUIRE(s.grouping().names == std::vector<std::string>{"low", "high"});
    // The engine's defaults for this path: 3 factorisations of 4 components, shared
    // components split between the sources (so at least 12 components).
    CHECK(s.decomposition().memberStarts.size() == 3);
    CHECK(s.components() >= 12);
    s.grouping().validate(s.components());
    const auto& stems = s.stems();
    CHECK(energy(stems[0].audio, 0.05, 0.7) > 10 * energy(stems[1].audio, 0.05, 0.7));
    CHECK(energy(stems[1].audio, 1.3, 1.95) > 10 * energy(stems[0].audio, 1.3, 1.95));
    CHECK(sumError(stems, s.mix()) < 1e-4f);

    // One source has nothing to choose between; K below the source count cannot work.
    settings.method.libraries.clear();
    settings.method.learned = {{"low", "", 0.0, 0.75, 2}};
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(), Catch::Contains("needs at least 2 sources to choose between, "
                                                       "but the library holds only 'low'"));
    settings.method.libraries = {libraryFile.getFullPathName().toStdString()};
    settings.method.learned = {{"mid", "", 0.75, 1.25, 2}};
    settings.method.components = 2;
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(),
                      Catch::Contains("cannot group 2 components into the 3 sources of the library"));
}

TEST_CASE("session: sources learned with restarts export an ensemble library", "[session][library]")
{
    OpenedSession o;
    auto& s = o.session;
    AppSettings settings = quickSettings();
    settings.separation.learningRestarts = 2;
    settings.method.method = Method::Supervised;
    settings.method.learned = {{"low", "", 0.0, 0.75, 3}, {"high", "", 1.25, 2.0, 2}};
    s.setSettings(settings);
    s.runBlocking();
    CHECK(s.components() == 2 * (3 + 2));
    CHECK(sumError(s.stems(), s.mix()) < 1e-4f);
    const auto libraryFile = o.tmp / "ensemble.dmxt";
    s.exportTemplates(libraryFile);
    const auto library = TemplateLibrary::load(libraryFile.getFullPathName().toStdString());
    REQUIRE(library.sources.size() == 2);
    CHECK(library.ensembleSize() == 2);
    CHECK(library.sources[0].templates.cols() == 3);
    REQUIRE(library.sources[0].alternates.size() == 1);
    CHECK(library.sources[0].alternates[0].cols() == 3);
    CHECK(library.sources[1].alternates[0].cols() == 2);
    CHECK(library.sources[1].alternates[0].colwise().sum().isApproxToConstant(1.0f, 1e-4f));

    // A saved project keeps the members: its export is the same ensemble.
    s.saveProject(o.tmp / "ensemble.demix");
    s.loadProject(o.tmp / "ensemble.demix");
    s.exportTemplates(o.tmp / "again.dmxt");
    CHECK(TemplateLibrary::load((o.tmp / "again.dmxt").getFullPathName().toStdString()).ensembleSize() == 2);

    // Separating with the exported ensemble uses every set again.
    settings.method.learned.clear();
    settings.method.libraries = {libraryFile.getFullPathName().toStdString()};
    s.setSettings(settings);
    s.runBlocking();
    CHECK(s.components() == 10);
    CHECK(s.grouping().names == std::vector<std::string>{"low", "high"});
}

TEST_CASE("session: mismatched libraries and bad settings give clear errors", "[session][errors]")
{
    OpenedSession o;
    auto& s = o.session;
    const auto libraryFile = exportLowLibrary(o);
    AppSettings settings = quickSettings();
    settings.method.method = Method::Supervised;

    // The 22.05 kHz library against a 44.1 kHz file: its templates are resampled to the
    // file's rate, and the run works.
    test::writeTestWav(o.tmp / "mix44.wav", test::makeTwoToneMix(44100.0, 0.5));
    Session other;
    other.open(o.tmp / "mix44.wav");
    settings.method.learned.clear();
    settings.method.libraries = {libraryFile.getFullPathName().toStdString()};
    other.setSettings(settings);
    other.runBlocking();
    REQUIRE(other.hasDecomposition());
    CHECK(other.grouping().names[0] == "low");
    CHECK(sumError(other.stems(), other.mix()) < 1e-4f);

    // A different FFT size is refused, naming the library.
    settings.separation.stft.fftSize = 1024;
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(), Catch::Contains("low.dmxt"));

    // Not a library at all / missing.
    (o.tmp / "junk.dmxt").replaceWithText("junk");
    settings.separation.stft.fftSize = 512;
    settings.method.libraries = {(o.tmp / "junk.dmxt").getFullPathName().toStdString()};
    s.setSettings(settings);
    CHECK_THROWS_AS(s.runBlocking(), LibraryError);
    settings.method.libraries = {(o.tmp / "gone.dmxt").getFullPathName().toStdString()};
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(), Catch::Contains("does not exist"));

    settings.method.libraries.clear();
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(), Catch::Contains("needs a template library or a learned source"));
    settings.method.method = Method::Unsupervised;
    settings.method.sources = 9;
    s.setSettings(settings);
    CHECK_THROWS_WITH(s.runBlocking(), Catch::Contains("Sources S"));
    // The earlier decomposition is still there after all these failures.
    CHECK(s.hasDecomposition());
}

TEST_CASE("session: adding a library adopts its analysis and switches to supervised", "[session][library]")
{
    OpenedSession o;
    auto& s = o.session;
    const auto libraryFile = exportLowLibrary(o);

    // An unsupervised session with another analysis takes the library's.
    AppSettings settings = quickSettings();
    settings.separation.stft.fftSize = 1024;
    settings.separation.stft.hop = 256;
    settings.separation.stft.window = WindowType::SqrtHann;
    s.setSettings(settings);
    const auto library = s.addLibrary(libraryFile);
    REQUIRE(library.sources.size() == 1);
    CHECK(library.sources[0].name == "low");
    CHECK(s.settings().method.method == Method::Supervised);
    REQUIRE(s.settings().method.libraries.size() == 1);
    CHECK(s.settings().method.libraries[0] == libraryFile.getFullPathName().toStdString());
    CHECK(s.settings().separation.stft.fftSize == 512);
    CHECK(s.settings().separation.stft.hop == 128);
    CHECK(s.settings().separation.stft.window == library.settings.stft.window);
    CHECK(s.settings().separation.stft.window != WindowType::SqrtHann);
    CHECK(s.settings().separation.nmf.maxIterations == 40);  // the rest is kept

    // A semi-supervised method stays semi-supervised.
    settings = s.settings();
    settings.method.method = Method::SemiSupervised;
    s.setSettings(settings);
    s.addLibrary(libraryFile);
    CHECK(s.settings().method.method == Method::SemiSupervised);
    CHECK(s.settings().method.libraries.size() == 2);

    // Junk or a missing file: refused naming it, the settings unchanged.
    (o.tmp / "junk.dmxt").replaceWithText("junk");
    CHECK_THROWS_AS(s.addLibrary(o.tmp / "junk.dmxt"), LibraryError);
    CHECK_THROWS_WITH(s.addLibrary(o.tmp / "gone.dmxt"), Catch::Contains("gone.dmxt"));
    CHECK(s.settings().method.libraries.size() == 2);
    CHECK(s.settings().method.method == Method::SemiSupervised);
}

TEST_CASE("session: a saved project reopens to identical stems", "[session][project]")
{
    OpenedSession o;
    auto& s = o.session;
    s.runBlocking();
    s.moveComponent(s.grouping().groups[0].front(), 1);
    s.renameSource(0, "drums & bass");
    const auto stems = s.stems();
    const auto projectFile = (o.tmp / "sub").getChildFile("song.demix");
    projectFile.getParentDirectory().createDirectory();
    s.saveProject(projectFile);

    Session reopened;
    reopened.loadProject(projectFile);
    CHECK(reopened.audioFile() == o.tmp / "mix.wav");
    CHECK(reopened.grouping() == s.grouping());
    CHECK(reopened.settings().separation.stft.hop == 128);
    CHECK(reopened.settings().method.components == 4);
    CHECK(reopened.decomposition().W == s.decomposition().W);
    CHECK(reopened.decomposition().H == s.decomposition().H);
    CHECK(reopened.decomposition().nmf.objective.size() == s.decomposition().nmf.objective.size());
    const auto& again = reopened.stems();
    REQUIRE(again.size() == stems.size());
    for (size_t i = 0; i < stems.size(); ++i) {
        CHECK(again[i].name == stems[i].name);
        CHECK(again[i].audio.channels == stems[i].audio.channels);
    }
    // Grouping edits keep working (and undoing) after reopening.
    reopened.addSource("extra");
    CHECK(reopened.undo());
    CHECK(reopened.grouping() == s.grouping());
}

TEST_CASE("session: damaged projects and changed audio are refused clearly", "[session][project][errors]")
{
    OpenedSession o;
    auto& s = o.session;
    s.runBlocking();
    const auto projectFile = o.tmp / "song.demix";
    s.saveProject(projectFile);
    CHECK_THROWS_WITH(s.saveProject(o.tmp / "mix.wav"), Catch::Contains("Refusing to write over the input"));

    Session other;
    (o.tmp / "junk.demix").replaceWithText("<notxml");
    CHECK_THROWS_WITH(other.loadProject(o.tmp / "junk.demix"), Catch::Contains("not a Demix project"));
    const auto text = projectFile.loadFileAsString();
    const auto w = text.indexOf(" W=\"") + 4;
    (o.tmp / "damaged.demix").replaceWithText(text.substring(0, w) + "AAAA" + text.substring(w + 10));
    CHECK_THROWS_WITH(other.loadProject(o.tmp / "damaged.demix"), Catch::Contains("damaged"));
    CHECK_FALSE(other.hasAudio());

    test::writeTestWav(o.tmp / "mix.wav", test::makeTwoToneMix(22050.0, 1.0));
    CHECK_THROWS_WITH(other.loadProject(projectFile), Catch::Contains("has changed since the project was saved"));
    (o.tmp / "mix.wav").deleteFile();
    CHECK_THROWS_WITH(other.loadProject(projectFile), Catch::Contains("is missing"));
}

TEST_CASE("session: a crafted project is refused before any work", "[session][project][errors]")
{
    OpenedSession o;
    auto& s = o.session;
    s.runBlocking();
    const auto projectFile = o.tmp / "song.demix";
    s.saveProject(projectFile);
    const auto text = projectFile.loadFileAsString();
    Session other;
    const auto refused = [&](const juce::String& crafted) {
        const auto file = o.tmp / "crafted.demix";
        file.replaceWithText(crafted);
        std::string message;
        try {
            other.loadProject(file);
        } catch (const FileError& e) {
            message = e.what();
        }
        CHECK_FALSE(other.hasAudio());
        return message;
    };

    // A processing instruction followed by text inside an element: JUCE's XML parser
    // would never return (a fuzzer's finding); refused before parsing.
    const auto audioTag = text.indexOf("<Audio");
    REQUIRE(audioTag > 0);
    const auto pi = refused(text.substring(0, audioTag) + "<?x?>text" + text.substring(audioTag));
    CHECK_THAT(pi, Catch::Contains("crafted.demix") && Catch::Contains("processing instruction"));

    // A frame count or bin count that does not match the audio file and the settings is
    // refused before W and H are decoded: the damaged W is never looked at.
    const auto frames = int(s.decomposition().H.cols());
    const auto w = text.indexOf(" W=\"") + 4;
    const auto damagedW = text.substring(0, w) + "AAAA" + text.substring(w + 10);
    const auto framesAttr = "frames=\"" + juce::String(frames) + "\"";
    REQUIRE(damagedW.contains(framesAttr));
    const auto wrongFrames = refused(damagedW.replace(framesAttr, "frames=\"" + juce::String(frames * 1000) + "\""));
    CHECK_THAT(wrongFrames, Catch::Contains("does not fit its audio file"));
    const auto binsAttr = "bins=\"" + juce::String(int(s.decomposition().W.rows())) + "\"";
    REQUIRE(damagedW.contains(binsAttr));
    CHECK_THAT(refused(damagedW.replace(binsAttr, "bins=\"65537\"")), Catch::Contains("does not fit its audio file"));
    // The same damaged W with the right shapes is then found damaged.
    CHECK_THAT(refused(damagedW), Catch::Contains("templates data is damaged"));

    // The fuzzer's kept input (a project with "<?xml" fragments inside its elements),
    // which used to make loadProject run forever, is refused the same way.
    const juce::File kept(DEMIX_FUZZ_INPUTS "/regressions/fuzz_project/timeout-385236d1483480da255653b0e4ecca02a0c02586");
    REQUIRE(kept.existsAsFile());
    CHECK_THAT(refused(kept.loadFileAsString()), Catch::Contains("processing instruction"));

    // The original still opens.
    other.loadProject(projectFile);
    CHECK(other.decomposition().W == s.decomposition().W);
}

TEST_CASE("session: pictures export as PNG files of the expected size", "[session][export]")
{
    OpenedSession o;
    auto& s = o.session;
    s.runBlocking();
    const auto files = s.exportPictures(o.tmp / "pictures");
    CHECK(files.size() == 5 + 2);
    for (const auto& f : files) {
        const auto image = juce::ImageFileFormat::loadFrom(f);
        INFO(f.getFullPathName());
        REQUIRE(image.isValid());
        CHECK(image.getWidth() >= 200);
    }
    const auto spectrogram = juce::ImageFileFormat::loadFrom((o.tmp / "pictures").getChildFile("spectrogram.png"));
    CHECK(spectrogram.getHeight() == 512);
    // The picture is not blank: the tones make bright pixels somewhere.
    float brightest = 0;
    for (int y = 0; y < spectrogram.getHeight(); y += 2)
        for (int x = 0; x < spectrogram.getWidth(); x += 2)
            brightest = std::max(brightest, spectrogram.getPixelAt(x, y).getBrightness());
    CHECK(brightest > 0.8f);
}

TEST_CASE("session: a separation job runs in the background and can be cancelled", "[session][job]")
{
    OpenedSession o;
    auto& s = o.session;
    AppSettings settings = quickSettings();
    settings.separation.nmf.maxIterations = 100000;
    settings.separation.nmf.tol = 0.0;
    const auto mix = s.mixPointer();
    std::atomic<bool> finished{false};
    Job<Decomposition> job("separation", [mix, settings](const ProgressCallback& progress) {
        return decompose(*mix, settings, progress);
    });
    job.onFinished = [&finished] { finished = true; };
    job.start();
    while (job.progress() <= 0.0 && !job.isFinished())
        juce::Thread::sleep(5);
    CHECK_FALSE(job.isFinished());
    job.cancel();
    job.wait();
    CHECK(finished);
    CHECK(job.wasCancelled());
    CHECK(job.error().empty());
    CHECK_FALSE(job.result().has_value());

    settings.separation.nmf.maxIterations = 20;
    Job<Decomposition> quick("separation", [mix, settings](const ProgressCallback& progress) {
        return decompose(*mix, settings, progress);
    });
    quick.start();
    quick.wait();
    REQUIRE(quick.result().has_value());
    s.setDecomposition(std::move(*quick.result()), settings);
    CHECK(s.components() == 4);
}

// Project files: Session::saveProject / Session::loadProject.
//
// XML (juce::ValueTree) with the audio file reference (absolute path, path relative to the
// project, and a fingerprint of the samples), the settings, the decomposition's W and H
// (float32, base64) and the grouping. Storing W and H makes a reopened project render
// bit-identical stems without re-running NMF (whose result depends on the thread count).

#include "model/Session.hpp"

#include "model/Decompose.hpp"

namespace demix::app {

namespace {

const juce::Identifier kProject("DemixProject"), kAudio("Audio"), kDecomposition("Decomposition"),
    kSources("Sources"), kSource("Source");
constexpr int kProjectVersion = 1;

juce::String encodeMatrix(const Matrix& m)
{
    juce::MemoryBlock block(m.data(), size_t(m.size()) * sizeof(float));
    return block.toBase64Encoding();
}

Matrix decodeMatrix(const juce::String& text, int rows, int cols, const char* what)
{
    juce::MemoryBlock block;
    if (rows < 0 || cols < 0 || !block.fromBase64Encoding(text)
        || block.getSize() != size_t(rows) * size_t(cols) * sizeof(float))
        throw InvalidArgument(std::string("The project's ") + what + " data is damaged");
    Matrix m(rows, cols);
    std::memcpy(m.data(), block.getData(), block.getSize());
    if (!m.allFinite() || (m.array() < 0.0f).any())
        throw InvalidArgument(std::string("The project's ") + what + " data is damaged");
    return m;
}

juce::String joinInts(const std::vector<int>& values)
{
    juce::StringArray parts;
    for (int v : values)
        parts.add(juce::String(v));
    return parts.joinIntoString(" ");
}

std::vector<int> splitInts(const juce::String& text)
{
    std::vector<int> values;
    for (const auto& token : juce::StringArray::fromTokens(text, " ", ""))
        if (token.isNotEmpty()) {
            if (!token.containsOnly("0123456789"))
                throw InvalidArgument("The project's grouping is damaged ('" + text.toStdString() + "')");
            values.push_back(token.getIntValue());
        }
    return values;
}

juce::String joinDoubles(const std::vector<double>& values)
{
    juce::StringArray parts;
    for (double v : values)
        parts.add(juce::String(v, 10));
    return parts.joinIntoString(" ");
}

}  // namespace

void Session::saveProject(const juce::File& file) const
{
    if (!mix_)
        throw FileError("Nothing to save: open an audio file first");
    if (file == audioFile_)
        throw FileError("Refusing to write over the input file");

    juce::ValueTree project(kProject);
    project.setProperty("version", kProjectVersion, nullptr);

    juce::ValueTree audio(kAudio);
    audio.setProperty("path", audioFile_.getFullPathName(), nullptr);
    audio.setProperty("relativePath", audioFile_.getRelativePathFrom(file.getParentDirectory()), nullptr);
    audio.setProperty("sampleRate", mix_->sampleRate, nullptr);
    audio.setProperty("channels", int(mix_->numChannels()), nullptr);
    audio.setProperty("samples", juce::int64(mix_->numSamples()), nullptr);
    audio.setProperty("fingerprint", audioFingerprint(*mix_), nullptr);
    project.appendChild(audio, nullptr);

    project.appendChild(toValueTree(settings_), nullptr);

    if (decomposition_) {
        const auto& d = *decomposition_;
        juce::ValueTree dec(kDecomposition);
        dec.appendChild(toValueTree(decompositionSettings_), nullptr);
        dec.setProperty("bins", int(d.W.rows()), nullptr);
        dec.setProperty("components", int(d.W.cols()), nullptr);
        dec.setProperty("frames", int(d.H.cols()), nullptr);
        dec.setProperty("iterations", d.nmf.iterations, nullptr);
        dec.setProperty("converged", d.nmf.converged, nullptr);
        dec.setProperty("objective", joinDoubles(d.nmf.objective), nullptr);
        dec.setProperty("W", encodeMatrix(d.W), nullptr);
        dec.setProperty("H", encodeMatrix(d.H), nullptr);
        if (!d.memberStarts.empty())  // an ensemble: the first component of each member
            dec.setProperty("memberStarts", joinInts(d.memberStarts), nullptr);
        juce::ValueTree sources(kSources);
        for (int s = 0; s < grouping_.sources(); ++s) {
            juce::ValueTree source(kSource);
            source.setProperty("name", juce::String(grouping_.names[size_t(s)]), nullptr);
            source.setProperty("components", joinInts(grouping_.groups[size_t(s)]), nullptr);
            sources.appendChild(source, nullptr);
        }
        dec.appendChild(sources, nullptr);
        project.appendChild(dec, nullptr);
    }

    const auto xml = project.createXml();
    const auto text = xml->toString();
    writeFileAtomically(file, text.toRawUTF8(), text.getNumBytesAsUTF8(), audioFile_);
}

void Session::loadProject(const juce::File& file)
{
    const std::string name = file.getFullPathName().toStdString();
    if (!file.existsAsFile())
        throw FileError("Cannot open project '" + name + "': the file does not exist");
    // JUCE's XML parser never returns on a processing instruction ("<?...?>") followed
    // by text inside an element (it rolls back to the "<?" and makes no progress), so
    // such a file is refused before it is parsed. Demix writes one only at the start.
    const juce::String text = file.loadFileAsString();
    const int prolog = text.trimStart().startsWith("<?") ? text.indexOf("?>") : 0;
    if (prolog < 0 || text.indexOf(prolog, "<?") >= 0)
        throw FileError("Cannot open project '" + name + "': not a Demix project file "
                        "(a processing instruction inside the document)");
    const auto xml = juce::parseXMLIfTagMatches(text, kProject.toString());
    if (xml == nullptr || !xml->hasTagName(kProject.toString()))
        throw FileError("Cannot open project '" + name + "': not a Demix project file");
    const auto project = juce::ValueTree::fromXml(*xml);
    if (int(project.getProperty("version", 0)) != kProjectVersion)
        throw FileError("Cannot open project '" + name + "': unsupported project version "
                        + project.getProperty("version", 0).toString().toStdString());

    try {
        // Audio: the absolute path, else the path relative to the project.
        const auto audio = project.getChildWithName(kAudio);
        juce::File audioFile(audio.getProperty("path").toString());
        if (!audioFile.existsAsFile())
            audioFile = file.getParentDirectory().getChildFile(audio.getProperty("relativePath").toString());
        if (!audioFile.existsAsFile())
            throw FileError("The project's audio file '" + audio.getProperty("path").toString().toStdString()
                            + "' is missing");
        auto mix = std::make_shared<const AudioBuffer>(readAudioFile(audioFile));
        if (audioFingerprint(*mix) != audio.getProperty("fingerprint").toString())
            throw FileError("The audio file '" + audioFile.getFullPathName().toStdString()
                            + "' has changed since the project was saved");

        const AppSettings settings = appSettingsFromValueTree(project.getChildWithName("Settings"));

        std::shared_ptr<const Decomposition> decomposition;
        AppSettings madeWith = settings;
        Grouping grouping;
        const auto dec = project.getChildWithName(kDecomposition);
        if (dec.isValid()) {
            madeWith = appSettingsFromValueTree(dec.getChildWithName("Settings"));
            // Every shape is checked against the audio file and the settings before any
            // data is decoded or analysed: a damaged project costs no work.
            const Stft stft(madeWith.separation.stft);
            const int bins = dec.getProperty("bins"), k = dec.getProperty("components"),
                      frames = dec.getProperty("frames");
            if (bins != madeWith.separation.stft.bins() || frames != stft.frameCount(mix->numSamples())
                || k < 1)
                throw InvalidArgument("The project's decomposition does not fit its audio file");
            Decomposition d;
            d.analysis = analysisFor(*mix, madeWith);
            d.W = decodeMatrix(dec.getProperty("W").toString(), bins, k, "templates");
            d.H = decodeMatrix(dec.getProperty("H").toString(), k, frames, "activations");
            d.nmf.iterations = dec.getProperty("iterations", 0);
            d.nmf.converged = dec.getProperty("converged", false);
            for (const auto& token : juce::StringArray::fromTokens(dec.getProperty("objective").toString(), " ", ""))
                if (token.isNotEmpty())
                    d.nmf.objective.push_back(token.getDoubleValue());
            for (const auto& source : dec.getChildWithName(kSources)) {
                grouping.names.push_back(source.getProperty("name").toString().toStdString());
                grouping.groups.push_back(splitInts(source.getProperty("components").toString()));
            }
            grouping.validate(k);
            d.groups = grouping.groups;
            d.sourceNames = grouping.names;
            d.memberStarts = splitInts(dec.getProperty("memberStarts").toString());
            for (size_t m = 0; m < d.memberStarts.size(); ++m)
                if (d.memberStarts[m] < 0 || d.memberStarts[m] >= k
                    || (m == 0 ? d.memberStarts[m] != 0 : d.memberStarts[m] <= d.memberStarts[m - 1]))
                    throw InvalidArgument("The project's ensemble members are invalid");
            d.V = magnitude(stft.forward(*mix, 0));  // last: everything else is valid
            decomposition = std::make_shared<const Decomposition>(std::move(d));
        }

        // Everything checked: install it.
        audioFile_ = audioFile;
        mix_ = std::move(mix);
        settings_ = settings;
        decompositionSettings_ = madeWith;
        decomposition_ = std::move(decomposition);
        grouping_ = std::move(grouping);
        stems_.reset();
        masks_.clear();
        ++revision_;
        undo_.clearUndoHistory();
        if (decomposition_)
            spectrogram_ = std::shared_ptr<const Matrix>(decomposition_, &decomposition_->V);
        else
            recomputeSpectrogram();
    } catch (const demix::Error& e) {
        throw FileError("Cannot open project '" + name + "': " + e.what());
    }
    notify([](Listener& l) { l.audioChanged(); });
    notify([](Listener& l) { l.settingsChanged(); });
    notify([](Listener& l) { l.decompositionChanged(); });
    notify([](Listener& l) { l.groupingChanged(); });
}

}  // namespace demix::app

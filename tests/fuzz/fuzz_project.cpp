// Fuzz target: the app's project file reader (demix::app::Session::loadProject), the XML
// file that stores the audio reference, settings, W, H and the grouping.
//
// Each input is written as a project file next to project_mix.hpp's clip (WAV, written by
// the app's own writer once per process) and opened in a fresh Session. A refused
// project must leave the session as it was (no audio); an accepted one must render one
// stem per source of its grouping.

#include "fuzz_support.hpp"
#include "project_mix.hpp"

#include "model/Session.hpp"

#include <cstdio>
#include <cstdlib>

namespace {

void writeMixOnce()
{
    static const bool written = [] {
        demix::app::writeWav(juce::File(demix::fuzz::scratchFolder()).getChildFile(demix::fuzz::kProjectMixName),
                             demix::fuzz::projectMix(), demix::app::SampleFormat::Float32);
        return true;
    }();
    (void)written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    writeMixOnce();
    const juce::File file(demix::fuzz::writeScratchFile("project.dmxproj", data, size));
    demix::app::Session session;
    try {
        session.loadProject(file);
    } catch (const demix::Error&) {
        if (session.hasAudio()) {
            std::fprintf(stderr, "a refused project left its audio open\n");
            std::abort();
        }
        return 0;
    }
    if (session.hasDecomposition()) {
        const auto sources = session.grouping().sources();
        try {
            if (int(session.stems().size()) != sources) {
                std::fprintf(stderr, "a loaded project renders a wrong number of stems\n");
                std::abort();
            }
        } catch (const demix::Error&) {
            // e.g. a source without components: refused by the renderer with a message
        }
    }
    return 0;
}

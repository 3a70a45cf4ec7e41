// Catch2 runner with JUCE's message manager initialised (the processor and editor need it).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

#if DEMIX_TEST_PREPARE_X11
#include <X11/Xlib.h>

#include <cstdlib>

namespace {
/// A bare Xvfb has no window manager, so the window-manager atoms JUCE looks up with
/// "only if it exists" are missing and JUCE then sends atom 0 (BadAtom, fatal). Intern
/// them the way any window manager would, and keep this connection open for the whole
/// run: the server frees atoms when its last client disconnects.
void internWindowManagerAtoms()
{
    if (std::getenv("DISPLAY") == nullptr)
        return;
    static Display* display = XOpenDisplay(nullptr);
    if (display == nullptr)
        return;
    const char* names[] = {"WM_PROTOCOLS", "WM_TAKE_FOCUS", "WM_DELETE_WINDOW", "_NET_WM_PING", "WM_CHANGE_STATE",
                           "WM_STATE", "_NET_WM_WINDOW_TYPE", "_NET_WM_STATE", "_NET_WM_STATE_HIDDEN",
                           "_NET_WM_STATE_FULLSCREEN", "_NET_FRAME_EXTENTS", "_NET_WORKAREA", "_MOTIF_WM_HINTS",
                           "_NET_WM_ALLOWED_ACTIONS", "_NET_WM_WINDOW_TYPE_NORMAL", "_NET_WM_WINDOW_TYPE_COMBO"};
    for (const char* name : names)
        XInternAtom(display, name, False);
    XSync(display, False);
}
}  // namespace
#endif

int main(int argc, char* argv[])
{
#if DEMIX_TEST_PREPARE_X11
    internWindowManagerAtoms();
#endif
    juce::ScopedJuceInitialiser_GUI juceInitialiser;
    return Catch::Session().run(argc, argv);
}

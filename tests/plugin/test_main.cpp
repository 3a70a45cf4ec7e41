// Catch2 runner with JUCE's message manager initialised (the processor and editor need it).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

int main(int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juceInitialiser;
    return Catch::Session().run(argc, argv);
}

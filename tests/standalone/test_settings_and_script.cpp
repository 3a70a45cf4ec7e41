#include "model/AppSettings.hpp"
#include "model/Script.hpp"

#include <catch2/catch.hpp>

using namespace demix;
using namespace demix::app;

TEST_CASE("settings: every field survives a ValueTree round trip", "[settings]")
{
    AppSettings s = defaultAppSettings();
    s.separation.stft.fftSize = 4096;
    s.separation.stft.hop = 512;
    s.separation.stft.window = WindowType::SqrtHann;
    s.separation.nmf.objective = Objective::Frobenius;
    s.separation.nmf.solver = Solver::Hals;
    s.separation.nmf.init = Initialisation::Nndsvda;
    s.separation.nmf.maxIterations = 321;
    s.separation.nmf.tol = 1e-6;
    s.separation.nmf.seed = 18446744073709551615ull;
    s.separation.alpha = 1.5f;
    s.method.method = Method::SemiSupervised;
    s.method.components = 12;
    s.method.sources = 3;
    s.method.freeComponents = 5;
    s.method.libraries = {"/tmp/a b.dmxt", "rel/c.dmxt"};
    s.method.learned = {{"vocals", "", 1.25, 3.5, 6}, {"drums", "/x/drums.flac", 0.0, 0.0, 8}};

    const auto xml = toValueTree(s).toXmlString();
    const auto back = appSettingsFromValueTree(juce::ValueTree::fromXml(xml));
    CHECK(back.separation.stft.fftSize == 4096);
    CHECK(back.separation.stft.hop == 512);
    CHECK(back.separation.stft.window == WindowType::SqrtHann);
    CHECK(back.separation.nmf.objective == Objective::Frobenius);
    CHECK(back.separation.nmf.solver == Solver::Hals);
    CHECK(back.separation.nmf.init == Initialisation::Nndsvda);
    CHECK(back.separation.nmf.maxIterations == 321);
    CHECK(back.separation.nmf.tol == 1e-6);
    CHECK(back.separation.nmf.seed == 18446744073709551615ull);
    CHECK(back.separation.alpha == 1.5f);
    CHECK(back.method.method == Method::SemiSupervised);
    CHECK(back.method.components == 12);
    CHECK(back.method.sources == 3);
    CHECK(back.method.freeComponents == 5);
    CHECK(back.method.libraries == s.method.libraries);
    CHECK(back.method.learned == s.method.learned);
}

TEST_CASE("settings: unusable settings are refused with a message naming them", "[settings][errors]")
{
    AppSettings s = defaultAppSettings();
    s.separation.nmf.solver = Solver::Als;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("need the Frobenius objective"));
    s = defaultAppSettings();
    s.separation.stft.hop = 4096;
    CHECK_THROWS_AS(s.validate(), InvalidArgument);
    s = defaultAppSettings();
    s.separation.alpha = 0.0f;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("α"));
    s = defaultAppSettings();
    s.method.method = Method::Supervised;
    s.method.learned = {{"", "", 0, 1, 4}};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("needs a name"));
    CHECK_THROWS_WITH(methodFromString("magic"), Catch::Contains("Unknown method 'magic'"));
    // Grouped by library: K free components and at least one library or learned source.
    CHECK(methodFromString("grouped-by-library") == Method::GroupedByLibrary);
    CHECK(std::string(toString(Method::GroupedByLibrary)) == "grouped-by-library");
    s = defaultAppSettings();
    s.method.method = Method::GroupedByLibrary;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("grouped-by-library method needs a template library"));
    s.method.libraries = {"a.dmxt"};
    s.method.components = 1;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("Components K must be between 2 and 256"));
    s.method.components = 8;
    CHECK_NOTHROW(s.validate());
    const auto back = appSettingsFromValueTree(juce::ValueTree::fromXml(toValueTree(s).toXmlString()));
    CHECK(back.method.method == Method::GroupedByLibrary);
    CHECK(back.method.components == 8);
    CHECK(seedFromString(" 42 ") == 42u);
    CHECK_THROWS_WITH(seedFromString("-1"), Catch::Contains("whole number"));
    CHECK_THROWS_WITH(seedFromString("18446744073709551616"), Catch::Contains("too large"));
}

TEST_CASE("command line: files, options and scripts", "[script]")
{
    const auto script = parseCommandLine({"song.wav", "--components", "6", "--run", "--move", "1:2", "--export",
                                          "out", "--size", "1200x800", "--quit"});
    REQUIRE(script.steps.size() == 5);
    CHECK(script.steps[0].action == "open");
    CHECK(script.steps[0].argument == "song.wav");
    CHECK(script.steps[1].action == "set");
    CHECK(script.steps[1].extra == "components");
    CHECK(script.steps[1].argument == "6");
    CHECK(script.steps[2].action == "run");
    CHECK(script.steps[3].action == "move");
    CHECK(script.steps[4].action == "export");
    CHECK(script.quitAtEnd);
    CHECK(script.width == 1200);
    CHECK(script.height == 800);

    CHECK(parseCommandLine({"old.demix"}).steps[0].action == "project");
    CHECK(parseCommandLine({}).empty());
    CHECK_THROWS_WITH(parseCommandLine({"--frobnicate"}), Catch::Contains("Unknown option --frobnicate"));
    CHECK_THROWS_WITH(parseCommandLine({"--export"}), Catch::Contains("Option --export needs a value"));
    CHECK_THROWS_WITH(parseCommandLine({"--help"}), Catch::Contains("Usage: DemixApp"));
}

// The default template set's location rule and the stem selection (--stems).
#include "demix/default_templates.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace demix;
namespace fs = std::filesystem;

namespace {

struct Folder {
    fs::path path;
    Folder() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("demix-defaults-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~Folder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
}

Stem constantStem(const std::string& name, float value, std::size_t n = 4) {
    Stem s;
    s.name = name;
    s.audio.channels = {std::vector<float>(n, value), std::vector<float>(n, -value)};
    return s;
}

}  // namespace

TEST_CASE("default set: looked for beside the binary, then in the prefix's share/demix/templates",
          "[default-set]") {
    CHECK(defaultSetSources() == std::vector<std::string>{"drums", "bass", "keys", "voice"});
    const auto c = defaultSetCandidates("/opt/demix/bin/demix");
    REQUIRE(c.size() == 2);
    CHECK(c[0] == "/opt/demix/bin/templates");
    CHECK(c[1] == "/opt/demix/share/demix/templates");
    // The environment variable, when set, is the only place looked in.
    CHECK(defaultSetCandidates("/opt/demix/bin/demix", "/my/set") == std::vector<std::string>{"/my/set"});
    CHECK(defaultSetFiles("/a") == std::vector<std::string>{"/a/drums.dmxt", "/a/bass.dmxt",
                                                            "/a/keys.dmxt", "/a/voice.dmxt"});
}

TEST_CASE("default set: the first folder holding every library wins; an incomplete one is skipped",
          "[default-set]") {
    Folder root;
    const fs::path bin = root.path / "prefix" / "bin" / "demix";
    touch(bin);
    const auto candidates = defaultSetCandidates(bin.string());
    CHECK_FALSE(findDefaultSet(candidates).has_value());

    // share/demix/templates complete, bin/templates missing keys: share wins.
    for (const auto& f : defaultSetFiles((root.path / "prefix" / "share" / "demix" / "templates").string()))
        touch(f);
    for (const char* n : {"drums", "bass", "voice"}) touch(root.path / "prefix" / "bin" / "templates" / (std::string(n) + ".dmxt"));
    auto found = findDefaultSet(candidates);
    REQUIRE(found.has_value());
    CHECK(fs::equivalent(*found, root.path / "prefix" / "share" / "demix" / "templates"));

    // Once bin/templates is complete it comes first.
    touch(root.path / "prefix" / "bin" / "templates" / "keys.dmxt");
    found = findDefaultSet(candidates);
    REQUIRE(found.has_value());
    CHECK(fs::equivalent(*found, root.path / "prefix" / "bin" / "templates"));

    const auto message = defaultSetMissingMessage({"/nowhere/a", "/nowhere/b"});
    CHECK(message.find("no default template set found") != std::string::npos);
    CHECK(message.find("'/nowhere/a', '/nowhere/b'") != std::string::npos);
    CHECK(message.find("keys.dmxt") != std::string::npos);
    CHECK(message.find("DEMIX_TEMPLATES") != std::string::npos);
}

TEST_CASE("stem selection: every source, the residual written as other", "[default-set]") {
    const std::vector<std::string> sources = {"drums", "bass", "keys", "voice", "residual"};
    const auto all = selectStems(sources, "residual", {});
    CHECK(all.names == std::vector<std::string>{"drums", "bass", "keys", "voice", "other"});
    CHECK(all.target == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("stem selection: a subset, the sources left out added to other", "[default-set]") {
    const std::vector<std::string> sources = {"drums", "bass", "keys", "voice", "residual"};
    const auto sel = selectStems(sources, "residual", {"bass", "other", "drums"});
    CHECK(sel.names == std::vector<std::string>{"bass", "other", "drums"});
    CHECK(sel.target == std::vector<int>{2, 0, 1, 1, 1});
    // other is written even when not asked for, so the stems still sum to the mix.
    const auto noOther = selectStems(sources, "residual", {"voice"});
    CHECK(noOther.names == std::vector<std::string>{"voice", "other"});
    CHECK(noOther.target == std::vector<int>{1, 1, 1, 0, 1});

    const std::vector<Stem> stems = {constantStem("drums", 1.0f), constantStem("bass", 2.0f),
                                     constantStem("keys", 4.0f), constantStem("voice", 8.0f),
                                     constantStem("residual", 16.0f)};
    const auto out = applyStemSelection(stems, sel);
    REQUIRE(out.size() == 3);
    CHECK(out[0].name == "bass");
    CHECK(out[0].audio.channels[0] == std::vector<float>(4, 2.0f));
    CHECK(out[1].name == "other");
    CHECK(out[1].audio.channels[0] == std::vector<float>(4, 28.0f));
    CHECK(out[1].audio.channels[1] == std::vector<float>(4, -28.0f));
    CHECK(out[2].audio.channels[0] == std::vector<float>(4, 1.0f));

    CHECK_THROWS_WITH(selectStems(sources, "residual", {"drums", "piano"}),
                      "no stem 'piano' (the stems are drums, bass, keys, voice, other)");
    CHECK_THROWS_WITH(selectStems(sources, "residual", {"drums", "drums"}),
                      "stem 'drums' is asked for twice");
    CHECK_THROWS_AS(selectStems(sources, "residual", {"residual"}), InvalidArgument);
    CHECK_THROWS_AS(applyStemSelection({stems[0]}, sel), InvalidArgument);
    std::vector<Stem> ragged = stems;
    ragged[4] = constantStem("residual", 1.0f, 5);
    CHECK_THROWS_AS(applyStemSelection(ragged, sel), InvalidArgument);
}

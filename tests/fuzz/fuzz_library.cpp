// Fuzz target: the template library loader (TemplateLibrary::deserialize, the parser and
// checks behind TemplateLibrary::load and the plugin's state).
//
// Every input is parsed twice: as it is (the header, size and checksum checks), and with
// its CRC-32 recomputed so that mutations of the payload reach the field checks. A library
// that loads must save (serialize) and load again to the same bytes: what Demix accepts
// it can also write, and nothing is lost or invented on the way.

#include "fuzz_support.hpp"

#include <demix/template_library.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

constexpr std::size_t kPayloadOffset = 8 + 4 + 8;  // magic | u32 version | u64 payload size

void parse(const std::uint8_t* data, std::size_t size)
{
    demix::TemplateLibrary library;
    try {
        library = demix::TemplateLibrary::deserialize(data, size);
    } catch (const demix::LibraryError&) {
        return;  // refused with a message: the expected outcome for garbage
    }
    std::vector<std::uint8_t> saved, again;
    try {
        saved = library.serialize();
        again = demix::TemplateLibrary::deserialize(saved.data(), saved.size()).serialize();
    } catch (const demix::LibraryError& e) {
        std::fprintf(stderr, "a loaded library does not save and load again: %s\n", e.what());
        std::abort();
    }
    if (saved != again) {
        std::fprintf(stderr, "a loaded library changes when saved and loaded again\n");
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    parse(data, size);
    const auto fixed = demix::fuzz::withFixedCrc(data, size, kPayloadOffset);
    if (!fixed.empty())
        parse(fixed.data(), fixed.size());
    return 0;
}

// demix: the command-line face of the Demix separation engine.
#include "commands.hpp"

int main(int argc, char** argv) {
    return demix::cli::runMain(demix::cli::Arguments(argv + 1, argv + argc));
}

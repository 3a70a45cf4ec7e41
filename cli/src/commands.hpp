#pragma once
/// \file commands.hpp
/// The `demix` commands. Each takes the arguments after its name and returns the exit
/// status (0 ok, 1 processing failure, 2 bad usage/input); errors are thrown as CliError.

#include <string>
#include <vector>

namespace demix::cli {

using Arguments = std::vector<std::string>;

int runLearn(const Arguments& args);
int runSeparate(const Arguments& args);
/// `demix separate --realtime ...` (runSeparate dispatches to it).
int runSeparateRealtime(const Arguments& args);
int runBatch(const Arguments& args);
int runInfo(const Arguments& args);
int runEvaluate(const Arguments& args);

/// The whole program: dispatches to a command, catches every error, prints it as
/// "demix: error: ..." and returns the exit status.
int runMain(const Arguments& args);

std::string versionText();
const char* mainHelp();

}  // namespace demix::cli

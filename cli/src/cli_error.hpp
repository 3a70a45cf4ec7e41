#pragma once
/// \file cli_error.hpp
/// Errors of the `demix` command and the exit status each one maps to.
///
/// Exit status contract: 0 success, 1 processing failure, 2 bad usage or bad input.
/// Every message names the file (or option) concerned and what is wrong with it.

#include <stdexcept>
#include <string>

namespace demix::cli {

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitBadInput = 2 };

/// Base of every error the command reports; carries its exit status.
class CliError : public std::runtime_error {
public:
    CliError(int exitCode, const std::string& message)
        : std::runtime_error(message), exitCode_(exitCode) {}
    int exitCode() const noexcept { return exitCode_; }

private:
    int exitCode_;
};

/// Wrong command line: unknown option, missing value, contradictory options (exit 2).
class UsageError : public CliError {
public:
    explicit UsageError(const std::string& message) : CliError(kExitBadInput, message) {}
};

/// An input that cannot be used: missing/unreadable/corrupt file, NaN samples,
/// incompatible library, unwritable output folder (exit 2).
class InputError : public CliError {
public:
    explicit InputError(const std::string& message) : CliError(kExitBadInput, message) {}
};

/// The work itself failed (engine error, disk full while writing, ...) (exit 1).
class ProcessingError : public CliError {
public:
    explicit ProcessingError(const std::string& message) : CliError(kExitFailure, message) {}
};

/// 'path' in quotes, for messages.
inline std::string inQuotes(const std::string& path) { return "'" + path + "'"; }

}  // namespace demix::cli

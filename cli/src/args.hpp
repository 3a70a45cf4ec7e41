#pragma once
/// \file args.hpp
/// A small command-line reader: options as `--name value`, `--name=value` or `-k value`,
/// everything else positional. Unknown options are reported as UsageError by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace demix::cli {

class Args {
public:
    explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}

    bool done() const { return pos_ >= args_.size(); }
    /// The next token; an option token `--x=v` is split and its value kept for value().
    std::string next();
    /// True if the token returned by the last next() is an option (starts with '-' and
    /// is not a lone "-" or a number).
    static bool isOption(const std::string& token);
    /// The value of the option just read (from `=v` or the following token).
    std::string value(const std::string& option);

    int intValue(const std::string& option, int min, int max);
    std::uint64_t uintValue(const std::string& option);
    double doubleValue(const std::string& option, double min, double max);
    /// Like doubleValue, but the value may also be the word `word`, which gives `wordValue`.
    double doubleValue(const std::string& option, double min, double max,
                       const std::string& word, double wordValue);

private:
    std::vector<std::string> args_;
    std::size_t pos_ = 0;
    std::optional<std::string> inlineValue_;
};

}  // namespace demix::cli

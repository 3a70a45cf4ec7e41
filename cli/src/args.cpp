#include "args.hpp"

#include "cli_error.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace demix::cli {

bool Args::isOption(const std::string& token) {
    if (token.size() < 2 || token[0] != '-') return false;
    const char c = token[1];
    return !(c >= '0' && c <= '9') && c != '.';
}

std::string Args::next() {
    inlineValue_.reset();
    std::string token = args_[pos_++];
    if (token.rfind("--", 0) == 0) {
        const auto eq = token.find('=');
        if (eq != std::string::npos) {
            inlineValue_ = token.substr(eq + 1);
            token = token.substr(0, eq);
        }
    }
    return token;
}

std::string Args::value(const std::string& option) {
    if (inlineValue_) {
        std::string v = *inlineValue_;
        inlineValue_.reset();
        if (v.empty()) throw UsageError("option " + option + "= needs a value after '='");
        return v;
    }
    if (done()) throw UsageError("option " + option + " needs a value");
    return args_[pos_++];
}

int Args::intValue(const std::string& option, int min, int max) {
    const std::string text = value(option);
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("option " + option + " needs a whole number, not '" + text + "'");
    if (v < min || v > max)
        throw UsageError("option " + option + " must be between " + std::to_string(min) +
                         " and " + std::to_string(max) + ", not " + text);
    return static_cast<int>(v);
}

std::uint64_t Args::uintValue(const std::string& option) {
    const std::string text = value(option);
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE)
        throw UsageError("option " + option + " needs a non-negative whole number, not '" +
                         text + "'");
    return static_cast<std::uint64_t>(v);
}

namespace {

double parseNumber(const std::string& option, const std::string& text, double min, double max) {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
        throw UsageError("option " + option + " needs a number, not '" + text + "'");
    if (v < min || v > max)
        throw UsageError("option " + option + " must be between " + std::to_string(min) +
                         " and " + std::to_string(max) + ", not " + text);
    return v;
}

}  // namespace

double Args::doubleValue(const std::string& option, double min, double max) {
    return parseNumber(option, value(option), min, max);
}

double Args::doubleValue(const std::string& option, double min, double max,
                         const std::string& word, double wordValue) {
    const std::string text = value(option);
    if (text == word) return wordValue;
    try {
        return parseNumber(option, text, min, max);
    } catch (const UsageError& e) {
        throw UsageError(std::string(e.what()) + " (or '" + word + "')");
    }
}

}  // namespace demix::cli

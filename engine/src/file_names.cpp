// Name rules, file identity and printable text (see file_names.hpp).
#include "demix/file_names.hpp"

#include <cstdint>
#include <cstdio>
#include <sys/stat.h>

#if defined(_WIN32)
#include <filesystem>
#include <system_error>
#endif

namespace demix {
namespace {

/// Length of the valid UTF-8 sequence starting at s[i] (and its code point), or 0.
std::size_t utf8Sequence(const std::string& s, std::size_t i, std::uint32_t& cp) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0u) != 0x80u) return 0;
        cp = (cp << 6) | (b(k) & 0x3Fu);
    }
    // Overlong forms, surrogates and code points beyond U+10FFFF are not valid UTF-8.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool isControl(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

/// "" or the problem with the encoding / control characters of `name`.
std::string encodingProblem(const std::string& name) {
    for (std::size_t i = 0; i < name.size();) {
        std::uint32_t cp = 0;
        const std::size_t n = utf8Sequence(name, i, cp);
        if (n == 0) return "is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
        if (isControl(cp)) return "contains a control character (byte " + std::to_string(i + 1) + ")";
        i += n;
    }
    return {};
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool isWindowsDeviceName(const std::string& name) {
    std::string stem;
    for (char c : name) {
        if (c == '.') break;
        stem += lower(c);
    }
    while (!stem.empty() && stem.back() == ' ') stem.pop_back();
    if (stem == "con" || stem == "prn" || stem == "aux" || stem == "nul") return true;
    return stem.size() == 4 && (stem.compare(0, 3, "com") == 0 || stem.compare(0, 3, "lpt") == 0) &&
           stem[3] >= '1' && stem[3] <= '9';
}

}  // namespace

std::string sourceNameProblem(const std::string& name) {
    if (name.empty()) return "is empty";
    if (name.size() > kMaxSourceNameBytes)
        return "is longer than " + std::to_string(kMaxSourceNameBytes) + " bytes";
    std::string problem = encodingProblem(name);
    if (!problem.empty()) return problem;
    for (char c : name)
        if (c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
            c == '>' || c == '|')
            return std::string("contains '") + c + "', which file names cannot hold on every system";
    if (name.front() == '.') return "starts with '.' (the stem would be a hidden file)";
    if (name.front() == ' ' || name.back() == ' ' || name.back() == '.')
        return "starts or ends with a space or ends with '.' (Windows drops them from file names)";
    if (isWindowsDeviceName(name)) return "is a device name on Windows";
    return {};
}

std::string portableSourceName(const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        std::uint32_t cp = 0;
        const std::size_t n = utf8Sequence(name, i, cp);
        const bool forbidden = n == 1 && std::string("/\\:*?\"<>|").find(name[i]) != std::string::npos;
        if (n == 0 || isControl(cp) || forbidden) {
            out += '-';
            i += n == 0 ? 1 : n;
            continue;
        }
        if (out.size() + n > kMaxSourceNameBytes) break;
        out.append(name, i, n);
        i += n;
    }
    const auto first = out.find_first_not_of(". ");
    out = first == std::string::npos ? std::string() : out.substr(first);
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    if (out.size() > kMaxSourceNameBytes) out.resize(kMaxSourceNameBytes);  // only '-'s
    if (out.empty()) return "source";
    if (isWindowsDeviceName(out)) out.insert(out.begin(), '_');
    return out;
}

std::string plainNameProblem(const std::string& name) {
    if (name.empty()) return "is empty";
    if (name == "." || name == "..") return "would name the folder itself or its parent";
    for (char c : name)
        if (c == '/' || c == '\\') return "contains a path separator";
    return encodingProblem(name);
}

std::string fileNameKey(const std::string& name) {
    std::string key = name;
    for (char& c : key) c = lower(c);
    return key;
}

std::string printable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t cp = 0;
        const std::size_t n = utf8Sequence(text, i, cp);
        if (n == 0 || isControl(cp)) {
            const std::size_t bytes = n == 0 ? 1 : n;
            for (std::size_t k = 0; k < bytes; ++k) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(text[i + k]));
                out += hex;
            }
            i += bytes;
        } else {
            out.append(text, i, n);
            i += n;
        }
    }
    return out;
}

std::string fileIdentity(const std::string& path) {
    if (path.empty()) return {};
#if defined(_WIN32)
    std::error_code error;
    const auto canonical = std::filesystem::canonical(path, error);
    return error ? std::string() : canonical.string();
#else
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
           std::to_string(static_cast<unsigned long long>(st.st_ino));
#endif
}

bool sameFile(const std::string& a, const std::string& b) {
#if defined(_WIN32)
    // No inode numbers in stat() there; the file system compares file IDs.
    std::error_code error;
    return !a.empty() && !b.empty() && std::filesystem::equivalent(a, b, error) && !error;
#endif
    struct stat sa {}, sb {};
    if (a.empty() || b.empty() || ::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string inputFileProblem(const std::string& path) {
    struct stat st {};
    if (path.empty()) return "no file name given";
    if (::stat(path.c_str(), &st) != 0) return "file not found";
    if (S_ISDIR(st.st_mode)) return "is a folder, not a file";
#if defined(S_ISFIFO)
    if (S_ISFIFO(st.st_mode)) return "is a FIFO (named pipe), not a regular file";
#endif
#if defined(S_ISSOCK)
    if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
#endif
    if (!S_ISREG(st.st_mode)) return "is a device or other special file, not a regular file";
    return {};
}

}  // namespace demix

#pragma once
/// \file file_names.hpp
/// Rules for names that become file names (library source names → stem files, batch
/// inputs → output folders), file identity (is an output the same file as an input?) and
/// printable forms of untrusted text for messages. One place for every face.
///
/// Thread-safety: free functions without shared state.

#include <string>

namespace demix {

/// Longest source name, in bytes: with ".wav" (or the app's "<mix>-<name>.wav") it still
/// fits the 255-byte file name limit of common file systems.
constexpr std::size_t kMaxSourceNameBytes = 200;

/// Why `name` cannot be a library source name, or "" if it can. A source name becomes a
/// stem's file name on any OS the library travels to, so it must be: 1 to
/// kMaxSourceNameBytes bytes of valid UTF-8 (shortest forms, no surrogates); without
/// control characters (U+0000–U+001F, U+007F–U+009F); without / \ : * ? " < > |; not
/// starting with '.' (a hidden file) or a space, not ending with '.' or a space (Windows
/// drops them); and not a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with
/// or without an extension, any case).
std::string sourceNameProblem(const std::string& name);

/// `name` made to pass sourceNameProblem (for a face whose users type free text, e.g. a
/// plugin slot's label): invalid bytes, control and forbidden characters become '-',
/// leading dots and spaces and trailing dots and spaces are dropped, the length is cut
/// at a character boundary, a device name gets a leading '_'; "source" if nothing is left.
std::string portableSourceName(const std::string& name);

/// Why `name` (a folder name derived from an input file's name) is not a plain name
/// inside its parent folder, or "" if it is: empty, "." or "..", containing / or \, a
/// control character or invalid UTF-8. Looser than sourceNameProblem: it is the local
/// name of an existing file.
std::string plainNameProblem(const std::string& name);

/// The key under which two names map to the same file on a case-insensitive file
/// system (macOS, Windows): ASCII letters folded to lower case. Names with equal keys
/// would overwrite each other's stems.
std::string fileNameKey(const std::string& name);

/// `text` with every byte of a control character or of invalid UTF-8 written as \xNN, so
/// a message or listing never carries raw terminal escape sequences.
std::string printable(const std::string& text);

/// A key naming the existing file at `path` (device and inode after resolving symbolic
/// links; on Windows the canonical path), equal for two paths to one file; "" if `path`
/// does not exist.
std::string fileIdentity(const std::string& path);

/// True if both paths name one existing file: the same device and inode after resolving
/// symbolic links (a hard link or a link through a folder symlink counts). False when
/// either does not exist.
bool sameFile(const std::string& a, const std::string& b);

/// Why `path` cannot be opened as an input file, or "" if it can: missing, a folder, or
/// not a regular file (a FIFO, socket or device would block or never end). Checked
/// before opening, so a FIFO is never opened for reading.
std::string inputFileProblem(const std::string& path);

}  // namespace demix

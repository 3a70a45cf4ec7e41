#pragma once
/// \file interrupt.hpp
/// Ctrl-C / SIGTERM handling: the first signal asks the running work to stop at the next
/// progress callback or written block (temporary files are removed, no half stem is
/// left); a second one ends the program at once (default action).

namespace demix::cli {

/// Installs the SIGINT/SIGTERM handlers (once, from main).
void installInterruptHandlers();

/// True once an interrupt was requested. Async-signal-safe to set, cheap to read.
bool interrupted() noexcept;

/// Throws ProcessingError("... interrupted") naming `what` if interrupted() is true.
void throwIfInterrupted(const char* what);

}  // namespace demix::cli

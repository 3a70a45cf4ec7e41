#pragma once
/// \file version.hpp
namespace demix {
/// The engine's version, "MAJOR.MINOR.PATCH".
const char* versionString() noexcept;
}  // namespace demix

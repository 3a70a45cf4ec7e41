#include "demix/version.hpp"

namespace demix {
const char* versionString() noexcept { return DEMIX_VERSION; }
}  // namespace demix

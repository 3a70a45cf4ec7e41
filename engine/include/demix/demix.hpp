#pragma once
/// \file demix.hpp
/// The whole public API of the Demix engine.
#include "demix/masks.hpp"
#include "demix/nmf.hpp"
#include "demix/separator.hpp"
#include "demix/stft.hpp"
#include "demix/streaming_separator.hpp"
#include "demix/template_library.hpp"
#include "demix/types.hpp"
#include "demix/version.hpp"

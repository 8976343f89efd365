// Identifiers: request ids (UUID v4 text, as SCF returns them).
#pragma once

#include <string>

namespace yunfn {

// A random UUID v4 in the canonical 8-4-4-4-12 lowercase form.
std::string new_request_id();

}  // namespace yunfn

// Identifiers: request ids (UUID v4 text, as SCF returns them).
#pragma once

#include <string>
#include <string_view>

namespace yunfn {

// A random UUID v4 in the canonical 8-4-4-4-12 lowercase form.
std::string new_request_id();
// A request id (8-4-4-4-12 lowercase hex) derived from `seed`: the same seed
// gives the same id, so an event handed over twice is recognised as one.
std::string request_id_from(std::string_view seed);

}  // namespace yunfn

// The JSON type used on control paths (nlohmann::json) and small helpers.
// Pure functions; any thread.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace yunfn {
using Json = nlohmann::json;

// Whether a JSON text opens more than `limit` arrays/objects at once (brackets
// inside strings do not count): deeper bodies than any request needs only
// cost memory to parse. Malformed text is left to the parser.
bool json_nesting_exceeds(std::string_view text, int limit);

}  // namespace yunfn

// The JSON type used on control paths (nlohmann::json) and small helpers.
#pragma once

#include <nlohmann/json.hpp>

namespace yunfn {
using Json = nlohmann::json;
}  // namespace yunfn

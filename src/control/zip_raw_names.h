// Entry names read straight from a zip's central directory. libzip hands names
// out as C strings, so a NUL byte inside a name would go unseen (the name is
// cut, or shown with the NUL replaced); the package check looks at the raw
// bytes here. Pure function; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yunfn::control {

// The first central-directory entry name that contains a NUL byte, if any.
// An archive whose directory cannot be walked yields nullopt: libzip then
// judges it.
std::optional<std::string> find_entry_name_with_nul(std::string_view zip);

}  // namespace yunfn::control

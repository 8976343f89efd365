// UTF-8 validity for text that comes from functions (logs, results): stored
// and returned text is always valid UTF-8, so every JSON answer can carry it.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace yunfn {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with each byte that is not part of a well-formed UTF-8 sequence
// replaced by U+FFFD (the replacement character), as Python's
// errors="replace" decoding does. Valid text is moved back unchanged (no copy).
std::string valid_utf8(std::string text);

}  // namespace yunfn

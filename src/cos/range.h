// HTTP Range headers of object reads ("bytes=a-b", "bytes=a-", "bytes=-n").
// One range per request, as COS serves. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace yunfn::cos {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// The range `header` asks for in an object of `size` bytes. nullopt: serve the
// whole object (no header, or a header this parser ignores as HTTP allows:
// another unit, several ranges). Error InvalidRange (416) when the range
// starts past the end or is empty.
Result<std::optional<ByteRange>> parse_range(std::string_view header, uint64_t size);

}  // namespace yunfn::cos

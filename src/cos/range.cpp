#include "cos/range.h"

#include <charconv>

namespace yunfn::cos {
namespace {

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Error invalid_range() { return Error{"InvalidRange", "The requested range is not satisfiable"}; }

}  // namespace

Result<std::optional<ByteRange>> parse_range(std::string_view header, uint64_t size) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return std::optional<ByteRange>();
  std::string_view spec = header.substr(kPrefix.size());
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  auto first = number(spec.substr(0, dash));
  auto last = number(spec.substr(dash + 1));
  if (!first) {
    // "bytes=-n": the last n bytes.
    if (!last) return std::optional<ByteRange>();
    if (*last == 0 || size == 0) return invalid_range();
    const uint64_t n = std::min(*last, size);
    return std::optional<ByteRange>(ByteRange{size - n, size - 1});
  }
  if (!spec.substr(dash + 1).empty() && !last) return std::optional<ByteRange>();
  if (last && *last < *first) return std::optional<ByteRange>();
  if (*first >= size) return invalid_range();
  const uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return std::optional<ByteRange>(ByteRange{*first, end});
}

}  // namespace yunfn::cos

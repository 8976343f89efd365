#include "cos/names.h"

#include <cctype>

namespace yunfn::cos {
namespace {

constexpr size_t kMaxBucketNameChars = 50;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Error invalid_bucket(std::string_view bucket, const char* why) {
  return Error{"InvalidBucketName",
               "The specified bucket name \"" + std::string(bucket) + "\" is not valid: " + why};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status check_bucket_name(std::string_view bucket) {
  const auto dash = bucket.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == bucket.size())
    return invalid_bucket(bucket, "it must be <name>-<appid>");
  std::string_view name = bucket.substr(0, dash);
  std::string_view appid = bucket.substr(dash + 1);
  for (char c : appid) {
    if (c < '0' || c > '9') return invalid_bucket(bucket, "the appid must be digits");
  }
  if (name.size() > kMaxBucketNameChars)
    return invalid_bucket(bucket, "the name before the appid is longer than 50 characters");
  if (name.front() == '-' || name.back() == '-')
    return invalid_bucket(bucket, "the name cannot start or end with '-'");
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-')
      return invalid_bucket(bucket, "only lowercase letters, digits and '-' are allowed");
  }
  return ok_status();
}

Status check_object_key(std::string_view key) {
  if (key.empty()) return Error{"InvalidArgument", "The object key is empty"};
  if (key.size() > kMaxKeyBytes)
    return Error{"KeyTooLong", "Your key is too long: " + std::to_string(key.size()) +
                                   " bytes, at most 850 are allowed"};
  if (key.find('\0') != std::string_view::npos)
    return Error{"InvalidArgument", "The object key contains a NUL byte"};
  if (key.front() == '/')
    return Error{"InvalidArgument", "The object key starts with '/' (an empty path segment)"};
  if (key.find("//") != std::string_view::npos)
    return Error{"InvalidArgument", "The object key contains an empty path segment (//)"};
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment == "." || segment == "..")
      return Error{"InvalidArgument", "The object key contains a '.' or '..' path segment"};
    start = end + 1;
  }
  return ok_status();
}

std::string uri_decode(std::string_view text, Plus plus) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else if (plus == Plus::kSpace && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<QueryParam> parse_query(std::string_view query) {
  std::vector<QueryParam> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    QueryParam p;
    const auto eq = item.find('=');
    p.raw_name = std::string(item.substr(0, eq));
    if (eq != std::string_view::npos) {
      p.raw_value = std::string(item.substr(eq + 1));
      p.has_value = true;
    }
    p.name = uri_decode(p.raw_name, Plus::kSpace);
    p.value = uri_decode(p.raw_value, Plus::kSpace);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace yunfn::cos

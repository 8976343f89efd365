#include "runtime/runtime_frames.h"

namespace yunfn::runtime::frames {

void append(std::string& out, char type, std::string_view payload) {
  const auto size = static_cast<uint32_t>(payload.size() + 1);
  const char header[kHeaderBytes] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                                     static_cast<char>(size >> 8), static_cast<char>(size)};
  out.append(header, kHeaderBytes);
  out.push_back(type);
  out.append(payload);
}

std::string event(std::string_view request_id, int memory_mb, int64_t timeout_ms, std::string_view body) {
  std::string payload;
  payload.reserve(request_id.size() + body.size() + 24);
  payload.append(request_id).push_back('\n');
  payload.append(std::to_string(memory_mb)).push_back('\n');
  payload.append(std::to_string(timeout_ms)).push_back('\n');
  payload.append(body);
  std::string out;
  out.reserve(payload.size() + kHeaderBytes + 1);
  append(out, kEvent, payload);
  return out;
}

uint32_t announced_size(const char* header) {
  const auto* b = reinterpret_cast<const unsigned char*>(header);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

}  // namespace yunfn::runtime::frames

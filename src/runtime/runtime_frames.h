// The framed runtime channel (docs/runtime-protocol.md): what the built-in
// runtimes speak on a socket pair instead of the HTTP runtime API. A frame is a
// 4-byte big-endian length, then that many bytes: one type byte and a payload.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yunfn::runtime::frames {

// Frame types. The runtime sends the lower-case init frames and the result
// frames; the platform sends events.
inline constexpr char kInitReady = 'r';
inline constexpr char kInitError = 'i';  // payload: error JSON
inline constexpr char kResponse = 'R';   // payload: the result JSON
inline constexpr char kError = 'E';      // payload: error JSON
inline constexpr char kEvent = 'N';      // payload: request id, memory MB, timeout ms (one per line), event
// The runtime is ending (after a result it could still send, e.g. PHP's fatal
// errors): no further event may go to it. Empty payload.
inline constexpr char kExiting = 'x';

inline constexpr size_t kHeaderBytes = 4;

// Appends one frame to `out`.
void append(std::string& out, char type, std::string_view payload);
// An event frame.
std::string event(std::string_view request_id, int memory_mb, int64_t timeout_ms, std::string_view body);

// The size announced by a frame header (type byte and payload); `header` holds
// at least kHeaderBytes bytes.
uint32_t announced_size(const char* header);

}  // namespace yunfn::runtime::frames

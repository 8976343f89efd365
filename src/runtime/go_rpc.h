// GoRpcCodec: the client side of the net/rpc exchange that functions built on
// scf-go-lib serve (scf-contract.md section 6.3): `Function.Ping` and
// `Function.Invoke`, gob-encoded (gob.h) on one TCP connection. A call is an
// rpc.Request header {ServiceMethod, Seq} and the argument; a reply is an
// rpc.Response header {ServiceMethod, Seq, Error} and the result. Type
// definitions go out once per connection, before their first use.
// One codec per connection; used by one thread (the Go runtime adapter).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/gob.h"

namespace yunfn::runtime {

// scf-go-lib's messages.InvokeRequest (field names as Go has them).
struct GoInvokeRequest {
  std::string payload;  // the event JSON
  std::string request_id;
  int64_t deadline_s = 0;  // Unix time the invocation must end by
  int64_t deadline_ns = 0;
  std::string invoked_function_unique;
  std::string ns;
  std::string function_name;
  std::string function_version;
  int32_t memory_mb = 0;
  int32_t timeout_ms = 0;
  std::string environment;  // JSON object of the function's variables
  std::string region;
  std::string app_id;
  std::string uin;
};

// messages.InvokeResponse_Error_StackFrame
struct GoStackFrame {
  std::string path;
  int64_t line = 0;
  std::string label;
};

// messages.InvokeResponse_Error: what the handler returned or panicked with.
struct GoInvokeError {
  std::string message;
  std::string type;
  std::vector<GoStackFrame> stack;
  bool should_exit = false;  // a panic: the process must not serve again
};

// One reply. `rpc_error` is net/rpc's own error (an unknown method, say).
struct GoRpcReply {
  uint64_t seq = 0;
  std::string rpc_error;
  std::string payload;  // Invoke: the result JSON
  std::optional<GoInvokeError> error;
};

class GoRpcCodec {
 public:
  // The bytes of a call; each takes the next sequence number.
  std::string ping();
  std::string invoke(const GoInvokeRequest& req);
  uint64_t last_seq() const { return seq_; }

  // Received bytes of the connection.
  void feed(const char* data, size_t n) { decoder_.feed(data, n); }
  // The next complete reply; nullopt when more bytes are needed.
  Result<std::optional<GoRpcReply>> next_reply();

 private:
  std::string header(std::string_view method);

  uint64_t seq_ = 0;
  bool header_type_sent_ = false;
  bool ping_type_sent_ = false;
  bool invoke_type_sent_ = false;
  gob::Decoder decoder_;
  std::optional<gob::Value> reply_header_;  // a header whose body has not arrived
};

}  // namespace yunfn::runtime

#include "runtime/go_rpc.h"

namespace yunfn::runtime {
namespace {

// The ids this client gives its types on a connection.
constexpr int64_t kRequestType = gob::kFirstUserId + 1;  // net/rpc's Request header
constexpr int64_t kPingType = kRequestType + 1;
constexpr int64_t kInvokeType = kRequestType + 2;
constexpr int64_t kTimestampType = kRequestType + 3;

}  // namespace

std::string GoRpcCodec::header(std::string_view method) {
  std::string out;
  if (!header_type_sent_) {
    out = gob::struct_type_message(kRequestType, "Request",
                                   {{"ServiceMethod", gob::kString}, {"Seq", gob::kUint}});
    header_type_sent_ = true;
  }
  gob::StructWriter w;
  w.bytes_field(0, method);
  w.uint_field(1, ++seq_);
  out += w.message(kRequestType);
  return out;
}

std::string GoRpcCodec::ping() {
  std::string out = header("Function.Ping");
  if (!ping_type_sent_) {
    out += gob::struct_type_message(kPingType, "PingRequest", {});
    ping_type_sent_ = true;
  }
  out += gob::StructWriter().message(kPingType);
  return out;
}

std::string GoRpcCodec::invoke(const GoInvokeRequest& req) {
  std::string out = header("Function.Invoke");
  if (!invoke_type_sent_) {
    out += gob::struct_type_message(kTimestampType, "InvokeRequest_Timestamp",
                                    {{"Seconds", gob::kInt}, {"Nanos", gob::kInt}});
    // The fields scf-go-lib reads; TraceId, ClientContext and FunctionTrace
    // stay unset, so they are not described either.
    out += gob::struct_type_message(kInvokeType, "InvokeRequest",
                                    {{"Payload", gob::kBytes},
                                     {"RequestId", gob::kString},
                                     {"Deadline", kTimestampType},
                                     {"InvokedFunctionUnique", gob::kString},
                                     {"Namespace", gob::kString},
                                     {"FunctionName", gob::kString},
                                     {"FunctionVersion", gob::kString},
                                     {"MemoryLimitInMb", gob::kInt},
                                     {"TimeLimitInMs", gob::kInt},
                                     {"Environment", gob::kString},
                                     {"TencentcloudRegion", gob::kString},
                                     {"TencentcloudAppID", gob::kString},
                                     {"TencentcloudUin", gob::kString}});
    invoke_type_sent_ = true;
  }
  gob::StructWriter w;
  w.bytes_field(0, req.payload);
  w.bytes_field(1, req.request_id);
  w.begin_struct(2);  // a struct field is always sent, even when zero
  w.int_field(0, req.deadline_s);
  w.int_field(1, req.deadline_ns);
  w.end();
  w.bytes_field(3, req.invoked_function_unique);
  w.bytes_field(4, req.ns);
  w.bytes_field(5, req.function_name);
  w.bytes_field(6, req.function_version);
  w.int_field(7, req.memory_mb);
  w.int_field(8, req.timeout_ms);
  w.bytes_field(9, req.environment);
  w.bytes_field(10, req.region);
  w.bytes_field(11, req.app_id);
  w.bytes_field(12, req.uin);
  out += w.message(kInvokeType);
  return out;
}

Result<std::optional<GoRpcReply>> GoRpcCodec::next_reply() {
  if (!reply_header_) {
    YUNFN_TRY(head, decoder_.next());
    if (!head) return std::optional<GoRpcReply>();
    if (head->kind != gob::Value::Kind::kStruct) {
      return make_error(errc::kInternalError, "the RPC reply header is not a struct");
    }
    reply_header_ = std::move(*head);
  }
  YUNFN_TRY(body, decoder_.next());
  if (!body) return std::optional<GoRpcReply>();
  GoRpcReply reply;
  reply.seq = reply_header_->field("Seq").as_uint();
  reply.rpc_error = reply_header_->field("Error").bytes;
  reply_header_.reset();
  reply.payload = body->field("Payload").bytes;
  const gob::Value& e = body->field("Error");
  if (e.kind == gob::Value::Kind::kStruct) {
    GoInvokeError err;
    err.message = e.field("Message").bytes;
    err.type = e.field("Type").bytes;
    err.should_exit = e.field("ShouldExit").as_bool();
    for (const gob::Value& f : e.field("StackTrace").items) {
      err.stack.push_back(
          {f.field("Path").bytes, f.field("Line").as_int(), f.field("Label").bytes});
    }
    reply.error = std::move(err);
  }
  return std::optional<GoRpcReply>(std::move(reply));
}

}  // namespace yunfn::runtime

// Tests for the gob codec (runtime/gob.h) and the scf-go-lib RPC messages
// (runtime/go_rpc.h). The golden stream below is what Go 1.19's encoding/gob
// wrote for two net/rpc replies of scf-go-lib's Function.Invoke (a panic with
// one stack frame, then a result), so the decoder is checked against Go itself.
#include "runtime/gob.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/go_adapter.h"
#include "runtime/go_executable.h"
#include "runtime/go_rpc.h"

namespace yunfn::runtime {
namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// rpc.Response{Function.Invoke, 2}, InvokeResponse{Error: {boom, string, ShouldExit,
// [{main.go, 300, main.hello}]}}, rpc.Response{Function.Invoke, 3}, InvokeResponse{"hi"}.
constexpr std::string_view kGoReplies =
    "3aff8103010108526573706f6e736501ff82000103010d536572766963654d6574686f64010c0001035365710106"
    "0001054572726f72010c00000016ff82010f46756e6374696f6e2e496e766f6b6501020033ff830301010e496e76"
    "6f6b65526573706f6e736501ff8400010201075061796c6f6164010a0001054572726f7201ff8600000056ff8503"
    "010114496e766f6b65526573706f6e73655f4572726f7201ff8600010401074d657373616765010c000104547970"
    "65010c00010a537461636b547261636501ff8a00010a53686f756c644578697401020000003aff890201012b5b5d"
    "2a6d657373616765732e496e766f6b65526573706f6e73655f4572726f725f537461636b4672616d6501ff8a0001"
    "ff88000028ff87030102ff88000103010450617468010c0001044c696e6501040001054c6162656c010c00000031"
    "ff84020104626f6f6d0106737472696e67010101076d61696e2e676f01fe0258010a6d61696e2e68656c6c6f0001"
    "01000016ff82010f46756e6374696f6e2e496e766f6b6501030009ff8401042268692200";

TEST(Gob, NumbersUseGoEncoding) {
  std::string out;
  gob::append_uint(out, 7);
  gob::append_uint(out, 256);
  gob::append_int(out, -1);
  gob::append_int(out, 65);
  gob::append_int(out, -65);
  EXPECT_EQ(out, unhex("07"
                       "fe0100"
                       "01"
                       "ff82"
                       "ff81"));
}

TEST(Gob, DecodesGoRepliesFedByteByByte) {
  const std::string stream = unhex(kGoReplies);
  GoRpcCodec codec;
  std::vector<GoRpcReply> replies;
  for (char c : stream) {
    codec.feed(&c, 1);
    for (;;) {
      auto r = codec.next_reply();
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (!*r) break;
      replies.push_back(std::move(**r));
    }
  }
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].seq, 2u);
  EXPECT_EQ(replies[0].rpc_error, "");
  ASSERT_TRUE(replies[0].error.has_value());
  EXPECT_EQ(replies[0].error->message, "boom");
  EXPECT_EQ(replies[0].error->type, "string");
  EXPECT_TRUE(replies[0].error->should_exit);
  ASSERT_EQ(replies[0].error->stack.size(), 1u);
  EXPECT_EQ(replies[0].error->stack[0].path, "main.go");
  EXPECT_EQ(replies[0].error->stack[0].line, 300);
  EXPECT_EQ(replies[0].error->stack[0].label, "main.hello");
  EXPECT_EQ(replies[1].seq, 3u);
  EXPECT_FALSE(replies[1].error.has_value());
  EXPECT_EQ(replies[1].payload, "\"hi\"");
}

TEST(Gob, EncoderOutputDecodesAsStructs) {
  // What the codec sends reads back with the field names it declared.
  GoInvokeRequest req;
  req.payload = "{\"a\":1}";
  req.request_id = "r1";
  req.deadline_s = 1700000000;
  req.memory_mb = 128;
  req.timeout_ms = 3000;
  req.ns = "default";
  GoRpcCodec codec;
  std::string bytes = codec.ping();
  bytes += codec.invoke(req);
  gob::Decoder d;
  d.feed(bytes.data(), bytes.size());
  std::vector<gob::Value> values;
  for (;;) {
    auto v = d.next();
    ASSERT_TRUE(v.ok()) << v.error().message;
    if (!*v) break;
    values.push_back(std::move(**v));
  }
  ASSERT_EQ(values.size(), 4u);  // header, PingRequest, header, InvokeRequest
  EXPECT_EQ(values[0].field("ServiceMethod").bytes, "Function.Ping");
  EXPECT_EQ(values[0].field("Seq").as_uint(), 1u);
  EXPECT_TRUE(values[1].fields.empty());
  EXPECT_EQ(values[2].field("ServiceMethod").bytes, "Function.Invoke");
  EXPECT_EQ(values[2].field("Seq").as_uint(), 2u);
  const gob::Value& inv = values[3];
  EXPECT_EQ(inv.field("Payload").bytes, "{\"a\":1}");
  EXPECT_EQ(inv.field("RequestId").bytes, "r1");
  EXPECT_EQ(inv.field("Deadline").field("Seconds").as_int(), 1700000000);
  EXPECT_EQ(inv.field("Deadline").field("Nanos").kind, gob::Value::Kind::kNone);  // zero: left out
  EXPECT_EQ(inv.field("MemoryLimitInMb").as_int(), 128);
  EXPECT_EQ(inv.field("TimeLimitInMs").as_int(), 3000);
  EXPECT_EQ(inv.field("Namespace").bytes, "default");
  // Types go out once per connection.
  EXPECT_EQ(codec.invoke(req).find("InvokeRequest"), std::string::npos);
}

TEST(Gob, RefusesLies) {
  auto decode = [](std::string_view hex) {
    gob::Decoder d;
    const std::string b = unhex(hex);
    d.feed(b.data(), b.size());
    return d.next();
  };
  // A string longer than its message (type 65 is struct {S string}).
  {
    gob::Decoder d;
    std::string b =
        gob::struct_type_message(65, "T", {{"S", gob::kString}}) + unhex("05ff82010961");
    d.feed(b.data(), b.size());
    auto lie = d.next();
    ASSERT_FALSE(lie.ok());
    EXPECT_NE(lie.error().message.find("longer than its message"), std::string::npos);
  }
  // A value of a type never defined.
  auto r = decode(
      "03ff82"
      "00");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("undefined type"), std::string::npos);
  // A message announcing more than the limit.
  r = decode(
      "f8"
      "ffffffffffffffff");
  EXPECT_FALSE(r.ok());
  // A definition of a reserved id.
  r = decode(
      "04"
      "0b"
      "030000");
  EXPECT_FALSE(r.ok());
  // An incomplete message waits for more bytes.
  r = decode("3aff81");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(GoAdapter, ErrorJsonKeepsScfGoLibFrames) {
  GoInvokeError e{"bad \"x\"\n", "errorString", {{"main.go", 12, "main.hello"}}, false};
  EXPECT_EQ(go_error_json(e),
            "{\"errorCode\":-1,\"errorMessage\":\"bad \\\"x\\\"\\n\",\"errorType\":\"errorString\","
            "\"stackTrace\":[{\"path\":\"main.go\",\"line\":12,\"label\":\"main.hello\"}]}");
  EXPECT_EQ(go_error_log(e), "errorString: bad \"x\"\n\nmain.hello\n\tmain.go:12\n");
}

TEST(GoExecutable, ReadsTheElfMachine) {
  std::string header(20, '\0');
  header.replace(0, 4,
                 "\x7f"
                 "ELF");
  header[EI_DATA] = ELFDATA2LSB;
  header[18] = static_cast<char>(EM_AARCH64);
  EXPECT_EQ(elf_machine(header), EM_AARCH64);
  EXPECT_EQ(elf_machine_name(EM_AARCH64), "arm64");
  EXPECT_EQ(elf_machine("#!/bin/sh\necho hi\n"), std::nullopt);
  EXPECT_EQ(elf_machine("\x7f"
                        "ELF"),
            std::nullopt);  // too short to say
}

TEST(GoExecutable, RefusesHandlersNamingNoFile) {
  auto p = check_go_handler("/nonexistent-dir", "main");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, "HandlerNotFound");
  p = check_go_handler("/usr/bin", "../bin/true");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, "HandlerNotFound");
  EXPECT_FALSE(check_go_handler("/usr/bin", "true").has_value());
}

}  // namespace
}  // namespace yunfn::runtime

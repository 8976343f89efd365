// Decoder of the aws-chunked body framing that S3 clients use with
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD: "<hex size>;chunk-signature=<sig>\r\n
// <data>\r\n" repeated, ending with a zero-size chunk (and optional trailers).
// The seed signature of the request is verified by signature.cpp; the chunk
// signatures are not checked. One decoder per body; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yunfn::cos {

class AwsChunkedDecoder {
 public:
  // Feeds the next bytes of the framed body; `out` receives decoded data.
  // Error IncompleteBody when the framing is malformed.
  Status feed(std::string_view in, const std::function<Status(std::string_view)>& out);
  // True once the final zero-size chunk has been read.
  bool done() const { return state_ == State::kTrailer || state_ == State::kDone; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer, kDone };
  State state_ = State::kSizeLine;
  std::string line_;
  uint64_t remaining_ = 0;
};

}  // namespace yunfn::cos

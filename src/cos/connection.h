// The HTTP side of the bucket service: one coroutine per connection reads a
// request header, lets the handler read the body on demand (streamed to a
// file with MD5 computed on the way, or into a small string), and writes the
// Reply (small bodies from memory, object bytes streamed from their file in
// bounded chunks). Memory per connection stays bounded whatever the size of
// the object. Runs on the bucket service's own thread; blocking file reads and
// writes happen there (the service's thread serves nothing else).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/result.h"
#include "cos/aws_chunked.h"
#include "cos/request.h"

namespace yunfn::cos {

using BodyParser = http::request_parser<http::buffer_body>;

// The body of the request being handled, read when the handler asks.
class RequestBody {
 public:
  RequestBody(beast::tcp_stream& stream, beast::flat_buffer& buffer, BodyParser& parser)
      : stream_(stream), buffer_(buffer), parser_(parser) {}

  struct FileOptions {
    uint64_t max_size = 0;
    bool aws_chunked = false;  // decode the aws-chunked framing first
    bool sha256 = false;       // also compute the SHA-256 (a signed SigV4 payload)
  };
  struct Stored {
    uint64_t size = 0;
    std::string md5;     // raw 16 bytes
    std::string sha256;  // raw 32 bytes, when asked for
  };
  // Streams the body into a new file at `path` and fsyncs it. On any error
  // the file is removed. Errors: IncompleteBody (short body, client gone),
  // EntityTooLarge (over max_size), InternalError (disk full or another
  // write error).
  Task<Result<Stored>> to_file(const std::filesystem::path& path, FileOptions options);
  // Reads a small body (XML documents); EntityTooLarge over `limit`.
  Task<Result<std::string>> to_string(size_t limit);
  // True when the whole body has been read (or there was none).
  bool done() const { return parser_.is_done(); }

 private:
  // Reads the next piece of the body into buf; returns the bytes read, or an
  // error when the peer went away or timed out.
  Task<Result<size_t>> read_some(char* buf, size_t size);
  Task<void> send_continue();

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  BodyParser& parser_;
  bool continued_ = false;
};

using CosHandler = std::function<Task<Reply>(CosRequest&, RequestBody&)>;

// Serves one connection until the peer closes it, an error, or a request
// that asked to close.
Task<void> serve_connection(std::shared_ptr<beast::tcp_stream> stream, CosHandler handler);

}  // namespace yunfn::cos

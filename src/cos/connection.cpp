#include "cos/connection.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/ids.h"
#include "common/scope_exit.h"
#include "cos/hashing.h"
#include "cos/object_store.h"

namespace yunfn::cos {
namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kHeaderLimit = 64 * 1024;
// Idle time allowed while waiting for a request header (also between
// kept-alive requests) and between two pieces of a body or an answer.
constexpr std::chrono::seconds kHeaderTimeout{120};
constexpr std::chrono::seconds kIoTimeout{300};
// After an early answer to a request whose body was not read: what is drained
// so the peer reads the answer instead of a reset.
constexpr uint64_t kDrainLimit = 16 * 1024 * 1024;
constexpr std::chrono::seconds kDrainTimeout{5};

Error incomplete() {
  return Error{"IncompleteBody",
               "You did not provide the number of bytes specified by the Content-Length "
               "HTTP header"};
}

// Writes all of `data` to fd; 0 or an errno value.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return 0;
}

void add_common_headers(http::fields& f, const Reply& reply, const CosRequest& req) {
  f.set(http::field::server, "tencent-cos");
  f.set("x-cos-request-id", req.request_id);
  f.set("x-amz-request-id", req.request_id);
  for (const auto& [k, v] : reply.headers) f.insert(k, v);
}

Task<bool> write_reply(beast::tcp_stream& stream, const Reply& reply, const CosRequest& req,
                       bool keep_alive) {
  stream.expires_after(kIoTimeout);
  if (!reply.file || reply.headers_only) {
    const bool head = reply.headers_only || req.method == "HEAD";
    http::response<http::string_body> res{reply.status, 11};
    add_common_headers(res, reply, req);
    res.keep_alive(keep_alive);
    if (!reply.body.empty() || reply.status >= http::status::bad_request)
      res.set(http::field::content_type, reply.content_type);
    if (head) {
      // HEAD: the length of what GET would send, and no body.
      res.content_length(reply.file ? reply.length : reply.body.size());
      http::response_serializer<http::string_body> sr{res};
      auto [ec, n] =
          co_await http::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
      co_return !ec;
    }
    if (reply.status != http::status::not_modified && reply.status != http::status::no_content) {
      res.body() = reply.body;
      res.prepare_payload();
    }
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  const int fd = ::open(reply.file->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) co_return false;
  ScopeExit close_fd([fd] { ::close(fd); });
  http::response<http::buffer_body> res{reply.status, 11};
  add_common_headers(res, reply, req);
  res.keep_alive(keep_alive);
  res.content_length(reply.length);
  res.body().data = nullptr;
  res.body().more = true;
  http::response_serializer<http::buffer_body> sr{res};
  auto [hec, hn] =
      co_await http::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
  if (hec) co_return false;
  // No larger than the answer: a 256 KB buffer for a 4 KB object costs more (a fresh
  // mapping, zeroed page by page) than sending the object.
  std::vector<char> buf(static_cast<size_t>(std::clamp<uint64_t>(reply.length, 1, kChunk)));
  uint64_t pos = reply.offset;
  uint64_t left = reply.length;
  while (left > 0) {
    const ssize_t n =
        ::pread(fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())),
                static_cast<off_t>(pos));
    if (n <= 0) co_return false;  // the file shrank or failed: cut the answer short
    pos += static_cast<uint64_t>(n);
    left -= static_cast<uint64_t>(n);
    res.body().data = buf.data();
    res.body().size = static_cast<size_t>(n);
    res.body().more = left > 0;
    stream.expires_after(kIoTimeout);
    auto [ec, w] = co_await http::async_write(stream, sr, asio::as_tuple(asio::use_awaitable));
    if (ec && ec != http::error::need_buffer) co_return false;
  }
  if (!sr.is_done()) {
    res.body().data = nullptr;
    res.body().size = 0;
    res.body().more = false;
    auto [ec, w] = co_await http::async_write(stream, sr, asio::as_tuple(asio::use_awaitable));
    if (ec && ec != http::error::need_buffer) co_return false;
  }
  co_return true;
}

// Reads and drops what is left of a body after an early answer, then closes.
Task<void> linger(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  std::vector<char> buf(64 * 1024);
  uint64_t total = 0;
  stream.expires_after(kDrainTimeout);
  while (total < kDrainLimit) {
    auto [rec, n] =
        co_await stream.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (rec) break;
    total += n;
  }
  stream.socket().close(ec);
}

}  // namespace

Task<void> RequestBody::send_continue() {
  if (continued_) co_return;
  continued_ = true;
  if (!beast::iequals(parser_.get()[http::field::expect], "100-continue")) co_return;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(kIoTimeout);
  co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                             asio::as_tuple(asio::use_awaitable));
}

Task<Result<size_t>> RequestBody::read_some(char* buf, size_t size) {
  co_await send_continue();
  parser_.get().body().data = buf;
  parser_.get().body().size = size;
  stream_.expires_after(kIoTimeout);
  auto [ec, n] =
      co_await http::async_read(stream_, buffer_, parser_, asio::as_tuple(asio::use_awaitable));
  if (ec && ec != http::error::need_buffer) co_return incomplete();
  co_return size - parser_.get().body().size;
}

Task<Result<RequestBody::Stored>> RequestBody::to_file(const fs::path& path, FileOptions options) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) co_return write_error("the object", errno);
  bool keep = false;
  ScopeExit cleanup([fd, &keep, path] {
    ::close(fd);
    if (!keep) {
      std::error_code ec;
      fs::remove(path, ec);
    }
  });
  StreamHash md5(StreamHash::Kind::kMd5);
  StreamHash sha(StreamHash::Kind::kSha256);
  Stored stored;
  AwsChunkedDecoder decoder;
  auto sink = [&](std::string_view data) -> Status {
    stored.size += data.size();
    if (stored.size > options.max_size)
      return Error{"EntityTooLarge",
                   "Your proposed upload exceeds the maximum allowed object size"};
    md5.update(data);
    if (options.sha256) sha.update(data);
    const int err = write_all(fd, data);
    if (err != 0) return write_error("the object", err);
    return ok_status();
  };
  std::vector<char> buf(kChunk);
  while (!parser_.is_done()) {
    auto got = co_await read_some(buf.data(), buf.size());
    if (!got.ok()) co_return got.error();
    const std::string_view data(buf.data(), *got);
    auto fed = options.aws_chunked ? decoder.feed(data, sink) : sink(data);
    if (!fed.ok()) co_return fed.error();
  }
  if (options.aws_chunked && !decoder.done()) co_return incomplete();
  if (::fsync(fd) != 0) co_return write_error("the object", errno);
  stored.md5 = md5.finish();
  if (options.sha256) stored.sha256 = sha.finish();
  keep = true;
  co_return stored;
}

Task<Result<std::string>> RequestBody::to_string(size_t limit) {
  std::string out;
  std::vector<char> buf(64 * 1024);
  while (!parser_.is_done()) {
    auto got = co_await read_some(buf.data(), buf.size());
    if (!got.ok()) co_return got.error();
    out.append(buf.data(), *got);
    if (out.size() > limit)
      co_return Error{"EntityTooLarge", "The request body is larger than this request allows"};
  }
  co_return out;
}

Task<void> serve_connection(std::shared_ptr<beast::tcp_stream> stream, CosHandler handler) {
  beast::flat_buffer buffer;
  std::string peer;
  beast::error_code pec;
  auto endpoint = stream->socket().remote_endpoint(pec);
  if (!pec) peer = endpoint.address().to_string();
  while (true) {
    BodyParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(boost::none);  // the handlers check sizes while streaming
    stream->expires_after(kHeaderTimeout);
    auto [ec, n] = co_await http::async_read_header(*stream, buffer, parser,
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    CosRequest req = parse_request(parser.get().base());
    req.request_id = new_request_id();
    req.source_ip = peer;
    RequestBody body(*stream, buffer, parser);
    Reply reply;
    try {
      reply = co_await handler(req, body);
    } catch (const std::exception& e) {
      spdlog::error("cos: {} {}: {}", req.method, req.raw_path, e.what());
      reply = error_reply(
          Error{"InternalError", "We encountered an internal error. Please try again."}, req);
    }
    const bool keep_alive = parser.get().keep_alive() && parser.is_done();
    if (!co_await write_reply(*stream, reply, req, keep_alive)) co_return;
    if (!parser.is_done()) {
      co_await linger(*stream);
      co_return;
    }
    if (!keep_alive) {
      beast::error_code sec;
      stream->socket().shutdown(asio::ip::tcp::socket::shutdown_send, sec);
      co_return;
    }
  }
}

}  // namespace yunfn::cos

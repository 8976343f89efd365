#include "cli/cos_client.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/asio.h"
#include "common/clock.h"
#include "common/cos_sign.h"

namespace yunfn::cli {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;
constexpr int64_t kSignSeconds = 3600;
constexpr uint64_t kProgressMinBytes = 1024 * 1024;

// "[#####     ]  50%  1.5 / 3.0 MiB" on stderr, redrawn when the percentage
// changes; only for transfers over 1 MiB when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar(Progress mode, uint64_t total)
      : on_(mode == Progress::kBar && total > kProgressMinBytes && ::isatty(STDERR_FILENO) == 1),
        total_(total) {}
  ~ProgressBar() {
    if (on_ && drawn_ >= 0) std::fputs("\n", stderr);
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(uint64_t n) {
    done_ += n;
    if (!on_) return;
    const int pct = static_cast<int>(done_ * 100 / total_);
    if (pct == drawn_) return;
    drawn_ = pct;
    constexpr int kWidth = 30;
    std::string bar(static_cast<size_t>(pct * kWidth / 100), '#');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r[%s] %3d%%  %.1f / %.1f MiB", bar.c_str(), pct,
                 static_cast<double>(done_) / 1048576.0, static_cast<double>(total_) / 1048576.0);
    std::fflush(stderr);
  }

 private:
  bool on_;
  uint64_t total_;
  uint64_t done_ = 0;
  int drawn_ = -1;
};

std::string object_path(const CosRequest& req) {
  if (req.bucket.empty()) return "/";
  return req.key.empty() ? "/" + req.bucket : "/" + req.bucket + "/" + req.key;
}

std::string target_of(const CosRequest& req) {
  std::string target = uri_encode(object_path(req), Slash::kKeep);
  char sep = '?';
  for (const auto& [name, value] : req.query) {
    target.append(1, sep).append(uri_encode(name, Slash::kEncode)).append("=");
    target.append(uri_encode(value, Slash::kEncode));
    sep = '&';
  }
  return target;
}

// Writes the request: headers, then the upload file in chunks.
void write_request(beast::tcp_stream& tcp, http::request<http::buffer_body>& r,
                   const CosRequest& req, uint64_t size) {
  http::request_serializer<http::buffer_body> sr{r};
  http::write_header(tcp, sr);
  if (req.upload_file.empty()) return;
  std::ifstream in(req.upload_file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + req.upload_file);
  ProgressBar bar(req.progress, size);
  std::vector<char> chunk(kChunkBytes);
  uint64_t left = size;
  while (left > 0) {
    in.read(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, chunk.size())));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) throw std::runtime_error(req.upload_file + " shrank while being uploaded");
    left -= n;
    r.body().data = chunk.data();
    r.body().size = n;
    r.body().more = left > 0;
    boost::system::error_code ec;
    http::write(tcp, sr, ec);
    if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
    bar.advance(n);
  }
}

// Reads the answer; a 2xx body goes to `req.download_file` when one is named.
CosResponse read_response(beast::tcp_stream& tcp, const CosRequest& req) {
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  http::read_header(tcp, buffer, p);
  CosResponse res;
  res.status = p.get().result_int();
  for (const auto& f : p.get()) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    res.headers[name] = std::string(f.value());
  }
  const bool to_file = !req.download_file.empty() && res.status / 100 == 2;
  const std::string part = req.download_file + ".yunfn-part";
  std::ofstream out;
  if (to_file) {
    out.open(part, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + part);
  }
  ProgressBar bar(to_file ? req.progress : Progress::kNone, p.content_length().value_or(0));
  std::vector<char> chunk(kChunkBytes);
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    boost::system::error_code ec;
    http::read(tcp, buffer, p, ec);
    if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
    const size_t n = chunk.size() - p.get().body().size;
    if (to_file) {
      out.write(chunk.data(), static_cast<std::streamsize>(n));
    } else {
      res.body.append(chunk.data(), n);
    }
    bar.advance(n);
  }
  if (to_file) {
    out.close();
    if (!out) throw std::runtime_error("cannot write " + part);
    std::filesystem::rename(part, req.download_file);
  }
  return res;
}

std::string unescape_xml(const std::string& text) {
  static const std::pair<const char*, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    bool matched = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.compare(i, std::strlen(entity), entity) == 0) {
          out.push_back(c);
          i += std::strlen(entity) - 1;
          matched = true;
          break;
        }
      }
    }
    if (!matched) out.push_back(text[i]);
  }
  return out;
}

}  // namespace

std::vector<std::string> xml_elements(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">";
  const std::string close = "</" + tag + ">";
  size_t at = 0;
  while ((at = xml.find(open, at)) != std::string::npos) {
    const size_t start = at + open.size();
    const size_t end = xml.find(close, start);
    if (end == std::string::npos) break;
    out.push_back(unescape_xml(xml.substr(start, end - start)));
    at = end + close.size();
  }
  return out;
}

CosClient::CosClient(Endpoint endpoint, Keys keys)
    : endpoint_(std::move(endpoint)), keys_(std::move(keys)) {}

Result<CosResponse> CosClient::send(const CosRequest& req) const {
  const std::string host = endpoint_.host + ":" + endpoint_.port;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          Clock::system().now().time_since_epoch())
                          .count();
  http::request<http::buffer_body> r{http::string_to_verb(req.method), target_of(req), 11};
  CosV5Fields sign{req.method, object_path(req), req.query, {{"host", host}}, "", ""};
  sign.key_time = std::to_string(now) + ";" + std::to_string(now + kSignSeconds);
  sign.sign_time = sign.key_time;
  r.set(http::field::host, host);
  for (const auto& [name, value] : req.headers) {
    r.set(name, value);
    sign.headers.emplace_back(name, value);
  }
  r.set(http::field::authorization, cos_v5_authorization(keys_.secret_id, keys_.secret_key, sign));
  try {
    const uint64_t size = req.upload_file.empty() ? 0 : std::filesystem::file_size(req.upload_file);
    r.content_length(size);
    r.body().data = nullptr;
    r.body().more = size > 0;
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream tcp(io);
    tcp.connect(resolver.resolve(endpoint_.host, endpoint_.port));
    std::string write_failure;
    try {
      write_request(tcp, r, req, size);
    } catch (const boost::system::system_error& e) {
      write_failure = e.what();  // the server may have answered early (e.g. NoSuchBucket)
    }
    CosResponse res;
    try {
      res = read_response(tcp, req);
    } catch (const boost::system::system_error&) {
      if (!write_failure.empty()) throw std::runtime_error(write_failure);
      throw;
    }
    if (res.status / 100 == 2) return res;
    auto code = xml_elements(res.body, "Code");
    auto message = xml_elements(res.body, "Message");
    return Error{code.empty() ? "HTTP" + std::to_string(res.status) : code.front(),
                 message.empty() ? res.body : message.front()};
  } catch (const std::exception& e) {
    if (!req.download_file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(req.download_file + ".yunfn-part", ignored);
    }
    return make_error(errc::kInternalError, "cos at " + host + ": " + e.what());
  }
}

}  // namespace yunfn::cli

#include "cli/api_client.h"

#include <chrono>
#include <cstdlib>

#include <boost/asio/ssl.hpp>

#include "common/asio.h"
#include "common/clock.h"
#include "common/tc3.h"

namespace yunfn::cli {

Result<Endpoint> parse_endpoint(std::string text) {
  bool tls = text.starts_with("https://");
  if (auto p = text.find("://"); p != std::string::npos) text = text.substr(p + 3);
  while (!text.empty() && text.back() == '/') text.pop_back();
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return make_error(errc::kInvalidParameterValue, "endpoint '" + text + "' is not HOST:PORT");
  }
  return Endpoint{text.substr(0, colon), text.substr(colon + 1), tls};
}

namespace {

// Sends one request and reads the answer over `stream` (plain or TLS).
template <typename Stream>
HttpResponse exchange(Stream& stream, HttpRequest& req) {
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(stream, buffer, parser);
  return parser.release();
}

HttpResponse send(const Endpoint& endpoint, HttpRequest& req) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream tcp(io);
  tcp.connect(resolver.resolve(endpoint.host, endpoint.port));
  if (!endpoint.tls) return exchange(tcp, req);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  const char* ca_file = std::getenv("YUNFN_CA_FILE");
  if (ca_file != nullptr && *ca_file) {
    ctx.load_verify_file(ca_file);
  } else {
    ctx.set_default_verify_paths();
  }
  asio::ssl::stream<beast::tcp_stream&> tls(tcp, ctx);
  tls.set_verify_mode(asio::ssl::verify_peer);
  tls.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  SSL_set_tlsext_host_name(tls.native_handle(), endpoint.host.c_str());  // SNI
  tls.handshake(asio::ssl::stream_base::client);
  HttpResponse res = exchange(tls, req);
  boost::system::error_code ignored;
  tls.shutdown(ignored);
  return res;
}

}  // namespace

ApiClient::ApiClient(Endpoint endpoint, std::string secret_id, std::string secret_key)
    : endpoint_(std::move(endpoint)),
      secret_id_(std::move(secret_id)),
      secret_key_(std::move(secret_key)) {}

Result<Json> ApiClient::call(const std::string& action, const Json& params) const {
  std::string body = params.dump();
  std::string host = endpoint_.host + ":" + endpoint_.port;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 Clock::system().now().time_since_epoch())
                 .count();
  Tc3SignInput sign;
  sign.secret_id = secret_id_;
  sign.secret_key = secret_key_;
  sign.service = "scf";
  sign.host = host;
  sign.action = action;
  sign.body = body;
  sign.timestamp = now;
  HttpRequest req{http::verb::post, "/", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.set("X-TC-Action", action);
  req.set("X-TC-Version", "2018-04-16");
  req.set("X-TC-Region", "ap-guangzhou");
  req.set("X-TC-Timestamp", std::to_string(now));
  req.set(http::field::authorization, tc3_authorization(sign));
  req.body() = std::move(body);
  req.prepare_payload();
  try {
    HttpResponse res = send(endpoint_, req);
    auto j = Json::parse(res.body(), nullptr, false);
    if (j.is_discarded() || !j.contains("Response")) {
      return make_error(errc::kInternalError, "the server answered with something other than an API response");
    }
    Json response = j["Response"];
    if (response.contains("Error")) {
      // The server's own code, passed on as it came.
      return Error{response["Error"].value("Code", "InternalError"),
                   response["Error"].value("Message", "")};
    }
    return response;
  } catch (const std::exception& e) {
    return make_error(errc::kInternalError, "cannot reach yunfn at " + host + ": " + e.what());
  }
}

}  // namespace yunfn::cli

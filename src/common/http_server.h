// HttpServer: an HTTP/1.1 server (Boost.Beast) that runs one coroutine per
// connection on the given executor and hands every request to a handler.
// Used for the SCF API and for each instance's runtime API (which, under
// namespace isolation, is served on a socket listening inside the instance).
// Owned by its creator; all calls and the handler run on the executor's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.h"
#include "common/result.h"
#include "common/tcp_listener.h"

namespace boost::asio::ssl {
class context;
}

namespace yunfn {

using HttpHandler = std::function<Task<HttpResponse>(HttpRequest&)>;
// Looks at a request's header before its body is read: a response here is sent
// at once and the connection closed, without reading the body.
using HeaderCheck = std::function<std::optional<HttpResponse>(const http::request_header<>&)>;

struct HttpServerConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 0;           // 0 = any free port
  size_t body_limit = 10 * 1024 * 1024;
  // Answer sent when a request body is over body_limit.
  std::function<HttpResponse()> too_large_response;
  HeaderCheck check_header;          // optional
  // Time allowed to receive a request header, counted from the end of the
  // previous answer (so also the idle time of a kept-alive connection), and
  // then its body. Zero: no limit (the runtime API, whose clients are
  // instances that may be busy for a whole function timeout between calls).
  std::chrono::seconds header_timeout{0};
  std::chrono::seconds body_timeout{0};
  size_t max_connections = kDefaultMaxConnections;
  // When set, connections speak TLS (the server's certificate and key loaded).
  std::shared_ptr<asio::ssl::context> tls;
};

// A TLS server context with the certificate chain and private key of two PEM
// files; errors name the file that could not be used.
Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const std::string& cert_file,
                                                                    const std::string& key_file);

class HttpServer {
 public:
  HttpServer(const asio::any_io_executor& ex, HttpServerConfig config, HttpHandler handler);
  ~HttpServer();

  // Binds and starts accepting. Throws boost::system::system_error when the
  // address cannot be bound.
  void start();
  // Starts accepting on an already listening TCP socket instead of binding
  // config.host/port (ownership of the descriptor passes to the server).
  // Throws boost::system::system_error when the descriptor is not usable.
  void start_on(int listening_fd);
  // Stops accepting and closes open connections.
  void stop();
  unsigned short port() const { return listener_.port(); }

  struct State;  // shared with the connection coroutines

 private:
  std::shared_ptr<State> state_;
  TcpListener listener_;
};

// Builds a response with the given status, content type and body.
HttpResponse make_http_response(http::status status, std::string body,
                                const std::string& content_type = "application/json");

}  // namespace yunfn

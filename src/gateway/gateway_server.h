// GatewayServer: the HTTP front door (`--gateway-listen`). Each request is
// routed by its path `/<namespace>/<function>/...` and the function's apigw
// triggers (RouteTable); event functions get the SCF API-gateway event and
// their integration response is turned back into HTTP; web functions get the
// request proxied to port 9000 of an instance (web_proxy.h). Everything runs
// through the Invoker, so quotas, routing, logs and metrics hold as for Invoke.
// Owned by the server; loop thread only.
#pragma once

#include <memory>
#include <string>

#include "common/asio.h"
#include "common/tcp_listener.h"
#include "gateway/route_table.h"
#include "invoke/async_queue.h"
#include "invoke/invoker.h"
#include "store/store.h"

namespace yunfn::gateway {

struct GatewayConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 9080;  // 0 = any free port
  size_t max_connections = kDefaultMaxConnections;
};

// Request and response bodies through the gateway (SCF's 6 MB).
inline constexpr size_t kMaxGatewayBody = 6 * 1024 * 1024;

class GatewayServer {
 public:
  GatewayServer(const asio::any_io_executor& ex, GatewayConfig config, store::Store& store,
                invoke::Invoker& invoker, invoke::AsyncQueue& async, const RouteTable& routes,
                const Clock& clock);
  ~GatewayServer();

  // Binds and starts accepting; throws boost::system::system_error when the
  // address cannot be bound.
  void start();
  void stop();
  unsigned short port() const;
  // "http://HOST:PORT", the base of every access URL.
  std::string base_url() const;

  struct State;  // shared with the connection coroutines

 private:
  std::shared_ptr<State> state_;
  TcpListener listener_;
};

}  // namespace yunfn::gateway

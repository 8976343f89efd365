// WebInstance: what a web-function exchange sees of the instance its request
// leased: connections to the function's server on port 9000 and the settings
// the X-Scf-* request headers carry. The gateway proxies through it and never
// sees the pool; the Invoker wraps the exchange in the instance's invocation
// (logs, memory, a broken server killed). Loop thread only.
#pragma once

#include <functional>
#include <string>

#include "common/asio.h"
#include "common/result.h"
#include "pool/instance.h"

namespace yunfn::invoke {

// How one exchange ended: the SCF status, the answer and the platform's message.
struct WebOutcome {
  int status_code = 200;
  std::string ret_msg;
  std::string err_msg;
};

class WebInstance {
 public:
  explicit WebInstance(pool::Instance& instance) : instance_(instance) {}

  // A connection to the server on port 9000 (a kept-alive one when there is).
  Task<Result<asio::ip::tcp::socket>> connect() { return instance_.connect_web(); }
  // Gives back a connection whose last exchange completed, for reuse.
  void keep(asio::ip::tcp::socket socket) { instance_.keep_web_connection(std::move(socket)); }
  // Stops the instance: its server may still be busy with an abandoned request.
  void kill() { instance_.kill(); }

  const std::string& ns() const { return instance_.spec().ns; }
  const std::string& function_name() const { return instance_.spec().function_name; }
  const std::string& version() const { return instance_.spec().version; }
  int memory_mb() const { return instance_.spec().memory_mb; }
  int timeout_s() const { return instance_.spec().timeout_s; }
  static const char* region() { return pool::kRegion; }
  static const char* appid() { return pool::kAppId; }
  static const char* uin() { return pool::kUin; }

 private:
  pool::Instance& instance_;
};

// One request/response exchange with a leased instance's server.
using WebExchange = std::function<Task<WebOutcome>(WebInstance&)>;

}  // namespace yunfn::invoke

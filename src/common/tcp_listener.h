// TcpListener: accepts TCP connections on the executor and runs one coroutine
// per connection; stop() closes the listener and every open connection. The
// HTTP servers (SCF API, runtime API, gateway) are built on it.
// Owned by its creator; all calls and the connection coroutines run on the
// executor's thread.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>

#include "common/asio.h"

namespace yunfn {

using ConnectionHandler = std::function<Task<void>(std::shared_ptr<beast::tcp_stream>)>;

class TcpListener {
 public:
  TcpListener(asio::any_io_executor ex, ConnectionHandler handler);
  ~TcpListener();

  // Binds host:port (port 0 = any free one) and starts accepting. Throws
  // boost::system::system_error when the address cannot be bound.
  void start(const std::string& host, unsigned short port);
  // Accepts on an already listening IPv4 socket (ownership passes here).
  void start_on(int listening_fd);
  void stop();
  bool stopped() const;
  unsigned short port() const;

  struct State;  // shared with the accept loop

 private:
  std::shared_ptr<State> state_;
};

}  // namespace yunfn

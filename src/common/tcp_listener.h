// TcpListener: accepts TCP connections on the executor and runs one coroutine
// per connection; stop() closes the listener and every open connection. The
// HTTP servers (SCF API, runtime API, gateway) are built on it.
// At most `max_connections` connections are open at once: beyond that the
// listener stops accepting (the kernel's backlog holds new ones) until one
// closes, so one listener cannot take every descriptor of the process. When
// accept fails for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS,
// ENOMEM) it backs off instead of retrying at once, and logs once per minute.
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

inline constexpr size_t kDefaultMaxConnections = 4096;

class TcpListener {
 public:
  TcpListener(const asio::any_io_executor& ex, ConnectionHandler handler,
              size_t max_connections = kDefaultMaxConnections);
  ~TcpListener();  // NOLINT(bugprone-exception-escape): see the definition

  // Binds host:port (port 0 = any free one) and starts accepting. Throws
  // boost::system::system_error when the address cannot be bound.
  void start(const std::string& host, unsigned short port);
  // Accepts on an already listening IPv4 socket (ownership passes here).
  void start_on(int listening_fd);
  void stop();
  bool stopped() const;
  unsigned short port() const;
  // Connections open now.
  size_t connection_count() const;

  struct State;  // shared with the accept loop

 private:
  std::shared_ptr<State> state_;
};

// Raises this process's soft limit on open descriptors to the hard limit (at
// server start: many connections and instances each hold descriptors).
// Returns the soft limit in force afterwards.
size_t raise_descriptor_limit();

}  // namespace yunfn

// CosService: the COS-compatible bucket service embedded in `yunfn server`.
// It runs on its own thread with its own io_context, so large transfers and
// the file and SQLite work they cause never stall the API or gateway loop.
// start() opens <root> (cos.db, data/, tmp/), cleans up after a crash, binds
// the address and starts the thread; stop() (or the destructor) closes the
// listener and every connection and joins the thread. Owned by the server;
// start/stop/port/events may be called from any one thread; events() is
// thread-safe (see object_events.h).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/tcp_listener.h"
#include "cos/object_events.h"
#include "cos/signature.h"

namespace yunfn::cos {

class ObjectStore;
class Handlers;

struct CosServiceConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 9002;  // 0: any free port
  std::filesystem::path root;  // <data-dir>/cos
  std::string region = "ap-guangzhou";
  std::string appid = "1250000000";
  size_t max_connections = 1024;
};

class CosService {
 public:
  // Errors: InternalError when the store cannot be opened or the address
  // cannot be bound (the message names it).
  static Result<std::unique_ptr<CosService>> start(const CosServiceConfig& config,
                                                   SecretLookup secrets, const Clock& clock);
  ~CosService();
  CosService(const CosService&) = delete;
  CosService& operator=(const CosService&) = delete;

  void stop();
  unsigned short port() const { return port_; }
  // The object-event outbox, for the cos trigger.
  ObjectEventSource& events();
  // The bytes of an object, for code packages deployed from a bucket
  // (Code.CosBucketName). `bucket` may leave out the -<appid> suffix, as SCF's
  // CosBucketName does; a leading '/' of the key is dropped. Blocking: call
  // from a worker thread. ResourceNotFound.Cos / ResourceNotFound.CosObject
  // when absent; LimitExceeded above max_bytes.
  Result<std::string> read_object(std::string bucket, std::string key, uint64_t max_bytes);

 private:
  CosService() = default;

  std::string appid_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<Handlers> handlers_;
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<TcpListener> listener_;
  std::thread thread_;
  unsigned short port_ = 0;
};

}  // namespace yunfn::cos

#include "cos/cos_service.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <future>

#include "cos/connection.h"
#include "cos/handlers.h"
#include "cos/names.h"
#include "cos/object_store.h"

namespace yunfn::cos {

Result<std::unique_ptr<CosService>> CosService::start(const CosServiceConfig& config,
                                                      SecretLookup secrets, const Clock& clock) {
  std::unique_ptr<CosService> s(new CosService());
  YUNFN_TRY(store, ObjectStore::open(config.root, clock));
  s->store_ = std::move(store);
  s->appid_ = config.appid;
  s->handlers_ = std::make_unique<Handlers>(*s->store_, std::move(secrets), clock,
                                            HandlerConfig{config.region, config.appid});
  s->io_ = std::make_unique<asio::io_context>(1);
  Handlers* handlers = s->handlers_.get();
  s->listener_ = std::make_unique<TcpListener>(
      s->io_->get_executor(),
      [handlers](std::shared_ptr<beast::tcp_stream> stream) {
        return serve_connection(std::move(stream), [handlers](CosRequest& req, RequestBody& body) {
          return handlers->handle(req, body);
        });
      },
      config.max_connections);
  try {
    s->listener_->start(config.host, config.port);
  } catch (const boost::system::system_error& e) {
    return Error{"InternalError", "cannot listen on the bucket service (--cos-listen) address " +
                                      config.host + ":" + std::to_string(config.port) + ": " +
                                      e.code().message()};
  }
  s->port_ = s->listener_->port();
  asio::io_context* io = s->io_.get();
  s->thread_ = std::thread([io] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return s;
}

void CosService::stop() {
  if (!thread_.joinable()) return;
  // The listener belongs to the service's thread: close it there, then end the loop.
  std::promise<void> stopped;
  asio::post(*io_, [this, &stopped] {
    listener_->stop();
    stopped.set_value();
  });
  stopped.get_future().wait();
  io_->stop();
  thread_.join();
}

CosService::~CosService() {
  try {
    stop();
  } catch (const std::exception& e) {
    // Only a broken thread or promise can throw here; the loop is gone either way.
    spdlog::error("cos: stopping the bucket service: {}", e.what());
  }
  // Connection coroutines still suspended are destroyed with the io_context,
  // while the handlers and the store they use are still alive.
  listener_.reset();
  io_.reset();
}

ObjectEventSource& CosService::events() { return *store_; }

Result<std::string> CosService::read_object(std::string bucket, std::string key, uint64_t max_bytes) {
  if (!check_bucket_name(bucket).ok()) bucket += "-" + appid_;
  if (!key.empty() && key.front() == '/') key.erase(0, 1);
  // A replaced object's file is removed after the new one is committed: a read
  // that loses that race looks the object up again.
  for (int attempt = 0;; ++attempt) {
    auto info = store_->head_object(bucket, key);
    if (!info.ok()) {
      if (info.error().code == "NoSuchBucket") {
        return make_error(errc::kResourceNotFoundCos, "bucket " + bucket + " does not exist");
      }
      return make_error(errc::kResourceNotFoundCosObject,
                        std::string("object ").append(key).append(" does not exist in bucket ").append(bucket));
    }
    if (static_cast<uint64_t>(info->size) > max_bytes) {
      return make_error(errc::kLimitExceeded, "object " + key + " is larger than " +
                                                  std::to_string(max_bytes / (1024 * 1024)) + " MB");
    }
    std::ifstream in(store_->data_path(info->file), std::ios::binary);
    if (in) {
      std::string bytes(static_cast<size_t>(info->size), '\0');
      if (in.read(bytes.data(), info->size)) return bytes;
    }
    if (attempt == 1) {
      return make_error(errc::kInternalErrorSystem,
                        std::string("cannot read object ").append(key).append(" of bucket ").append(bucket));
    }
  }
}

}  // namespace yunfn::cos

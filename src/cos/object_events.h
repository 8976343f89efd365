// ObjectEvent and ObjectEventSource: the outbox of the bucket service, read by
// the `cos` trigger. Every object write or delete that the bucket service
// acknowledges has inserted its event row in the same SQLite transaction as
// the object row (so an acknowledged write always has its event, across a
// kill -9 too). A consumer reads pending() events in order, hands them on
// durably, then acknowledge()s them; rows are deleted only then, so an event
// is delivered at least once.
// The source is owned by the bucket service (cos::CosService); every method is
// thread-safe and may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace yunfn::cos {

struct ObjectEvent {
  int64_t seq = 0;         // outbox order, unique and increasing
  std::string event_name;  // "cos:ObjectCreated:Put" | ":Post" | ":Copy" |
                           // ":CompleteMultipartUpload" | "cos:ObjectRemove:Delete"
  std::string bucket;      // "<name>-<appid>" as the client named it, e.g. "photos-1250000000"
  std::string key;         // object key without leading '/'
  int64_t size = 0;
  std::string etag;  // without quotes (hex MD5, or "<hex>-N" for multipart)
  std::string content_type;
  std::string request_id;     // the x-cos-request-id of the request that caused the event
  std::string source_ip;      // the client's address
  std::string authorization;  // the request's Authorization header (empty for pre-signed URLs)
  std::vector<std::pair<std::string, std::string>> meta;  // x-cos-meta-* headers as stored
  int64_t event_time = 0;                                 // epoch seconds
};

class ObjectEventSource {
 public:
  virtual ~ObjectEventSource() = default;
  // Up to `limit` unacknowledged events, oldest first (the same ones again
  // until they are acknowledged).
  virtual std::vector<ObjectEvent> pending(size_t limit) = 0;
  // Deletes the events with seq <= up_to_seq; the consumer has made them durable.
  virtual void acknowledge(int64_t up_to_seq) = 0;
  // Registers a function called on the bucket service's thread after every
  // commit that added events (several registrations are all called). It must
  // be quick: post to the consumer's own executor.
  virtual void on_new_events(std::function<void()> wake) = 0;
  // True when the bucket ("<name>-<appid>") exists now.
  virtual bool bucket_exists(const std::string& bucket) = 0;
};

}  // namespace yunfn::cos

// S3-style bucket notifications, as MinIO and Ceph RGW POST them to an HTTP
// endpoint: AWS's event message structure, {"Records":[{"eventName":...,
// "eventTime":..., "s3":{"bucket":{...},"object":{...}}}]} (MinIO adds a
// top-level EventName and Key, which the records repeat). Parsed into the
// fields an SCF COS event needs. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace yunfn::triggers {

// One record of a notification.
struct S3Record {
  std::string event_name;    // as sent: "s3:ObjectCreated:Put", or "ObjectCreated:Put" (older Ceph)
  std::string event_source;  // "minio:s3", "ceph:s3", "aws:s3", ...
  std::string bucket;        // the bucket's name in the store
  // The object key, URL-decoded where the store encodes it (every source but
  // Ceph, which sends keys as they are).
  std::string key;
  int64_t size = 0;
  std::string etag;  // without quotes
  std::string content_type;
  std::string version_id;
  std::string sequencer;
  std::string request_id;  // responseElements' x-amz-request-id
  std::string source_ip;   // requestParameters.sourceIPAddress
  std::string event_time;  // as sent (ISO 8601)
  int64_t event_time_s = 0;  // epoch seconds; 0 when the record has no time
  // User metadata as COS names it: x-amz-meta-foo -> x-cos-meta-foo.
  std::vector<std::pair<std::string, std::string>> meta;
};

// Errors: InvalidParameter.Payload naming the field ("Records[1].s3.object.key: ...").
Result<std::vector<S3Record>> parse_s3_notification(std::string_view body);

// The COS event name of an S3 one ("s3:ObjectRemoved:Delete" and
// "ObjectRemoved:Delete" -> "cos:ObjectRemove:Delete"); empty for events
// that SCF has no COS name for (reads, tagging, replication, lifecycle).
std::string cos_event_name(std::string_view s3_event);

}  // namespace yunfn::triggers

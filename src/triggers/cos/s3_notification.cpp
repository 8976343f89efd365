#include "triggers/cos/s3_notification.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/json.h"
#include "common/utf8.h"
#include "cos/names.h"

namespace yunfn::triggers {
namespace {

Error bad(const std::string& field, const std::string& why) {
  return make_error(errc::kInvalidParameterPayload, field + ": " + why);
}

// A string member of an object: "" when absent or null; an error when another type.
Result<std::string> text(const Json& obj, const char* name, const std::string& where) {
  if (!obj.is_object() || !obj.contains(name) || obj[name].is_null()) return std::string();
  if (!obj[name].is_string()) return bad(where + "." + name, "is not a string");
  return obj[name].get<std::string>();
}

// A member that must be an object (an absent or null one reads as empty).
Result<const Json*> object(const Json& obj, const char* name, const std::string& where) {
  static const Json kEmpty = Json::object();
  if (!obj.contains(name) || obj[name].is_null()) return &kEmpty;
  if (!obj[name].is_object()) return bad(where + "." + name, "is not an object");
  return &obj[name];
}

// "2019-11-22T13:47:35.124724Z" (or "+08:00") -> epoch seconds; -1 when malformed.
int64_t parse_iso8601(const std::string& t) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19) {
    return -1;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return -1;
  }
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) ++i;
  }
  int offset_s = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int hh = 0, mm = 0, n = 0;
    if (std::sscanf(t.c_str() + i + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5) return -1;
    offset_s = (t[i] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    i += 6;
  } else if (i < t.size() && t[i] == 'Z') {
    ++i;
  }
  if (i != t.size()) return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) - offset_s;
}

// s3.object.size: a number (MinIO, AWS) or a string of digits (Ceph).
Result<int64_t> object_size(const Json& obj, const std::string& where) {
  if (!obj.contains("size") || obj["size"].is_null()) return int64_t{0};
  const Json& s = obj["size"];
  if (s.is_number_integer() && s.get<int64_t>() >= 0) return s.get<int64_t>();
  if (s.is_string()) {
    const std::string v = s.get<std::string>();
    bool digits = !v.empty() && v.size() <= 18;
    for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digits) return static_cast<int64_t>(std::stoll(v));
  }
  return bad(where + ".size", "is not a byte count");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One metadata entry: x-amz-meta-* becomes x-cos-meta-*; content-type fills
// the record's type when the store did not send one apart; others are dropped.
void add_meta(S3Record& r, const std::string& name, const std::string& value) {
  const std::string n = lower(name);
  constexpr std::string_view kAmzMeta = "x-amz-meta-";
  if (n.starts_with(kAmzMeta)) {
    r.meta.emplace_back("x-cos-meta-" + n.substr(kAmzMeta.size()), value);
  } else if (n == "content-type" && r.content_type.empty()) {
    r.content_type = value;
  }
}

// User metadata: MinIO's userMetadata (userDefined before 2019) is an object of
// strings, Ceph's metadata a list of {"key","val"}.
Status read_meta(S3Record& r, const Json& obj, const std::string& where) {
  for (const char* field : {"userMetadata", "userDefined"}) {
    if (!obj.contains(field) || obj[field].is_null()) continue;
    const std::string at = where + "." + field;
    if (!obj[field].is_object()) return bad(at, "is not an object");
    for (const auto& [name, value] : obj[field].items()) {
      if (!value.is_string()) return bad(std::string(at).append(".").append(name), "is not a string");
      add_meta(r, name, value.get<std::string>());
    }
  }
  if (obj.contains("metadata") && !obj["metadata"].is_null()) {
    const Json& list = obj["metadata"];
    if (!list.is_array()) return bad(where + ".metadata", "is not a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = where + ".metadata[" + std::to_string(i) + "]";
      YUNFN_TRY(name, text(list[i], "key", at));
      YUNFN_TRY(value, text(list[i], "val", at));
      if (!list[i].is_object() || name.empty()) return bad(at, "is not a {\"key\",\"val\"} pair");
      add_meta(r, name, value);
    }
  }
  return ok_status();
}

Result<S3Record> parse_record(const Json& rec, const std::string& where) {
  if (!rec.is_object()) return bad(where, "is not an object");
  S3Record r;
  YUNFN_TRY(event_name, text(rec, "eventName", where));
  if (event_name.empty()) return bad(where + ".eventName", "is missing");
  r.event_name = std::move(event_name);
  YUNFN_TRY(source, text(rec, "eventSource", where));
  r.event_source = std::move(source);
  YUNFN_TRY(event_time, text(rec, "eventTime", where));
  r.event_time = std::move(event_time);
  if (!r.event_time.empty()) {
    r.event_time_s = parse_iso8601(r.event_time);
    if (r.event_time_s < 0) return bad(where + ".eventTime", "'" + r.event_time + "' is not an ISO 8601 time");
  }
  YUNFN_TRY(request, object(rec, "requestParameters", where));
  YUNFN_TRY(ip, text(*request, "sourceIPAddress", where + ".requestParameters"));
  r.source_ip = std::move(ip);
  YUNFN_TRY(response, object(rec, "responseElements", where));
  YUNFN_TRY(request_id, text(*response, "x-amz-request-id", where + ".responseElements"));
  r.request_id = std::move(request_id);
  if (!rec.contains("s3") || !rec["s3"].is_object()) return bad(where + ".s3", "is missing or not an object");
  const std::string s3 = where + ".s3";
  YUNFN_TRY(bucket, object(rec["s3"], "bucket", s3));
  YUNFN_TRY(bucket_name, text(*bucket, "name", s3 + ".bucket"));
  if (bucket_name.empty()) return bad(s3 + ".bucket.name", "is missing");
  r.bucket = std::move(bucket_name);
  YUNFN_TRY(obj, object(rec["s3"], "object", s3));
  const std::string o = s3 + ".object";
  YUNFN_TRY(key, text(*obj, "key", o));
  if (key.empty()) return bad(o + ".key", "is missing");
  // S3 and MinIO URL-encode keys ("red flower.jpg" -> "red+flower.jpg"); Ceph does not.
  r.key = r.event_source == "ceph:s3" ? std::move(key) : cos::uri_decode(key, cos::Plus::kSpace);
  if (!is_valid_utf8(r.key)) return bad(o + ".key", "is not UTF-8 once URL-decoded");
  YUNFN_TRY(size, object_size(*obj, o));
  r.size = size;
  YUNFN_TRY(etag, text(*obj, "eTag", o));
  r.etag = etag.size() >= 2 && etag.front() == '"' && etag.back() == '"' ? etag.substr(1, etag.size() - 2) : etag;
  YUNFN_TRY(content_type, text(*obj, "contentType", o));
  r.content_type = std::move(content_type);
  YUNFN_TRY(version, text(*obj, "versionId", o));
  r.version_id = std::move(version);
  YUNFN_TRY(sequencer, text(*obj, "sequencer", o));
  r.sequencer = std::move(sequencer);
  YUNFN_TRY_STATUS(read_meta(r, *obj, o));
  return r;
}

}  // namespace

Result<std::vector<S3Record>> parse_s3_notification(std::string_view body) {
  auto j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("body", "is not JSON");
  if (!j.is_object()) return bad("body", "is not a JSON object");
  if (!j.contains("Records")) return bad("Records", "is missing (not an S3 bucket notification)");
  if (!j["Records"].is_array()) return bad("Records", "is not a list");
  std::vector<S3Record> out;
  for (size_t i = 0; i < j["Records"].size(); ++i) {
    YUNFN_TRY(r, parse_record(j["Records"][i], "Records[" + std::to_string(i) + "]"));
    out.push_back(std::move(r));
  }
  return out;
}

std::string cos_event_name(std::string_view s3_event) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kNames = {{
      {"ObjectCreated:Put", "cos:ObjectCreated:Put"},
      {"ObjectCreated:Post", "cos:ObjectCreated:Post"},
      {"ObjectCreated:Copy", "cos:ObjectCreated:Copy"},
      {"ObjectCreated:CompleteMultipartUpload", "cos:ObjectCreated:CompleteMultipartUpload"},
      {"ObjectRemoved:Delete", "cos:ObjectRemove:Delete"},
      {"ObjectRemoved:DeleteMarkerCreated", "cos:ObjectRemove:DeleteMarkerCreated"},
      {"ObjectRestore:Post", "cos:ObjectRestore:Post"},
      {"ObjectRestore:Completed", "cos:ObjectRestore:Completed"},
  }};
  if (s3_event.starts_with("s3:")) s3_event.remove_prefix(3);
  for (const auto& [s3, cos] : kNames) {
    if (s3_event == s3) return std::string(cos);
  }
  return {};
}

}  // namespace yunfn::triggers

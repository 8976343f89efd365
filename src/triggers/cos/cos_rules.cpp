#include "triggers/cos/cos_rules.h"

#include <array>
#include <cstdio>
#include <regex>
#include <utility>

#include "common/json.h"

namespace yunfn::triggers::cos_rules {
namespace {

Error bad_desc(const std::string& why) {
  return make_error(errc::kInvalidParameterValueTriggerDesc, "TriggerDesc: " + why);
}

// The event names a rule may name: those the bucket service produces, and for
// an external bucket also those S3 notifications carry that SCF names (9.2).
constexpr std::array<const char*, 7> kRuleEvents = {
    "cos:ObjectCreated:*",    "cos:ObjectCreated:Put",  "cos:ObjectCreated:Post",
    "cos:ObjectCreated:Copy", "cos:ObjectCreated:CompleteMultipartUpload",
    "cos:ObjectRemove:*",     "cos:ObjectRemove:Delete"};
constexpr std::array<const char*, 3> kExternalRuleEvents = {
    "cos:ObjectRemove:DeleteMarkerCreated", "cos:ObjectRestore:Post", "cos:ObjectRestore:Completed"};
constexpr size_t kMaxExternalBucket = 255;

bool known_event(const std::string& event, bool external) {
  for (const char* e : kRuleEvents) {
    if (event == e) return true;
  }
  for (const char* e : kExternalRuleEvents) {
    if (external && event == e) return true;
  }
  return false;
}

// {"bucket":"photos"}: the bucket's name in the external store.
Result<std::string> parse_external(const Json& x) {
  if (!x.is_object()) return bad_desc("\"yunfnExternal\" is not an object");
  for (const auto& [field, _] : x.items()) {
    if (field != "bucket") return bad_desc("unknown field \"yunfnExternal." + field + "\" (only \"bucket\")");
  }
  if (!x.contains("bucket") || !x["bucket"].is_string() || x["bucket"].get<std::string>().empty()) {
    return bad_desc("\"yunfnExternal\" needs \"bucket\", the bucket's name in the external store");
  }
  std::string bucket = x["bucket"].get<std::string>();
  if (bucket.size() > kMaxExternalBucket) return bad_desc("yunfnExternal.bucket is longer than 255 bytes");
  for (unsigned char c : bucket) {
    if (c < 0x20 || c == 0x7f || c == '/') return bad_desc("yunfnExternal.bucket holds a '/' or a control character");
  }
  return bucket;
}

// "cos:ObjectCreated:*" -> "cos:ObjectCreated:" (the family), else "".
std::string wildcard_family(const std::string& event) {
  return event.ends_with(":*") ? event.substr(0, event.size() - 1) : "";
}

bool events_overlap(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::string fa = wildcard_family(a);
  const std::string fb = wildcard_family(b);
  return (!fa.empty() && b.starts_with(fa)) || (!fb.empty() && a.starts_with(fb));
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
}

std::string url_path(const std::string& key) {
  std::string out;
  for (unsigned char c : key) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

Result<BucketDomain> parse_domain(const std::string& trigger_name) {
  static const std::regex kDomain(R"(([a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9])-([0-9]+)\.cos\.([a-z]+(-[a-z0-9]+)+)\.myqcloud\.com)");
  std::smatch m;
  if (!std::regex_match(trigger_name, m, kDomain)) {
    return make_error(errc::kInvalidParameterValueTriggerName,
                      "TriggerName of a cos trigger is the bucket's domain, "
                      "<bucket>-<appid>.cos.<region>.myqcloud.com; got '" + trigger_name + "'");
  }
  return BucketDomain{m[1], m[2], m[3]};
}

Result<Rule> parse_rule(const std::string& trigger_desc) {
  auto j = Json::parse(trigger_desc, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad_desc("not a JSON object");
  if (!j.contains("event") || !j["event"].is_string()) return bad_desc("needs \"event\", a string");
  Rule rule;
  rule.event = j["event"].get<std::string>();
  for (const auto& [field, _] : j.items()) {
    if (field != "event" && field != "filter" && field != "yunfnExternal") {
      return bad_desc("unknown field \"" + field + "\"");
    }
  }
  if (j.contains("yunfnExternal")) {
    YUNFN_TRY(bucket, parse_external(j["yunfnExternal"]));
    rule.external_bucket = std::move(bucket);
  }
  if (!known_event(rule.event, rule.external())) {
    if (rule.external()) {
      return bad_desc("event '" + rule.event +
                      "' is not a COS event an external store's notifications map to (cos:ObjectCreated:*, "
                      ":Put, :Post, :Copy, :CompleteMultipartUpload, cos:ObjectRemove:*, :Delete, "
                      ":DeleteMarkerCreated, cos:ObjectRestore:Post, :Completed)");
    }
    return bad_desc("event '" + rule.event +
                    "' is not one the bucket service produces (cos:ObjectCreated:*, :Put, :Post, "
                    ":Copy, :CompleteMultipartUpload, cos:ObjectRemove:*, :Delete)");
  }
  if (j.contains("filter")) {
    const Json& f = j["filter"];
    if (!f.is_object()) return bad_desc("\"filter\" is not an object");
    for (const auto& [field, value] : f.items()) {
      if (field != "Prefix" && field != "Suffix") {
        return bad_desc("unknown filter \"" + field + "\" (one Prefix and one Suffix at most)");
      }
      if (!value.is_string()) return bad_desc("filter " + field + " is not a string");
    }
    rule.prefix = f.value("Prefix", "");
    rule.suffix = f.value("Suffix", "");
    if (!rule.suffix.empty() && rule.suffix[0] != '.') return bad_desc("filter Suffix must start with '.'");
    if (rule.prefix.size() > 1024 || rule.suffix.size() > 1024) return bad_desc("filter longer than 1024 bytes");
  }
  return rule;
}

std::string rule_desc(const Rule& rule) {
  Json desc = {{"event", rule.event}, {"filter", {{"Prefix", rule.prefix}, {"Suffix", rule.suffix}}}};
  if (rule.external()) desc["yunfnExternal"] = {{"bucket", rule.external_bucket}};
  return desc.dump();
}

bool matches(const Rule& rule, const std::string& event_name, const std::string& key) {
  const std::string family = wildcard_family(rule.event);
  const bool event_ok = family.empty() ? event_name == rule.event : event_name.starts_with(family);
  return event_ok && key.starts_with(rule.prefix) && key.ends_with(rule.suffix);
}

bool overlap(const Rule& a, const Rule& b) {
  // A key can have both prefixes only if one starts the other; both suffixes
  // only if one ends the other.
  const bool prefixes = a.prefix.starts_with(b.prefix) || b.prefix.starts_with(a.prefix);
  const bool suffixes = a.suffix.ends_with(b.suffix) || b.suffix.ends_with(a.suffix);
  return events_overlap(a.event, b.event) && prefixes && suffixes;
}

std::string short_region(const std::string& region) {
  static const std::pair<const char*, const char*> kCodes[] = {
      {"ap-guangzhou", "gz"},     {"ap-shanghai", "sh"},       {"ap-beijing", "bj"},
      {"ap-chengdu", "cd"},       {"ap-chongqing", "cq"},      {"ap-nanjing", "nj"},
      {"ap-hongkong", "hk"},      {"ap-singapore", "sg"},      {"ap-tokyo", "jp"},
      {"ap-seoul", "kr"},         {"ap-bangkok", "th"},        {"ap-mumbai", "in"},
      {"na-siliconvalley", "usw"}, {"na-ashburn", "use"},      {"eu-frankfurt", "de"}};
  for (const auto& [name, code] : kCodes) {
    if (region == name) return code;
  }
  return region;
}

std::string cos_event(const cos::ObjectEvent& e, const BucketDomain& bucket, const std::string& event_queue) {
  Json meta = Json::object();
  meta["x-cos-request-id"] = e.request_id;
  meta["Content-Type"] = e.content_type;
  for (const auto& [name, value] : e.meta) meta[name] = value;
  Json headers = Json::object();
  if (!e.authorization.empty()) headers["Authorization"] = e.authorization;
  Json record = {
      {"cos",
       {{"cosSchemaVersion", "1.0"},
        {"cosObject",
         {{"url", "http://" + bucket.domain() + "/" + url_path(e.key)},
          {"meta", std::move(meta)},
          {"vid", ""},
          {"key", "/" + bucket.appid + "/" + bucket.name + "/" + e.key},
          {"size", e.size}}},
        {"cosBucket",
         {{"region", short_region(bucket.region)},
          {"s3Region", bucket.region},
          {"name", bucket.name},
          {"appid", bucket.appid}}},
        {"cosNotificationId", "unkown"}}},  // sic: SCF's spelling
      {"event",
       {{"eventName", e.event_name},
        {"eventVersion", "1.0"},
        {"eventTime", e.event_time},
        {"eventSource", "qcs::cos"},
        {"requestParameters", {{"requestSourceIP", e.source_ip}, {"requestHeaders", std::move(headers)}}},
        {"eventQueue", event_queue},
        {"reservedInfo", ""},
        {"reqid", e.seq}}}};
  return Json{{"Records", Json::array({std::move(record)})}}.dump();
}

invoke::InvocationRequest cos_invocation(const cos::ObjectEvent& e, const BucketDomain& bucket,
                                         const store::TriggerRecord& trigger, std::string request_id) {
  invoke::InvocationRequest req;
  req.ns = trigger.ns;
  req.function_name = trigger.function_name;
  req.qualifier = trigger.qualifier;
  req.request_id = std::move(request_id);
  const std::string queue = "qcs:0:scf:" + short_region(bucket.region) + ":appid/" + bucket.appid + ":" +
                            trigger.ns + "." + trigger.function_name + "." + trigger.qualifier;
  req.event = cos_event(e, bucket, queue);
  return req;
}

}  // namespace yunfn::triggers::cos_rules

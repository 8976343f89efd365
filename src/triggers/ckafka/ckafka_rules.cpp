#include "triggers/ckafka/ckafka_rules.h"

#include <cctype>

#include "common/json.h"
#include "common/utf8.h"

namespace yunfn::triggers::ckafka_rules {
namespace {

Error bad_desc(const std::string& why) {
  return make_error(errc::kInvalidParameterValueTriggerDesc, "TriggerDesc: " + why);
}

// A whole number given as a JSON integer or a string of digits.
std::optional<int64_t> whole_number(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 18) return std::nullopt;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::stoll(s);
}

Status read_int(const Json& j, const char* field, int64_t lo, int64_t hi, int& out) {
  if (!j.contains(field)) return ok_status();
  auto n = whole_number(j[field]);
  if (!n || *n < lo || *n > hi) {
    return bad_desc(std::string(field) + " must be a whole number from " + std::to_string(lo) + " to " +
                    std::to_string(hi) + "; got " + j[field].dump());
  }
  out = static_cast<int>(*n);
  return ok_status();
}

Status read_offset(const Json& j, Desc& d) {
  if (!j.contains("offset")) return ok_status();
  const Json& v = j["offset"];
  if (v.is_string() && v.get_ref<const std::string&>() == "latest") {
    d.offset = StartOffset::kLatest;
  } else if (v.is_string() && v.get_ref<const std::string&>() == "earliest") {
    d.offset = StartOffset::kEarliest;
  } else if (auto ms = whole_number(v); ms && *ms > 0 && *ms < 100000000000000) {
    d.offset = StartOffset::kTimestamp;
    d.timestamp_ms = *ms;
  } else {
    return bad_desc("offset must be \"latest\", \"earliest\" or a time in milliseconds since the epoch "
                    "(e.g. \"1700000000000\"); got " + v.dump());
  }
  return ok_status();
}

bool valid_topic(const std::string& topic) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") return false;
  for (char c : topic) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

Result<Desc> parse_desc(const std::string& trigger_desc) {
  Desc d;
  if (trigger_desc.empty()) return d;
  auto j = Json::parse(trigger_desc, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad_desc("not a JSON object");
  for (const auto& [field, _] : j.items()) {
    if (field != "maxMsgNum" && field != "offset" && field != "retry" && field != "timeOut" &&
        field != "consumerGroupName") {
      return bad_desc("unknown field \"" + field + "\" (known: maxMsgNum, offset, retry, timeOut, consumerGroupName)");
    }
  }
  YUNFN_TRY_STATUS(read_int(j, "maxMsgNum", 1, 10000, d.max_msg_num));
  YUNFN_TRY_STATUS(read_int(j, "retry", 0, 10000, d.retry));
  YUNFN_TRY_STATUS(read_int(j, "timeOut", 1, 60, d.timeout_s));
  YUNFN_TRY_STATUS(read_offset(j, d));
  if (j.contains("consumerGroupName")) {
    const Json& g = j["consumerGroupName"];
    if (!g.is_string() || g.get_ref<const std::string&>().size() > 200) {
      return bad_desc("consumerGroupName must be a string of at most 200 characters");
    }
    d.consumer_group = g.get<std::string>();
  }
  return d;
}

std::string desc_text(const Desc& d) {
  Json j = Json::object();
  j["maxMsgNum"] = d.max_msg_num;
  j["offset"] = d.offset == StartOffset::kLatest     ? "latest"
                : d.offset == StartOffset::kEarliest ? "earliest"
                                                     : std::to_string(d.timestamp_ms);
  j["retry"] = d.retry;
  j["timeOut"] = d.timeout_s;
  j["consumerGroupName"] = d.consumer_group;
  // Keys in SCF's documented order rather than nlohmann's sorted one.
  return "{\"maxMsgNum\":" + j["maxMsgNum"].dump() + ",\"offset\":" + j["offset"].dump() +
         ",\"retry\":" + j["retry"].dump() + ",\"timeOut\":" + j["timeOut"].dump() +
         ",\"consumerGroupName\":" + j["consumerGroupName"].dump() + "}";
}

std::string default_group(const store::TriggerRecord& t) {
  return "yunfn-" + t.ns + "-" + t.function_name + "-" + t.name + "-" + std::to_string(t.add_time_ms);
}

Result<Source> parse_name(const std::string& name, const std::vector<std::string>& cluster_ids) {
  const std::string* best = nullptr;
  for (const auto& id : cluster_ids) {
    if (name.size() > id.size() + 1 && name.starts_with(id) && name[id.size()] == '-' &&
        (!best || id.size() > best->size())) {
      best = &id;
    }
  }
  if (!best) {
    std::string known;
    for (const auto& id : cluster_ids) known += (known.empty() ? "" : ", ") + id;
    return make_error(errc::kResourceNotFoundCkafka,
                      "TriggerName '" + name + "' must be <instanceId>-<topicName> where the instance id is a "
                      "Kafka cluster of the server's configuration (yunfn server --kafka-cluster ID=HOST:PORT); "
                      "configured: " + (known.empty() ? std::string("none") : known));
  }
  Source s{*best, name.substr(best->size() + 1)};
  if (!valid_topic(s.topic)) {
    return make_error(errc::kInvalidParameterValueTriggerName,
                      "TriggerName: topic '" + s.topic + "' is not a Kafka topic name (1-249 letters, digits, '.', '_' or '-')");
  }
  return s;
}

size_t record_bytes(const Message& m) {
  // The fixed JSON around each record is about 100 bytes.
  return m.value.size() + (m.key ? m.key->size() : 4) + 100;
}

std::string ckafka_event(const std::string& topic, std::span<const Message> batch) {
  Json records = Json::array();
  for (const auto& m : batch) {
    if (m.before_start) continue;
    records.push_back({{"Ckafka",
                        {{"topic", topic},
                         {"partition", m.partition},
                         {"offset", m.offset},
                         {"msgKey", m.key ? valid_utf8(*m.key) : std::string("None")},
                         {"msgBody", valid_utf8(m.value)}}}});
  }
  if (records.empty()) return {};
  return Json{{"Records", std::move(records)}}.dump();
}

}  // namespace yunfn::triggers::ckafka_rules

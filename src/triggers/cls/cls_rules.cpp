#include "triggers/cls/cls_rules.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "common/crypto.h"
#include "common/json.h"

namespace yunfn::triggers::cls_rules {
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

// SCF's key, else the Serverless component's; nullptr when neither is there.
const Json* key(const Json& j, const char* scf, const char* component) {
  if (auto it = j.find(scf); it != j.end() && !it->is_null()) return &*it;
  if (component) {
    if (auto it = j.find(component); it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

Status read_int(const Json& j, const char* scf, const char* component, int64_t lo, int64_t hi,
                int& out) {
  const Json* v = key(j, scf, component);
  if (!v) return ok_status();
  auto n = whole_number(*v);
  if (!n || *n < lo || *n > hi) {
    return bad_desc(std::string(scf) + " must be a whole number from " + std::to_string(lo) +
                    " to " + std::to_string(hi) + "; got " + v->dump());
  }
  out = static_cast<int>(*n);
  return ok_status();
}

Status read_flag(const Json& j, std::optional<bool>& out) {
  const Json* v = key(j, "effective", "enable");
  if (!v) return ok_status();
  if (v->is_boolean()) {
    out = v->get<bool>();
  } else if (v->is_string() && (*v == "TRUE" || *v == "true" || *v == "OPEN")) {
    out = true;
  } else if (v->is_string() && (*v == "FALSE" || *v == "false" || *v == "CLOSE")) {
    out = false;
  } else {
    return bad_desc("effective must be true or false; got " + v->dump());
  }
  return ok_status();
}

// name_space / function_name / qualifier repeat what the trigger is bound to.
Status read_same(const Json& j, const char* field, const std::string& expected) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return ok_status();
  if (!it->is_string() || (*it != expected && !(expected == "default" && *it == ""))) {
    return bad_desc(std::string(field) + " " + it->dump() + " is not the trigger's own (" +
                    expected + ")");
  }
  return ok_status();
}

constexpr std::array<const char*, 11> kKnownKeys = {
    "topic_id",  "max_wait", "max_size", "effective", "name_space", "function_name",
    "qualifier", "topicId",  "maxWait",  "maxSize",   "enable"};

// About how many bytes a record adds to records_json.
size_t record_bytes(const logs::StoredRecord& r) { return r.content.size() + 48; }

}  // namespace

Result<Desc> parse_desc(const store::TriggerRecord& trigger) {
  Desc d;
  Json j = trigger.trigger_desc.empty() ? Json::object()
                                        : Json::parse(trigger.trigger_desc, nullptr, false);
  if (!j.is_object()) return bad_desc("not a JSON object");
  for (const auto& item : j.items()) {
    const std::string& field = item.key();
    if (std::find_if(kKnownKeys.begin(), kKnownKeys.end(),
                     [&](const char* k) { return field == k; }) == kKnownKeys.end()) {
      return bad_desc("unknown key \"" + field +
                      "\" (known: topic_id, max_wait, max_size, effective, name_space, "
                      "function_name, qualifier; "
                      "or topicId, maxWait, maxSize, enable)");
    }
  }
  if (const Json* topic = key(j, "topic_id", "topicId")) {
    if (!topic->is_string() || topic->get_ref<const std::string&>().empty()) {
      return bad_desc("topic_id must be a log topic id; got " + topic->dump());
    }
    d.topic_id = topic->get<std::string>();
  } else {
    d.topic_id = trigger.name;
  }
  YUNFN_TRY_STATUS(read_int(j, "max_wait", "maxWait", 3, 300, d.max_wait_s));
  YUNFN_TRY_STATUS(read_int(j, "max_size", "maxSize", 1, 10000, d.max_size));
  YUNFN_TRY_STATUS(read_flag(j, d.effective));
  YUNFN_TRY_STATUS(read_same(j, "name_space", trigger.ns));
  YUNFN_TRY_STATUS(read_same(j, "function_name", trigger.function_name));
  YUNFN_TRY_STATUS(read_same(j, "qualifier", trigger.qualifier));
  return d;
}

std::string desc_text(const Desc& desc) {
  return Json{
      {"topic_id", desc.topic_id}, {"max_wait", desc.max_wait_s}, {"max_size", desc.max_size}}
      .dump();
}

std::string gzip(std::string_view raw) {
  z_stream zs{};
  // 16 + 15 window bits: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, raw.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

std::string records_json(const std::string& topic_id, const std::string& topic_name,
                         std::span<const logs::StoredRecord> records) {
  Json list = Json::array();
  for (const auto& r : records) {
    list.push_back({{"timestamp", std::to_string(r.timestamp_us)}, {"content", r.content}});
  }
  return Json{{"topic_id", topic_id}, {"topic_name", topic_name}, {"records", std::move(list)}}
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<Piece> clslogs_events(const std::string& topic_id, const std::string& topic_name,
                                  std::span<const logs::StoredRecord> records, size_t max_piece) {
  std::vector<Piece> out;
  // Compressed bytes per raw byte, learnt from the pieces made so far; the
  // first guess (1/16) keeps the first attempt at about 2 MB of JSON.
  double ratio = 1.0 / 16;
  const double target = 0.9 * static_cast<double>(max_piece);
  size_t i = 0;
  while (i < records.size()) {
    size_t take = 0;
    double raw = 0;
    while (i + take < records.size() &&
           (take == 0 ||
            raw + static_cast<double>(record_bytes(records[i + take])) <= target / ratio)) {
      raw += static_cast<double>(record_bytes(records[i + take]));
      ++take;
    }
    for (;;) {
      const std::string json = records_json(topic_id, topic_name, records.subspan(i, take));
      std::string gz = gzip(json);
      ratio = std::max(1e-4, static_cast<double>(gz.size()) / static_cast<double>(json.size()));
      if (gz.size() <= max_piece || take == 1) {
        Piece p{records[i].seq, records[i + take - 1].seq, take, gz.size(), ""};
        p.event = Json{{"clslogs", {{"data", crypto::base64_encode(gz)}}}}.dump();
        out.push_back(std::move(p));
        i += take;
        break;
      }
      // Too big: keep the share that should fit.
      const auto fits =
          static_cast<size_t>(static_cast<double>(take) * target / static_cast<double>(gz.size()));
      take = std::clamp<size_t>(fits, 1, take - 1);
    }
  }
  return out;
}

}  // namespace yunfn::triggers::cls_rules

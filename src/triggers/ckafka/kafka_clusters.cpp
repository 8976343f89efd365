#include "triggers/ckafka/kafka_clusters.h"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "triggers/ckafka/ckafka_rules.h"

namespace yunfn::triggers {
namespace {

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

Error bad_flag(const std::string& flag, const std::string& value, const std::string& why) {
  return make_error(errc::kInvalidParameterValue, flag + " '" + value + "': " + why);
}

// Librdkafka's own log lines (broker connections, group changes) in the server log.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  if (level <= 3) {
    spdlog::warn("kafka {} {}: {}", rd_kafka_name(rk), facility, text);
  } else {
    spdlog::debug("kafka {} {}: {}", rd_kafka_name(rk), facility, text);
  }
}

}  // namespace

Result<KafkaClusters> parse_kafka_clusters(const std::vector<std::string>& clusters,
                                           const std::vector<std::string>& properties) {
  KafkaClusters out;
  for (const auto& text : clusters) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq + 1 == text.size()) {
      return bad_flag("--kafka-cluster", text, "must be ID=HOST:PORT[,HOST:PORT...]");
    }
    KafkaCluster c{text.substr(0, eq), text.substr(eq + 1), {}};
    if (!valid_id(c.id)) {
      return bad_flag("--kafka-cluster", text, "the id must be 1-64 letters, digits, '-' or '_'");
    }
    for (const auto& other : out) {
      if (other.id == c.id) return bad_flag("--kafka-cluster", text, "cluster " + c.id + " is given twice");
    }
    out.push_back(std::move(c));
  }
  for (const auto& text : properties) {
    auto colon = text.find(':');
    auto eq = text.find('=', colon == std::string::npos ? 0 : colon);
    if (colon == std::string::npos || eq == std::string::npos || eq == colon + 1) {
      return bad_flag("--kafka-property", text, "must be ID:KEY=VALUE");
    }
    const std::string id = text.substr(0, colon);
    auto it = std::find_if(out.begin(), out.end(), [&](const KafkaCluster& c) { return c.id == id; });
    if (it == out.end()) return bad_flag("--kafka-property", text, "no --kafka-cluster has the id " + id);
    it->properties.emplace_back(text.substr(colon + 1, eq - colon - 1), text.substr(eq + 1));
  }
  for (const auto& c : out) {
    auto conf = make_kafka_conf(c, {}, {});
    if (!conf.ok()) return bad_flag("--kafka-property", c.id, conf.error().message);
  }
  return out;
}

Result<KafkaConf> make_kafka_conf(const KafkaCluster& cluster,
                                  const std::vector<std::pair<std::string, std::string>>& defaults,
                                  const std::vector<std::pair<std::string, std::string>>& overrides) {
  KafkaConf conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return make_error(errc::kInvalidParameterValue, "Kafka setting " + k + ": " + err);
    }
    return ok_status();
  };
  YUNFN_TRY_STATUS(set("bootstrap.servers", cluster.bootstrap));
  for (const auto& [k, v] : defaults) YUNFN_TRY_STATUS(set(k, v));
  for (const auto& [k, v] : cluster.properties) YUNFN_TRY_STATUS(set(k, v));
  for (const auto& [k, v] : overrides) YUNFN_TRY_STATUS(set(k, v));
  rd_kafka_conf_set_log_cb(conf.get(), log_line);
  return conf;
}

Status find_topic(const KafkaCluster& cluster, const std::string& topic, std::chrono::milliseconds timeout) {
  YUNFN_TRY(conf, make_kafka_conf(cluster, {{"client.id", "yunfn-metadata"}}, {}));
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) return make_error(errc::kFailedOperation, "Kafka cluster " + cluster.id + ": " + err);
  static_cast<void>(conf.release());  // rd_kafka_new took it
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk.get(), /*all_topics=*/1, nullptr, &md, static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_error(errc::kFailedOperation, "Kafka cluster " + cluster.id + " (" + cluster.bootstrap +
                                                  ") did not answer within " + std::to_string(timeout.count()) +
                                                  " ms: " + rd_kafka_err2str(e));
  }
  bool found = false;
  for (int i = 0; i < md->topic_cnt; ++i) {
    found = found || (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_metadata_destroy(md);
  if (!found) {
    return make_error(errc::kResourceNotFoundCkafka,
                      "TriggerName: topic " + topic + " does not exist on Kafka cluster " + cluster.id);
  }
  return ok_status();
}

}  // namespace yunfn::triggers

// KafkaCluster: a Kafka cluster that ckafka triggers name by id (SCF's
// instance id in TriggerName `<instanceId>-<topicName>`). The server's
// configuration lists them: `--kafka-cluster ID=HOST:PORT[,HOST:PORT...]`,
// and `--kafka-property ID:KEY=VALUE` for the librdkafka settings a cluster
// needs (security.protocol, sasl.mechanisms, sasl.username, ssl.ca.location,
// ...), passed through unchanged. Plain values and blocking helpers: call
// find_topic() off the loop thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace yunfn::triggers {

struct KafkaCluster {
  std::string id;
  std::string bootstrap;  // "host:port,host:port"
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka settings, in flag order
};
using KafkaClusters = std::vector<KafkaCluster>;

// Parses the two flags' values. Errors (InvalidParameterValue) name the flag
// and the value; every property is tried on a librdkafka configuration, so a
// misspelled key or bad value stops the start rather than a later consumer.
Result<KafkaClusters> parse_kafka_clusters(const std::vector<std::string>& clusters,
                                           const std::vector<std::string>& properties);

struct KafkaConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;
struct KafkaDeleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

// A librdkafka configuration for `cluster`: its bootstrap servers, the
// platform's `defaults`, the cluster's properties, then `overrides` (settings
// the platform's semantics depend on). Librdkafka's log lines go to the server log.
Result<KafkaConf> make_kafka_conf(const KafkaCluster& cluster,
                                  const std::vector<std::pair<std::string, std::string>>& defaults,
                                  const std::vector<std::pair<std::string, std::string>>& overrides);

// Whether `topic` exists on the cluster; blocks up to `timeout`. Errors:
// ResourceNotFound.Ckafka (no such topic), FailedOperation (the cluster did
// not answer in time, with librdkafka's reason).
Status find_topic(const KafkaCluster& cluster, const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace yunfn::triggers

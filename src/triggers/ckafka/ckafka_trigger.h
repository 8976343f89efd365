// CkafkaTrigger: the `ckafka` trigger type. TriggerName is
// `<instanceId>-<topicName>`, where the instance id is a Kafka cluster of the
// server's configuration (`--kafka-cluster`); TriggerDesc is
// {"maxMsgNum","offset","retry","timeOut","consumerGroupName"} (ckafka_rules.h).
// CreateTrigger refuses an unknown cluster or topic. Every enabled trigger is
// a CkafkaSubscription: one consumer group per trigger, synchronous
// invocations in order per partition, offsets committed after success, so a
// crash redelivers at most the batches that were running (at-least-once).
// Disabling or deleting a trigger ends its batches and leaves the group;
// changing its desc or qualifier rejoins with the new settings.
// Owned by the server; loop thread only. The destructor stops every consumer
// and waits for their threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "triggers/ckafka/ckafka_subscription.h"
#include "triggers/ckafka/kafka_clusters.h"
#include "triggers/trigger_types.h"

namespace yunfn::triggers {

class CkafkaTrigger final : public TriggerType {
 public:
  // `workers` runs the blocking topic look-ups of CreateTrigger.
  CkafkaTrigger(const CkafkaServices& services, asio::any_io_executor workers, KafkaClusters clusters);
  ~CkafkaTrigger() override;  // NOLINT(bugprone-exception-escape): see the definition

  Status check_name(const std::string& name) override;
  Status check(store::TriggerRecord& trigger) override;
  Task<Status> check_source(const store::TriggerRecord& trigger) override;
  Status changed() override;
  Result<Json> status(const store::TriggerRecord& trigger) override;
  // Starts the enabled triggers, and a watch that follows changes made
  // without changed() (a function deleted with its triggers).
  Status start();

 private:
  const KafkaCluster* cluster(const std::string& id) const;
  Status reconcile();
  Task<void> watch();

  CkafkaServices services_;
  asio::any_io_executor workers_;
  const KafkaClusters clusters_;
  std::vector<std::string> cluster_ids_;
  std::map<std::string, std::shared_ptr<CkafkaSubscription>> running_;  // by ns/function/trigger
  std::vector<std::shared_ptr<GroupConsumer>> leaving_;  // stopped, their threads still closing
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::triggers

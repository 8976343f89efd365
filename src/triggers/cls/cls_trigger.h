// ClsTrigger: the `cls` trigger type. It binds a function to a yunfn log
// topic (logs/log_topics.h): TriggerDesc names the topic (topic_id, else the
// TriggerName is the topic id) and the batch window (max_wait, 3-300 s) and
// size (max_size records); an unknown topic is refused
// (FailedOperation.TopicNotExist). Every enabled trigger is a ClsDelivery
// that hands the topic's new records to the function in batches through the
// async queue, resuming from its durable cursor after a restart. Disabling a
// trigger keeps its cursor (it goes on where it stopped when enabled again);
// deleting it, or changing its topic, drops the cursor.
// Owned by the server; loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "store/store.h"
#include "triggers/cls/cls_delivery.h"
#include "triggers/trigger_types.h"

namespace yunfn::triggers {

class ClsTrigger final : public TriggerType {
 public:
  ClsTrigger(const ClsServices& services, store::Store& store);
  ~ClsTrigger() override;  // NOLINT(bugprone-exception-escape): see the definition

  // 1-100 letters, digits, '-' or '_' (a topic id is a fine name).
  Status check_name(const std::string& name) override;
  Status check(store::TriggerRecord& trigger) override;
  Status changed() override;
  Result<Json> status(const store::TriggerRecord& trigger) override;
  // Starts the enabled triggers, and a watch that follows changes made
  // without changed() (a function deleted with its triggers).
  Status start();

 private:
  Status reconcile();
  Task<void> watch();

  ClsServices services_;
  store::Store& store_;
  std::map<std::string, std::shared_ptr<ClsDelivery>> running_;  // by cursor key
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::triggers

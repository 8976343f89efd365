// The rules of `ckafka` triggers (spec 9.3, 9.8): TriggerName
// `<instanceId>-<topicName>` (the instance id names a Kafka cluster of the
// server's configuration), TriggerDesc {maxMsgNum, offset, retry, timeOut,
// consumerGroupName}, the consumer group a trigger reads as, and the SCF
// CKafka event. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/records.h"

namespace yunfn::triggers::ckafka_rules {

// Where a trigger with no committed offset starts reading.
enum class StartOffset { kLatest, kEarliest, kTimestamp };

struct Desc {
  int max_msg_num = 100;     // messages per invocation, 1-10000
  StartOffset offset = StartOffset::kLatest;
  int64_t timestamp_ms = 0;  // kTimestamp: messages stamped before this are skipped
  int retry = 10000;         // retries of a batch whose invocation fails, 0-10000
  int timeout_s = 60;        // longest wait for a batch to fill, 1-60 s
  std::string consumer_group;  // yunfn extension; empty: the platform names one
};
// Errors: InvalidParameterValue.TriggerDesc naming the field. Values may be
// JSON numbers or numeric strings (the SCF console and toolkits send both).
Result<Desc> parse_desc(const std::string& trigger_desc);
// The stored form: {"maxMsgNum":100,"offset":"latest","retry":10000,"timeOut":60,"consumerGroupName":"..."}.
std::string desc_text(const Desc& desc);
// The group of a trigger whose desc names none: one per trigger (and per
// creation, so a re-created trigger starts afresh at its `offset`).
std::string default_group(const store::TriggerRecord& trigger);

// What a trigger reads: a configured cluster and one of its topics.
struct Source {
  std::string cluster_id;
  std::string topic;
};
// Splits `<instanceId>-<topicName>` at the longest configured cluster id.
// Errors: InvalidParameterValue.TriggerName (no topic, bad topic characters),
// ResourceNotFound.Ckafka (no configured cluster matches).
Result<Source> parse_name(const std::string& trigger_name, const std::vector<std::string>& cluster_ids);

// One fetched Kafka message.
struct Message {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;  // null key: SCF's msgKey "None"
  std::string value;
  int64_t timestamp_ms = -1;
  bool before_start = false;       // stamped before a kTimestamp start: not delivered
};

// Largest event of one synchronous invocation; a bigger message goes alone.
inline constexpr size_t kMaxEventBytes = 6 * 1024 * 1024;
// About how many bytes a message adds to the event (JSON escaping aside).
size_t record_bytes(const Message& m);
// The SCF CKafka event {"Records":[{"Ckafka":{topic,partition,offset,msgKey,msgBody}}]}
// for the delivered messages of `batch`. Bodies and keys that are not UTF-8
// have their bad bytes replaced by U+FFFD.
std::string ckafka_event(const std::string& topic, std::span<const Message> batch);

}  // namespace yunfn::triggers::ckafka_rules

// The rules of `cls` triggers (spec 9.5): TriggerDesc with SCF's keys
// {topic_id, max_wait, max_size, effective, name_space, function_name,
// qualifier} or the Serverless component's {topicId, maxWait, maxSize,
// enable}, and the SCF CLS event: {"clslogs":{"data":"<base64 of gzip>"}}
// whose decoded JSON is {"topic_id","topic_name","records":[{"timestamp"
// (microseconds, a string),"content"}]}, cut into pieces of at most 128 KB
// compressed. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "logs/log_records.h"
#include "store/records.h"

namespace yunfn::triggers::cls_rules {

struct Desc {
  std::string topic_id;
  int max_wait_s = 60;            // the batch window, 3-300 s
  int max_size = 10000;           // records per batch at most, 1-10000
  std::optional<bool> effective;  // false: the trigger is created disabled
};
// Errors: InvalidParameterValue.TriggerDesc naming the key. Values may be JSON
// numbers or numeric strings; effective/enable a boolean or "TRUE"/"FALSE".
// Without topic_id the TriggerName is taken as the topic id. name_space,
// function_name and qualifier, when given, must name the trigger's own.
Result<Desc> parse_desc(const store::TriggerRecord& trigger);
// The stored form: {"max_size":10000,"max_wait":60,"topic_id":"..."}.
std::string desc_text(const Desc& desc);

// The largest compressed piece (SCF's async event limit).
inline constexpr size_t kMaxPieceBytes = 128 * 1024;

// gzip of `raw` (zlib, best speed).
std::string gzip(std::string_view raw);
// The decoded JSON of one piece: {"topic_id","topic_name","records":[...]}.
std::string records_json(const std::string& topic_id, const std::string& topic_name,
                         std::span<const logs::StoredRecord> records);
// The events of one batch: {"clslogs":{"data":"<base64 of gzip of records_json>"}}
// per piece, in record order, each piece's gzip at most `max_piece` bytes. The
// cut depends on the records only, so a batch cut again after a restart gives
// the same pieces. A record too big for a piece on its own (impossible below
// logs::kMaxRecordBytes) goes alone.
struct Piece {
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  size_t records = 0;
  size_t compressed_bytes = 0;
  std::string event;
};
std::vector<Piece> clslogs_events(const std::string& topic_id, const std::string& topic_name,
                                  std::span<const logs::StoredRecord> records,
                                  size_t max_piece = kMaxPieceBytes);

}  // namespace yunfn::triggers::cls_rules

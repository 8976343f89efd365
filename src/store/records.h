// The records the Store keeps: namespaces, functions with their versions'
// configuration, and invocation records (the function log). Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"

namespace yunfn::store {

inline constexpr const char* kLatest = "$LATEST";
inline constexpr const char* kDefaultNamespace = "default";

struct NamespaceRecord {
  std::string name;
  std::string description;
  int64_t add_time_ms = 0;
  int64_t mod_time_ms = 0;
};

// SCF's function Type: an event function, or a web function (an HTTP server
// on port 9000). Names ("Event", "HTTP") only at the API and storage edges.
enum class FunctionType { kEvent, kHttp };
const char* function_type_name(FunctionType t);
std::optional<FunctionType> parse_function_type(const std::string& s);

// SCF's Status of a function version.
enum class VersionStatus { kCreating, kActive, kCreateFailed, kUpdating, kUpdateFailed };
const char* version_status_name(VersionStatus s);  // "Creating", "Active", ...
std::optional<VersionStatus> parse_version_status(const std::string& s);
// Creating or Updating: the code is being unpacked.
inline bool is_changing(VersionStatus s) {
  return s == VersionStatus::kCreating || s == VersionStatus::kUpdating;
}

// A layer version bound to a function version. The package is named here so a
// binding keeps working after its layer version is deleted (SCF's rule).
struct LayerBinding {
  std::string name;
  int version = 0;
  std::string code_sha256;
  uint64_t unpacked_size = 0;
};

// The configuration of one function version (code + settings). `$LATEST` is
// mutable; published versions are immutable snapshots of it.
struct FunctionConfig {
  std::string runtime;       // SCF runtime name, e.g. "Python3.9"
  std::string handler;       // "index.main_handler"
  std::string description;
  FunctionType type = FunctionType::kEvent;
  int memory_mb = 128;
  int timeout_s = 3;
  int init_timeout_s = 65;
  std::vector<std::pair<std::string, std::string>> environment;
  std::string code_sha256;  // content address of the zip in the CodeStore
  uint64_t code_size = 0;   // zip size in bytes
  uint64_t code_unpacked_size = 0;  // bytes once extracted (0 for packages stored before it was kept)
  std::vector<LayerBinding> layers;  // in binding order: a later layer's file wins
  bool async_run_enable = false;
  bool trace_enable = false;
  bool public_net = true;
  int max_concurrency = 1;  // requests one instance serves at once (web functions)
  // The log topic (logs/log_topics.h) its invocation logs go to, and that
  // topic's logset (ClsLogsetId / ClsTopicId); empty: none.
  std::string cls_logset_id;
  std::string cls_topic_id;
};

Json to_json(const FunctionConfig& c);
// Throws on a value of the wrong type or an unknown Type (the store reports the row).
FunctionConfig function_config_from_json(const Json& j);

// One published layer version. Deleted versions stay as rows (hidden from
// the layer actions) so their numbers are never reused.
struct LayerVersionRecord {
  std::string name;
  int version = 0;
  std::vector<std::string> compatible_runtimes;
  std::string description;
  std::string license_info;
  std::string code_sha256;
  uint64_t code_size = 0;      // zip bytes
  uint64_t unpacked_size = 0;  // bytes once extracted
  bool deleted = false;
  int64_t add_time_ms = 0;
};

// One version of a function (`$LATEST` or a published number) and its state.
struct VersionRecord {
  std::string version;        // "$LATEST", "1", "2", ...
  FunctionConfig config;
  VersionStatus status = VersionStatus::kActive;
  std::string status_desc;    // reason when failed
  int64_t generation = 0;     // bumped on every change of $LATEST: instances of older ones retire
  int64_t add_time_ms = 0;
  int64_t mod_time_ms = 0;
};

struct FunctionRecord {
  std::string ns;
  std::string name;
  std::string function_id;
  int64_t add_time_ms = 0;
  VersionRecord latest;
  std::optional<int> reserved_mem_mb;  // "max exclusive" quota; nullopt = none
  Json async_config = Json::object();  // AsyncTriggerConfig {RetryConfig, MsgTTL} + DeadLetterConfig
};

// The life of an async event. kQueued and kRunning are both reported as SCF's
// RUNNING; the others map to FINISHED, FAILED and ABORTED.
enum class AsyncState { kQueued, kRunning, kFinished, kFailed, kAborted };
const char* async_state_name(AsyncState s);          // "queued", "running", ...
std::optional<AsyncState> parse_async_state(const std::string& s);

// One async invocation: the durable queue entry and its status record.
struct AsyncEventRecord {
  std::string request_id;
  std::string ns;
  std::string function_name;
  std::string qualifier;
  std::string invoke_type;   // API, TIMER, ...
  std::string event;
  AsyncState state = AsyncState::kQueued;
  int attempts = 0;          // invocations started so far
  int64_t next_attempt_at_ms = 0;
  int64_t accepted_at_ms = 0;
  int64_t start_time_ms = 0; // first start
  int64_t end_time_ms = 0;
  int status_code = 0;       // SCF status of the last attempt
  std::string result;        // RetMsg / error of the last attempt
};

struct AsyncEventQuery {
  std::string ns = kDefaultNamespace;
  std::string function_name;
  std::string qualifier;
  std::vector<std::string> invoke_types;
  std::vector<AsyncState> states;
  std::string request_id;
  int64_t start_from_ms = -1, start_to_ms = -1;  // [from, to) on accepted time
  int64_t end_from_ms = -1, end_to_ms = -1;
  std::string order_by = "StartTime";  // StartTime | EndTime
  bool ascending = false;
  int offset = 0;
  int limit = 20;
};

// A trigger bound to a function qualifier.
struct TriggerRecord {
  std::string ns;
  std::string function_name;
  std::string name;
  std::string type;          // timer, apigw, ...
  std::string qualifier = kLatest;
  std::string trigger_desc;  // normalised per type (timer: {"cron":"..."})
  bool enable = true;
  std::string custom_argument;
  std::string description;
  int64_t last_fired_at_ms = 0;
  int64_t add_time_ms = 0;
  int64_t mod_time_ms = 0;
};

// An alias: a name for a main version, with optional routing of some traffic
// to one additional version (by weight or by rules on a routing key).
struct AliasRecord {
  std::string name;
  std::string function_version;
  Json routing_config = Json::object();  // SCF RoutingConfig as given
  std::string description;
  int64_t add_time_ms = 0;
  int64_t mod_time_ms = 0;
};

// Provisioned instances requested for one published version.
struct ProvisionedRecord {
  std::string ns;
  std::string function_name;
  std::string version;
  int count = 0;
  int64_t mod_time_ms = 0;
};

struct FunctionListQuery {
  std::string ns = kDefaultNamespace;
  std::string search_key;   // fuzzy name match
  std::string description;  // fuzzy description match
  std::string order_by = "AddTime";  // AddTime | ModTime | FunctionName
  bool ascending = false;
  int offset = 0;
  int limit = 20;
};

// One invocation as the function log keeps it.
struct InvocationRecord {
  std::string request_id;
  std::string ns;
  std::string function_name;
  std::string qualifier;
  int64_t start_time_ms = 0;
  double duration_ms = 0;
  int64_t bill_duration_ms = 0;
  int64_t mem_usage_bytes = 0;
  int ret_code = 0;          // FunctionLog RetCode: 0 ok, 2 running, 3 interrupted, other failed
  int status_code = 200;     // SCF invocation status code (200, 430, 433, ...)
  std::string ret_msg;
  std::string log;
  int retry_num = 0;
  bool cold_start = false;
};

struct InvocationQuery {
  std::string ns = kDefaultNamespace;
  std::string function_name;
  std::string request_id;        // exact, empty = any
  std::string ret_code_filter;   // "", "is0", "not0", "TimeLimitExceeded", "ResourceLimitExceeded", "UserCodeException"
  std::string qualifier;         // empty = any
  int64_t start_time_ms = -1;    // inclusive, -1 = unbounded
  int64_t end_time_ms = -1;      // inclusive, -1 = unbounded
  std::string order_by = "start_time";  // function_name | duration | mem_usage | start_time
  bool ascending = false;
  int offset = 0;
  int limit = 10;
};

}  // namespace yunfn::store

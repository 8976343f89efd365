#include "store/migrations.h"

namespace yunfn::store {

const std::vector<std::string>& sqlite_migrations() {
  static const std::vector<std::string> migrations = {
      // 1: namespaces, functions with versions, invocation records, settings.
      R"sql(
CREATE TABLE namespaces (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  add_time INTEGER NOT NULL,
  mod_time INTEGER NOT NULL
);
CREATE TABLE functions (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  function_id TEXT NOT NULL,
  add_time INTEGER NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE versions (
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version TEXT NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  status_desc TEXT NOT NULL DEFAULT '',
  generation INTEGER NOT NULL DEFAULT 0,
  add_time INTEGER NOT NULL,
  mod_time INTEGER NOT NULL,
  PRIMARY KEY (namespace, function_name, version),
  FOREIGN KEY (namespace, function_name) REFERENCES functions(namespace, name) ON DELETE CASCADE
);
CREATE TABLE invocations (
  request_id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  bill_duration_ms INTEGER NOT NULL,
  mem_usage_bytes INTEGER NOT NULL,
  ret_code INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  ret_msg TEXT NOT NULL,
  log TEXT NOT NULL,
  retry_num INTEGER NOT NULL DEFAULT 0,
  cold_start INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invocations_by_function ON invocations(namespace, function_name, start_time);
CREATE INDEX invocations_by_time ON invocations(start_time);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
      // 2: published versions counter, aliases, concurrency settings.
      R"sql(
ALTER TABLE functions ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE functions ADD COLUMN reserved_mem INTEGER;
CREATE TABLE aliases (
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  function_version TEXT NOT NULL,
  routing_config TEXT NOT NULL DEFAULT '{}',
  description TEXT NOT NULL DEFAULT '',
  add_time INTEGER NOT NULL,
  mod_time INTEGER NOT NULL,
  PRIMARY KEY (namespace, function_name, name)
);
CREATE TABLE provisioned (
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version TEXT NOT NULL,
  count INTEGER NOT NULL,
  mod_time INTEGER NOT NULL,
  PRIMARY KEY (namespace, function_name, version)
);
)sql",
      // 3: async events (durable queue + status tracking), triggers, async settings.
      R"sql(
ALTER TABLE functions ADD COLUMN async_config TEXT NOT NULL DEFAULT '{}';
CREATE TABLE async_events (
  request_id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  invoke_type TEXT NOT NULL,
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL,
  start_time INTEGER NOT NULL DEFAULT 0,
  end_time INTEGER NOT NULL DEFAULT 0,
  status_code INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX async_events_by_state ON async_events(state, next_attempt_at);
CREATE INDEX async_events_by_function ON async_events(namespace, function_name, accepted_at);
CREATE TABLE triggers (
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  trigger_desc TEXT NOT NULL,
  enable INTEGER NOT NULL,
  custom_argument TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  last_fired_at INTEGER NOT NULL DEFAULT 0,
  add_time INTEGER NOT NULL,
  mod_time INTEGER NOT NULL,
  PRIMARY KEY (namespace, function_name, type, name)
);
)sql",
      // 4: an invocation record per attempt: async retries share a request id.
      R"sql(
CREATE TABLE invocations_v4 (
  request_id TEXT NOT NULL,
  namespace TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  bill_duration_ms INTEGER NOT NULL,
  mem_usage_bytes INTEGER NOT NULL,
  ret_code INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  ret_msg TEXT NOT NULL,
  log TEXT NOT NULL,
  retry_num INTEGER NOT NULL DEFAULT 0,
  cold_start INTEGER NOT NULL DEFAULT 0
);
INSERT INTO invocations_v4 SELECT request_id, namespace, function_name, qualifier, start_time,
  duration_ms, bill_duration_ms, mem_usage_bytes, ret_code, status_code, ret_msg, log,
  retry_num, cold_start FROM invocations;
DROP TABLE invocations;
ALTER TABLE invocations_v4 RENAME TO invocations;
CREATE INDEX invocations_by_function ON invocations(namespace, function_name, start_time);
CREATE INDEX invocations_by_time ON invocations(start_time);
CREATE INDEX invocations_by_request ON invocations(request_id);
)sql",
      // 5: layer versions (region-wide, like SCF's; deleted ones stay as rows).
      R"sql(
CREATE TABLE layer_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  compatible_runtimes TEXT NOT NULL,
  description TEXT NOT NULL,
  license_info TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  unpacked_size INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  add_time INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
)sql",
  };
  return migrations;
}

}  // namespace yunfn::store

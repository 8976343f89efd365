// SqliteStore: the embedded Store over one SQLite database in WAL mode.
// synchronous=NORMAL: a commit survives a crash of the server process
// (kill -9); only a power loss can take the last commits.
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "store/function_cache.h"
#include "store/invocation_writer.h"
#include "store/migrations.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace yunfn::store {
namespace {

constexpr const char* kVersionColumns =
    "version, config, status, status_desc, generation, add_time, mod_time";

// A stored row that cannot be read back (bad JSON, a wrong type): the store
// reports it as an error naming the row instead of serving half of it.
struct CorruptRow : std::runtime_error {
  using std::runtime_error::runtime_error;
};

VersionRecord read_version(const Statement& s, int col) {
  VersionRecord v;
  v.version = s.text(col);
  Json config = Json::parse(s.text(col + 1), nullptr, false);
  if (config.is_discarded()) {
    throw CorruptRow("the stored configuration of version " + v.version + " is not JSON");
  }
  try {
    v.config = function_config_from_json(config);
  } catch (const std::exception& e) {
    throw CorruptRow("the stored configuration of version " + v.version + " is invalid: " +
                     e.what());
  }
  auto status = parse_version_status(s.text(col + 2));
  if (!status) throw CorruptRow("version " + v.version + " has an unknown status " + s.text(col + 2));
  v.status = *status;
  v.status_desc = s.text(col + 3);
  v.generation = s.int64(col + 4);
  v.add_time_ms = s.int64(col + 5);
  v.mod_time_ms = s.int64(col + 6);
  return v;
}

// Runs one store operation. Statements throw internally (SqliteError, CorruptRow);
// here, at the interface, every failure becomes an InternalError.System value
// that names the operation and SQLite's reason (disk full, locked, corrupt).
template <typename T>
struct AsResult {
  using type = Result<T>;
};
template <typename T>
struct AsResult<Result<T>> {
  using type = Result<T>;
};

template <typename F>
auto guarded_call(const char* op, F&& f) -> typename AsResult<decltype(f())>::type {
  std::string reason;
  try {
    return f();
  } catch (const std::exception& e) {
    reason = e.what();
  }
  spdlog::error("store: {} failed: {}", op, reason);
  return make_error(errc::kInternalErrorSystem,
                    std::string("the store failed (") + op + "): " + reason);
}

// Escapes LIKE wildcards so a search key matches literally.
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

class SqliteStore final : public Store {
 public:
  // Throws on a start-up failure; open_sqlite_store() turns it into an error.
  SqliteStore(const std::string& path, const Clock& clock) : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    migrate();
    seed_default_namespace(clock);
    // A database in memory cannot be opened twice: its records are written at once.
    if (path != ":memory:") {
      writer_ = std::make_unique<InvocationWriter>(path, kDefaultInvocationBacklogBytes);
    }
  }

  Status create_namespace(const NamespaceRecord& ns) override {
    return guarded("create namespace", [&]() -> Status {
      Statement exists(db_, "SELECT 1 FROM namespaces WHERE name=?");
      exists.bind(1, ns.name);
      if (exists.step()) {
        return make_error(errc::kResourceInUseNamespace, "Namespace " + ns.name + " already exists");
      }
      Statement(db_,
                "INSERT INTO namespaces(name, description, add_time, mod_time) VALUES(?,?,?,?)")
          .bind(1, ns.name).bind(2, ns.description).bind(3, ns.add_time_ms).bind(4, ns.mod_time_ms)
          .run();
      return ok_status();
    });
  }

  Result<std::optional<NamespaceRecord>> get_namespace(const std::string& name) override {
    return guarded("get namespace", [&]() -> std::optional<NamespaceRecord> {
      Statement s(db_,
                  "SELECT name, description, add_time, mod_time FROM namespaces WHERE name=?");
      s.bind(1, name);
      if (!s.step()) return std::nullopt;
      return NamespaceRecord{s.text(0), s.text(1), s.int64(2), s.int64(3)};
    });
  }

  Result<std::vector<NamespaceRecord>> list_namespaces() override {
    return guarded("list namespaces", [&]() -> std::vector<NamespaceRecord> {
      Statement s(db_,
                  "SELECT name, description, add_time, mod_time FROM namespaces ORDER BY add_time");
      std::vector<NamespaceRecord> out;
      while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2), s.int64(3)});
      return out;
    });
  }

  Status delete_namespace(const std::string& name) override {
    return guarded("delete namespace", [&]() -> Status {
      cache_.clear();
      Statement(db_, "DELETE FROM namespaces WHERE name=?").bind(1, name).run();
      return ok_status();
    });
  }

  Status create_function(const FunctionRecord& fn) override {
    return guarded("create function", [&]() -> Status {
      cache_.forget(fn.ns, fn.name);
      Transaction tx(db_);
      Statement exists(db_, "SELECT 1 FROM functions WHERE namespace=? AND name=?");
      exists.bind(1, fn.ns).bind(2, fn.name);
      if (exists.step()) {
        return make_error(errc::kResourceInUseFunction,
                          "Function " + fn.name + " already exists in namespace " + fn.ns);
      }
      Statement(db_,
                "INSERT INTO functions(namespace, name, function_id, add_time) VALUES(?,?,?,?)")
          .bind(1, fn.ns).bind(2, fn.name).bind(3, fn.function_id).bind(4, fn.add_time_ms).run();
      write_version(fn.ns, fn.name, fn.latest);
      tx.commit();
      return ok_status();
    });
  }

  Result<std::optional<FunctionRecord>> get_function(const std::string& ns,
                                             const std::string& name) override {
    return guarded("get function", [&]() -> std::optional<FunctionRecord> {
      if (const FunctionRecord* kept = cache_.function(ns, name)) return *kept;
      Statement s(db_, std::string("SELECT f.namespace, f.name, f.function_id, f.add_time, f.reserved_mem, f.async_config, ") +
                                    prefixed_version_columns() +
                                    " FROM functions f JOIN versions v ON v.namespace=f.namespace "
                                    "AND v.function_name=f.name AND v.version='$LATEST' "
                                    "WHERE f.namespace=? AND f.name=?");
      s.bind(1, ns).bind(2, name);
      if (!s.step()) return std::nullopt;
      FunctionRecord fn = read_function(s);
      cache_.put_function(fn);
      return fn;
    });
  }

  Result<std::pair<std::vector<FunctionRecord>, int>> list_functions(const FunctionListQuery& q) override {
    return guarded("list functions", [&]() -> std::pair<std::vector<FunctionRecord>, int> {
      std::string where =
          " FROM functions f JOIN versions v ON v.namespace=f.namespace AND v.function_name=f.name "
          "AND v.version='$LATEST' WHERE f.namespace=?1 AND f.name LIKE ?2 ESCAPE '\\' "
          "AND json_extract(v.config, '$.description') LIKE ?3 ESCAPE '\\'";
      Statement count(db_, "SELECT COUNT(*)" + where);
      count.bind(1, q.ns).bind(2, like_pattern(q.search_key)).bind(3, like_pattern(q.description));
      count.step();
      int total = static_cast<int>(count.int64(0));

      std::string order = q.order_by == "FunctionName" ? "f.name"
                          : q.order_by == "ModTime"    ? "v.mod_time"
                                                       : "f.add_time";
      Statement s(db_, std::string("SELECT f.namespace, f.name, f.function_id, f.add_time, f.reserved_mem, f.async_config, ") +
                                    prefixed_version_columns() + where + " ORDER BY " + order +
                                    (q.ascending ? " ASC" : " DESC") + ", f.name LIMIT ?4 OFFSET ?5");
      s.bind(1, q.ns).bind(2, like_pattern(q.search_key)).bind(3, like_pattern(q.description));
      s.bind(4, q.limit).bind(5, q.offset);
      std::vector<FunctionRecord> out;
      while (s.step()) out.push_back(read_function(s));
      return {std::move(out), total};
    });
  }

  Result<int> count_functions(const std::string& ns) override {
    return guarded("count functions", [&]() -> int {
      Statement s(db_, "SELECT COUNT(*) FROM functions WHERE namespace=?");
      s.bind(1, ns);
      s.step();
      return static_cast<int>(s.int64(0));
    });
  }

  Status put_version(const std::string& ns, const std::string& name,
                     const VersionRecord& v) override {
    return guarded("put version", [&]() -> Status {
      cache_.forget(ns, name);
      write_version(ns, name, v);
      return ok_status();
    });
  }

  Result<std::optional<VersionRecord>> get_version(const std::string& ns, const std::string& name,
                                           const std::string& version) override {
    return guarded("get version", [&]() -> std::optional<VersionRecord> {
      if (const VersionRecord* kept = cache_.version(ns, name, version)) return *kept;
      Statement s(db_, std::string("SELECT ") + kVersionColumns +
                                    " FROM versions WHERE namespace=? AND function_name=? AND "
                                    "version=?");
      s.bind(1, ns).bind(2, name).bind(3, version);
      if (!s.step()) return std::nullopt;
      VersionRecord v = read_version(s, 0);
      cache_.put_version(ns, name, v);
      return v;
    });
  }

  Status delete_function(const std::string& ns, const std::string& name) override {
    // No record of the function may land after the delete.
    if (writer_) writer_->flush(kReadYourInvocations);
    return guarded("delete function", [&]() -> Status {
      cache_.forget(ns, name);
      Transaction tx(db_);
      Statement(db_, "DELETE FROM versions WHERE namespace=? AND function_name=?")
          .bind(1, ns).bind(2, name).run();
      Statement(db_, "DELETE FROM functions WHERE namespace=? AND name=?")
          .bind(1, ns).bind(2, name).run();
      for (const char* table : {"invocations", "aliases", "provisioned", "triggers"}) {
        Statement(db_, std::string("DELETE FROM ") + table +
                                    " WHERE namespace=? AND function_name=?")
            .bind(1, ns).bind(2, name).run();
      }
      tx.commit();
      return ok_status();
    });
  }

  Result<std::vector<FunctionRecord>> all_functions() override {
    return guarded("all functions", [&]() -> std::vector<FunctionRecord> {
      Statement s(db_, std::string("SELECT f.namespace, f.name, f.function_id, f.add_time, f.reserved_mem, f.async_config, ") +
                                    prefixed_version_columns() +
                                    " FROM functions f JOIN versions v ON v.namespace=f.namespace "
                                    "AND v.function_name=f.name AND v.version='$LATEST'");
      std::vector<FunctionRecord> out;
      while (s.step()) out.push_back(read_function(s));
      return out;
    });
  }

  Result<std::string> publish_version(const std::string& ns, const std::string& name,
                                      VersionRecord snapshot) override {
    return guarded("publish version", [&]() -> Result<std::string> {
      cache_.forget(ns, name);
      Transaction tx(db_);
      Statement next(db_,
                     "UPDATE functions SET last_version=last_version+1 WHERE namespace=? AND name=? "
                     "RETURNING last_version");
      next.bind(1, ns).bind(2, name);
      if (!next.step()) {
        return make_error(errc::kResourceNotFoundFunction, "Function " + name + " does not exist");
      }
      snapshot.version = std::to_string(next.int64(0));
      while (next.step()) {
      }
      write_version(ns, name, snapshot);
      tx.commit();
      return snapshot.version;
    });
  }

  Result<std::vector<VersionRecord>> list_versions(const std::string& ns,
                                           const std::string& name) override {
    return guarded("list versions", [&]() -> std::vector<VersionRecord> {
      Statement s(db_, std::string("SELECT ") + kVersionColumns +
                                    " FROM versions WHERE namespace=? AND function_name=? "
                                    "ORDER BY add_time, CAST(version AS INTEGER)");
      s.bind(1, ns).bind(2, name);
      std::vector<VersionRecord> out;
      while (s.step()) out.push_back(read_version(s, 0));
      return out;
    });
  }

  Status delete_version(const std::string& ns, const std::string& name,
                        const std::string& version) override {
    return guarded("delete version", [&]() -> Status {
      cache_.forget(ns, name);
      Transaction tx(db_);
      Statement(db_, "DELETE FROM versions WHERE namespace=? AND function_name=? AND version=?")
          .bind(1, ns).bind(2, name).bind(3, version).run();
      Statement(db_, "DELETE FROM provisioned WHERE namespace=? AND function_name=? AND version=?")
          .bind(1, ns).bind(2, name).bind(3, version).run();
      tx.commit();
      return ok_status();
    });
  }

  Status put_alias(const std::string& ns, const std::string& fn, const AliasRecord& a) override {
    return guarded("put alias", [&]() -> Status {
      cache_.forget(ns, fn);
      Statement(db_,
                "INSERT OR REPLACE INTO aliases(namespace, function_name, name, function_version, "
                "routing_config, description, add_time, mod_time) VALUES(?,?,?,?,?,?,?,?)")
          .bind(1, ns).bind(2, fn).bind(3, a.name).bind(4, a.function_version)
          .bind(5, a.routing_config.dump()).bind(6, a.description).bind(7, a.add_time_ms)
          .bind(8, a.mod_time_ms)
          .run();
      return ok_status();
    });
  }

  Result<std::optional<AliasRecord>> get_alias(const std::string& ns, const std::string& fn,
                                       const std::string& name) override {
    return guarded("get alias", [&]() -> std::optional<AliasRecord> {
      if (const AliasRecord* kept = cache_.alias(ns, fn, name)) return *kept;
      auto all = query_aliases(ns, fn, name);
      if (all.empty()) return std::nullopt;
      cache_.put_alias(ns, fn, all.front());
      return all.front();
    });
  }

  Result<std::vector<AliasRecord>> list_aliases(const std::string& ns, const std::string& fn) override {
    return guarded("list aliases", [&]() -> std::vector<AliasRecord> {
      return query_aliases(ns, fn, "");
    });
  }

  Status delete_alias(const std::string& ns, const std::string& fn,
                      const std::string& name) override {
    return guarded("delete alias", [&]() -> Status {
      cache_.forget(ns, fn);
      Statement(db_, "DELETE FROM aliases WHERE namespace=? AND function_name=? AND name=?")
          .bind(1, ns).bind(2, fn).bind(3, name).run();
      return ok_status();
    });
  }

  Status set_reserved_mem(const std::string& ns, const std::string& fn,
                          std::optional<int> mb) override {
    return guarded("set reserved mem", [&]() -> Status {
      cache_.forget(ns, fn);
      if (mb) {
        Statement(db_, "UPDATE functions SET reserved_mem=? WHERE namespace=? AND name=?")
            .bind(1, *mb).bind(2, ns).bind(3, fn).run();
      } else {
        Statement(db_, "UPDATE functions SET reserved_mem=NULL WHERE namespace=? AND name=?")
            .bind(1, ns).bind(2, fn).run();
      }
      return ok_status();
    });
  }

  Status put_provisioned(const ProvisionedRecord& p) override {
    return guarded("put provisioned", [&]() -> Status {
      Statement(db_,
                "INSERT OR REPLACE INTO provisioned(namespace, function_name, version, count, "
                "mod_time) VALUES(?,?,?,?,?)")
          .bind(1, p.ns).bind(2, p.function_name).bind(3, p.version).bind(4, p.count)
          .bind(5, p.mod_time_ms)
          .run();
      return ok_status();
    });
  }

  Status delete_provisioned(const std::string& ns, const std::string& fn,
                            const std::string& version) override {
    return guarded("delete provisioned", [&]() -> Status {
      Statement(db_,
                "DELETE FROM provisioned WHERE namespace=? AND function_name=? AND version=?")
          .bind(1, ns).bind(2, fn).bind(3, version).run();
      return ok_status();
    });
  }

  Result<std::vector<ProvisionedRecord>> list_provisioned(const std::string& ns,
                                                  const std::string& fn) override {
    return guarded("list provisioned", [&]() -> std::vector<ProvisionedRecord> {
      Statement s(db_,
                  "SELECT namespace, function_name, version, count, mod_time FROM provisioned "
                  "WHERE (?1='' OR namespace=?1) AND (?2='' OR function_name=?2) "
                  "ORDER BY namespace, function_name, CAST(version AS INTEGER)");
      s.bind(1, ns).bind(2, fn);
      std::vector<ProvisionedRecord> out;
      while (s.step()) {
        out.push_back({s.text(0), s.text(1), s.text(2), static_cast<int>(s.int64(3)), s.int64(4)});
      }
      return out;
    });
  }

  Status set_async_config(const std::string& ns, const std::string& fn,
                          const Json& config) override {
    return guarded("set async config", [&]() -> Status {
      cache_.forget(ns, fn);
      Statement(db_, "UPDATE functions SET async_config=? WHERE namespace=? AND name=?")
          .bind(1, config.dump()).bind(2, ns).bind(3, fn).run();
      return ok_status();
    });
  }

  Status insert_async_event(const AsyncEventRecord& e) override {
    return guarded("insert async event", [&]() -> Status {
      Statement s(db_, std::string("INSERT OR IGNORE INTO async_events(") +
                                    kAsyncColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      bind_async(s, e);
      s.run();
      if (db_.changes() == 0) {
        return make_error(errc::kResourceInUse, "async event " + e.request_id + " already exists");
      }
      return ok_status();
    });
  }

  Status update_async_event(const AsyncEventRecord& e) override {
    return guarded("update async event", [&]() -> Status {
      Statement s(db_, std::string("INSERT OR REPLACE INTO async_events(") +
                                    kAsyncColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      bind_async(s, e);
      s.run();
      return ok_status();
    });
  }

  Result<std::optional<AsyncEventRecord>> get_async_event(const std::string& request_id) override {
    return guarded("get async event", [&]() -> std::optional<AsyncEventRecord> {
      Statement s(db_, std::string("SELECT ") + kAsyncColumns +
                                    " FROM async_events WHERE request_id=?");
      s.bind(1, request_id);
      if (!s.step()) return std::nullopt;
      return read_async(s);
    });
  }

  Result<std::pair<std::vector<AsyncEventRecord>, int>> query_async_events(
      const AsyncEventQuery& q) override {
    return guarded("query async events", [&]() -> std::pair<std::vector<AsyncEventRecord>, int> {
      std::string where =
          " FROM async_events WHERE namespace=?1 AND function_name=?2 AND (?3='' OR qualifier=?3) "
          "AND (?4='' OR request_id=?4) AND (?5<0 OR accepted_at>=?5) AND (?6<0 OR accepted_at<?6) "
          "AND (?7<0 OR (end_time>=?7 AND end_time>0)) AND (?8<0 OR (end_time<?8 AND end_time>0))";
      where += in_list("state", q.states.size(), 9);
      where += in_list("invoke_type", q.invoke_types.size(), 9 + static_cast<int>(q.states.size()));
      auto bind_all = [&](Statement& s) {
        s.bind(1, q.ns).bind(2, q.function_name).bind(3, q.qualifier).bind(4, q.request_id);
        s.bind(5, q.start_from_ms).bind(6, q.start_to_ms).bind(7, q.end_from_ms).bind(8, q.end_to_ms);
        int i = 9;
        for (auto st : q.states) s.bind(i++, std::string(async_state_name(st)));
        for (const auto& t : q.invoke_types) s.bind(i++, t);
        return i;
      };
      Statement count(db_, "SELECT COUNT(*)" + where);
      bind_all(count);
      count.step();
      int total = static_cast<int>(count.int64(0));
      std::string order = q.order_by == "EndTime" ? "end_time" : "accepted_at";
      Statement s(db_, std::string("SELECT ") + kAsyncColumns + where + " ORDER BY " +
                                    order + (q.ascending ? " ASC" : " DESC") +
                                    ", rowid LIMIT ? OFFSET ?");
      int next = bind_all(s);
      s.bind(next, q.limit).bind(next + 1, q.offset);
      std::vector<AsyncEventRecord> out;
      while (s.step()) out.push_back(read_async(s));
      return {std::move(out), total};
    });
  }

  Result<std::vector<AsyncEventRecord>> pending_async_events() override {
    return guarded("pending async events", [&]() -> std::vector<AsyncEventRecord> {
      Statement s(db_, std::string("SELECT ") + kAsyncColumns +
                                    " FROM async_events WHERE state IN ('queued','running') "
                                    "ORDER BY next_attempt_at, rowid");
      std::vector<AsyncEventRecord> out;
      while (s.step()) out.push_back(read_async(s));
      return out;
    });
  }

  Result<int> purge_async_events_before(int64_t unix_ms) override {
    return guarded("purge async events before", [&]() -> int {
      Statement(db_,
                "DELETE FROM async_events WHERE state NOT IN ('queued','running') AND end_time<?")
          .bind(1, unix_ms)
          .run();
      return static_cast<int>(db_.changes());
    });
  }

  Status put_trigger(const TriggerRecord& t) override {
    return guarded("put trigger", [&]() -> Status {
      Statement(db_,
                "INSERT OR REPLACE INTO triggers(namespace, function_name, name, type, qualifier, "
                "trigger_desc, enable, custom_argument, description, last_fired_at, add_time, "
                "mod_time) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind(1, t.ns).bind(2, t.function_name).bind(3, t.name).bind(4, t.type)
          .bind(5, t.qualifier).bind(6, t.trigger_desc).bind(7, static_cast<int64_t>(t.enable))
          .bind(8, t.custom_argument).bind(9, t.description).bind(10, t.last_fired_at_ms)
          .bind(11, t.add_time_ms).bind(12, t.mod_time_ms)
          .run();
      return ok_status();
    });
  }

  Result<std::optional<TriggerRecord>> get_trigger(const std::string& ns, const std::string& fn,
                                           const std::string& type,
                                           const std::string& name) override {
    return guarded("get trigger", [&]() -> std::optional<TriggerRecord> {
      auto all = query_triggers(ns, fn, type, name);
      if (all.empty()) return std::nullopt;
      return all.front();
    });
  }

  Result<std::vector<TriggerRecord>> list_triggers(const std::string& ns, const std::string& fn) override {
    return guarded("list triggers", [&]() -> std::vector<TriggerRecord> {
      return query_triggers(ns, fn, "", "");
    });
  }

  Status delete_trigger(const std::string& ns, const std::string& fn, const std::string& type,
                        const std::string& name) override {
    return guarded("delete trigger", [&]() -> Status {
      Statement(db_,
                "DELETE FROM triggers WHERE namespace=? AND function_name=? AND type=? AND name=?")
          .bind(1, ns).bind(2, fn).bind(3, type).bind(4, name).run();
      return ok_status();
    });
  }

  Status insert_invocation(const InvocationRecord& r) override {
    if (writer_) return writer_->push(r);
    return guarded("insert invocation", [&]() -> Status {
      InvocationWriter::insert(db_, r);
      return ok_status();
    });
  }

  Result<std::pair<std::vector<InvocationRecord>, int>> query_invocations(
      const InvocationQuery& q) override {
    if (writer_) writer_->flush(kReadYourInvocations);
    return guarded("query invocations", [&]() -> std::pair<std::vector<InvocationRecord>, int> {
      std::string where =
          " FROM invocations WHERE namespace=?1 AND function_name=?2 AND (?3='' OR request_id=?3) "
          "AND (?4='' OR qualifier=?4) AND (?5<0 OR start_time>=?5) AND (?6<0 OR start_time<=?6)" +
          ret_code_condition(q.ret_code_filter);
      auto bind_all = [&](Statement& s) {
        s.bind(1, q.ns).bind(2, q.function_name).bind(3, q.request_id).bind(4, q.qualifier);
        s.bind(5, q.start_time_ms).bind(6, q.end_time_ms);
      };
      Statement count(db_, "SELECT COUNT(*)" + where);
      bind_all(count);
      count.step();
      int total = static_cast<int>(count.int64(0));

      std::string order = q.order_by == "duration"        ? "duration_ms"
                          : q.order_by == "mem_usage"     ? "mem_usage_bytes"
                          : q.order_by == "function_name" ? "function_name"
                                                          : "start_time";
      Statement s(db_,
                  "SELECT request_id, namespace, function_name, qualifier, start_time, duration_ms, "
                  "bill_duration_ms, mem_usage_bytes, ret_code, status_code, ret_msg, log, "
                  "retry_num, cold_start" +
                      where + " ORDER BY " + order + (q.ascending ? " ASC" : " DESC") +
                      ", rowid" + (q.ascending ? " ASC" : " DESC") + " LIMIT ?7 OFFSET ?8");
      bind_all(s);
      s.bind(7, q.limit).bind(8, q.offset);
      std::vector<InvocationRecord> out;
      while (s.step()) {
        InvocationRecord r;
        r.request_id = s.text(0);
        r.ns = s.text(1);
        r.function_name = s.text(2);
        r.qualifier = s.text(3);
        r.start_time_ms = s.int64(4);
        r.duration_ms = s.real(5);
        r.bill_duration_ms = s.int64(6);
        r.mem_usage_bytes = s.int64(7);
        r.ret_code = static_cast<int>(s.int64(8));
        r.status_code = static_cast<int>(s.int64(9));
        r.ret_msg = s.text(10);
        r.log = s.text(11);
        r.retry_num = static_cast<int>(s.int64(12));
        r.cold_start = s.int64(13) != 0;
        out.push_back(std::move(r));
      }
      return {std::move(out), total};
    });
  }

  Result<int> purge_invocations_before(int64_t unix_ms) override {
    if (writer_) writer_->flush(kReadYourInvocations);
    return guarded("purge invocations before", [&]() -> int {
      Statement(db_, "DELETE FROM invocations WHERE start_time<?").bind(1, unix_ms).run();
      return static_cast<int>(db_.changes());
    });
  }

  Status put_layer_version(const LayerVersionRecord& l) override {
    return guarded("put layer version", [&]() -> Status {
      Statement(db_,
                "INSERT OR REPLACE INTO layer_versions(name, version, compatible_runtimes, "
                "description, license_info, code_sha256, code_size, unpacked_size, deleted, "
                "add_time) VALUES(?,?,?,?,?,?,?,?,?,?)")
          .bind(1, l.name).bind(2, l.version).bind(3, Json(l.compatible_runtimes).dump())
          .bind(4, l.description).bind(5, l.license_info).bind(6, l.code_sha256)
          .bind(7, static_cast<int64_t>(l.code_size)).bind(8, static_cast<int64_t>(l.unpacked_size))
          .bind(9, l.deleted ? 1 : 0).bind(10, l.add_time_ms)
          .run();
      return ok_status();
    });
  }

  Result<std::vector<LayerVersionRecord>> list_layer_versions(const std::string& name) override {
    return guarded("list layer versions", [&]() -> std::vector<LayerVersionRecord> {
      Statement s(db_,
                  "SELECT name, version, compatible_runtimes, description, license_info, "
                  "code_sha256, code_size, unpacked_size, deleted, add_time FROM layer_versions "
                  "WHERE ?1='' OR name=?1 ORDER BY name, version");
      s.bind(1, name);
      std::vector<LayerVersionRecord> out;
      while (s.step()) {
        LayerVersionRecord l;
        l.name = s.text(0);
        l.version = static_cast<int>(s.int64(1));
        l.compatible_runtimes = Json::parse(s.text(2)).get<std::vector<std::string>>();
        l.description = s.text(3);
        l.license_info = s.text(4);
        l.code_sha256 = s.text(5);
        l.code_size = static_cast<uint64_t>(s.int64(6));
        l.unpacked_size = static_cast<uint64_t>(s.int64(7));
        l.deleted = s.int64(8) != 0;
        l.add_time_ms = s.int64(9);
        out.push_back(std::move(l));
      }
      return out;
    });
  }

  Result<std::optional<std::string>> get_setting(const std::string& key) override {
    return guarded("get setting", [&]() -> std::optional<std::string> {
      Statement s(db_, "SELECT value FROM settings WHERE key=?");
      s.bind(1, key);
      if (!s.step()) return std::nullopt;
      return s.text(0);
    });
  }

  Status put_setting(const std::string& key, const std::string& value) override {
    return guarded("put setting", [&]() -> Status {
      Statement(db_, "INSERT OR REPLACE INTO settings(key, value) VALUES(?,?)")
          .bind(1, key).bind(2, value).run();
      return ok_status();
    });
  }

 private:
  // How long a reader of invocation records waits for those already queued.
  static constexpr std::chrono::milliseconds kReadYourInvocations{1000};

  // guarded_call() under the store's lock: the store is shared by the threads
  // of the server; SQLite statements of one connection run one at a time.
  template <typename F>
  auto guarded(const char* op, F&& f) -> typename AsResult<decltype(f())>::type {
    std::lock_guard lock(mu_);
    return guarded_call(op, std::forward<F>(f));
  }

  static std::string prefixed_version_columns() {
    return "v.version, v.config, v.status, v.status_desc, v.generation, v.add_time, v.mod_time";
  }

  static FunctionRecord read_function(const Statement& s) {
    FunctionRecord f;
    f.ns = s.text(0);
    f.name = s.text(1);
    f.function_id = s.text(2);
    f.add_time_ms = s.int64(3);
    if (!s.is_null(4)) f.reserved_mem_mb = static_cast<int>(s.int64(4));
    f.async_config = Json::parse(s.text(5), nullptr, false);
    if (!f.async_config.is_object()) f.async_config = Json::object();
    f.latest = read_version(s, 6);
    return f;
  }

  static std::string ret_code_condition(const std::string& filter) {
    if (filter == "is0") return " AND ret_code=0";
    if (filter == "not0") return " AND ret_code<>0";
    if (filter == "TimeLimitExceeded") return " AND status_code=433";
    if (filter == "ResourceLimitExceeded") return " AND status_code=432";
    if (filter == "UserCodeException") return " AND status_code IN (430,443)";
    return "";
  }

  std::vector<AliasRecord> query_aliases(const std::string& ns, const std::string& fn,
                                         const std::string& name) {
    Statement s(db_,
                "SELECT name, function_version, routing_config, description, add_time, mod_time "
                "FROM aliases WHERE namespace=?1 AND function_name=?2 AND (?3='' OR name=?3) "
                "ORDER BY add_time, name");
    s.bind(1, ns).bind(2, fn).bind(3, name);
    std::vector<AliasRecord> out;
    while (s.step()) {
      out.push_back({s.text(0), s.text(1), Json::parse(s.text(2), nullptr, false), s.text(3),
                     s.int64(4), s.int64(5)});
    }
    return out;
  }

  static constexpr const char* kAsyncColumns =
      "request_id, namespace, function_name, qualifier, invoke_type, event, state, attempts, "
      "next_attempt_at, accepted_at, start_time, end_time, status_code, result";

  static void bind_async(Statement& s, const AsyncEventRecord& e) {
    s.bind(1, e.request_id).bind(2, e.ns).bind(3, e.function_name).bind(4, e.qualifier);
    s.bind(5, e.invoke_type).bind(6, e.event).bind(7, std::string(async_state_name(e.state)));
    s.bind(8, e.attempts).bind(9, e.next_attempt_at_ms).bind(10, e.accepted_at_ms);
    s.bind(11, e.start_time_ms).bind(12, e.end_time_ms).bind(13, e.status_code);
    s.bind(14, e.result);
  }

  static AsyncEventRecord read_async(const Statement& s) {
    AsyncEventRecord e;
    e.request_id = s.text(0);
    e.ns = s.text(1);
    e.function_name = s.text(2);
    e.qualifier = s.text(3);
    e.invoke_type = s.text(4);
    e.event = s.text(5);
    e.state = parse_async_state(s.text(6)).value_or(AsyncState::kQueued);
    e.attempts = static_cast<int>(s.int64(7));
    e.next_attempt_at_ms = s.int64(8);
    e.accepted_at_ms = s.int64(9);
    e.start_time_ms = s.int64(10);
    e.end_time_ms = s.int64(11);
    e.status_code = static_cast<int>(s.int64(12));
    e.result = s.text(13);
    return e;
  }

  // " AND column IN (?N, ...)" for n parameters starting at index first.
  static std::string in_list(const char* column, size_t n, int first) {
    if (n == 0) return "";
    std::string out = std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < n; ++i) out += (i ? ",?" : "?") + std::to_string(first + static_cast<int>(i));
    return out + ")";
  }

  std::vector<TriggerRecord> query_triggers(const std::string& ns, const std::string& fn,
                                            const std::string& type, const std::string& name) {
    Statement s(db_,
                "SELECT namespace, function_name, name, type, qualifier, trigger_desc, enable, "
                "custom_argument, description, last_fired_at, add_time, mod_time FROM triggers "
                "WHERE (?1='' OR namespace=?1) AND (?2='' OR function_name=?2) AND "
                "(?3='' OR type=?3) AND (?4='' OR name=?4) ORDER BY add_time, name");
    s.bind(1, ns).bind(2, fn).bind(3, type).bind(4, name);
    std::vector<TriggerRecord> out;
    while (s.step()) {
      TriggerRecord t;
      t.ns = s.text(0);
      t.function_name = s.text(1);
      t.name = s.text(2);
      t.type = s.text(3);
      t.qualifier = s.text(4);
      t.trigger_desc = s.text(5);
      t.enable = s.int64(6) != 0;
      t.custom_argument = s.text(7);
      t.description = s.text(8);
      t.last_fired_at_ms = s.int64(9);
      t.add_time_ms = s.int64(10);
      t.mod_time_ms = s.int64(11);
      out.push_back(std::move(t));
    }
    return out;
  }

  void write_version(const std::string& ns, const std::string& name, const VersionRecord& v) {
    Statement(db_,
              std::string("INSERT OR REPLACE INTO versions(namespace, function_name, ") +
                  kVersionColumns + ") VALUES(?,?,?,?,?,?,?,?,?)")
        .bind(1, ns).bind(2, name).bind(3, v.version).bind(4, to_json(v.config).dump())
        .bind(5, version_status_name(v.status)).bind(6, v.status_desc).bind(7, v.generation).bind(8, v.add_time_ms)
        .bind(9, v.mod_time_ms)
        .run();
  }

  void migrate() {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    size_t current = 0;
    {
      // Finalised before the migrations run: DROP TABLE fails while a read is pending.
      Statement s(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
      s.step();
      current = static_cast<size_t>(s.int64(0));
    }
    const auto& all = sqlite_migrations();
    if (current > all.size()) {
      throw std::runtime_error("database schema version " + std::to_string(current) +
                               " is newer than this yunfn (" + std::to_string(all.size()) + ")");
    }
    for (size_t i = current; i < all.size(); ++i) {
      Transaction tx(db_);
      db_.exec(all[i]);
      Statement(db_, "INSERT INTO schema_version(version) VALUES(?)")
          .bind(1, static_cast<int64_t>(i + 1))
          .run();
      tx.commit();
    }
  }

  void seed_default_namespace(const Clock& clock) {
    int64_t now = to_unix_ms(clock.now());
    Statement(db_,
              "INSERT OR IGNORE INTO namespaces(name, description, add_time, mod_time) "
              "VALUES(?,?,?,?)")
        .bind(1, kDefaultNamespace).bind(2, "default namespace").bind(3, now).bind(4, now)
        .run();
  }

  std::mutex mu_;
  Db db_;
  FunctionCache cache_;
  std::unique_ptr<InvocationWriter> writer_;  // its own connection and thread
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, const Clock& clock) {
  try {
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(path, clock));
  } catch (const std::exception& e) {
    return make_error(errc::kInternalErrorSystem,
                      "cannot open the store " + path + ": " + e.what());
  }
}

}  // namespace yunfn::store

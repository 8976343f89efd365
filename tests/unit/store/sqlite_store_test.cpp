// Tests for the SQLite store (store/store.h) on a real database file in a
// temporary directory: schema migrations, namespaces, functions and their
// versions, invocation records with every query filter, settings, durability
// across reopen and across a crash of the writing process, and refusal of a
// database written by a newer yunfn.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "store/store.h"

#include "../temp_dir.h"

namespace yunfn::store {
namespace {

using test_support::read_text;
using test_support::TempDir;

namespace fs = std::filesystem;

// Runs one SQL statement on a separate raw connection and returns the first
// column of every row as text (to inspect the file independently of the store).
std::vector<std::string> raw_query(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "prepare failed: " << sqlite3_errmsg(db) << " in " << sql;
  } else {
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      rows.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db) << " in " << sql;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

FunctionRecord make_function(const std::string& name, int64_t add_time,
                             const std::string& description = "",
                             const std::string& ns = kDefaultNamespace) {
  FunctionRecord fn;
  fn.ns = ns;
  fn.name = name;
  fn.function_id = "lam-" + name;
  fn.add_time_ms = add_time;
  fn.latest.version = kLatest;
  fn.latest.status = VersionStatus::kActive;
  fn.latest.add_time_ms = add_time;
  fn.latest.mod_time_ms = add_time;
  fn.latest.generation = 1;
  fn.latest.config.runtime = "Python3.9";
  fn.latest.config.handler = "index.main_handler";
  fn.latest.config.description = description;
  return fn;
}

InvocationRecord make_invocation(const std::string& request_id, const std::string& fn,
                                 int64_t start, int status_code = 200) {
  InvocationRecord r;
  r.request_id = request_id;
  r.ns = kDefaultNamespace;
  r.function_name = fn;
  r.qualifier = kLatest;
  r.start_time_ms = start;
  r.duration_ms = 1.5;
  r.bill_duration_ms = 2;
  r.mem_usage_bytes = 1024;
  r.status_code = status_code;
  r.ret_code = status_code == 200 ? 0 : 1;
  r.ret_msg = "msg-" + request_id;
  r.log = "log-" + request_id;
  return r;
}

std::vector<std::string> names_of(const std::vector<FunctionRecord>& fns) {
  std::vector<std::string> out;
  for (const auto& f : fns) out.push_back(f.name);
  return out;
}

// The value of a store call that must succeed.
template <typename T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  if (!r.ok()) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

// Opens the store at path; the test fails when it cannot.
std::unique_ptr<Store> open_store(const fs::path& path) {
  return ok(open_sqlite_store(path.string(), Clock::system()));
}

std::vector<std::string> ids_of(const std::vector<InvocationRecord>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.request_id);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_store(path()); }
  fs::path path() const { return dir_.file("yunfn.db"); }
  void reopen() {
    store_.reset();
    store_ = open_store(path());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------
// Schema and namespaces
// ---------------------------------------------------------------------------

TEST_F(SqliteStoreTest, MigrationsCreateTheSchemaAndRecordTheVersion) {
  auto tables = raw_query(path(), "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
  std::set<std::string> have(tables.begin(), tables.end());
  for (const char* t :
       {"namespaces", "functions", "versions", "invocations", "settings", "schema_version",
        "layer_versions"}) {
    EXPECT_TRUE(have.count(t)) << "missing table " << t;
  }
  auto indexes = raw_query(path(), "SELECT name FROM sqlite_master WHERE type='index'");
  EXPECT_NE(std::find(indexes.begin(), indexes.end(), "invocations_by_function"), indexes.end());
  EXPECT_NE(std::find(indexes.begin(), indexes.end(), "invocations_by_time"), indexes.end());

  auto version = raw_query(path(), "SELECT MAX(version) FROM schema_version");
  ASSERT_EQ(version.size(), 1u);
  EXPECT_EQ(version[0], std::to_string(sqlite_migrations().size()));
  EXPECT_EQ(raw_query(path(), "PRAGMA journal_mode")[0], "wal");
}

TEST_F(SqliteStoreTest, ReopeningDoesNotRerunMigrations) {
  reopen();
  reopen();
  auto rows = raw_query(path(), "SELECT version FROM schema_version");
  EXPECT_EQ(rows.size(), sqlite_migrations().size());
}

TEST_F(SqliteStoreTest, DefaultNamespaceIsSeededOnce) {
  auto ns = ok(store_->get_namespace(kDefaultNamespace));
  ASSERT_TRUE(ns.has_value());
  EXPECT_EQ(ns->name, "default");
  EXPECT_GT(ns->add_time_ms, 0);
  reopen();
  auto all = ok(store_->list_namespaces());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "default");
  EXPECT_EQ(all[0].add_time_ms, ns->add_time_ms);
}

TEST_F(SqliteStoreTest, NamespacesCreateListDelete) {
  ASSERT_TRUE(store_->create_namespace({"team-a", "first", 10, 11}).ok());
  auto dup = store_->create_namespace({"team-a", "again", 12, 12});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "ResourceInUse.Namespace");
  EXPECT_NE(dup.error().message.find("team-a"), std::string::npos);

  auto got = ok(store_->get_namespace("team-a"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->description, "first");  // the failed create changed nothing
  EXPECT_EQ(got->mod_time_ms, 11);
  EXPECT_FALSE(ok(store_->get_namespace("nope")).has_value());

  // Ordered by add time: team-a (10) before default (now).
  auto all = ok(store_->list_namespaces());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "team-a");
  EXPECT_EQ(all[1].name, "default");

  ASSERT_TRUE(store_->delete_namespace("team-a").ok());
  EXPECT_FALSE(ok(store_->get_namespace("team-a")).has_value());
  EXPECT_EQ(ok(store_->list_namespaces()).size(), 1u);
}

// ---------------------------------------------------------------------------
// Functions and versions
// ---------------------------------------------------------------------------

TEST_F(SqliteStoreTest, CreateAndGetFunctionRoundTripsEveryField) {
  FunctionRecord fn = make_function("hello", 1000, "says hello");
  FunctionConfig& c = fn.latest.config;
  c.type = FunctionType::kHttp;
  c.memory_mb = 256;
  c.timeout_s = 30;
  c.init_timeout_s = 90;
  c.environment = {{"A", "1"}, {"B", "two words"}, {"EMPTY", ""}};
  c.code_sha256 = std::string(64, 'a');
  c.code_size = 4096;
  c.code_unpacked_size = 9000;
  c.layers = {{"deps", 3, std::string(64, 'b'), 100}, {"bin", 1, std::string(64, 'c'), 200}};
  c.async_run_enable = true;
  c.trace_enable = true;
  c.public_net = false;
  fn.latest.status_desc = "ready";
  fn.latest.generation = 7;
  fn.latest.mod_time_ms = 1500;
  ASSERT_TRUE(store_->create_function(fn).ok());

  auto got = ok(store_->get_function(kDefaultNamespace, "hello"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->ns, "default");
  EXPECT_EQ(got->function_id, "lam-hello");
  EXPECT_EQ(got->add_time_ms, 1000);
  EXPECT_EQ(got->latest.version, "$LATEST");
  EXPECT_EQ(got->latest.status, VersionStatus::kActive);
  EXPECT_EQ(got->latest.status_desc, "ready");
  EXPECT_EQ(got->latest.generation, 7);
  EXPECT_EQ(got->latest.mod_time_ms, 1500);
  const FunctionConfig& g = got->latest.config;
  EXPECT_EQ(g.runtime, "Python3.9");
  EXPECT_EQ(g.handler, "index.main_handler");
  EXPECT_EQ(g.description, "says hello");
  EXPECT_EQ(g.type, FunctionType::kHttp);
  EXPECT_EQ(g.memory_mb, 256);
  EXPECT_EQ(g.timeout_s, 30);
  EXPECT_EQ(g.init_timeout_s, 90);
  EXPECT_EQ(g.environment, c.environment);  // order kept
  EXPECT_EQ(g.code_sha256, c.code_sha256);
  EXPECT_EQ(g.code_size, 4096u);
  EXPECT_EQ(g.code_unpacked_size, 9000u);
  ASSERT_EQ(g.layers.size(), 2u);
  EXPECT_EQ(g.layers[0].name, "deps");
  EXPECT_EQ(g.layers[0].version, 3);
  EXPECT_EQ(g.layers[0].code_sha256, std::string(64, 'b'));
  EXPECT_EQ(g.layers[0].unpacked_size, 100u);
  EXPECT_EQ(g.layers[1].name, "bin");
  EXPECT_TRUE(g.async_run_enable);
  EXPECT_TRUE(g.trace_enable);
  EXPECT_FALSE(g.public_net);

  // The same name in another namespace is a different function.
  EXPECT_FALSE(ok(store_->get_function("other", "hello")).has_value());
  EXPECT_FALSE(ok(store_->get_function(kDefaultNamespace, "hell")).has_value());
}

TEST_F(SqliteStoreTest, DuplicateFunctionIsResourceInUseAndKeepsTheFirst) {
  ASSERT_TRUE(store_->create_function(make_function("dup", 1, "first")).ok());
  auto again = store_->create_function(make_function("dup", 2, "second"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ResourceInUse.Function");
  EXPECT_NE(again.error().message.find("dup"), std::string::npos);
  auto got = ok(store_->get_function(kDefaultNamespace, "dup"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->latest.config.description, "first");
  EXPECT_EQ(got->add_time_ms, 1);
  EXPECT_EQ(ok(store_->count_functions(kDefaultNamespace)), 1);

  // The same name is free in another namespace.
  ASSERT_TRUE(store_->create_namespace({"ns2", "", 5, 5}).ok());
  EXPECT_TRUE(store_->create_function(make_function("dup", 3, "", "ns2")).ok());
  EXPECT_EQ(ok(store_->count_functions("ns2")), 1);
}

TEST_F(SqliteStoreTest, ListPagesWithTotalCount) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_->create_function(make_function("fn" + std::to_string(i), 100 + i)).ok());
  }
  FunctionListQuery q;
  q.limit = 3;
  q.offset = 0;
  auto [page1, total1] = ok(store_->list_functions(q));
  EXPECT_EQ(total1, 7);
  // Default order: AddTime descending.
  EXPECT_EQ(names_of(page1), (std::vector<std::string>{"fn6", "fn5", "fn4"}));
  q.offset = 3;
  auto [page2, total2] = ok(store_->list_functions(q));
  EXPECT_EQ(total2, 7);
  EXPECT_EQ(names_of(page2), (std::vector<std::string>{"fn3", "fn2", "fn1"}));
  q.offset = 6;
  auto [page3, total3] = ok(store_->list_functions(q));
  EXPECT_EQ(names_of(page3), (std::vector<std::string>{"fn0"}));
  EXPECT_EQ(total3, 7);
  q.offset = 7;
  auto [page4, total4] = ok(store_->list_functions(q));
  EXPECT_TRUE(page4.empty());
  EXPECT_EQ(total4, 7);  // the total does not depend on the page
  // Listed records carry their $LATEST version.
  EXPECT_EQ(page3[0].latest.version, "$LATEST");
  EXPECT_EQ(page3[0].latest.config.runtime, "Python3.9");
}

TEST_F(SqliteStoreTest, ListOrdersByEachKeyBothWays) {
  // add times and mod times in different orders, names in a third.
  auto a = make_function("bravo", 300);
  a.latest.mod_time_ms = 10;
  auto b = make_function("alpha", 100);
  b.latest.mod_time_ms = 30;
  auto c = make_function("charlie", 200);
  c.latest.mod_time_ms = 20;
  for (const auto& f : {a, b, c}) ASSERT_TRUE(store_->create_function(f).ok());

  FunctionListQuery q;
  auto list = [&](const std::string& by, bool asc) {
    q.order_by = by;
    q.ascending = asc;
    return names_of(ok(store_->list_functions(q)).first);
  };
  EXPECT_EQ(list("AddTime", false), (std::vector<std::string>{"bravo", "charlie", "alpha"}));
  EXPECT_EQ(list("AddTime", true), (std::vector<std::string>{"alpha", "charlie", "bravo"}));
  EXPECT_EQ(list("ModTime", false), (std::vector<std::string>{"alpha", "charlie", "bravo"}));
  EXPECT_EQ(list("ModTime", true), (std::vector<std::string>{"bravo", "charlie", "alpha"}));
  EXPECT_EQ(list("FunctionName", true), (std::vector<std::string>{"alpha", "bravo", "charlie"}));
  EXPECT_EQ(list("FunctionName", false), (std::vector<std::string>{"charlie", "bravo", "alpha"}));
  // An unknown key falls back to AddTime, never to SQL injected from the request.
  EXPECT_EQ(list("name; DROP TABLE functions", false),
            (std::vector<std::string>{"bravo", "charlie", "alpha"}));
  EXPECT_EQ(ok(store_->count_functions(kDefaultNamespace)), 3);
}

TEST_F(SqliteStoreTest, ListTiesAreBrokenByName) {
  for (const char* n : {"zed", "mid", "abe"}) {
    ASSERT_TRUE(store_->create_function(make_function(n, 500)).ok());
  }
  FunctionListQuery q;
  EXPECT_EQ(names_of(ok(store_->list_functions(q)).first),
            (std::vector<std::string>{"abe", "mid", "zed"}));
}

TEST_F(SqliteStoreTest, SearchKeyMatchesSubstringsAndEscapesWildcards) {
  for (const char* n : {"fn_a", "fnxa", "fn-a", "other", "my_fn_abc"}) {
    ASSERT_TRUE(store_->create_function(make_function(n, 1)).ok());
  }
  FunctionListQuery q;
  q.order_by = "FunctionName";
  q.ascending = true;
  auto search = [&](const std::string& key) {
    q.search_key = key;
    auto [fns, total] = ok(store_->list_functions(q));
    EXPECT_EQ(total, static_cast<int>(fns.size()));
    return names_of(fns);
  };
  // '_' is literal: it does not match 'x' or '-'.
  EXPECT_EQ(search("n_a"), (std::vector<std::string>{"fn_a", "my_fn_abc"}));
  EXPECT_EQ(search("fn"), (std::vector<std::string>{"fn-a", "fn_a", "fnxa", "my_fn_abc"}));
  EXPECT_EQ(search("%"), std::vector<std::string>{});
  EXPECT_EQ(search("fn%a"), std::vector<std::string>{});
  EXPECT_EQ(search("\\"), std::vector<std::string>{});
  EXPECT_EQ(search("oth"), (std::vector<std::string>{"other"}));
  EXPECT_EQ(search(""), (std::vector<std::string>{"fn-a", "fn_a", "fnxa", "my_fn_abc", "other"}));
}

TEST_F(SqliteStoreTest, DescriptionFilterEscapesWildcards) {
  ASSERT_TRUE(store_->create_function(make_function("p1", 1, "100% sure")).ok());
  ASSERT_TRUE(store_->create_function(make_function("p2", 2, "1000 sure")).ok());
  ASSERT_TRUE(store_->create_function(make_function("p3", 3, "a\\b path")).ok());
  FunctionListQuery q;
  q.description = "100%";
  EXPECT_EQ(names_of(ok(store_->list_functions(q)).first), (std::vector<std::string>{"p1"}));
  q.description = "sure";
  EXPECT_EQ(ok(store_->list_functions(q)).second, 2);
  q.description = "a\\b";
  EXPECT_EQ(names_of(ok(store_->list_functions(q)).first), (std::vector<std::string>{"p3"}));
}

TEST_F(SqliteStoreTest, ListIsScopedToTheNamespace) {
  ASSERT_TRUE(store_->create_namespace({"ns2", "", 1, 1}).ok());
  ASSERT_TRUE(store_->create_function(make_function("a1", 1)).ok());
  ASSERT_TRUE(store_->create_function(make_function("b1", 1, "", "ns2")).ok());
  ASSERT_TRUE(store_->create_function(make_function("b2", 2, "", "ns2")).ok());
  FunctionListQuery q;
  q.ns = "ns2";
  auto [fns, total] = ok(store_->list_functions(q));
  EXPECT_EQ(total, 2);
  EXPECT_EQ(names_of(fns), (std::vector<std::string>{"b2", "b1"}));
  EXPECT_EQ(ok(store_->count_functions("ns2")), 2);
  EXPECT_EQ(ok(store_->count_functions(kDefaultNamespace)), 1);
  EXPECT_EQ(ok(store_->count_functions("none")), 0);
  EXPECT_EQ(ok(store_->all_functions()).size(), 3u);
}

TEST_F(SqliteStoreTest, LayerVersionsRoundTripAndListByName) {
  LayerVersionRecord l;
  l.name = "deps";
  l.version = 2;
  l.compatible_runtimes = {"Python3.9", "Python3.10"};
  l.description = "d";
  l.license_info = "MIT";
  l.code_sha256 = std::string(64, 'e');
  l.code_size = 10;
  l.unpacked_size = 20;
  l.add_time_ms = 5;
  ASSERT_TRUE(store_->put_layer_version(l).ok());
  l.version = 1;
  l.deleted = true;
  ASSERT_TRUE(store_->put_layer_version(l).ok());
  LayerVersionRecord other = l;
  other.name = "bin";
  ASSERT_TRUE(store_->put_layer_version(other).ok());

  auto deps = ok(store_->list_layer_versions("deps"));
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0].version, 1);
  EXPECT_TRUE(deps[0].deleted);
  EXPECT_EQ(deps[1].version, 2);
  EXPECT_FALSE(deps[1].deleted);
  EXPECT_EQ(deps[1].compatible_runtimes, (std::vector<std::string>{"Python3.9", "Python3.10"}));
  EXPECT_EQ(deps[1].license_info, "MIT");
  EXPECT_EQ(deps[1].code_sha256, std::string(64, 'e'));
  EXPECT_EQ(deps[1].code_size, 10u);
  EXPECT_EQ(deps[1].unpacked_size, 20u);
  EXPECT_EQ(deps[1].add_time_ms, 5);
  auto all = ok(store_->list_layer_versions(""));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "bin");
  EXPECT_TRUE(ok(store_->list_layer_versions("none")).empty());
}

TEST_F(SqliteStoreTest, PutVersionReplacesLatestAndAddsPublishedVersions) {
  ASSERT_TRUE(store_->create_function(make_function("ver", 1, "v0")).ok());
  VersionRecord latest = ok(store_->get_function(kDefaultNamespace, "ver"))->latest;
  latest.config.description = "v1";
  latest.config.memory_mb = 512;
  latest.status = VersionStatus::kUpdating;
  latest.generation = 2;
  latest.mod_time_ms = 99;
  ASSERT_TRUE(store_->put_version(kDefaultNamespace, "ver", latest).ok());

  auto got = ok(store_->get_function(kDefaultNamespace, "ver"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->latest.config.description, "v1");
  EXPECT_EQ(got->latest.config.memory_mb, 512);
  EXPECT_EQ(got->latest.status, VersionStatus::kUpdating);
  EXPECT_EQ(got->latest.generation, 2);
  EXPECT_EQ(got->latest.mod_time_ms, 99);

  VersionRecord published = latest;
  published.version = "1";
  published.status = VersionStatus::kActive;
  published.config.description = "published";
  ASSERT_TRUE(store_->put_version(kDefaultNamespace, "ver", published).ok());
  auto v1 = ok(store_->get_version(kDefaultNamespace, "ver", "1"));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->version, "1");
  EXPECT_EQ(v1->config.description, "published");
  EXPECT_EQ(v1->status, VersionStatus::kActive);
  // Publishing does not touch $LATEST, and the function is still listed once.
  EXPECT_EQ(ok(store_->get_version(kDefaultNamespace, "ver", kLatest))->config.description, "v1");
  EXPECT_EQ(ok(store_->list_functions({})).second, 1);
  EXPECT_FALSE(ok(store_->get_version(kDefaultNamespace, "ver", "2")).has_value());
  EXPECT_FALSE(ok(store_->get_version(kDefaultNamespace, "nope", kLatest)).has_value());
}

TEST_F(SqliteStoreTest, DeleteFunctionRemovesVersionsAndItsInvocationsOnly) {
  ASSERT_TRUE(store_->create_function(make_function("gone", 1)).ok());
  ASSERT_TRUE(store_->create_function(make_function("kept", 2)).ok());
  VersionRecord v = ok(store_->get_function(kDefaultNamespace, "gone"))->latest;
  v.version = "1";
  ASSERT_TRUE(store_->put_version(kDefaultNamespace, "gone", v).ok());
  ASSERT_TRUE(store_->insert_invocation(make_invocation("r-gone", "gone", 10)).ok());
  ASSERT_TRUE(store_->insert_invocation(make_invocation("r-kept", "kept", 10)).ok());

  ASSERT_TRUE(store_->delete_function(kDefaultNamespace, "gone").ok());
  EXPECT_FALSE(ok(store_->get_function(kDefaultNamespace, "gone")).has_value());
  EXPECT_FALSE(ok(store_->get_version(kDefaultNamespace, "gone", "1")).has_value());
  EXPECT_FALSE(ok(store_->get_version(kDefaultNamespace, "gone", kLatest)).has_value());
  EXPECT_EQ(raw_query(path(), "SELECT COUNT(*) FROM versions WHERE function_name='gone'")[0], "0");
  InvocationQuery q;
  q.function_name = "gone";
  EXPECT_EQ(ok(store_->query_invocations(q)).second, 0);
  q.function_name = "kept";
  EXPECT_EQ(ok(store_->query_invocations(q)).second, 1);
  EXPECT_TRUE(ok(store_->get_function(kDefaultNamespace, "kept")).has_value());

  // The name can be used again.
  EXPECT_TRUE(store_->create_function(make_function("gone", 3)).ok());
}

// ---------------------------------------------------------------------------
// Invocation records
// ---------------------------------------------------------------------------

class InvocationQueryTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    // fn: r1..r6 at t=1000..6000 with mixed outcomes; other: o1.
    auto add = [&](const std::string& id, int64_t t, int status, double dur, int64_t mem,
                   const std::string& qualifier = kLatest) {
      auto r = make_invocation(id, "fn", t, status);
      r.duration_ms = dur;
      r.mem_usage_bytes = mem;
      r.qualifier = qualifier;
      ASSERT_TRUE(store_->insert_invocation(r).ok());
    };
    add("r1", 1000, 200, 5.0, 300);
    add("r2", 2000, 430, 1.0, 100);
    add("r3", 3000, 433, 9.0, 200);
    add("r4", 4000, 432, 3.0, 600, "1");
    add("r5", 5000, 443, 7.0, 500);
    add("r6", 6000, 200, 2.0, 400, "1");
    ASSERT_TRUE(store_->insert_invocation(make_invocation("o1", "other", 3500)).ok());
  }

  std::vector<std::string> query(const InvocationQuery& q) {
    auto [rows, total] = ok(store_->query_invocations(q));
    last_total_ = total;
    return ids_of(rows);
  }

  InvocationQuery base() const {
    InvocationQuery q;
    q.function_name = "fn";
    q.limit = 100;
    return q;
  }

  int last_total_ = -1;
};

TEST_F(InvocationQueryTest, DefaultIsNewestFirstForOneFunction) {
  EXPECT_EQ(query(base()), (std::vector<std::string>{"r6", "r5", "r4", "r3", "r2", "r1"}));
  EXPECT_EQ(last_total_, 6);
}

TEST_F(InvocationQueryTest, RecordRoundTripsEveryField) {
  InvocationRecord r = make_invocation("full", "fn2", 123456, 430);
  r.qualifier = "3";
  r.duration_ms = 12.75;
  r.bill_duration_ms = 13;
  r.mem_usage_bytes = 1 << 25;
  r.ret_code = 1;
  r.ret_msg = "{\"errorMessage\":\"boom\"}";
  r.log = "START\nline with 'quotes' and \"dq\"\nEND\n";
  r.retry_num = 2;
  r.cold_start = true;
  ASSERT_TRUE(store_->insert_invocation(r).ok());
  InvocationQuery q;
  q.function_name = "fn2";
  auto [rows, total] = ok(store_->query_invocations(q));
  ASSERT_EQ(total, 1);
  ASSERT_EQ(rows.size(), 1u);
  const auto& g = rows[0];
  EXPECT_EQ(g.request_id, "full");
  EXPECT_EQ(g.ns, "default");
  EXPECT_EQ(g.function_name, "fn2");
  EXPECT_EQ(g.qualifier, "3");
  EXPECT_EQ(g.start_time_ms, 123456);
  EXPECT_DOUBLE_EQ(g.duration_ms, 12.75);
  EXPECT_EQ(g.bill_duration_ms, 13);
  EXPECT_EQ(g.mem_usage_bytes, 1 << 25);
  EXPECT_EQ(g.ret_code, 1);
  EXPECT_EQ(g.status_code, 430);
  EXPECT_EQ(g.ret_msg, r.ret_msg);
  EXPECT_EQ(g.log, r.log);
  EXPECT_EQ(g.retry_num, 2);
  EXPECT_TRUE(g.cold_start);
}

// Async retries run under one request id: each attempt keeps its own record.
TEST_F(InvocationQueryTest, EachAttemptOfARequestIdKeepsItsRecord) {
  auto r = make_invocation("r3", "fn", 3000, 200);
  r.ret_msg = "finished";
  r.retry_num = 1;
  ASSERT_TRUE(store_->insert_invocation(r).ok());
  auto q = base();
  q.request_id = "r3";
  q.ascending = true;
  auto [rows, total] = ok(store_->query_invocations(q));
  ASSERT_EQ(total, 2);
  EXPECT_EQ(rows[1].ret_msg, "finished");
  EXPECT_EQ(rows[1].retry_num, 1);
  EXPECT_EQ(ok(store_->query_invocations(base())).second, 7);
}

TEST_F(InvocationQueryTest, FiltersByRequestId) {
  auto q = base();
  q.request_id = "r4";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r4"}));
  EXPECT_EQ(last_total_, 1);
  q.request_id = "o1";  // belongs to another function
  EXPECT_EQ(query(q), std::vector<std::string>{});
  EXPECT_EQ(last_total_, 0);
  q.request_id = "r";  // exact, not a prefix
  EXPECT_EQ(query(q), std::vector<std::string>{});
}

TEST_F(InvocationQueryTest, FiltersByRetCode) {
  auto q = base();
  q.ret_code_filter = "is0";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r6", "r1"}));
  q.ret_code_filter = "not0";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r5", "r4", "r3", "r2"}));
  EXPECT_EQ(last_total_, 4);
  q.ret_code_filter = "TimeLimitExceeded";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r3"}));
  q.ret_code_filter = "ResourceLimitExceeded";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r4"}));
  q.ret_code_filter = "UserCodeException";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r5", "r2"}));
  EXPECT_EQ(last_total_, 2);
}

TEST_F(InvocationQueryTest, FiltersByQualifier) {
  auto q = base();
  q.qualifier = "1";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r6", "r4"}));
  q.qualifier = kLatest;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r5", "r3", "r2", "r1"}));
}

TEST_F(InvocationQueryTest, TimeRangeIsInclusiveAtBothEnds) {
  auto q = base();
  q.start_time_ms = 2000;
  q.end_time_ms = 4000;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r4", "r3", "r2"}));
  EXPECT_EQ(last_total_, 3);
  q.start_time_ms = 2001;
  q.end_time_ms = 3999;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r3"}));
  q.start_time_ms = 5000;
  q.end_time_ms = -1;  // open end
  EXPECT_EQ(query(q), (std::vector<std::string>{"r6", "r5"}));
  q.start_time_ms = -1;
  q.end_time_ms = 1000;  // open start
  EXPECT_EQ(query(q), (std::vector<std::string>{"r1"}));
  q.start_time_ms = 7000;
  q.end_time_ms = 8000;
  EXPECT_EQ(query(q), std::vector<std::string>{});
  EXPECT_EQ(last_total_, 0);
}

TEST_F(InvocationQueryTest, FiltersCombine) {
  auto q = base();
  q.ret_code_filter = "not0";
  q.start_time_ms = 2500;
  q.end_time_ms = 6000;
  q.qualifier = kLatest;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r5", "r3"}));
  EXPECT_EQ(last_total_, 2);
}

TEST_F(InvocationQueryTest, PagesWithTotalCount) {
  auto q = base();
  q.limit = 4;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r6", "r5", "r4", "r3"}));
  EXPECT_EQ(last_total_, 6);
  q.offset = 4;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r2", "r1"}));
  EXPECT_EQ(last_total_, 6);
  q.offset = 6;
  EXPECT_EQ(query(q), std::vector<std::string>{});
  EXPECT_EQ(last_total_, 6);
}

TEST_F(InvocationQueryTest, OrdersByEachKeyBothWays) {
  auto q = base();
  q.ascending = true;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5", "r6"}));
  q.order_by = "duration";
  q.ascending = false;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r3", "r5", "r1", "r4", "r6", "r2"}));
  q.ascending = true;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r2", "r6", "r4", "r1", "r5", "r3"}));
  q.order_by = "mem_usage";
  EXPECT_EQ(query(q), (std::vector<std::string>{"r2", "r3", "r1", "r6", "r5", "r4"}));
  q.ascending = false;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r4", "r5", "r6", "r1", "r3", "r2"}));
  // Equal keys come back in insertion order (ascending) or its reverse.
  q.order_by = "function_name";
  q.ascending = true;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5", "r6"}));
  q.order_by = "bogus";  // falls back to start_time
  q.ascending = false;
  EXPECT_EQ(query(q), (std::vector<std::string>{"r6", "r5", "r4", "r3", "r2", "r1"}));
}

TEST_F(InvocationQueryTest, QueryIsScopedToTheNamespace) {
  auto r = make_invocation("x1", "fn", 1500);
  r.ns = "ns2";
  ASSERT_TRUE(store_->insert_invocation(r).ok());
  auto q = base();
  EXPECT_EQ(ok(store_->query_invocations(q)).second, 6);
  q.ns = "ns2";
  EXPECT_EQ(query(q), (std::vector<std::string>{"x1"}));
}

TEST_F(InvocationQueryTest, PurgeDeletesRecordsStrictlyBeforeTheCutoff) {
  EXPECT_EQ(ok(store_->purge_invocations_before(3000)), 2);  // r1, r2 (r3 is at 3000)
  EXPECT_EQ(query(base()), (std::vector<std::string>{"r6", "r5", "r4", "r3"}));
  InvocationQuery other;
  other.function_name = "other";
  EXPECT_EQ(ok(store_->query_invocations(other)).second, 1);  // 3500 kept
  EXPECT_EQ(ok(store_->purge_invocations_before(3000)), 0);
  EXPECT_EQ(ok(store_->purge_invocations_before(1'000'000)), 5);  // r3..r6 and o1
  EXPECT_EQ(ok(store_->query_invocations(base())).second, 0);
}

// ---------------------------------------------------------------------------
// Settings and durability
// ---------------------------------------------------------------------------

TEST_F(SqliteStoreTest, SettingsPutGetOverwrite) {
  EXPECT_FALSE(ok(store_->get_setting("secret_key")).has_value());
  ASSERT_TRUE(store_->put_setting("secret_key", "abc").ok());
  EXPECT_EQ(ok(store_->get_setting("secret_key")).value_or(""), "abc");
  ASSERT_TRUE(store_->put_setting("secret_key", "").ok());
  auto empty = ok(store_->get_setting("secret_key"));
  ASSERT_TRUE(empty.has_value());  // an empty value is still a value
  EXPECT_EQ(*empty, "");
  EXPECT_FALSE(ok(store_->get_setting("Secret_Key")).has_value());  // keys are exact
}

TEST_F(SqliteStoreTest, ReopeningKeepsEverything) {
  ASSERT_TRUE(store_->create_namespace({"keep-ns", "d", 1, 2}).ok());
  ASSERT_TRUE(store_->create_function(make_function("keep", 42, "durable")).ok());
  VersionRecord v = ok(store_->get_function(kDefaultNamespace, "keep"))->latest;
  v.version = "1";
  ASSERT_TRUE(store_->put_version(kDefaultNamespace, "keep", v).ok());
  ASSERT_TRUE(store_->insert_invocation(make_invocation("req-keep", "keep", 77)).ok());
  ASSERT_TRUE(store_->put_setting("k", "v").ok());

  reopen();
  EXPECT_TRUE(ok(store_->get_namespace("keep-ns")).has_value());
  auto fn = ok(store_->get_function(kDefaultNamespace, "keep"));
  ASSERT_TRUE(fn.has_value());
  EXPECT_EQ(fn->latest.config.description, "durable");
  EXPECT_EQ(fn->add_time_ms, 42);
  EXPECT_TRUE(ok(store_->get_version(kDefaultNamespace, "keep", "1")).has_value());
  InvocationQuery q;
  q.function_name = "keep";
  auto [rows, total] = ok(store_->query_invocations(q));
  ASSERT_EQ(total, 1);
  EXPECT_EQ(rows[0].log, "log-req-keep");
  EXPECT_EQ(ok(store_->get_setting("k")).value_or(""), "v");
}

TEST_F(SqliteStoreTest, CommitsSurviveACrashOfTheWritingProcess) {
  store_.reset();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child writes and dies without closing the database or running
    // destructors, like a server killed with SIGKILL.
    // Invocation records are written in batches: one is on disk once a
    // reader has seen it.
    auto s = std::move(open_sqlite_store(path().string(), Clock::system()).value());
    InvocationQuery seen;
    seen.function_name = "crash-safe";
    bool ok = s->create_function(make_function("crash-safe", 5)).ok() &&
              s->insert_invocation(make_invocation("req-crash", "crash-safe", 6)).ok() &&
              s->query_invocations(seen).ok() && s->put_setting("after", "crash").ok();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  store_ = open_store(path());
  EXPECT_TRUE(ok(store_->get_function(kDefaultNamespace, "crash-safe")).has_value());
  InvocationQuery q;
  q.function_name = "crash-safe";
  EXPECT_EQ(ok(store_->query_invocations(q)).second, 1);
  EXPECT_EQ(ok(store_->get_setting("after")).value_or(""), "crash");
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  store_.reset();
  raw_query(path(), "INSERT INTO schema_version(version) VALUES(" +
                        std::to_string(sqlite_migrations().size() + 1) + ")");
  auto s = open_sqlite_store(path().string(), Clock::system());
  ASSERT_FALSE(s.ok()) << "a database from a newer yunfn was opened";
  EXPECT_EQ(s.error().code, "InternalError.System");
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST(SqliteStoreOpen, UnopenablePathIsAnError) {
  auto s = open_sqlite_store("/nonexistent-dir-yunfn/sub/yunfn.db", Clock::system());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "InternalError.System");
  EXPECT_NE(s.error().message.find("/nonexistent-dir-yunfn/sub/yunfn.db"), std::string::npos);
}

}  // namespace
}  // namespace yunfn::store

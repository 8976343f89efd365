#include "store/sqlite_db.h"

#include <stdexcept>

namespace yunfn::store {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc) {
  throw SqliteError(rc, std::string("sqlite: ") + sqlite3_errmsg(db));
}
}  // namespace

// Statements kept per connection; the store's SQL texts are a few dozen, so
// the cap only guards against a caller that builds unbounded variants.
constexpr size_t kMaxPrepared = 256;

Statement::Statement(Db& db, std::string_view sql) : db_(db), sql_(sql) {
  stmt_ = db_.take_prepared(sql_);
  if (stmt_) return;
  int rc = sqlite3_prepare_v3(db_.handle(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db_.handle(), rc);
}

Statement::~Statement() {
  // A statement that failed keeps its error until reset; reset clears it too.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  db_.keep_prepared(std::move(sql_), stmt_);
}

sqlite3_stmt* Db::take_prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  prepared_.erase(it);
  return stmt;
}

void Db::keep_prepared(std::string sql, sqlite3_stmt* stmt) {
  if (prepared_.size() >= kMaxPrepared || prepared_.count(sql) > 0) {
    sqlite3_finalize(stmt);  // the same text in use twice at once keeps one copy
    return;
  }
  prepared_.emplace(std::move(sql), stmt);
}

Statement& Statement::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_.handle(), rc);
  return *this;
}

Statement& Statement::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_.handle(), rc);
  return *this;
}

Statement& Statement::bind(int i, double v) {
  int rc = sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_.handle(), rc);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_.handle(), rc);
}

void Statement::run() {
  while (step()) {
  }
}

int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

Db::Db(const std::string& path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open database " + path + ": " + msg);
  }
  // The loop thread waits here: a lock held by another process (a backup, the
  // sqlite3 shell) becomes a prompt error instead of freezing every request.
  sqlite3_busy_timeout(db_, 200);
}

Db::~Db() {
  for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw SqliteError(rc, "sqlite: " + msg);
  }
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace yunfn::store

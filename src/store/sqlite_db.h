// A thin RAII layer over the SQLite C API: a connection and prepared statements
// with typed binding. Not thread-safe; one owner thread per Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace yunfn::store {

class Db;

class Statement {
 public:
  // Prepares `sql`, or reuses the statement the connection kept from its last
  // use (parsing SQL costs more than running the small queries of the store).
  Statement(Db& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters by 1-based index; returns *this for chaining.
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v);

  // Advances; true while a row is available. Throws on error.
  bool step();
  // Runs a statement that returns no rows. Throws on error (e.g. constraint).
  void run();

  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  bool is_null(int col) const;

 private:
  Db& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  explicit Db(const std::string& path);  // throws std::runtime_error
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql);  // throws std::runtime_error
  sqlite3* handle() const { return db_; }
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  friend class Statement;
  // Statements not in use, by SQL text; a statement in use is out of the map.
  sqlite3_stmt* take_prepared(const std::string& sql);
  void keep_prepared(std::string sql, sqlite3_stmt* stmt);

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> prepared_;
};

// Sqlite error thrown by Statement/Db; `code` is the SQLite extended result code.
struct SqliteError : std::exception {
  int code;
  std::string message;
  SqliteError(int c, std::string m) : code(c), message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace yunfn::store

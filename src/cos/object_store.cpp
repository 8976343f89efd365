#include "cos/object_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/crypto.h"

namespace yunfn::cos {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets(
  name TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects(
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  attributes TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  file TEXT NOT NULL,
  PRIMARY KEY(bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads(
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket, key);
CREATE TABLE IF NOT EXISTS parts(
  upload_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  file TEXT NOT NULL,
  PRIMARY KEY(upload_id, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_name TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  request_id TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  authorization TEXT NOT NULL,
  meta TEXT NOT NULL,
  event_time INTEGER NOT NULL
);
)sql";

// Makes a rename or new file in `dir` durable.
void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

bool is_disk_full(const store::SqliteError& e) { return (e.code & 0xff) == SQLITE_FULL; }

Error db_error(const store::SqliteError& e) {
  if (is_disk_full(e)) return write_error("the object's metadata", ENOSPC);
  return Error{"InternalError", std::string("The metadata database failed: ") + e.what()};
}

}  // namespace

Error write_error(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT)
    return Error{"InternalError",
                 "The server's disk is full: cannot store " + what + " (nothing was written)"};
  return Error{"InternalError", "Cannot store " + what + ": " + std::strerror(err)};
}

std::string encode_attributes(const ObjectAttributes& a) {
  nlohmann::json j = {{"ct", a.content_type},  {"cd", a.content_disposition},
                      {"cc", a.cache_control}, {"ce", a.content_encoding},
                      {"ex", a.expires},       {"meta", encode_headers(a.meta)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ObjectAttributes decode_attributes(const std::string& text) {
  ObjectAttributes a;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return a;
  a.content_type = j.value("ct", "");
  a.content_disposition = j.value("cd", "");
  a.cache_control = j.value("cc", "");
  a.content_encoding = j.value("ce", "");
  a.expires = j.value("ex", "");
  a.meta = decode_headers(j.value("meta", ""));
  return a;
}

std::string encode_headers(const Headers& headers) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [k, v] : headers) j.push_back({k, v});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Headers decode_headers(const std::string& text) {
  Headers out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
      out.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  }
  return out;
}

ObjectStore::ObjectStore(fs::path root, const Clock& clock)
    : root_(std::move(root)), clock_(clock) {}

ObjectStore::~ObjectStore() = default;

Result<std::unique_ptr<ObjectStore>> ObjectStore::open(const fs::path& root, const Clock& clock) {
  std::unique_ptr<ObjectStore> s(new ObjectStore(root, clock));
  try {
    fs::create_directories(root / "data");
    fs::create_directories(root / "tmp");
    s->db_ = std::make_unique<store::Db>((root / "cos.db").string());
    s->migrate();
    s->remove_leftovers();
  } catch (const std::exception& e) {
    return Error{"InternalError",
                 "cannot open the bucket service's store in " + root.string() + ": " + e.what()};
  }
  return s;
}

void ObjectStore::migrate() {
  db_->exec("PRAGMA journal_mode=WAL");
  // An acknowledged write must survive a power cut: sync the WAL at commit.
  db_->exec("PRAGMA synchronous=FULL");
  db_->exec(kSchema);
}

void ObjectStore::remove_leftovers() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec)) fs::remove(entry.path(), ec);
  std::unordered_set<std::string> referenced;
  for (const char* sql : {"SELECT file FROM objects", "SELECT file FROM parts"}) {
    store::Statement st(*db_, sql);
    while (st.step()) referenced.insert(st.text(0));
  }
  size_t removed = 0;
  for (const auto& entry : fs::directory_iterator(root_ / "data", ec)) {
    if (referenced.count(entry.path().filename().string()) == 0) {
      fs::remove(entry.path(), ec);
      ++removed;
    }
  }
  if (removed > 0) spdlog::info("cos: removed {} data files no object refers to", removed);
}

fs::path ObjectStore::new_temp_path() const {
  return root_ / "tmp" / crypto::hex(crypto::random_bytes(16));
}

Result<std::string> ObjectStore::adopt(const fs::path& temp) {
  std::string name = crypto::hex(crypto::random_bytes(16));
  std::error_code ec;
  fs::rename(temp, data_path(name), ec);
  if (ec) {
    fs::remove(temp, ec);
    return write_error("the object", ec.value());
  }
  sync_dir(root_ / "data");
  return name;
}

fs::path ObjectStore::data_path(const std::string& file) const { return root_ / "data" / file; }

void ObjectStore::discard(const std::string& file) const {
  std::error_code ec;
  if (!file.empty()) fs::remove(data_path(file), ec);
}

// --- buckets -----------------------------------------------------------------------

bool ObjectStore::bucket_exists_locked(const std::string& bucket) {
  store::Statement st(*db_, "SELECT 1 FROM buckets WHERE name=?1");
  st.bind(1, bucket);
  return st.step();
}

bool ObjectStore::bucket_exists(const std::string& bucket) {
  std::lock_guard lock(mu_);
  return bucket_exists_locked(bucket);
}

Status ObjectStore::require_bucket(const std::string& bucket) {
  if (!bucket_exists(bucket)) return Error{"NoSuchBucket", "The specified bucket does not exist"};
  return ok_status();
}

Status ObjectStore::create_bucket(const std::string& bucket) {
  std::lock_guard lock(mu_);
  try {
    if (bucket_exists_locked(bucket))
      return Error{"BucketAlreadyOwnedByYou",
                   "The bucket you tried to create already exists, and you own it"};
    store::Statement st(*db_, "INSERT INTO buckets(name, created_ms) VALUES(?1, ?2)");
    st.bind(1, bucket).bind(2, to_unix_ms(clock_.now())).run();
  } catch (const store::SqliteError& e) {
    return db_error(e);
  }
  return ok_status();
}

Status ObjectStore::delete_bucket(const std::string& bucket) {
  std::lock_guard lock(mu_);
  try {
    if (!bucket_exists_locked(bucket))
      return Error{"NoSuchBucket", "The specified bucket does not exist"};
    for (const char* sql : {"SELECT 1 FROM objects WHERE bucket=?1 LIMIT 1",
                            "SELECT 1 FROM uploads WHERE bucket=?1 LIMIT 1"}) {
      store::Statement st(*db_, sql);
      st.bind(1, bucket);
      if (st.step()) return Error{"BucketNotEmpty", "The bucket you tried to delete is not empty"};
    }
    store::Statement st(*db_, "DELETE FROM buckets WHERE name=?1");
    st.bind(1, bucket).run();
  } catch (const store::SqliteError& e) {
    return db_error(e);
  }
  return ok_status();
}

std::vector<BucketInfo> ObjectStore::list_buckets() {
  std::lock_guard lock(mu_);
  std::vector<BucketInfo> out;
  store::Statement st(*db_, "SELECT name, created_ms FROM buckets ORDER BY name");
  while (st.step()) out.push_back({st.text(0), st.int64(1)});
  return out;
}

// --- objects -----------------------------------------------------------------------

Result<ObjectInfo> ObjectStore::head_object(const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mu_);
  store::Statement st(*db_,
                      "SELECT size, etag, attributes, last_modified_ms, file FROM objects "
                      "WHERE bucket=?1 AND key=?2");
  st.bind(1, bucket).bind(2, key);
  if (!st.step()) {
    if (!bucket_exists_locked(bucket))
      return Error{"NoSuchBucket", "The specified bucket does not exist"};
    return Error{"NoSuchKey", "The specified key does not exist."};
  }
  return ObjectInfo{bucket,      key,       st.int64(0), st.text(1), decode_attributes(st.text(2)),
                    st.int64(3), st.text(4)};
}

void ObjectStore::insert_event(const ObjectInfo& info, const std::string& event_name,
                               const EventOrigin& origin) {
  store::Statement st(*db_,
                      "INSERT INTO outbox(event_name, bucket, key, size, etag, content_type, "
                      "request_id, source_ip, authorization, meta, event_time) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  st.bind(1, event_name).bind(2, info.bucket).bind(3, info.key).bind(4, info.size);
  st.bind(5, info.etag).bind(6, info.attributes.content_type).bind(7, origin.request_id);
  st.bind(8, origin.source_ip).bind(9, origin.authorization);
  st.bind(10, encode_headers(info.attributes.meta));
  st.bind(11, to_unix_ms(clock_.now()) / 1000).run();
}

void ObjectStore::upsert_locked(const ObjectInfo& info, const std::string& event_name,
                                const EventOrigin& origin, std::string* replaced) {
  store::Statement old(*db_, "SELECT file FROM objects WHERE bucket=?1 AND key=?2");
  old.bind(1, info.bucket).bind(2, info.key);
  if (old.step()) *replaced = old.text(0);
  store::Statement st(*db_,
                      "INSERT OR REPLACE INTO objects(bucket, key, size, etag, attributes, "
                      "last_modified_ms, file) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st.bind(1, info.bucket).bind(2, info.key).bind(3, info.size).bind(4, info.etag);
  st.bind(5, encode_attributes(info.attributes)).bind(6, info.last_modified_ms);
  st.bind(7, info.file).run();
  insert_event(info, event_name, origin);
}

Status ObjectStore::commit_object(const ObjectInfo& info, const std::string& event_name,
                                  const EventOrigin& origin) {
  std::string replaced;
  {
    std::lock_guard lock(mu_);
    try {
      store::Transaction tx(*db_);
      if (!bucket_exists_locked(info.bucket)) {
        discard(info.file);
        return Error{"NoSuchBucket", "The specified bucket does not exist"};
      }
      upsert_locked(info, event_name, origin, &replaced);
      tx.commit();
    } catch (const store::SqliteError& e) {
      discard(info.file);
      return db_error(e);
    }
  }
  if (!replaced.empty() && replaced != info.file) discard(replaced);
  notify();
  return ok_status();
}

Status ObjectStore::delete_object(const std::string& bucket, const std::string& key,
                                  const EventOrigin& origin, bool* deleted) {
  std::string file;
  {
    std::lock_guard lock(mu_);
    try {
      store::Transaction tx(*db_);
      if (!bucket_exists_locked(bucket))
        return Error{"NoSuchBucket", "The specified bucket does not exist"};
      store::Statement old(*db_, "SELECT file FROM objects WHERE bucket=?1 AND key=?2");
      old.bind(1, bucket).bind(2, key);
      if (old.step()) file = old.text(0);
      if (!file.empty()) {
        store::Statement st(*db_, "DELETE FROM objects WHERE bucket=?1 AND key=?2");
        st.bind(1, bucket).bind(2, key).run();
        ObjectInfo info;
        info.bucket = bucket;
        info.key = key;
        insert_event(info, "cos:ObjectRemove:Delete", origin);
      }
      tx.commit();
    } catch (const store::SqliteError& e) {
      return db_error(e);
    }
  }
  if (deleted != nullptr) *deleted = !file.empty();
  if (!file.empty()) {
    discard(file);
    notify();
  }
  return ok_status();
}

// --- outbox ------------------------------------------------------------------------

std::vector<ObjectEvent> ObjectStore::pending(size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<ObjectEvent> out;
  store::Statement st(
      *db_,
      "SELECT seq, event_name, bucket, key, size, etag, content_type, request_id, "
      "source_ip, authorization, meta, event_time FROM outbox ORDER BY seq LIMIT ?1");
  st.bind(1, static_cast<int64_t>(limit));
  while (st.step()) {
    ObjectEvent e;
    e.seq = st.int64(0);
    e.event_name = st.text(1);
    e.bucket = st.text(2);
    e.key = st.text(3);
    e.size = st.int64(4);
    e.etag = st.text(5);
    e.content_type = st.text(6);
    e.request_id = st.text(7);
    e.source_ip = st.text(8);
    e.authorization = st.text(9);
    e.meta = decode_headers(st.text(10));
    e.event_time = st.int64(11);
    out.push_back(std::move(e));
  }
  return out;
}

void ObjectStore::acknowledge(int64_t up_to_seq) {
  std::lock_guard lock(mu_);
  store::Statement st(*db_, "DELETE FROM outbox WHERE seq <= ?1");
  st.bind(1, up_to_seq).run();
}

void ObjectStore::on_new_events(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wakers_.push_back(std::move(wake));
}

void ObjectStore::notify() {
  std::vector<std::function<void()>> wakers;
  {
    std::lock_guard lock(mu_);
    wakers = wakers_;
  }
  for (const auto& w : wakers) w();
}

}  // namespace yunfn::cos

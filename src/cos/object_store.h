// ObjectStore: the buckets, objects, multipart uploads and object-event outbox
// of the bucket service. Metadata lives in its own SQLite database
// (<root>/cos.db, WAL); object bytes in files named by random ids under
// <root>/data (never derived from keys). A write is: bytes streamed to a file
// under <root>/tmp, fsynced, renamed into data/, then ONE transaction that
// upserts the object row and inserts its outbox row; files of replaced or
// deleted objects are removed after that commit. open() removes what a crash
// left behind (temp files, data files no row points to).
// Owned by CosService. The object and bucket methods are called on the bucket
// service's thread; the ObjectEventSource methods from any thread. A mutex
// guards the database connection; file work happens outside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "cos/object_events.h"
#include "store/sqlite_db.h"

namespace yunfn::cos {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What is stored with an object besides its bytes, and returned on reads.
struct ObjectAttributes {
  std::string content_type, content_disposition, cache_control, content_encoding, expires;
  Headers meta;  // x-cos-meta-* (lowercase names) as sent
};

struct ObjectInfo {
  std::string bucket, key;
  int64_t size = 0;
  std::string etag;  // without quotes
  ObjectAttributes attributes;
  int64_t last_modified_ms = 0;
  std::string file;  // data file name under <root>/data
};

// Who caused an object event (copied into the outbox row).
struct EventOrigin {
  std::string request_id, source_ip, authorization;
};

struct BucketInfo {
  std::string name;
  int64_t created_ms = 0;
};

struct ListQuery {
  std::string prefix, delimiter;
  std::string after;  // only keys (and common prefixes) after this one
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // the last key or common prefix listed (when truncated)
};

struct UploadInfo {
  std::string upload_id, bucket, key;
  int64_t initiated_ms = 0;
  ObjectAttributes attributes;
};

struct PartInfo {
  int number = 0;
  int64_t size = 0;
  std::string etag;  // hex MD5, without quotes
  int64_t last_modified_ms = 0;
  std::string file;
};

// A part named in a CompleteMultipartUpload body.
struct CompletedPart {
  int number = 0;
  std::string etag;  // as sent (quotes removed)
};

class ObjectStore final : public ObjectEventSource {
 public:
  // Opens (creating) <root>/cos.db and the data/ and tmp/ folders, and cleans
  // up after a crash. Errors: InternalError naming the path.
  static Result<std::unique_ptr<ObjectStore>> open(const std::filesystem::path& root,
                                                   const Clock& clock);
  ~ObjectStore() override;

  // --- files ---
  // A new temp file path for an incoming body (under tmp/).
  std::filesystem::path new_temp_path() const;
  // Moves a finished, fsynced temp file into data/ and returns its data file name.
  Result<std::string> adopt(const std::filesystem::path& temp);
  std::filesystem::path data_path(const std::string& file) const;
  // Removes a data file that no row will point to (after a failed commit).
  void discard(const std::string& file) const;
  // Deletes an upload's rows and its parts' rows (mu_ held, in a transaction).
  void delete_upload_locked(const std::string& upload_id);

  // --- buckets ---
  // Errors: BucketAlreadyOwnedByYou (every bucket here belongs to the account).
  Status create_bucket(const std::string& bucket);
  // Errors: NoSuchBucket, BucketNotEmpty (objects or multipart uploads left).
  Status delete_bucket(const std::string& bucket);
  std::vector<BucketInfo> list_buckets();
  Status require_bucket(const std::string& bucket);  // NoSuchBucket

  // --- objects ---
  // Errors: NoSuchBucket, NoSuchKey.
  Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key);
  // Commits an object whose bytes are already in data/`info.file` together with
  // its outbox event; the replaced object's file is removed afterwards. On an
  // error the data file is removed. Errors: NoSuchBucket, InternalError (disk full).
  Status commit_object(const ObjectInfo& info, const std::string& event_name,
                       const EventOrigin& origin);
  // Deletes an object (no error and no event when it does not exist).
  // Errors: NoSuchBucket. `deleted` tells whether there was an object.
  Status delete_object(const std::string& bucket, const std::string& key, const EventOrigin& origin,
                       bool* deleted = nullptr);
  Result<ListResult> list_objects(const std::string& bucket, const ListQuery& query);

  // --- multipart uploads ---
  Result<UploadInfo> create_upload(const std::string& bucket, const std::string& key,
                                   ObjectAttributes attributes);
  // Errors: NoSuchUpload (also when the upload is of another bucket/key).
  Result<UploadInfo> get_upload(const std::string& bucket, const std::string& key,
                                const std::string& upload_id);
  Status commit_part(const std::string& upload_id, const PartInfo& part);
  Result<std::vector<PartInfo>> list_parts(const std::string& upload_id);
  std::vector<UploadInfo> list_uploads(const std::string& bucket, const std::string& prefix,
                                       int max_uploads);
  // Checks the parts (InvalidPart, InvalidPartOrder, EntityTooSmall), writes
  // them into one data file and commits it as the object (event
  // cos:ObjectCreated:CompleteMultipartUpload).
  Result<ObjectInfo> complete_upload(const UploadInfo& upload,
                                     const std::vector<CompletedPart>& parts,
                                     const EventOrigin& origin);
  Status abort_upload(const UploadInfo& upload);

  // --- ObjectEventSource ---
  std::vector<ObjectEvent> pending(size_t limit) override;
  void acknowledge(int64_t up_to_seq) override;
  void on_new_events(std::function<void()> wake) override;
  bool bucket_exists(const std::string& bucket) override;

  // Smallest part size except the last one, as COS.
  static constexpr int64_t kMinPartSize = 1024 * 1024;

 private:
  ObjectStore(std::filesystem::path root, const Clock& clock);
  void migrate();
  void remove_leftovers();
  bool bucket_exists_locked(const std::string& bucket);
  void insert_event(const ObjectInfo& info, const std::string& event_name,
                    const EventOrigin& origin);
  // Upserts the object row and inserts its event, inside the caller's
  // transaction; *replaced gets the data file of the object it replaces.
  void upsert_locked(const ObjectInfo& info, const std::string& event_name,
                     const EventOrigin& origin, std::string* replaced);
  void notify();
  Result<std::string> concatenate(const std::vector<PartInfo>& parts);

  std::filesystem::path root_;
  const Clock& clock_;
  std::mutex mu_;  // guards db_ and wakers_
  std::unique_ptr<store::Db> db_;
  std::vector<std::function<void()>> wakers_;
};

// "disk full" and other write failures as the COS error the client gets.
Error write_error(const std::string& what, int err);

// Headers and attributes <-> the JSON text stored in the database.
std::string encode_headers(const Headers& headers);
std::string encode_attributes(const ObjectAttributes& attributes);
ObjectAttributes decode_attributes(const std::string& text);
Headers decode_headers(const std::string& text);

}  // namespace yunfn::cos

// ObjectStore's multipart uploads: upload and part rows, and completion, which
// writes the parts into one data file and commits it like any other object.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/crypto.h"
#include "common/scope_exit.h"
#include "cos/hashing.h"
#include "cos/object_store.h"

namespace yunfn::cos {
namespace fs = std::filesystem;

namespace {

Error no_such_upload() {
  return Error{"NoSuchUpload",
               "The specified multipart upload does not exist. The upload ID may be invalid, "
               "or the upload may have been aborted or completed."};
}

// Appends the file at `from` to descriptor `out`; errno value on failure.
int append_file(const fs::path& from, int out) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno;
  ScopeExit close_in([in] { ::close(in); });
  std::vector<char> buf(1 << 20);
  while (true) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += w;
    }
  }
}

}  // namespace

Result<UploadInfo> ObjectStore::create_upload(const std::string& bucket, const std::string& key,
                                              ObjectAttributes attributes) {
  UploadInfo u{crypto::hex(crypto::random_bytes(20)), bucket, key, to_unix_ms(clock_.now()),
               std::move(attributes)};
  std::lock_guard lock(mu_);
  try {
    if (!bucket_exists_locked(bucket))
      return Error{"NoSuchBucket", "The specified bucket does not exist"};
    store::Statement st(*db_,
                        "INSERT INTO uploads(upload_id, bucket, key, initiated_ms, attributes) "
                        "VALUES(?1, ?2, ?3, ?4, ?5)");
    st.bind(1, u.upload_id).bind(2, bucket).bind(3, key).bind(4, u.initiated_ms);
    st.bind(5, encode_attributes(u.attributes)).run();
  } catch (const store::SqliteError& e) {
    return write_error("the multipart upload", (e.code & 0xff) == SQLITE_FULL ? ENOSPC : EIO);
  }
  return u;
}

Result<UploadInfo> ObjectStore::get_upload(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id) {
  std::lock_guard lock(mu_);
  store::Statement st(*db_,
                      "SELECT initiated_ms, attributes FROM uploads "
                      "WHERE upload_id=?1 AND bucket=?2 AND key=?3");
  st.bind(1, upload_id).bind(2, bucket).bind(3, key);
  if (!st.step()) {
    if (!bucket_exists_locked(bucket))
      return Error{"NoSuchBucket", "The specified bucket does not exist"};
    return no_such_upload();
  }
  UploadInfo u{upload_id, bucket, key, st.int64(0), {}};
  u.attributes = decode_attributes(st.text(1));
  return u;
}

Status ObjectStore::commit_part(const std::string& upload_id, const PartInfo& part) {
  std::string replaced;
  {
    std::lock_guard lock(mu_);
    try {
      store::Transaction tx(*db_);
      store::Statement up(*db_, "SELECT 1 FROM uploads WHERE upload_id=?1");
      up.bind(1, upload_id);
      if (!up.step()) {
        discard(part.file);
        return no_such_upload();
      }
      store::Statement old(*db_, "SELECT file FROM parts WHERE upload_id=?1 AND number=?2");
      old.bind(1, upload_id).bind(2, part.number);
      if (old.step()) replaced = old.text(0);
      store::Statement st(*db_,
                          "INSERT OR REPLACE INTO parts(upload_id, number, size, etag, "
                          "last_modified_ms, file) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
      st.bind(1, upload_id).bind(2, part.number).bind(3, part.size).bind(4, part.etag);
      st.bind(5, part.last_modified_ms).bind(6, part.file).run();
      tx.commit();
    } catch (const store::SqliteError& e) {
      discard(part.file);
      return write_error("the part", (e.code & 0xff) == SQLITE_FULL ? ENOSPC : EIO);
    }
  }
  discard(replaced);
  return ok_status();
}

void ObjectStore::delete_upload_locked(const std::string& upload_id) {
  for (const char* sql : {"DELETE FROM parts WHERE upload_id=?1", "DELETE FROM uploads WHERE upload_id=?1"}) {
    store::Statement del(*db_, sql);
    del.bind(1, upload_id).run();
  }
}

Result<std::vector<PartInfo>> ObjectStore::list_parts(const std::string& upload_id) {
  std::lock_guard lock(mu_);
  std::vector<PartInfo> out;
  store::Statement st(*db_,
                      "SELECT number, size, etag, last_modified_ms, file FROM parts "
                      "WHERE upload_id=?1 ORDER BY number");
  st.bind(1, upload_id);
  while (st.step())
    out.push_back(
        {static_cast<int>(st.int64(0)), st.int64(1), st.text(2), st.int64(3), st.text(4)});
  return out;
}

std::vector<UploadInfo> ObjectStore::list_uploads(const std::string& bucket,
                                                  const std::string& prefix, int max_uploads) {
  std::lock_guard lock(mu_);
  std::vector<UploadInfo> out;
  store::Statement st(*db_,
                      "SELECT upload_id, key, initiated_ms FROM uploads WHERE bucket=?1 "
                      "AND substr(key, 1, length(?2))=?2 ORDER BY key, initiated_ms LIMIT ?3");
  st.bind(1, bucket).bind(2, prefix).bind(3, max_uploads);
  while (st.step()) out.push_back({st.text(0), bucket, st.text(1), st.int64(2), {}});
  return out;
}

Result<std::string> ObjectStore::concatenate(const std::vector<PartInfo>& parts) {
  const fs::path temp = new_temp_path();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return write_error("the object", errno);
  int err = 0;
  for (const auto& p : parts) {
    err = append_file(data_path(p.file), fd);
    if (err != 0) break;
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) {
    std::error_code ec;
    fs::remove(temp, ec);
    return write_error("the object", err);
  }
  return adopt(temp);
}

Result<ObjectInfo> ObjectStore::complete_upload(const UploadInfo& upload,
                                                const std::vector<CompletedPart>& wanted,
                                                const EventOrigin& origin) {
  if (wanted.empty()) return Error{"MalformedXML", "The XML you provided lists no parts"};
  YUNFN_TRY(stored, list_parts(upload.upload_id));
  std::vector<PartInfo> chosen;
  std::string md5s;
  int64_t size = 0;
  // Checked in this order, whichever part breaks a rule: order, existence, size.
  for (size_t i = 1; i < wanted.size(); ++i) {
    if (wanted[i].number <= wanted[i - 1].number)
      return Error{"InvalidPartOrder",
                   "The list of parts was not in ascending order. The parts list must be "
                   "specified in order by part number."};
  }
  for (const auto& want : wanted) {
    const PartInfo* found = nullptr;
    for (const auto& p : stored) {
      if (p.number == want.number) found = &p;
    }
    if (found == nullptr || found->etag != want.etag)
      return Error{"InvalidPart", "Part " + std::to_string(want.number) +
                                      " could not be found or its ETag does not match"};
    chosen.push_back(*found);
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i + 1 < chosen.size() && chosen[i].size < kMinPartSize)
      return Error{"EntityTooSmall", "Part " + std::to_string(chosen[i].number) +
                                         " is smaller than the minimum part size of 1 MB"};
    size += chosen[i].size;
    // The multipart ETag is the MD5 of the parts' raw MD5s.
    for (size_t h = 0; h + 1 < chosen[i].etag.size(); h += 2)
      md5s.push_back(static_cast<char>(std::stoi(chosen[i].etag.substr(h, 2), nullptr, 16)));
  }
  YUNFN_TRY(file, concatenate(chosen));
  ObjectInfo info{upload.bucket,
                  upload.key,
                  size,
                  crypto::hex(md5(md5s)) + "-" + std::to_string(chosen.size()),
                  upload.attributes,
                  to_unix_ms(clock_.now()),
                  file};
  std::string replaced;
  {
    std::lock_guard lock(mu_);
    try {
      // One transaction: the object, its event, and the end of the upload.
      store::Transaction tx(*db_);
      store::Statement up(*db_, "SELECT 1 FROM uploads WHERE upload_id=?1");
      up.bind(1, upload.upload_id);
      if (!up.step()) {
        discard(file);
        return no_such_upload();
      }
      upsert_locked(info, "cos:ObjectCreated:CompleteMultipartUpload", origin, &replaced);
      delete_upload_locked(upload.upload_id);
      tx.commit();
    } catch (const store::SqliteError& e) {
      discard(file);
      return write_error("the object", (e.code & 0xff) == SQLITE_FULL ? ENOSPC : EIO);
    }
  }
  if (replaced != info.file) discard(replaced);
  for (const auto& p : stored) discard(p.file);
  notify();
  return info;
}

Status ObjectStore::abort_upload(const UploadInfo& upload) {
  YUNFN_TRY(parts, list_parts(upload.upload_id));
  {
    std::lock_guard lock(mu_);
    try {
      store::Transaction tx(*db_);
      delete_upload_locked(upload.upload_id);
      tx.commit();
    } catch (const store::SqliteError& e) {
      return write_error("the abort", (e.code & 0xff) == SQLITE_FULL ? ENOSPC : EIO);
    }
  }
  for (const auto& p : parts) discard(p.file);
  return ok_status();
}

}  // namespace yunfn::cos

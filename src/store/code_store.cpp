// Content-addressed code package store. See code_store.h for the layout.
#include "store/code_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>
#include <vector>

#include "common/crypto.h"

namespace yunfn::store {
namespace {

namespace fs = std::filesystem;

constexpr ErrorCode kSystemError = errc::kInternalErrorSystem;
constexpr char kTempPrefix[] = ".tmp-";
constexpr size_t kTempPrefixLen = sizeof(kTempPrefix) - 1;
constexpr size_t kShaLen = 64;

Error system_error(const std::string& what, int err) {
  return make_error(kSystemError, what + ": " + std::strerror(err));
}

Error bad_sha(const std::string& sha) {
  return make_error(errc::kInvalidParameterValue,
                    "code package id is not a sha256 hex digest: " + sha.substr(0, 80));
}

// Runs a function when the scope ends.
template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ~ScopeExit() { f_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  F f_;
};

// Closes a file descriptor on scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() returned (0 when fine).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

std::string temp_name(const std::string& sha, std::string_view suffix) {
  return std::string(kTempPrefix) + sha + "-" + crypto::hex(crypto::random_bytes(8)) +
         std::string(suffix);
}

// The package a temporary belongs to ("" when the name is not a temporary).
std::string temp_owner(const std::string& name) {
  if (name.rfind(kTempPrefix, 0) != 0 || name.size() < kTempPrefixLen + kShaLen) return "";
  return name.substr(kTempPrefixLen, kShaLen);
}

Status fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    const int err = errno;
    return system_error("cannot sync " + dir.string(), err);
  }
  return ok_status();
}

// Writes a new read-only file and flushes it to disk.
Status write_new_file(const fs::path& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (fd.get() < 0) {
    const int err = errno;
    return system_error("cannot create " + path.string(), err);
  }
  while (!data.empty()) {
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return system_error("cannot write " + path.string(), err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    return system_error("cannot sync " + path.string(), err);
  }
  if (int err = fd.close_now(); err != 0) return system_error("cannot close " + path.string(), err);
  return ok_status();
}

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return make_error(errc::kResourceNotFound, "code package is not stored");
    return system_error("cannot open " + path.string(), err);
  }
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return system_error("cannot read " + path.string(), err);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// Removes a file or a tree that may contain read-only directories. Symlinks are
// removed, never followed.
void remove_tree(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(path, ec))) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ignored;
      if (it->is_directory(ignored) && !it->is_symlink(ignored))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }
  }
  fs::remove_all(path, ec);
}

// Flushes everything written below dir (one syncfs, rather than one fsync per
// extracted file) so the rename that publishes it never exposes lost data.
Status sync_tree(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::syncfs(fd.get()) != 0) {
    const int err = errno;
    return system_error("cannot sync " + dir.string(), err);
  }
  return ok_status();
}

// The entries of a directory; none when it does not exist.
Result<std::vector<fs::path>> list_dir(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  auto it = fs::directory_iterator(dir, ec);
  if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return out;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) out.push_back(it->path());
  if (ec) return make_error(kSystemError, "cannot list " + dir.string() + ": " + ec.message());
  return out;
}

// Adds the tree at src to dest as overlayfs would show it on top: a file of
// src replaces whatever dest has at its path, a directory merges. Files are
// hard-linked (the trees are read-only and on one file system), else copied.
Status overlay_tree(const fs::path& src, const fs::path& dest) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path to = dest / it->path().lexically_relative(src);  // not relative(): it follows symlinks
    const fs::file_status from = it->symlink_status();
    const fs::file_status there = fs::symlink_status(to);
    if (fs::is_directory(from)) {
      if (fs::is_directory(there)) continue;
      if (fs::exists(there)) fs::remove_all(to, ec);
      if (!ec) fs::create_directory(to, ec);
    } else {
      if (fs::exists(there)) fs::remove_all(to, ec);
      if (ec) break;
      if (fs::is_symlink(from)) {
        fs::copy_symlink(it->path(), to, ec);
      } else if (::link(it->path().c_str(), to.c_str()) != 0) {
        fs::copy_file(it->path(), to, ec);
      }
    }
    if (ec) break;
  }
  if (ec) return make_error(kSystemError, "cannot merge " + src.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

bool is_code_sha256(std::string_view text) {
  if (text.size() != kShaLen) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

CodeStore::CodeStore(fs::path root, CodeExtractor extractor)
    : root_(std::move(root)), extractor_(std::move(extractor)) {}

fs::path CodeStore::blob_path(const std::string& sha) const {
  return root_ / "blobs" / sha.substr(0, 2) / (sha + ".zip");
}

fs::path CodeStore::unpacked_path(const std::string& sha) const { return root_ / "unpacked" / sha; }

void CodeStore::mark_busy(const std::string& sha) {
  std::lock_guard lock(mu_);
  ++busy_[sha];
}

void CodeStore::unmark_busy(const std::string& sha) {
  std::lock_guard lock(mu_);
  if (--busy_[sha] == 0) busy_.erase(sha);
}

bool CodeStore::is_busy(const std::string& sha) const {
  return busy_.count(sha) != 0;  // caller holds mu_
}

Result<std::string> CodeStore::put(std::string_view zip_bytes) {
  std::string sha = crypto::sha256_hex(zip_bytes);
  mark_busy(sha);
  ScopeExit unmark([this, sha] { unmark_busy(sha); });  // sha by value: it may be moved out
  const fs::path path = blob_path(sha);
  // Already stored: keep it, unless it was damaged on disk (then rewrite it).
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) == zip_bytes.size() && get(sha).ok()) {
    return sha;
  }
  const fs::path dir = path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(kSystemError, "cannot create " + dir.string() + ": " + ec.message());
  const fs::path temp = dir / temp_name(sha, ".zip");
  Status written = write_new_file(temp, zip_bytes);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    written = system_error("cannot rename into " + path.string(), err);
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written.error();
  }
  // Make both the new file and a possibly new prefix directory durable.
  YUNFN_TRY_STATUS(fsync_dir(dir));
  YUNFN_TRY_STATUS(fsync_dir(dir.parent_path()));
  return sha;
}

Result<std::string> CodeStore::get(const std::string& sha) const {
  if (!is_code_sha256(sha)) return bad_sha(sha);
  auto bytes = read_file(blob_path(sha));
  if (!bytes.ok()) {
    if (bytes.error().is(errc::kResourceNotFound))
      return make_error(errc::kResourceNotFound, "code package " + sha + " is not stored");
    return bytes.error();
  }
  if (crypto::sha256_hex(*bytes) != sha)
    return make_error(kSystemError, "stored code package " + sha + " is damaged");
  return bytes;
}

bool CodeStore::has(const std::string& sha) const {
  if (!is_code_sha256(sha)) return false;
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(blob_path(sha), ec));
}

Result<fs::path> CodeStore::unpacked(const std::string& sha) {
  if (!is_code_sha256(sha)) return bad_sha(sha);
  std::error_code ec;
  fs::path final_dir = unpacked_path(sha);
  if (fs::is_directory(fs::symlink_status(final_dir, ec))) return final_dir;
  return once(sha, [this, &sha] { return extract_once(sha); });
}

Result<fs::path> CodeStore::layer_view(const std::vector<std::string>& sha256_hexes) {
  if (sha256_hexes.empty()) return make_error(kSystemError, "a layer view needs at least one layer");
  if (sha256_hexes.size() == 1) return unpacked(sha256_hexes.front());
  std::string joined;
  for (const auto& sha : sha256_hexes) {
    if (!is_code_sha256(sha)) return bad_sha(sha);
    joined.append(sha).push_back('\n');
  }
  const std::string id = crypto::sha256_hex(joined);
  std::error_code ec;
  const fs::path final_dir = root_ / "layer-views" / id;
  if (fs::is_directory(fs::symlink_status(final_dir, ec))) return final_dir;
  return once("view-" + id, [&]() -> UnpackResult {
    if (fs::is_directory(fs::symlink_status(final_dir, ec))) return final_dir;
    const fs::path dir = final_dir.parent_path();
    fs::create_directories(dir, ec);
    if (ec) return make_error(kSystemError, "cannot create " + dir.string() + ": " + ec.message());
    const fs::path temp = dir / temp_name(id, "");
    Status status = ok_status();
    if (!fs::create_directory(temp, ec)) status = system_error("cannot create " + temp.string(), ec.value());
    for (const auto& sha : sha256_hexes) {
      if (!status.ok()) break;
      auto layer = unpacked(sha);
      status = layer.ok() ? overlay_tree(*layer, temp) : Status(layer.error());
    }
    if (status.ok()) status = sync_tree(temp);
    if (status.ok() && ::rename(temp.c_str(), final_dir.c_str()) != 0) {
      const int err = errno;
      status = system_error("cannot rename into " + final_dir.string(), err);
    }
    if (!status.ok()) {
      remove_tree(temp);
      if (fs::is_directory(final_dir, ec)) return final_dir;  // another process made it first
      return status.error();
    }
    YUNFN_TRY_STATUS(fsync_dir(dir));
    return final_dir;
  });
}

CodeStore::UnpackResult CodeStore::once(const std::string& key,
                                        const std::function<UnpackResult()>& make) {
  // One caller per key does the work; the others wait for its result.
  std::promise<UnpackResult> promise;
  std::shared_future<UnpackResult> result;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      result = it->second;
    } else {
      result = promise.get_future().share();
      in_flight_.emplace(key, result);
      leader = true;
    }
  }
  if (!leader) return result.get();

  UnpackResult outcome = make_error(kSystemError, "code package extraction failed");
  try {
    outcome = make();
  } catch (const std::exception& e) {
    outcome = make_error(kSystemError, std::string("code package extraction failed: ") + e.what());
  }
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
  }
  promise.set_value(outcome);
  return outcome;
}

CodeStore::UnpackResult CodeStore::extract_once(const std::string& sha) {
  mark_busy(sha);
  ScopeExit unmark([this, sha] { unmark_busy(sha); });  // sha by value: it may be moved out
  std::error_code ec;
  const fs::path final_dir = unpacked_path(sha);
  if (fs::is_directory(fs::symlink_status(final_dir, ec))) return final_dir;
  YUNFN_TRY(zip, get(sha));
  const fs::path dir = final_dir.parent_path();
  fs::create_directories(dir, ec);
  if (ec) return make_error(kSystemError, "cannot create " + dir.string() + ": " + ec.message());
  const fs::path temp = dir / temp_name(sha, "");
  Status status = extractor_(zip, temp);
  if (status.ok()) status = sync_tree(temp);
  if (!status.ok()) {
    remove_tree(temp);
    return status.error();
  }
  if (::rename(temp.c_str(), final_dir.c_str()) != 0) {
    const int err = errno;
    remove_tree(temp);
    // Another process published the same package first: use that one.
    if ((err == EEXIST || err == ENOTEMPTY) && fs::is_directory(final_dir, ec)) return final_dir;
    return system_error("cannot rename into " + final_dir.string(), err);
  }
  YUNFN_TRY_STATUS(fsync_dir(dir));
  return final_dir;
}

Status CodeStore::remove_unreferenced(const std::set<std::string>& referenced) {
  // A package is removable when nobody references it and no put() or
  // extraction of it is under way; a temporary when its package is not busy.
  // The check and the removal happen under mu_ so that no such operation can
  // start in between.
  auto removable = [&](const std::string& name, std::string_view suffix) {
    const std::string temp_sha = temp_owner(name);
    if (!temp_sha.empty()) return !is_busy(temp_sha);
    if (name.size() != kShaLen + suffix.size() || !name.ends_with(suffix)) return false;
    const std::string sha = name.substr(0, kShaLen);
    return is_code_sha256(sha) && referenced.count(sha) == 0 && !is_busy(sha);
  };
  std::lock_guard lock(mu_);
  std::vector<fs::path> doomed;
  YUNFN_TRY(prefixes, list_dir(root_ / "blobs"));
  for (const fs::path& prefix : prefixes) {
    YUNFN_TRY(blobs, list_dir(prefix));
    for (const fs::path& blob : blobs) {
      if (removable(blob.filename().string(), ".zip")) doomed.push_back(blob);
    }
  }
  YUNFN_TRY(trees, list_dir(root_ / "unpacked"));
  for (const fs::path& tree : trees) {
    if (removable(tree.filename().string(), "")) doomed.push_back(tree);
  }
  for (const fs::path& path : doomed) remove_tree(path);
  return ok_status();
}

}  // namespace yunfn::store

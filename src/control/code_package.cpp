// Code package validation and extraction over libzip. See code_package.h.
//
// Both entry points share one validation pass (load_package) that reads the
// central directory and turns every entry into a PackageEntry with a clean path.
// Extraction then writes entries through directory file descriptors opened with
// O_NOFOLLOW, so even a path the validation missed could not leave dest.
#include "control/code_package.h"
#include "control/zip_raw_names.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/crypto.h"

namespace yunfn::control {
namespace {

namespace fs = std::filesystem;

constexpr ErrorCode kZipFileError = errc::kInvalidParameterValueZipFile;
constexpr ErrorCode kLimitError = errc::kLimitExceeded;
constexpr ErrorCode kSystemError = errc::kInternalErrorSystem;

constexpr size_t kMaxPathBytes = 4096;      // PATH_MAX
constexpr size_t kMaxComponentBytes = 255;  // NAME_MAX
constexpr size_t kMaxDepth = 128;           // bounds the per-entry directory walk
constexpr uint64_t kMaxLinkTargetBytes = 4096;
constexpr int kMaxLinkHops = 8;
constexpr size_t kChunkBytes = size_t{64} * 1024;
constexpr mode_t kWritingDirMode = 0700;  // while extracting
constexpr mode_t kFinalDirMode = 0555;

Error zip_file_error(const std::string& detail) {
  return make_error(kZipFileError, "ZipFile " + detail);
}

Error system_error(const std::string& what, int err) {
  return make_error(kSystemError, what + ": " + std::strerror(err));
}

// A bounded, printable rendering of an untrusted entry name for messages.
std::string quote_name(std::string_view name) {
  std::string out = "\"";
  for (size_t i = 0; i < name.size() && i < 200; ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (name.size() > 200) out += "...";
  return out + "\"";
}

std::string describe_bytes(uint64_t n) {
  constexpr uint64_t kMiB = uint64_t{1024} * 1024;
  if (n % kMiB == 0) return std::to_string(n / kMiB) + " MB";
  return std::to_string(n) + " bytes";
}

// Package paths are '/'-separated, relative, without empty, "." or ".."
// components; "" is the package root.
std::string_view parent_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string join_path(const std::vector<std::string>& components) {
  std::string out;
  for (const std::string& c : components) {
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

enum class EntryKind { kFile, kDirectory, kSymlink };

// One validated zip entry.
struct PackageEntry {
  zip_uint64_t index = 0;  // position in the zip
  std::string path;        // package path, never empty
  EntryKind kind = EntryKind::kFile;
  bool executable = false;    // a regular file with an x bit in its unix mode
  uint64_t size = 0;          // uncompressed bytes (declared)
  std::string link_target;    // symlinks: the target as stored
  std::string link_resolved;  // symlinks: target as a package path ("" = root)
};

// Owns an open, read-only archive over a caller-owned buffer.
class ZipArchive {
 public:
  explicit ZipArchive(zip_t* za) : za_(za) {}
  ~ZipArchive() { zip_discard(za_); }
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  zip_t* get() const { return za_; }

 private:
  zip_t* za_;
};

// A validated package: the open archive plus its entries in zip order.
struct LoadedPackage {
  std::unique_ptr<ZipArchive> archive;
  std::vector<PackageEntry> entries;
  std::vector<std::string> directories;  // every directory, explicit or implied
  uint64_t unpacked_size = 0;
};

// Closes a file descriptor on scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<std::unique_ptr<ZipArchive>> open_archive(std::string_view bytes) {
  // libzip treats a zero-length source as a new, empty archive: refuse it first.
  if (bytes.empty()) return zip_file_error("is not a valid zip archive");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (src == nullptr) {
    zip_error_fini(&err);
    return make_error(kSystemError, "cannot create a zip source");
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  zip_error_fini(&err);
  if (za == nullptr) {
    zip_source_free(src);
    return zip_file_error("is not a valid zip archive");
  }
  return std::make_unique<ZipArchive>(za);
}

// Turns an entry name into a package path, rejecting anything that is not a
// plain relative path. Sets *directory when the name ends in a separator.
// A backslash counts as a separator, as in zips made by some Windows tools
// ("lib\util.py"); so "..\x" is refused like "../x", and "a\b" and "a/b"
// are the same path.
Result<std::string> normalize_entry_name(std::string_view name, bool* directory) {
  const std::string q = quote_name(name);
  if (name.empty()) return zip_file_error("has an entry with an empty name");
  if (name.size() > kMaxPathBytes) return zip_file_error("entry name is too long: " + q);
  if (name.front() == '/' || name.front() == '\\')
    return zip_file_error("entry has an absolute path: " + q);
  *directory = name.back() == '/' || name.back() == '\\';
  if (*directory) name.remove_suffix(1);
  std::string path;
  size_t start = 0;
  size_t depth = 0;
  while (true) {
    size_t slash = name.find_first_of("/\\", start);
    std::string_view comp = name.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (comp.empty()) return zip_file_error("entry name has an empty component: " + q);
    if (comp == "." || comp == "..")
      return zip_file_error("entry name has a '" + std::string(comp) + "' component: " + q);
    if (comp.size() > kMaxComponentBytes)
      return zip_file_error("entry name component is too long: " + q);
    if (++depth > kMaxDepth) return zip_file_error("entry is nested too deeply: " + q);
    if (!path.empty()) path += '/';
    path += comp;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return path;
}

// The unix mode stored in an entry's external attributes, or 0 when the zip was
// not made on a unix system.
mode_t unix_mode(zip_t* za, zip_uint64_t index) {
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(za, index, 0, &opsys, &attributes) != 0) return 0;
  if (opsys != ZIP_OPSYS_UNIX) return 0;
  return static_cast<mode_t>(attributes >> 16);
}

// Reads and validates the central directory record of one entry.
Result<PackageEntry> read_entry_header(zip_t* za, zip_uint64_t index) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
      !(st.valid & ZIP_STAT_SIZE)) {
    return zip_file_error("has an unreadable entry");
  }
  PackageEntry entry;
  entry.index = index;
  bool directory = false;
  YUNFN_TRY(path, normalize_entry_name(st.name, &directory));
  entry.path = std::move(path);
  const std::string q = quote_name(st.name);
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    return zip_file_error("entry is encrypted: " + q);
  if ((st.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st.comp_method, 0))
    return zip_file_error("entry uses an unsupported compression method: " + q);
  const mode_t mode = unix_mode(za, index);
  const mode_t type = mode & S_IFMT;
  if (directory || type == S_IFDIR) {
    entry.kind = EntryKind::kDirectory;
  } else if (type == S_IFLNK) {
    entry.kind = EntryKind::kSymlink;
    if (st.size == 0 || st.size > kMaxLinkTargetBytes)
      return zip_file_error("symlink has an invalid target length: " + q);
  } else if (type == 0 || type == S_IFREG) {
    entry.kind = EntryKind::kFile;
    entry.executable = (mode & 0111) != 0;
  } else {
    return zip_file_error("entry is not a file, directory or symlink: " + q);
  }
  entry.size = entry.kind == EntryKind::kDirectory ? 0 : st.size;
  return entry;
}

// Streams the uncompressed data of an entry to sink in chunks. libzip verifies
// the CRC when the whole entry has been read; data longer or shorter than the
// declared size is refused.
template <typename Sink>
Status read_entry_data(zip_t* za, const PackageEntry& entry, Sink&& sink) {
  const std::string q = quote_name(entry.path);
  zip_file_t* file = zip_fopen_index(za, entry.index, 0);
  if (file == nullptr) return zip_file_error("entry cannot be read: " + q);
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> closer(file, zip_fclose);
  std::string buffer(kChunkBytes, '\0');
  uint64_t total = 0;
  while (true) {
    zip_int64_t n = zip_fread(file, buffer.data(), buffer.size());
    if (n < 0) return zip_file_error("entry data is corrupt: " + q);
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > entry.size) return zip_file_error("entry is larger than declared: " + q);
    YUNFN_TRY_STATUS(sink(std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
  if (total != entry.size) return zip_file_error("entry is shorter than declared: " + q);
  return ok_status();
}

Result<std::string> read_link_target(zip_t* za, const PackageEntry& entry) {
  std::string target;
  YUNFN_TRY_STATUS(read_entry_data(za, entry, [&](std::string_view chunk) -> Status {
    target.append(chunk);
    return ok_status();
  }));
  return target;
}

// Rejects two entries with the same path, and entries placed below a file or
// symlink (which would write through it). Collects every directory, explicit
// or implied by a deeper entry, into pkg->directories; their number counts
// against the entry limit.
Status check_entry_paths(LoadedPackage* pkg, const CodePackageLimits& limits) {
  // Views into the entries' paths, which stay put while this runs.
  std::map<std::string_view, EntryKind> explicit_paths;
  std::set<std::string_view> parent_dirs;
  for (const PackageEntry& e : pkg->entries) {
    if (!explicit_paths.emplace(e.path, e.kind).second)
      return zip_file_error("has duplicate entries for " + quote_name(e.path));
    // Deepest first; once a folder is known, so are all its ancestors.
    for (std::string_view dir = parent_of(e.path); !dir.empty(); dir = parent_of(dir)) {
      if (!parent_dirs.insert(dir).second) break;
    }
    if (parent_dirs.size() > limits.max_entries)
      return make_error(kLimitError, "ZipFile has more than " + std::to_string(limits.max_entries) +
                                         " directories");
  }
  for (const auto& [path, kind] : explicit_paths) {
    if (kind != EntryKind::kDirectory && parent_dirs.count(path) != 0)
      return zip_file_error("has entries inside the non-directory " + quote_name(path));
    if (kind == EntryKind::kDirectory && parent_dirs.count(path) == 0)
      pkg->directories.emplace_back(path);
  }
  pkg->directories.insert(pkg->directories.end(), parent_dirs.begin(), parent_dirs.end());
  return ok_status();
}

// Resolves a symlink target lexically against the link's folder. The result
// must stay inside the package and must not pass through another symlink of
// the package (a link through a link could climb out of the root).
Result<std::string> resolve_link(const PackageEntry& link, const std::set<std::string>& links) {
  const std::string& target = link.link_target;
  const std::string q = quote_name(link.path) + " -> " + quote_name(target);
  if (target.find('\0') != std::string::npos || target.find('\\') != std::string::npos)
    return zip_file_error("symlink target has a NUL byte or backslash: " + q);
  if (target.front() == '/') return zip_file_error("symlink points to an absolute path: " + q);
  std::vector<std::string> stack = split_path(parent_of(link.path));
  std::vector<std::string> parts;
  for (std::string& comp : split_path(target)) {
    if (!comp.empty() && comp != ".") parts.push_back(std::move(comp));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "..") {
      if (stack.empty()) return zip_file_error("symlink points outside the package: " + q);
      stack.pop_back();
      continue;
    }
    stack.push_back(parts[i]);
    if (i + 1 < parts.size() && links.count(join_path(stack)) != 0)
      return zip_file_error("symlink target passes through another symlink: " + q);
  }
  return join_path(stack);
}

// Reads the targets of all symlinks and checks that each stays inside.
Status check_symlinks(zip_t* za, std::vector<PackageEntry>& entries) {
  std::set<std::string> links;
  for (const PackageEntry& e : entries) {
    if (e.kind == EntryKind::kSymlink) links.insert(e.path);
  }
  for (PackageEntry& e : entries) {
    if (e.kind != EntryKind::kSymlink) continue;
    YUNFN_TRY(target, read_link_target(za, e));
    e.link_target = std::move(target);
    YUNFN_TRY(resolved, resolve_link(e, links));
    e.link_resolved = std::move(resolved);
  }
  return ok_status();
}

// Opens and validates a package: sizes, entry names, types and symlinks.
// Reads no file data other than symlink targets.
Result<LoadedPackage> load_package(std::string_view zip_bytes, const CodePackageLimits& limits) {
  if (zip_bytes.size() > limits.max_zip_bytes)
    return make_error(kLimitError,
                      "ZipFile is larger than " + describe_bytes(limits.max_zip_bytes));
  if (auto bad = find_entry_name_with_nul(zip_bytes)) {
    return zip_file_error("entry name contains a NUL byte: " + quote_name(*bad));
  }
  LoadedPackage pkg;
  YUNFN_TRY(archive, open_archive(zip_bytes));
  pkg.archive = std::move(archive);
  zip_t* za = pkg.archive->get();
  const zip_int64_t count = zip_get_num_entries(za, 0);
  if (count <= 0) return zip_file_error("contains no files");
  if (static_cast<uint64_t>(count) > limits.max_entries)
    return make_error(kLimitError,
                      "ZipFile has more than " + std::to_string(limits.max_entries) + " entries");
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    YUNFN_TRY(entry, read_entry_header(za, i));
    if (entry.size > limits.max_unpacked_bytes - pkg.unpacked_size)
      return make_error(
          kLimitError, "ZipFile unpacks to more than " + describe_bytes(limits.max_unpacked_bytes));
    pkg.unpacked_size += entry.size;
    pkg.entries.push_back(std::move(entry));
  }
  YUNFN_TRY_STATUS(check_entry_paths(&pkg, limits));
  YUNFN_TRY_STATUS(check_symlinks(za, pkg.entries));
  return pkg;
}

// Whether the root entry `name` is, or links to, an executable file.
bool is_executable_at(const std::map<std::string, const PackageEntry*>& by_path, std::string name) {
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    auto it = by_path.find(name);
    if (it == by_path.end()) return false;
    const PackageEntry& e = *it->second;
    if (e.kind != EntryKind::kSymlink) return e.kind == EntryKind::kFile && e.executable;
    name = e.link_resolved;
  }
  return false;
}

void describe_root(const LoadedPackage& pkg, CodePackageInfo* info) {
  std::map<std::string, const PackageEntry*> by_path;
  std::set<std::string> roots;
  for (const PackageEntry& e : pkg.entries) {
    by_path.emplace(e.path, &e);
    const size_t slash = e.path.find('/');
    const bool dir = slash != std::string::npos || e.kind == EntryKind::kDirectory;
    roots.insert(e.path.substr(0, slash) + (dir ? "/" : ""));
  }
  info->root_files.assign(roots.begin(), roots.end());
  info->has_bootstrap = is_executable_at(by_path, "bootstrap");
  auto scf = by_path.find("scf_bootstrap");
  info->has_scf_bootstrap = scf != by_path.end() && scf->second->kind != EntryKind::kDirectory;
  info->scf_bootstrap_executable = is_executable_at(by_path, "scf_bootstrap");
}

// ---- extraction ----

// Directory descriptors of one extraction, by package path, so that entries
// of the same folder do not walk the tree again. Every directory is opened
// relative to its parent with O_NOFOLLOW, so a symlink is never traversed.
class DirCache {
 public:
  explicit DirCache(int root_fd) : root_fd_(root_fd) {}

  // The descriptor of package directory `dir` ("" = root), created first when
  // `create`. Valid until the next call.
  Result<int> open(std::string_view dir, bool create) {
    if (dir.empty()) return root_fd_;
    if (auto it = fds_.find(dir); it != fds_.end()) return it->second.get();
    YUNFN_TRY(parent, open(parent_of(dir), create));
    const std::string name(base_name(dir));
    if (create && ::mkdirat(parent, name.c_str(), kWritingDirMode) != 0 && errno != EEXIST) {
      const int err = errno;
      return system_error("cannot create directory " + quote_name(dir), err);
    }
    UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
      const int err = errno;
      return system_error("cannot open directory " + quote_name(dir), err);
    }
    // Bounded: the process shares its descriptor limit with everything else.
    if (fds_.size() >= kMaxCachedDirs) fds_.clear();
    const int raw = fd.get();
    fds_.emplace(std::string(dir), std::move(fd));
    return raw;
  }

 private:
  static constexpr size_t kMaxCachedDirs = 32;
  const int root_fd_;
  std::map<std::string, UniqueFd, std::less<>> fds_;
};

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return system_error("cannot write an extracted file", err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

Status write_file(zip_t* za, DirCache& dirs, const PackageEntry& e) {
  YUNFN_TRY(parent, dirs.open(parent_of(e.path), /*create=*/true));
  const std::string name(base_name(e.path));
  if (e.kind == EntryKind::kSymlink) {
    if (::symlinkat(e.link_target.c_str(), parent, name.c_str()) != 0) {
      const int err = errno;
      return system_error("cannot create symlink " + quote_name(e.path), err);
    }
    return ok_status();
  }
  UniqueFd out(
      ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (out.get() < 0) {
    const int err = errno;
    return system_error("cannot create file " + quote_name(e.path), err);
  }
  YUNFN_TRY_STATUS(
      read_entry_data(za, e, [&](std::string_view chunk) { return write_all(out.get(), chunk); }));
  const mode_t mode = e.executable ? 0555 : 0444;
  if (::fchmod(out.get(), mode) != 0) {
    const int err = errno;
    return system_error("cannot set the mode of " + quote_name(e.path), err);
  }
  return ok_status();
}

// Sets every directory of the package to its final read-only mode, deepest
// first so that parents are still writable while their children change.
Status seal_directories(DirCache& cache, int root_fd, const std::vector<std::string>& directories) {
  std::vector<std::pair<size_t, std::string_view>> ordered;
  ordered.reserve(directories.size());
  for (const std::string& dir : directories)
    ordered.emplace_back(std::count(dir.begin(), dir.end(), '/'), dir);
  std::sort(ordered.begin(), ordered.end(), std::greater<>());
  for (const auto& [depth, dir] : ordered) {
    YUNFN_TRY(fd, cache.open(dir, /*create=*/false));
    if (::fchmod(fd, kFinalDirMode) != 0) {
      const int err = errno;
      return system_error("cannot set the mode of " + quote_name(dir), err);
    }
  }
  if (::fchmod(root_fd, kFinalDirMode) != 0) {
    const int err = errno;
    return system_error("cannot set the mode of the package directory", err);
  }
  return ok_status();
}

Status write_package(const LoadedPackage& pkg, int root_fd) {
  zip_t* za = pkg.archive->get();
  DirCache cache(root_fd);
  for (const PackageEntry& e : pkg.entries) {
    if (e.kind == EntryKind::kDirectory) {
      YUNFN_TRY_STATUS(cache.open(e.path, /*create=*/true));
      continue;
    }
    YUNFN_TRY_STATUS(write_file(za, cache, e));
  }
  return seal_directories(cache, root_fd, pkg.directories);
}

// Creates dest, or accepts an existing empty directory (never a symlink).
// Sets *created to whether this call made it.
Status prepare_destination(const fs::path& dest, bool* created) {
  *created = false;
  if (::mkdir(dest.c_str(), kWritingDirMode) == 0) {
    *created = true;
    return ok_status();
  }
  const int err = errno;
  if (err != EEXIST) return system_error("cannot create " + dest.string(), err);
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dest, ec)) || !fs::is_empty(dest, ec) || ec)
    return make_error(kSystemError,
                      "extraction target exists and is not an empty directory: " + dest.string());
  return ok_status();
}

// Removes what a failed extraction wrote below dest (and dest if it was
// created), making directories writable first. Symlinks are never followed.
void discard_extraction(const fs::path& dest, bool created) {
  std::error_code ec;
  fs::permissions(dest, fs::perms::owner_all, fs::perm_options::add, ec);
  for (auto it = fs::recursive_directory_iterator(dest, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ignored;
    if (it->is_directory(ignored) && !it->is_symlink(ignored))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  if (created) {
    fs::remove_all(dest, ec);
    return;
  }
  for (auto it = fs::directory_iterator(dest, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

}  // namespace

Result<CodePackageInfo> inspect_code_package(std::string_view zip_bytes,
                                             const CodePackageLimits& limits) {
  YUNFN_TRY(pkg, load_package(zip_bytes, limits));
  // Read every file once so that corrupt data is reported now, not at the
  // first invocation.
  for (const PackageEntry& e : pkg.entries) {
    if (e.kind != EntryKind::kFile) continue;
    YUNFN_TRY_STATUS(
        read_entry_data(pkg.archive->get(), e, [](std::string_view) { return ok_status(); }));
  }
  CodePackageInfo info;
  info.sha256_hex = crypto::sha256_hex(zip_bytes);
  info.zip_size = zip_bytes.size();
  info.unpacked_size = pkg.unpacked_size;
  info.entry_count = pkg.entries.size();
  describe_root(pkg, &info);
  return info;
}

Status extract_code_package(std::string_view zip_bytes, const fs::path& dest,
                            const CodePackageLimits& limits) {
  YUNFN_TRY(pkg, load_package(zip_bytes, limits));
  bool created = false;
  YUNFN_TRY_STATUS(prepare_destination(dest, &created));
  UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  const int open_errno = errno;
  Status status = root.get() < 0 ? Status(system_error("cannot open " + dest.string(), open_errno))
                                 : write_package(pkg, root.get());
  if (!status.ok()) discard_extraction(dest, created);
  return status;
}

}  // namespace yunfn::control

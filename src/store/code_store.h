// CodeStore: the content-addressed store of function code packages under the
// data directory.
//
//   <root>/blobs/<sha[0:2]>/<sha>.zip   the zip as uploaded, read-only (0444)
//   <root>/unpacked/<sha>/              the package extracted once, read-only
//   <root>/layer-views/<id>/            several unpacked layers merged, read-only
//
// A package is named by the lowercase hex SHA-256 of its zip bytes, so equal
// uploads share one blob and one unpacked tree. Blobs are written to a temporary
// file, fsynced and renamed into place; trees are extracted into a temporary
// directory, synced and renamed, so a crash never leaves a half-written package
// under its final name. Leftover temporaries (names starting with ".tmp-") are
// ignored by lookups and deleted by remove_unreferenced().
//
// Owned by the server object graph; the control plane writes packages and the
// instance pool asks for unpacked trees. All methods are thread-safe and may be
// called concurrently from worker threads. They block on disk I/O (and unpacked()
// on extraction), so they must not run on an io_context loop thread.
#pragma once

#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::store {

// Writes the package zip into dest, which does not exist yet (its parent does).
// The store does not know the zip format: the control module supplies this
// (control::extract_code_package), keeping dependencies pointing downward.
using CodeExtractor =
    std::function<Status(std::string_view zip, const std::filesystem::path& dest)>;

class CodeStore {
 public:
  // root is created on first write. Does no I/O.
  CodeStore(std::filesystem::path root, CodeExtractor extractor);

  // Stores a zip (if not stored yet) and returns its sha256 hex. Idempotent.
  // The bytes are not validated here: callers inspect the package first.
  Result<std::string> put(std::string_view zip_bytes);

  // The zip bytes of a stored package, checked against its hash.
  // ResourceNotFound when absent; InternalError.System when unreadable or damaged.
  Result<std::string> get(const std::string& sha256_hex) const;

  // The read-only directory holding the extracted package, extracting it on the
  // first call. Concurrent calls for the same package extract it once; the
  // others wait for that result.
  Result<std::filesystem::path> unpacked(const std::string& sha256_hex);

  // The directory showing several packages (a function's layers) as one tree,
  // a later package's file winning over an earlier one's, as overlayfs would
  // show them: built once per list (hard links into the unpacked trees), so
  // every isolation level finds the layers in one place. One package needs no
  // merge: its unpacked tree is returned.
  Result<std::filesystem::path> layer_view(const std::vector<std::string>& sha256_hexes);

  // Whether the zip of a package is stored.
  bool has(const std::string& sha256_hex) const;

  // Deletes the blobs and unpacked trees of packages not in `referenced`, and
  // leftover temporaries. Packages being written or extracted right now by this
  // store are kept. Callers run it when no package they are about to reference
  // is between put() and being recorded (e.g. under the control plane's write
  // lock), and only for packages no running instance uses.
  Status remove_unreferenced(const std::set<std::string>& referenced);

  // Paths of a package's files, for tests and diagnostics.
  std::filesystem::path blob_path(const std::string& sha256_hex) const;
  std::filesystem::path unpacked_path(const std::string& sha256_hex) const;

 private:
  using UnpackResult = Result<std::filesystem::path>;

  UnpackResult extract_once(const std::string& sha256_hex);
  // Runs make() for the first caller with this key; concurrent callers wait
  // for that result instead of repeating the work.
  UnpackResult once(const std::string& key, const std::function<UnpackResult()>& make);
  // Marks a package as busy (being put or extracted) for remove_unreferenced.
  void mark_busy(const std::string& sha256_hex);
  void unmark_busy(const std::string& sha256_hex);
  bool is_busy(const std::string& sha256_hex) const;

  const std::filesystem::path root_;
  const CodeExtractor extractor_;

  mutable std::mutex mu_;  // guards the two maps below
  // Extractions and merges in progress, by key; followers wait on the future.
  std::map<std::string, std::shared_future<UnpackResult>> in_flight_;
  // Packages being put or extracted, with a count of operations.
  std::map<std::string, int> busy_;
};

// Whether text is a well-formed package name: 64 lowercase hex digits.
bool is_code_sha256(std::string_view text);

}  // namespace yunfn::store

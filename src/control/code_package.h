// Code packages: validation and extraction of the zip files users upload as
// function code (CreateFunction / UpdateFunctionCode `ZipFile`, layers).
//
// A zip is untrusted input. inspect_code_package() reads it entirely in memory and
// rejects anything that could write outside the package folder or exceed the SCF
// size limits; extract_code_package() writes a package into a fresh directory,
// re-checking every path as it goes, and leaves the tree read-only.
//
// Both are pure functions with no shared state: safe from any thread. They do
// CPU work and (for extraction) disk I/O proportional to the unpacked size, so
// call them from a worker thread, never from an io_context loop thread.
//
// Error codes (SCF has no dedicated code for package size, so the common
// `LimitExceeded` code is used with a message naming `ZipFile`):
//   InvalidParameterValue.ZipFile  not a zip, corrupt data, unsafe or duplicate
//                                  entry names, unsafe symlinks, encrypted or
//                                  unsupported entries, empty package
//   LimitExceeded                  zip or unpacked size or entry count too large
//   InternalError.System           the destination could not be written
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::control {

// Size limits applied to a package. The defaults are SCF's (zip upload <= 50 MB,
// <= 500 MB unpacked); tests pass smaller ones.
struct CodePackageLimits {
  uint64_t max_zip_bytes = 50ull * 1024 * 1024;
  uint64_t max_unpacked_bytes = 500ull * 1024 * 1024;
  size_t max_entries = 100'000;
};

// What inspect_code_package() learned about a valid package.
struct CodePackageInfo {
  std::string sha256_hex;      // lowercase hex SHA-256 of the zip bytes
  uint64_t zip_size = 0;       // bytes of the zip itself
  uint64_t unpacked_size = 0;  // sum of file sizes and symlink target lengths
  size_t entry_count = 0;      // entries in the zip, directories included
  // An executable regular file "bootstrap" at the root (Custom Runtime), or a
  // symlink there to an executable file of the package.
  bool has_bootstrap = false;
  // A file or symlink "scf_bootstrap" at the root (web functions).
  bool has_scf_bootstrap = false;
  // Whether that scf_bootstrap carries an executable bit (SCF requires 755/777).
  bool scf_bootstrap_executable = false;
  // Sorted names of the top-level entries; directories end in "/". A package
  // whose only entry is "myfunc/" was zipped one level too high: SCF expects the
  // function files at the root, and callers can say so.
  std::vector<std::string> root_files;
};

// Entry names are plain relative paths: no leading "/", no "." or ".."
// components, no empty components. A backslash is read as a path separator
// (some Windows tools write "lib\\util.py"), never as part of a file name.
//
// Validates a zip without writing anything. Reads (and CRC-checks) every entry,
// so the cost is proportional to the unpacked size.
Result<CodePackageInfo> inspect_code_package(std::string_view zip_bytes,
                                             const CodePackageLimits& limits = {});

// Extracts a package into dest, which must not exist or be an empty directory
// (its parent must exist). Files get mode 0444, or 0555 when the zip records an
// executable bit; directories get 0555; symlinks are recreated only when they
// stay inside the package. Every path is opened relative to dest with
// O_NOFOLLOW, so no entry can reach outside it. On failure whatever was written
// is removed again (dest itself is removed if this call created it).
Status extract_code_package(std::string_view zip_bytes, const std::filesystem::path& dest,
                            const CodePackageLimits& limits = {});

}  // namespace yunfn::control

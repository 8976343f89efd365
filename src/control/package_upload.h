// Storing an uploaded code package (a function's ZipFile, a layer's Content):
// base64-decoded, inspected and written to the CodeStore on a worker thread.
// Called from the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/asio.h"
#include "common/result.h"
#include "store/code_store.h"

namespace yunfn::control {

struct StoredPackage {
  std::string sha256;
  uint64_t size = 0;           // zip bytes
  uint64_t unpacked_size = 0;  // bytes once extracted
};

// Where a package comes from: Code.ZipFile (base64), or an object of the
// bucket service (Code.CosBucketName + CosObjectName).
struct PackageSource {
  std::string zip_base64;
  std::string cos_bucket;
  std::string cos_object;
};

// Reads an object of the bucket service, at most max_bytes (blocking: worker threads).
using CosObjectReader = std::function<Result<std::string>(
    const std::string& bucket, const std::string& object, uint64_t max_bytes)>;

// What the package must hold besides being a valid zip: web functions need an
// executable scf_bootstrap at the root.
enum class PackageUse { kEventFunction, kWebFunction, kLayer };

// executable: a file the package must hold at its root (a Go1 handler; empty: none).
Task<Result<StoredPackage>> store_code_package(asio::thread_pool& workers, store::CodeStore& code,
                                               const CosObjectReader& cos, PackageSource source,
                                               PackageUse use, std::string executable = "");

}  // namespace yunfn::control

#include "control/package_upload.h"

#include <optional>

#include "common/crypto.h"
#include "control/code_package.h"
#include "control/function_rules.h"

namespace yunfn::control {
namespace {

// SCF takes larger packages from COS than inline (500 MB against 50 MB).
constexpr uint64_t kMaxCosZipBytes = 500ull * 1024 * 1024;

Result<std::string> zip_bytes(const CosObjectReader& cos, const PackageSource& source, PackageUse use) {
  if (source.cos_bucket.empty()) {
    auto zip = crypto::base64_decode(source.zip_base64);
    if (!zip) {
      return make_error(errc::kInvalidParameterValueZipFile,
                        std::string(use == PackageUse::kLayer ? "Content.ZipFile" : "ZipFile") +
                            " is not valid base64");
    }
    return std::move(*zip);
  }
  if (!cos) return make_error(errc::kFailedOperation, "CosBucketName: the bucket service is off on this server");
  return cos(source.cos_bucket, source.cos_object, kMaxCosZipBytes);
}

Result<StoredPackage> store_now(store::CodeStore& code, const CosObjectReader& cos,
                                const PackageSource& source, PackageUse use,
                                const std::string& executable) {
  YUNFN_TRY(zip, zip_bytes(cos, source, use));
  CodePackageLimits limits;
  if (!source.cos_bucket.empty()) limits.max_zip_bytes = kMaxCosZipBytes;
  YUNFN_TRY(info, inspect_code_package(zip, limits));
  if (use == PackageUse::kWebFunction && !info.has_scf_bootstrap) {
    return make_error(errc::kInvalidParameterValueCode,
                      "a web function (Type HTTP) needs an scf_bootstrap file at the root of its "
                      "code package that starts its server on port 9000");
  }
  if (use == PackageUse::kWebFunction && !info.scf_bootstrap_executable) {
    return make_error(errc::kInvalidParameterValueCode,
                      "scf_bootstrap in the code package must be executable (mode 755)");
  }
  if (!executable.empty()) {
    YUNFN_TRY_STATUS(check_package_holds_executable(info.root_files, executable));
  }
  YUNFN_TRY(sha, code.put(zip));
  return StoredPackage{std::move(sha), zip.size(), info.unpacked_size};
}

}  // namespace

Task<Result<StoredPackage>> store_code_package(asio::thread_pool& workers, store::CodeStore& code,
                                               const CosObjectReader& cos, PackageSource source,
                                               PackageUse use, std::string executable) {
  std::optional<Result<StoredPackage>> out;
  store::CodeStore* store = &code;
  const CosObjectReader* reader = &cos;
  const PackageSource* from = &source;
  const std::string* needs = &executable;
  co_await run_blocking(workers, [&out, store, reader, from, use, needs] {
    out = store_now(*store, *reader, *from, use, *needs);
  });
  co_return std::move(*out);
}

}  // namespace yunfn::control

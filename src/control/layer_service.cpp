#include "control/layer_service.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "common/runtime_names.h"
#include "control/function_rules.h"

namespace yunfn::control {
namespace {

constexpr size_t kMaxLicenseInfo = 512;

Error layer_not_found(const std::string& name) {
  return make_error(errc::kResourceNotFoundLayer, "Layer " + name + " does not exist");
}

Error version_not_found(const std::string& name, int version) {
  return make_error(errc::kResourceNotFoundLayerVersion,
                    "LayerVersion " + std::to_string(version) + " of layer " + name + " does not exist");
}

bool fits(const store::LayerVersionRecord& l, const std::string& runtime) {
  return std::find(l.compatible_runtimes.begin(), l.compatible_runtimes.end(), runtime) !=
         l.compatible_runtimes.end();
}

}  // namespace

Status check_layer_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalpha(static_cast<unsigned char>(name[0])) &&
            name.back() != '-' && name.back() != '_';
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  if (!ok) {
    return make_error(errc::kInvalidParameterValueLayerName,
                      "LayerName '" + name +
                          "' is invalid: 1-64 letters, digits, '-' or '_', starting with a letter and "
                          "not ending with '-' or '_'");
  }
  return ok_status();
}

Status check_unpacked_total(uint64_t code_unpacked_size,
                            const std::vector<store::LayerBinding>& layers, const char* field) {
  uint64_t total = code_unpacked_size;
  for (const auto& l : layers) total += l.unpacked_size;
  if (total > kMaxUnpackedBytesWithLayers) {
    return make_error(errc::kLimitExceeded,
                      std::string(field) + ": the code package and its layers take " +
                          std::to_string(total / (1024 * 1024)) +
                          " MB unpacked; a function version may use at most 500 MB");
  }
  return ok_status();
}

LayerService::LayerService(asio::thread_pool& workers, store::Store& store, store::CodeStore& code,
                           CosObjectReader cos, const Clock& clock)
    : workers_(workers), store_(store), code_(code), cos_(std::move(cos)), clock_(clock) {}

Task<Result<int>> LayerService::publish(PublishLayerInput in) {
  YUNFN_CO_TRY_STATUS(check_layer_name(in.name));
  if (in.compatible_runtimes.empty()) {
    co_return make_error(errc::kInvalidParameterValueCompatibleRuntimes,
                         "CompatibleRuntimes must name at least one runtime");
  }
  for (const auto& r : in.compatible_runtimes) {
    if (!is_supported_runtime(r)) {
      co_return make_error(errc::kInvalidParameterValueCompatibleRuntimes,
                           "CompatibleRuntimes: '" + r + "' is not a runtime yunfn runs");
    }
  }
  YUNFN_CO_TRY_STATUS(check_description(in.description));
  if (in.license_info.size() > kMaxLicenseInfo) {
    co_return make_error(errc::kInvalidParameterValue, "LicenseInfo is longer than 512 characters");
  }
  if (in.content.zip_base64.empty() && in.content.cos_bucket.empty()) {
    co_return make_error(errc::kInvalidParameterValueContent, "Content.ZipFile or Content.CosBucketName is required");
  }
  YUNFN_CO_TRY(live, latest_versions());
  bool known = std::any_of(live.begin(), live.end(), [&](const auto& l) { return l.name == in.name; });
  if (!known && live.size() >= static_cast<size_t>(kMaxLayers)) {
    co_return make_error(errc::kLimitExceededLayers,
                         "this region already holds the maximum of 20 layers");
  }
  YUNFN_CO_TRY(mine, store_.list_layer_versions(in.name));
  if (std::count_if(mine.begin(), mine.end(), [](const auto& l) { return !l.deleted; }) >=
      kMaxVersionsPerLayer) {
    co_return make_error(errc::kLimitExceededLayerVersions,
                         "layer " + in.name + " already has the maximum of 200 versions");
  }

  auto package = co_await store_code_package(workers_, code_, cos_, std::move(in.content), PackageUse::kLayer);
  if (!package.ok()) co_return package.error();
  // Unpacked now, so the first instance using the layer does not wait for it.
  std::optional<Result<std::filesystem::path>> unpacked;
  store::CodeStore* code = &code_;
  const std::string* sha = &package->sha256;
  co_await run_blocking(workers_, [&unpacked, code, sha] { unpacked = code->unpacked(*sha); });
  if (!unpacked->ok()) co_return unpacked->error();

  // Numbers are never reused, deleted versions included; computed after the
  // package work so that two publishes of one layer get different numbers.
  YUNFN_CO_TRY(all, store_.list_layer_versions(in.name));
  store::LayerVersionRecord l;
  l.name = in.name;
  l.version = all.empty() ? 1 : all.back().version + 1;
  l.compatible_runtimes = std::move(in.compatible_runtimes);
  l.description = std::move(in.description);
  l.license_info = std::move(in.license_info);
  l.code_sha256 = package->sha256;
  l.code_size = package->size;
  l.unpacked_size = package->unpacked_size;
  l.add_time_ms = to_unix_ms(clock_.now());
  YUNFN_CO_TRY_STATUS(store_.put_layer_version(l));
  co_return l.version;
}

Result<store::LayerVersionRecord> LayerService::get(const std::string& name, int version) {
  YUNFN_TRY(all, versions(name));
  for (auto& l : all) {
    if (l.version == version) return std::move(l);
  }
  return version_not_found(name, version);
}

Result<std::vector<store::LayerVersionRecord>> LayerService::versions(const std::string& name) {
  YUNFN_TRY(all, store_.list_layer_versions(name));
  std::erase_if(all, [](const auto& l) { return l.deleted; });
  if (all.empty()) return layer_not_found(name);
  return all;
}

Result<std::vector<store::LayerVersionRecord>> LayerService::latest_versions() {
  YUNFN_TRY(all, store_.list_layer_versions(""));
  std::map<std::string, store::LayerVersionRecord> newest;  // rows come ordered by name, version
  for (auto& l : all) {
    if (!l.deleted) newest[l.name] = std::move(l);
  }
  std::vector<store::LayerVersionRecord> out;
  out.reserve(newest.size());
  for (auto& [name, l] : newest) out.push_back(std::move(l));
  return out;
}

Status LayerService::remove(const std::string& name, int version) {
  YUNFN_TRY(l, get(name, version));
  l.deleted = true;
  return store_.put_layer_version(l);
}

Result<std::vector<store::LayerBinding>> LayerService::bind(const std::vector<LayerRef>& refs,
                                                            const std::string& runtime,
                                                            uint64_t code_unpacked_size) {
  if (refs.size() > kMaxLayersPerFunction) {
    return make_error(errc::kInvalidParameterValueLayers,
                      "Layers: a function may use at most 5 layers, got " + std::to_string(refs.size()));
  }
  std::vector<store::LayerBinding> out;
  std::set<std::string> names;
  for (const auto& ref : refs) {
    if (!names.insert(ref.name).second) {
      return make_error(errc::kInvalidParameterValueLayers, "Layers: layer " + ref.name + " is bound twice");
    }
    YUNFN_TRY(l, get(ref.name, ref.version));
    if (!fits(l, runtime)) {
      return make_error(errc::kInvalidParameterValueLayers,
                        "Layers: " + ref.name + " version " + std::to_string(ref.version) +
                            " is not compatible with runtime " + runtime);
    }
    out.push_back({l.name, l.version, l.code_sha256, l.unpacked_size});
  }
  YUNFN_TRY_STATUS(check_unpacked_total(code_unpacked_size, out, "Layers"));
  return out;
}

}  // namespace yunfn::control

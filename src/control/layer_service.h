// LayerService: SCF's layers. A layer version is a code package published
// once (PublishLayerVersion) and bound to function versions by name and
// number; instances see a function's layers merged read-only at /opt, a later
// binding's file winning. Layers are region-wide (no namespace), as in SCF.
// A deleted layer version disappears from the layer actions but keeps serving
// the functions bound to it: a binding names the package it was made with.
// Owned by the server; its methods run on the loop thread and hand zip work
// to the worker pool.
#pragma once

#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "control/package_upload.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::control {

// SCF's limits on layers (scf-contract.md section 5.1).
inline constexpr size_t kMaxLayersPerFunction = 5;
inline constexpr int kMaxLayers = 20;
inline constexpr int kMaxVersionsPerLayer = 200;
// Code plus layers, unpacked, per function version.
inline constexpr uint64_t kMaxUnpackedBytesWithLayers = 500ull * 1024 * 1024;

struct PublishLayerInput {
  std::string name;
  std::vector<std::string> compatible_runtimes;
  PackageSource content;
  std::string description;
  std::string license_info;
};

// A binding as the API names it (the Layers parameter's items).
struct LayerRef {
  std::string name;
  int version = 0;
};

class LayerService {
 public:
  LayerService(asio::thread_pool& workers, store::Store& store, store::CodeStore& code,
               CosObjectReader cos, const Clock& clock);

  // Validates, stores and unpacks the package; returns the new version number.
  Task<Result<int>> publish(PublishLayerInput in);
  // A live version, or ResourceNotFound.Layer / ResourceNotFound.LayerVersion.
  Result<store::LayerVersionRecord> get(const std::string& name, int version);
  // The live versions of a layer, oldest first; ResourceNotFound.Layer when none.
  Result<std::vector<store::LayerVersionRecord>> versions(const std::string& name);
  // The newest live version of every layer, by name.
  Result<std::vector<store::LayerVersionRecord>> latest_versions();
  Status remove(const std::string& name, int version);

  // The bindings for a function's Layers parameter: each version exists, is
  // live and fits the runtime; at most 5; code plus layers within 500 MB.
  Result<std::vector<store::LayerBinding>> bind(const std::vector<LayerRef>& refs,
                                                const std::string& runtime,
                                                uint64_t code_unpacked_size);

 private:
  asio::thread_pool& workers_;
  store::Store& store_;
  store::CodeStore& code_;
  const CosObjectReader cos_;
  const Clock& clock_;
};

Status check_layer_name(const std::string& name);
// Code plus layers within kMaxUnpackedBytesWithLayers; names `field` when not.
Status check_unpacked_total(uint64_t code_unpacked_size,
                            const std::vector<store::LayerBinding>& layers, const char* field);

}  // namespace yunfn::control

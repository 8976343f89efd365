#include "pool/runtime_command.h"

#include "common/runtime_names.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace yunfn::pool {
namespace fs = std::filesystem;

namespace {

std::string find_on_path(const std::string& name) {
  // Debian's interpreters first: a user's PATH may hold shims that spawn slowly.
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path p = fs::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

}  // namespace

RuntimePaths find_runtime_paths(fs::path bootstraps_dir) {
  return {std::move(bootstraps_dir), find_on_path("python3"), find_on_path("node"),
          find_on_path("php")};
}

Result<RuntimeCommand> runtime_command(const RuntimePaths& paths, const std::string& runtime,
                                       const fs::path& code_dir, bool web) {
  if (web) {
    // Web functions start their own server; SCF recognises only scf_bootstrap.
    fs::path p = code_dir / "scf_bootstrap";
    if (!fs::exists(p)) {
      return make_error(errc::kFailedOperationInvokeFunction,
                        "the web function's code package has no scf_bootstrap file");
    }
    if (::access(p.c_str(), X_OK) != 0) {
      return make_error(errc::kFailedOperationInvokeFunction,
                        "scf_bootstrap in the code package is not executable");
    }
    return RuntimeCommand{{p.string()}, {}};
  }
  if (is_python_runtime(runtime)) {
    if (paths.python3.empty()) {
      return make_error(errc::kFailedOperationInvokeFunction, "python3 is not installed on this node");
    }
    return RuntimeCommand{
        {paths.python3, "-u", (paths.bootstraps_dir / "python3" / "bootstrap.py").string()},
        {"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=x",
         "PYTHONPATH=" + code_dir.string() + ":/opt"},
        /*framed=*/true};
  }
  if (is_nodejs_runtime(runtime)) {
    if (paths.node.empty()) {
      return make_error(errc::kFailedOperationInvokeFunction, "node is not installed on this node");
    }
    return RuntimeCommand{
        {paths.node, (paths.bootstraps_dir / "nodejs" / "bootstrap.js").string()},
        {"NODE_PATH=" + code_dir.string() + ":" + (code_dir / "node_modules").string() +
         ":/opt:/opt/node_modules"},
        /*framed=*/true};
  }
  if (is_php_runtime(runtime)) {
    if (paths.php.empty()) {
      return make_error(errc::kFailedOperationInvokeFunction, "php is not installed on this node");
    }
    // The leading empty entry keeps PHP's own scan directory (Debian loads most
    // extensions from it); SCF's extension directories come after it.
    return RuntimeCommand{
        {paths.php, (paths.bootstraps_dir / "php" / "bootstrap.php").string()},
        {"PHP_INI_SCAN_DIR=:" + (code_dir / "php_extension").string() + ":/opt/php_extension"},
        /*framed=*/true};
  }
  if (is_go_runtime(runtime)) {
    // The adapter starts the handler executable and speaks scf-go-lib's net/rpc with it.
    return RuntimeCommand{
        {(paths.bootstraps_dir / "go" / "yunfn-go-runtime").string()}, {}, /*framed=*/true};
  }
  for (const char* name : {"bootstrap", "scf_bootstrap"}) {
    fs::path p = code_dir / name;
    if (fs::exists(p)) {
      if (::access(p.c_str(), X_OK) != 0) {
        return make_error(errc::kFailedOperationInvokeFunction,
                          std::string(name) + " in the code package is not executable");
      }
      return RuntimeCommand{{p.string()}, {}};
    }
  }
  return make_error(errc::kFailedOperationInvokeFunction,
                    "CustomRuntime code package has no bootstrap or scf_bootstrap file");
}

}  // namespace yunfn::pool

#include "pool/runtime_command.h"

#include "common/runtime_names.h"
#include "sandbox/layout.h"

#include <unistd.h>

#include <algorithm>
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

// Debian's libjackson2-databind-java: the Java runtime's JSON binding.
std::vector<std::string> find_jackson() {
  std::vector<std::string> jars;
  for (const char* name : {"jackson-databind", "jackson-core", "jackson-annotations"}) {
    std::string jar = std::string("/usr/share/java/") + name + ".jar";
    if (::access(jar.c_str(), R_OK) != 0) return {};
    jars.push_back(jar);
  }
  return jars;
}

// Flags of every JVM: a serial collector and the C1 compiler start fastest and
// suit one invocation at a time; the JDK's class data archive is mapped (-Xshare);
// no perf-data file in /tmp. The runtime reads its channel through the JDK's
// FileDescriptor access (runtimes/java/src/yunfn/runtime/FramedApi.java).
Result<RuntimeCommand> java_command(const RuntimePaths& paths, const fs::path& code_dir,
                                    const std::string& opt, int memory_mb) {
  if (paths.java.empty()) {
    return make_error(errc::kFailedOperationInvokeFunction,
                      "java is not installed on this node (openjdk-17-jre-headless)");
  }
  if (paths.jackson_jars.empty()) {
    return make_error(errc::kFailedOperationInvokeFunction,
                      "Jackson is not installed on this node (libjackson2-databind-java)");
  }
  // The code's classes and jars (root and lib/), then the layers' (/opt and its
  // jars), after the runtime and Jackson, so SCF's Context and event classes are ours.
  std::string classpath = (paths.bootstraps_dir / "java" / "runtime.jar").string();
  for (const auto& jar : paths.jackson_jars) classpath += ":" + jar;
  const std::string code = code_dir.string();
  classpath += ":" + code + ":" + code + "/*:" + code + "/lib/*:" + opt + ":" + opt + "/*:" + opt + "/lib/*";
  return RuntimeCommand{{paths.java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                         "-XX:-UsePerfData", "-Xshare:auto",
                         "-Xmx" + std::to_string(java_heap_mb(memory_mb)) + "m",
                         "-Dfile.encoding=UTF-8",
                         "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-cp",
                         classpath, "yunfn.runtime.Bootstrap"},
                        {"CLASSPATH=" + classpath},
                        /*framed=*/true};
}

}  // namespace

RuntimePaths find_runtime_paths(fs::path bootstraps_dir) {
  return {std::move(bootstraps_dir), find_on_path("python3"), find_on_path("node"),
          find_on_path("php"), find_on_path("java"), find_jackson()};
}

int java_heap_mb(int memory_mb) {
  constexpr int kMinHeadroomMb = 64;
  constexpr int kMinHeapMb = 16;
  return std::max(kMinHeapMb, memory_mb - std::max(kMinHeadroomMb, memory_mb / 8));
}

namespace {

Result<RuntimeCommand> language_command(const RuntimePaths& paths, const std::string& runtime,
                                        const fs::path& code_dir, const std::string& opt, bool web,
                                        int memory_mb) {
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
         "PYTHONPATH=" + code_dir.string() + ":" + opt},
        /*framed=*/true};
  }
  if (is_nodejs_runtime(runtime)) {
    if (paths.node.empty()) {
      return make_error(errc::kFailedOperationInvokeFunction, "node is not installed on this node");
    }
    return RuntimeCommand{
        {paths.node, (paths.bootstraps_dir / "nodejs" / "bootstrap.js").string()},
        {"NODE_PATH=" + code_dir.string() + ":" + (code_dir / "node_modules").string() +
         ":" + opt + ":" + opt + "/node_modules"},
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
        {"PHP_INI_SCAN_DIR=:" + (code_dir / "php_extension").string() + ":" + opt + "/php_extension"},
        /*framed=*/true};
  }
  if (is_java_runtime(runtime)) return java_command(paths, code_dir, opt, memory_mb);
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

}  // namespace

Result<RuntimeCommand> runtime_command(const RuntimePaths& paths, const std::string& runtime,
                                       const fs::path& code_dir, const fs::path& layer_dir,
                                       bool web, int memory_mb) {
  const std::string opt = layer_dir.empty() ? sandbox::layout::kLayerRoot : layer_dir.string();
  YUNFN_TRY(command, language_command(paths, runtime, code_dir, opt, web, memory_mb));
  // Shared libraries shipped in the package or a layer (SCF's search path).
  command.extra_env.push_back("LD_LIBRARY_PATH=" + code_dir.string() + ":" + (code_dir / "lib").string() +
                              ":" + opt + ":" + opt + "/lib");
  return command;
}

}  // namespace yunfn::pool

// How each SCF runtime is started: the command line and extra environment of
// an instance for a runtime name (Python3.x, Nodejs*, Php*, Go1, CustomRuntime).
// Pure functions over the file system; any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace yunfn::pool {

struct RuntimeCommand {
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;  // "K=V"
  bool framed = false;  // a built-in runtime: speaks the framed channel (runtime/runtime_frames.h)
};

// Where the platform finds language runtimes and its own bootstraps.
struct RuntimePaths {
  std::filesystem::path
      bootstraps_dir;  // holds <language>/bootstrap.* (python3, nodejs, php), go/yunfn-go-runtime
  std::string python3;                   // absolute path of python3
  std::string node;                      // absolute path of node
  std::string php;                       // absolute path of php (runs every Php* runtime name)
};

// Finds python3, node and php on PATH (empty when missing).
RuntimePaths find_runtime_paths(std::filesystem::path bootstraps_dir);

// The command for a function; errors when the runtime is not installed or a
// custom runtime (or web function) has no executable bootstrap.
Result<RuntimeCommand> runtime_command(const RuntimePaths& paths, const std::string& runtime,
                                       const std::filesystem::path& code_dir, bool web = false);

}  // namespace yunfn::pool

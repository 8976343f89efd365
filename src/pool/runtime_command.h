// How each SCF runtime is started: the command line and extra environment of
// an instance for a runtime name (Python3.x, Nodejs*, Php*, Java*, Go1, CustomRuntime).
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
  std::string java;                      // absolute path of java (runs Java8 and Java11)
  std::vector<std::string> jackson_jars;  // Debian's Jackson jars; empty when one is missing
};

// Finds python3, node, php and java on PATH (empty when missing), and Jackson.
RuntimePaths find_runtime_paths(std::filesystem::path bootstraps_dir);

// The command for a function; errors when the runtime is not installed or a
// custom runtime (or web function) has no executable bootstrap. layer_dir is
// the function's merged layers, named in the search paths (SCF's /opt, which
// stands there when the function has none); memory_mb sizes the JVM's heap.
Result<RuntimeCommand> runtime_command(const RuntimePaths& paths, const std::string& runtime,
                                       const std::filesystem::path& code_dir,
                                       const std::filesystem::path& layer_dir, bool web = false,
                                       int memory_mb = 128);

// The JVM's maximum heap for a function of memory_mb: the rest is left to the JVM's
// own memory (classes, code, threads, buffers): 45 MB for a small function.
int java_heap_mb(int memory_mb);

}  // namespace yunfn::pool

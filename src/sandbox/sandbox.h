// Sandbox: launches function instances as isolated process trees and reads
// their resource usage. ProcessSandbox (plain child processes, each in its own
// cgroup when running as root) is the `none` isolation level; namespace
// isolation implements the same interface.
// A Sandbox is owned by the server; launch() and the InstanceProcess methods
// are called from the loop thread. launch() does not block on the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace yunfn::sandbox {

struct LaunchSpec {
  std::string instance_id;              // unique, used to name the cgroup
  std::vector<std::string> argv;        // argv[0] is an absolute path
  std::vector<std::string> env;         // "KEY=VALUE"
  std::filesystem::path working_dir;    // the function's code directory
  int memory_mb = 128;                  // memory limit (cgroups), 0 = none
  int max_pids = 1024;                  // process/thread limit (cgroups)
};

// How an instance process ended.
struct ExitInfo {
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when killed by a signal
  bool oom_killed = false; // the memory limit killed it
};

// One running instance process tree. Destroying it kills the tree.
class InstanceProcess {
 public:
  virtual ~InstanceProcess() = default;
  virtual pid_t pid() const = 0;
  // Readable once the process has exited (a pidfd); owned by this object.
  virtual int exit_fd() const = 0;
  // Read ends of the instance's stdout and stderr pipes; ownership passes to the caller.
  virtual int take_stdout_fd() = 0;
  virtual int take_stderr_fd() = 0;
  // Kills every process of the instance. Idempotent.
  virtual void kill_all() = 0;
  // Collects the exit status; call once exit_fd() is readable.
  virtual ExitInfo reap() = 0;
  // Peak memory of the instance in bytes since the last reset (0 if unknown).
  virtual int64_t peak_memory_bytes() = 0;
  virtual void reset_peak_memory() = 0;
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  // Starts the process described by spec; errors carry code InternalError.System.
  virtual Result<std::unique_ptr<InstanceProcess>> launch(const LaunchSpec& spec) = 0;
  // "none" or "namespace".
  virtual std::string isolation() const = 0;
};

struct ProcessSandboxConfig {
  std::filesystem::path self_exe;   // this binary, run as `yunfn sandbox-init`
  bool use_cgroups = true;          // when false (or not root), no memory/pids limits
};

std::unique_ptr<Sandbox> make_process_sandbox(const ProcessSandboxConfig& config);

// Entry of `yunfn sandbox-init`: joins the cgroups named on the command line,
// then execs the runtime. Runs in the fresh child, single-threaded.
int sandbox_init_main(int argc, char** argv);

}  // namespace yunfn::sandbox

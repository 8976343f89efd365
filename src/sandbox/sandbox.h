// Sandbox: launches function instances as isolated process trees and reads
// their resource usage. Two isolation levels implement it (docs/isolation.md):
// - `none`: plain child processes, each in its own cgroup when running as root;
// - `namespace`: each instance in new user, mount, pid, ipc, uts and network
//   namespaces with a read-only root built from bind mounts, a private /tmp,
//   cgroup limits, a seccomp filter, no capabilities and an unprivileged uid.
// make_sandbox() picks the level. A Sandbox is owned by the server; launch()
// and the InstanceProcess methods are called from the loop thread. launch()
// does not block on the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/result.h"
#include "sandbox/freezer.h"

namespace yunfn::sandbox {

struct LaunchSpec {
  std::string instance_id;              // unique, used to name the cgroup
  std::vector<std::string> argv;        // argv[0] is an absolute path
  std::vector<std::string> env;         // "KEY=VALUE"
  std::filesystem::path working_dir;    // the function's code directory
  int runtime_fd = -1;                  // handed to the runtime as layout::kRuntimeFd; the caller keeps it
  int memory_mb = 128;                  // memory limit (cgroups), 0 = none
  int max_pids = 1024;                  // process/thread limit (cgroups)
  // Namespace isolation only (ignored by `none`):
  bool public_net = true;               // outbound network (SCF public network access)
  int tmp_mb = 512;                     // size of the private /tmp
  std::vector<std::filesystem::path> layer_dirs;  // shown at /opt; later ones win
};

// How an instance process ended.
struct ExitInfo {
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when killed by a signal
  bool oom_killed = false; // the memory limit killed it
};

// Where an instance reaches its runtime API when the sandbox fixes it.
struct RuntimeApiAddress {
  std::string host;
  unsigned short port = 0;
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
  // Freezes and thaws every process of the instance, as SCF freezes instances
  // between invocations; null when the instance has no cgroup freezer
  // (isolation without root, or no freezer on this machine).
  virtual std::shared_ptr<Freezer> freezer() { return nullptr; }
  // Namespace isolation: waits (until the deadline) for the instance's set-up to
  // create the listening socket of the runtime API inside the instance's network
  // namespace, and returns it (ownership passes to the caller). -1 when set-up
  // failed or timed out (the process then exits), and always under `none`.
  virtual Task<int> take_runtime_listener(asio::steady_timer::time_point deadline) {
    co_return -1;
  }
  // Namespace isolation: a new TCP socket (IPv4, close-on-exec) made inside the
  // instance's network namespace by its init, to connect to the instance's own
  // ports (a web function's 9000). Valid once take_runtime_listener() returned;
  // errors under `none` and when the instance is gone. Blocks for one round
  // trip to the instance's init (microseconds).
  virtual Result<int> instance_socket() {
    return make_error(errc::kInternalErrorSystem, "the instance has no network namespace of its own");
  }
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  // Starts the process described by spec; errors carry code InternalError.System.
  virtual Result<std::unique_ptr<InstanceProcess>> launch(const LaunchSpec& spec) = 0;
  // "none" or "namespace".
  virtual std::string isolation() const = 0;
  // The fixed runtime API address instances see (namespace: 127.0.0.1:9001 in
  // their own network namespace, served through take_runtime_listener()), or
  // nullopt when the platform listens on a host port of its choosing (none).
  virtual std::optional<RuntimeApiAddress> runtime_api_address() const { return std::nullopt; }
};

enum class IsolationLevel { kAuto, kNone, kNamespace };

struct SandboxConfig {
  std::filesystem::path self_exe;      // run as `<self_exe> sandbox-init`: yunfn or yunfn-sandbox-init
  IsolationLevel isolation = IsolationLevel::kAuto;
  std::filesystem::path state_dir;     // namespace: a directory of the platform's own
  std::filesystem::path runtimes_dir;  // the language bootstraps, shown at /var/runtime
  bool use_cgroups = true;             // when false (or not root), no resource limits
  // Empty: instances' cgroups go under the shared `yunfn` parent. Else under
  // `yunfn/<cgroup_group>`, owned by this server (one per data directory):
  // what an earlier, killed run left there is removed at start.
  std::string cgroup_group;
};

// Builds the sandbox of the requested level. kAuto picks `namespace` when a
// probe instance can be set up on this machine, else `none`, and then says why
// in *fallback_reason (when given). Errors (code InternalError.System) when
// kNamespace was asked for and does not work here.
Result<std::unique_ptr<Sandbox>> make_sandbox(const SandboxConfig& config,
                                              std::string* fallback_reason = nullptr);

struct ProcessSandboxConfig {
  std::filesystem::path self_exe;   // run as `<self_exe> sandbox-init`: yunfn or yunfn-sandbox-init
  bool use_cgroups = true;          // when false (or not root), no memory/pids limits
  std::string cgroup_group;         // as in SandboxConfig
};

// The `none` level on its own.
std::unique_ptr<Sandbox> make_process_sandbox(const ProcessSandboxConfig& config);

// Entry of `yunfn sandbox-init`: the first program of every instance. Joins the
// cgroups named on the command line, sets up the namespaces when asked, then
// execs the runtime. Runs in the fresh child, single-threaded.
int sandbox_init_main(int argc, char** argv);

}  // namespace yunfn::sandbox

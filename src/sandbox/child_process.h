// ChildProcess: the InstanceProcess of both isolation levels: a child of the
// platform (`yunfn sandbox-init`, leading its own session) watched through a
// pidfd, with its stdout/stderr pipes, its cgroup and, under namespace
// isolation, the control socket on which set-up hands over the runtime API
// listener and the network namespace. spawn_instance() starts one.
// Internal to the sandbox module; loop thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"

namespace yunfn::sandbox {

class ChildProcess final : public InstanceProcess {
 public:
  // Takes ownership of every descriptor; control is -1 without namespace isolation.
  ChildProcess(pid_t pid, int pidfd, int out, int err, int control, std::optional<Cgroup> cg);
  ~ChildProcess() override;

  pid_t pid() const override { return pid_; }
  int exit_fd() const override { return pidfd_; }
  int take_stdout_fd() override { return std::exchange(out_, -1); }
  int take_stderr_fd() override { return std::exchange(err_, -1); }
  void kill_all() override;
  ExitInfo reap() override;
  int64_t peak_memory_bytes() override;
  void reset_peak_memory() override;
  std::shared_ptr<Freezer> freezer() override { return cgroup_ ? cgroup_->freezer() : nullptr; }
  Task<int> take_runtime_listener(asio::steady_timer::time_point deadline) override;
  Result<int> instance_socket() override;

 private:
  // Reads the set-up message (the runtime API listener); -1 if none.
  int receive_listener();

  pid_t pid_;
  int pidfd_;
  int out_;
  int err_;
  int control_;
  std::optional<Cgroup> cgroup_;
  bool reaped_ = false;
  ExitInfo last_;
  int64_t peak_fallback_ = 0;
};

// Starts `args` (args[0] an absolute path) with env in a new session: stdin
// /dev/null, stdout/stderr to new pipes, and, when `control` is wanted, one end
// of a new socket pair as fd 3, and a copy of `runtime_fd` (when >= 0) as fd
// 4. Errors carry code InternalError.System.
struct SpawnRequest {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string working_dir;
  bool control = false;
  int runtime_fd = -1;
};
Result<std::unique_ptr<InstanceProcess>> spawn_instance(const SpawnRequest& request,
                                                         std::optional<Cgroup> cgroup);

}  // namespace yunfn::sandbox

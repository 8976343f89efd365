// ProcessSandbox: the `none` isolation level. Each instance is a child process
// in its own session (so its tree can be signalled) and, as root, its own
// cgroup with the function's memory limit and a pids limit.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"

namespace yunfn::sandbox {
namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Peak resident memory of a process tree's leader, when there is no cgroup.
int64_t vm_hwm_bytes(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

class ChildProcess final : public InstanceProcess {
 public:
  ChildProcess(pid_t pid, int pidfd, int out, int err, std::optional<Cgroup> cg)
      : pid_(pid), pidfd_(pidfd), out_(out), err_(err), cgroup_(std::move(cg)) {}

  ~ChildProcess() override {
    kill_all();
    if (!reaped_) ::waitpid(pid_, nullptr, 0);  // SIGKILLed above: returns promptly
    cgroup_.reset();
    ::close(pidfd_);
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }

  pid_t pid() const override { return pid_; }
  int exit_fd() const override { return pidfd_; }
  int take_stdout_fd() override { return std::exchange(out_, -1); }
  int take_stderr_fd() override { return std::exchange(err_, -1); }

  void kill_all() override {
    if (cgroup_) cgroup_->kill_all();
    if (!reaped_) {
      ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
      ::kill(-pid_, SIGKILL);  // the session/process group the child leads
    }
  }

  ExitInfo reap() override {
    ExitInfo info;
    if (reaped_) return last_;
    if (max_rss_unknown()) peak_fallback_ = vm_hwm_bytes(pid_);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) {
      if (WIFEXITED(status)) info.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) info.signal = WTERMSIG(status);
    }
    reaped_ = true;
    info.oom_killed = cgroup_ && cgroup_->oom_kills() > 0;
    last_ = info;
    return info;
  }

  int64_t peak_memory_bytes() override {
    if (cgroup_) return cgroup_->peak_memory_bytes();
    return reaped_ ? peak_fallback_ : vm_hwm_bytes(pid_);
  }

  void reset_peak_memory() override {
    if (cgroup_) cgroup_->reset_peak_memory();
  }

 private:
  bool max_rss_unknown() const { return !cgroup_; }

  pid_t pid_;
  int pidfd_;
  int out_;
  int err_;
  std::optional<Cgroup> cgroup_;
  bool reaped_ = false;
  ExitInfo last_;
  int64_t peak_fallback_ = 0;
};

class ProcessSandbox final : public Sandbox {
 public:
  explicit ProcessSandbox(const ProcessSandboxConfig& config) : config_(config) {
    if (config_.use_cgroups) layout_ = detect_cgroups();
  }

  std::string isolation() const override { return "none"; }

  Result<std::unique_ptr<InstanceProcess>> launch(const LaunchSpec& spec) override {
    std::optional<Cgroup> cg =
        layout_.version == CgroupVersion::kNone
            ? std::nullopt
            : Cgroup::create(layout_, spec.instance_id, spec.memory_mb, spec.max_pids);
    // `yunfn sandbox-init [--cgroup-procs FILE]... -- argv...`
    std::vector<std::string> args = {config_.self_exe.string(), "sandbox-init"};
    if (cg) {
      for (const auto& f : cg->procs_files()) {
        args.push_back("--cgroup-procs");
        args.push_back(f);
      }
    }
    args.push_back("--");
    args.insert(args.end(), spec.argv.begin(), spec.argv.end());

    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return spawn_error("pipe", errno);
    if (::pipe2(err, O_CLOEXEC) != 0) {
      int e = errno;
      ::close(out[0]);
      ::close(out[1]);
      return spawn_error("pipe", e);
    }
    pid_t pid = 0;
    int rc = spawn(args, spec, out[1], err[1], &pid);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(out[0]);
      ::close(err[0]);
      return spawn_error("posix_spawn", rc);
    }
    int pidfd = pidfd_open(pid);
    if (pidfd < 0) {
      int e = errno;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::close(out[0]);
      ::close(err[0]);
      return spawn_error("pidfd_open", e);
    }
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err[0], F_SETFL, O_NONBLOCK);
    return std::unique_ptr<InstanceProcess>(
        std::make_unique<ChildProcess>(pid, pidfd, out[0], err[0], std::move(cg)));
  }

 private:
  static Error spawn_error(const char* what, int e) {
    return make_error("InternalError.System",
                      std::string("cannot start instance: ") + what + ": " + std::strerror(e));
  }

  // posix_spawn keeps the child free of anything but async-signal-safe work.
  static int spawn(const std::vector<std::string>& args, const LaunchSpec& spec, int out_w,
                   int err_w, pid_t* pid) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    posix_spawn_file_actions_addchdir_np(&fa, spec.working_dir.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    int rc = posix_spawn(pid, args[0].c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
  }

  ProcessSandboxConfig config_;
  CgroupLayout layout_;
};

}  // namespace

std::unique_ptr<Sandbox> make_process_sandbox(const ProcessSandboxConfig& config) {
  return std::make_unique<ProcessSandbox>(config);
}

}  // namespace yunfn::sandbox

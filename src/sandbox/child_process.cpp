#include "sandbox/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sandbox/layout.h"

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

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Error spawn_error(const char* what, int e) {
  return make_error(errc::kInternalErrorSystem,
                    std::string("cannot start instance: ") + what + ": " + std::strerror(e));
}

// The descriptors of one launch, closed on every error path.
struct LaunchFds {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int control[2] = {-1, -1};
  int runtime = -1;  // a copy of the runtime channel's end, above kRuntimeFd
  ~LaunchFds() {
    for (int* p : {out, err, control}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
    close_fd(runtime);
  }
};

// posix_spawn keeps the child free of anything but async-signal-safe work.
int spawn(const SpawnRequest& r, const LaunchFds& fds, pid_t* pid) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds.out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds.err[1], 2);
  if (r.control) posix_spawn_file_actions_adddup2(&fa, fds.control[1], layout::kControlFd);
  if (fds.runtime >= 0) posix_spawn_file_actions_adddup2(&fa, fds.runtime, layout::kRuntimeFd);
  posix_spawn_file_actions_addchdir_np(&fa, r.working_dir.c_str());
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
  for (const auto& a : r.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : r.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int rc = posix_spawn(pid, r.args[0].c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// Moves fd above kControlFd so that dup2() onto kControlFd always copies it
// (dup2 of a descriptor onto itself would keep its close-on-exec flag).
int above_control_fd(int fd) {
  if (fd > layout::kControlFd) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, layout::kControlFd + 1);
  ::close(fd);
  return moved;
}

// Receives (without waiting) a message of one byte `tag` carrying one
// descriptor (SCM_RIGHTS); -1 when there is none or it is another message.
int receive_fd(int sock, char tag) {
  char got = 0;
  iovec iov{&got, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  if (::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  if (got != tag) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

ChildProcess::ChildProcess(pid_t pid, int pidfd, int out, int err, int control,
                           std::optional<Cgroup> cg)
    : pid_(pid), pidfd_(pidfd), out_(out), err_(err), control_(control), cgroup_(std::move(cg)) {}

ChildProcess::~ChildProcess() {
  kill_all();
  if (!reaped_) ::waitpid(pid_, nullptr, 0);  // SIGKILLed above: returns promptly
  cgroup_.reset();
  close_fd(pidfd_);
  close_fd(out_);
  close_fd(err_);
  close_fd(control_);
}

void ChildProcess::kill_all() {
  if (cgroup_) cgroup_->kill_all();
  if (!reaped_) {
    ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
    ::kill(-pid_, SIGKILL);  // the session/process group the child leads
  }
}

ExitInfo ChildProcess::reap() {
  if (reaped_) return last_;
  ExitInfo info;
  if (!cgroup_) peak_fallback_ = vm_hwm_bytes(pid_);
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

int64_t ChildProcess::peak_memory_bytes() {
  if (cgroup_) return cgroup_->peak_memory_bytes();
  return reaped_ ? peak_fallback_ : vm_hwm_bytes(pid_);
}

void ChildProcess::reset_peak_memory() {
  if (cgroup_) cgroup_->reset_peak_memory();
}

Task<int> ChildProcess::take_runtime_listener(asio::steady_timer::time_point deadline) {
  if (control_ < 0) co_return -1;
  auto ex = co_await asio::this_coro::executor;
  // Wait for the message (or the end of set-up) without blocking the loop.
  asio::posix::stream_descriptor control(ex, ::dup(control_));
  asio::steady_timer timer(ex, deadline);
  bool timed_out = false;
  timer.async_wait([&control, &timed_out](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the message came first
    timed_out = true;
    control.cancel();
  });
  auto [ec] = co_await control.async_wait(asio::posix::stream_descriptor::wait_read,
                                          asio::as_tuple(asio::use_awaitable));
  timer.cancel();
  // Let the cancelled timer handler run while `control` still exists.
  co_await asio::post(ex, asio::use_awaitable);
  if (ec || timed_out) co_return -1;
  co_return receive_listener();
}

int ChildProcess::receive_listener() {
  int fd = receive_fd(control_, 'L');
  if (fd < 0) close_fd(control_);
  return fd;
}

Result<int> ChildProcess::instance_socket() {
  if (control_ < 0) return make_error(errc::kInternalErrorSystem, "the instance's init is gone");
  char ask = 'S';
  if (::send(control_, &ask, 1, MSG_NOSIGNAL) != 1) {
    return make_error(errc::kInternalErrorSystem, std::string("ask the instance for a socket: ") + std::strerror(errno));
  }
  pollfd p{control_, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return make_error(errc::kInternalErrorSystem, "the instance's init did not answer");
  int fd = receive_fd(control_, 'S');
  if (fd < 0) return make_error(errc::kInternalErrorSystem, "the instance's init sent no socket");
  return fd;
}

Result<std::unique_ptr<InstanceProcess>> spawn_instance(const SpawnRequest& request,
                                                         std::optional<Cgroup> cgroup) {
  LaunchFds fds;
  if (::pipe2(fds.out, O_CLOEXEC) != 0) return spawn_error("pipe", errno);
  if (::pipe2(fds.err, O_CLOEXEC) != 0) return spawn_error("pipe", errno);
  if (request.control) {
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds.control) != 0) {
      return spawn_error("socketpair", errno);
    }
    fds.control[1] = above_control_fd(fds.control[1]);
    if (fds.control[1] < 0) return spawn_error("fcntl", errno);
  }
  if (request.runtime_fd >= 0) {
    // A copy above both fixed numbers, so that dup2() onto kRuntimeFd copies it
    // (and drops close-on-exec) and the control socket's dup2 cannot clobber it.
    fds.runtime = ::fcntl(request.runtime_fd, F_DUPFD_CLOEXEC, layout::kRuntimeFd + 1);
    if (fds.runtime < 0) return spawn_error("fcntl", errno);
  }
  pid_t pid = 0;
  int rc = spawn(request, fds, &pid);
  if (rc != 0) return spawn_error("posix_spawn", rc);
  int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    int e = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return spawn_error("pidfd_open", e);
  }
  ::fcntl(fds.out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(fds.err[0], F_SETFL, O_NONBLOCK);
  auto proc = std::make_unique<ChildProcess>(pid, pidfd, std::exchange(fds.out[0], -1),
                                             std::exchange(fds.err[0], -1),
                                             std::exchange(fds.control[0], -1), std::move(cgroup));
  return std::unique_ptr<InstanceProcess>(std::move(proc));
}

}  // namespace yunfn::sandbox

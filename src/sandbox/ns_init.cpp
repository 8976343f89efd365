#include "sandbox/ns_init.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>

#include "sandbox/instance_root.h"
#include "sandbox/layout.h"
#include "sandbox/netns.h"
#include "sandbox/seccomp_filter.h"

extern char** environ;

namespace yunfn::sandbox {
namespace {

// Messages on the supervisor <-> init socket pair (one byte, 'X' + int status).
constexpr char kNetnsCreated = 'N';   // init -> supervisor: start the outbound network
constexpr char kBeforeUserns = 'P';   // init -> supervisor: is the network up?
constexpr char kUsernsCreated = 'U';  // init -> supervisor: write my uid/gid maps
constexpr char kRuntimeEnded = 'X';   // init -> supervisor: + the runtime's wait status
constexpr char kProceed = 'G';        // supervisor -> init
constexpr char kFailed = 'E';         // supervisor -> init

// How long set-up waits for slirp4netns to configure the instance's network.
constexpr int kNetworkTimeoutMs = 10000;

// Read directly, not through the Clock: this runs in a freshly forked
// process (instance set-up) where only async-signal-safe calls belong.
int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Set-up times per step, printed to stderr (the instance's log) with --trace.
class SetupTrace {
 public:
  SetupTrace(int64_t launch_ns, bool on) : on_(on), start_(launch_ns), last_(launch_ns) {}
  void mark(const char* step) {
    if (!on_ || count_ == kMaxSteps) return;
    int64_t t = now_ns();
    steps_[count_++] = {step, t - last_};
    last_ = t;
  }
  void print() const {
    if (!on_) return;
    std::string line = "yunfn sandbox set-up " + ms(last_ - start_) + " ms:";
    for (int i = 0; i < count_; ++i) {
      line += std::string(" ") + steps_[i].name + " " + ms(steps_[i].ns);
    }
    line += "\n";
    ssize_t ignored = ::write(2, line.data(), line.size());
    (void)ignored;
  }

 private:
  static std::string ms(int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
    return buf;
  }
  static constexpr int kMaxSteps = 12;
  struct Step {
    const char* name;
    int64_t ns;
  };
  bool on_;
  int64_t start_;
  int64_t last_;
  Step steps_[kMaxSteps] = {};
  int count_ = 0;
};

int report(const std::string& what) {
  std::string line = "yunfn sandbox-init: " + what + "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
  return 126;
}

int report_errno(const std::string& what) { return report(what + ": " + std::strerror(errno)); }

bool send_byte(int sock, char c) { return ::send(sock, &c, 1, MSG_NOSIGNAL) == 1; }

// The next message (its first byte), or -1 when the peer is gone.
int receive(int sock, char* buf, size_t size, ssize_t* len = nullptr) {
  for (;;) {
    ssize_t n = ::recv(sock, buf, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (len) *len = n;
    return n > 0 ? static_cast<unsigned char>(buf[0]) : -1;
  }
}

bool write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// Maps one uid and one gid of a user namespace (proc: its process's /proc dir)
// to ids of the parent namespace; setgroups is denied first, as an unprivileged
// writer must.
bool write_id_maps(const std::string& proc, uid_t inside_uid, uid_t outside_uid, gid_t inside_gid,
                   gid_t outside_gid) {
  return write_text(proc + "/setgroups", "deny") &&
         write_text(proc + "/uid_map", std::to_string(inside_uid) + " " + std::to_string(outside_uid) + " 1\n") &&
         write_text(proc + "/gid_map", std::to_string(inside_gid) + " " + std::to_string(outside_gid) + " 1\n");
}

// ---------------------------------------------------------------------------
// Supervisor: the spawned process, in the host's namespaces.

class Supervisor {
 public:
  Supervisor(const InitOptions& o, pid_t init, int sync)
      : o_(o), init_(init), sync_(sync), server_(::getppid()) {}

  int run() {
    int status = -1;
    char msg[16];
    ssize_t len = 0;
    for (int m; (m = receive(sync_, msg, sizeof msg, &len)) >= 0;) {
      if (m == kNetnsCreated) start_network();
      if (m == kBeforeUserns) send_byte(sync_, network_ready() ? kProceed : kFailed);
      if (m == kUsernsCreated) {
        send_byte(sync_, map_sandbox_user() ? kProceed : kFailed);
        drop_root();
      }
      if (m == kRuntimeEnded && len == 1 + sizeof(int)) std::memcpy(&status, msg + 1, sizeof(int));
    }
    int init_status = 0;
    while (::waitpid(init_, &init_status, 0) < 0 && errno == EINTR) {
    }
    stop_network();
    return mirror(status >= 0 ? status : init_status);
  }

 private:
  // slirp4netns in the host's network namespace, attached to the instance's;
  // it exits when this process does (--exit-fd).
  void start_network() {
    if (o_.slirp4netns.empty()) return;
    int ready[2], exit_pipe[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return;
    if (::pipe2(exit_pipe, O_CLOEXEC) != 0) {
      ::close(ready[0]);
      ::close(ready[1]);
      return;
    }
    std::vector<std::string> args = {
        o_.slirp4netns, "--configure", "--mtu=65520", "--enable-sandbox", "--enable-seccomp",
        "--ready-fd=" + std::to_string(ready[1]), "--exit-fd=" + std::to_string(exit_pipe[0])};
    // Without root, the instance's network namespace is reached through its user namespace.
    if (o_.rootless) args.push_back("--userns-path=/proc/" + std::to_string(init_) + "/ns/user");
    args.push_back(std::to_string(init_));
    args.push_back(layout::kTapDevice);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    slirp_ = ::fork();  // single-threaded process: fork is safe
    if (slirp_ == 0) {
      ::fcntl(ready[1], F_SETFD, 0);
      ::fcntl(exit_pipe[0], F_SETFD, 0);
      int null = ::open("/dev/null", O_RDWR);
      for (int fd : {0, 1, 2}) ::dup2(null, fd);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(ready[1]);
    ::close(exit_pipe[0]);
    ready_fd_ = ready[0];
    exit_fd_ = exit_pipe[1];
  }

  bool network_ready() {
    if (o_.slirp4netns.empty()) return true;
    if (slirp_ <= 0 || ready_fd_ < 0) return false;
    pollfd p{ready_fd_, POLLIN, 0};
    char c = 0;
    bool ok = ::poll(&p, 1, kNetworkTimeoutMs) == 1 && ::read(ready_fd_, &c, 1) == 1 && c == '1';
    ::close(ready_fd_);
    ready_fd_ = -1;
    return ok;
  }

  // slirp4netns ends when its exit pipe closes (it may no longer be ours to kill).
  void stop_network() {
    if (slirp_ <= 0) return;
    ::close(exit_fd_);
    ::kill(slirp_, SIGKILL);
    while (::waitpid(slirp_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  // Set-up is over: the supervisor only waits from now on, as nobody. The
  // change of ids clears the parent-death signal: it is set again, so the
  // instance still dies with the server.
  void drop_root() {
    constexpr uid_t kNobody = 65534;
    ::setgroups(0, nullptr);
    if (::setresgid(kNobody, kNobody, kNobody) == 0) ::setresuid(kNobody, kNobody, kNobody);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != server_) ::kill(::getpid(), SIGKILL);  // the server died meanwhile
  }

  // qcloud (1000) inside is kHostUid outside; nothing else is mapped.
  bool map_sandbox_user() {
    std::string proc = "/proc/" + std::to_string(init_);
    std::string uid = std::to_string(layout::kSandboxUid) + " " + std::to_string(layout::kHostUid) + " 1\n";
    std::string gid = std::to_string(layout::kSandboxGid) + " " + std::to_string(layout::kHostGid) + " 1\n";
    return write_text(proc + "/uid_map", uid) && write_text(proc + "/gid_map", gid);
  }

  // Ends this process the way the runtime ended.
  static int mirror(int status) {
    if (WIFSIGNALED(status)) {
      int sig = WTERMSIG(status);
      rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);
      ::signal(sig, SIG_DFL);
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
      ::kill(::getpid(), sig);
      return 128 + sig;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
  }

  const InitOptions& o_;
  pid_t init_;
  int sync_;
  pid_t server_;  // the yunfn server that started this instance
  pid_t slirp_ = -1;
  int ready_fd_ = -1;
  int exit_fd_ = -1;
};

// ---------------------------------------------------------------------------
// Init: pid 1 of the instance.

// Loopback up, then the runtime API listener goes to the platform, which
// serves the API on it from outside. The control socket stays open: init
// answers it with sockets made in this network namespace (see serve_sockets).
int hand_over_runtime_api() {
  if (auto s = bring_up_loopback(); !s.ok()) return report(s.error().message);
  auto listener = listen_tcp(layout::kRuntimeApiHost, layout::kRuntimeApiPort);
  if (!listener.ok()) return report(listener.error().message);
  auto sent = send_fds(layout::kControlFd, 'L', {*listener});
  ::close(*listener);
  if (!sent.ok()) return report("hand over the runtime API: " + sent.error().message);
  ::fcntl(layout::kControlFd, F_SETFD, FD_CLOEXEC);  // not the runtime's
  return 0;
}

// The platform cannot enter an instance's network namespace without privileges
// over the host, so init makes the sockets it connects to the instance's ports.
// Returns false when the platform is gone (its end of the socket closed).
bool answer_socket_request(int control) {
  char c = 0;
  ssize_t n = ::recv(control, &c, 1, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;
  if (n != 1 || c != 'S') return true;
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return true;
  // A failed hand-over shows up on the platform's side as a missing socket.
  (void)send_fds(control, 'S', {s});
  ::close(s);
  return true;
}

// qcloud with no capabilities, no way to gain privileges, SCF's descriptor
// limit and no core dumps.
int drop_privileges(bool rootless) {
  gid_t gid = layout::kSandboxGid;
  // A rootless instance's user namespace denies setgroups; it has no groups to drop.
  if (!rootless && ::setgroups(1, &gid) != 0) return report_errno("setgroups");
  if (::setresgid(gid, gid, gid) != 0) return report_errno("setresgid");
  uid_t uid = layout::kSandboxUid;
  if (::setresuid(uid, uid, uid) != 0) return report_errno("setresuid");
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return report_errno("drop capability bounding set");
    }
  }
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return report_errno("capset");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return report_errno("no_new_privs");
  rlimit files{1024, 1024};
  ::setrlimit(RLIMIT_NOFILE, &files);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  return 0;
}

// Takes the instance's environment out of this process: the strings are kept
// for the runtime and wiped from the process's memory, so that the supervisor
// and init (and /proc/<pid>/environ) do not carry the function's variables.
std::vector<std::string> take_environment() {
  std::vector<std::string> env;
  char* begin = nullptr;
  char* end = nullptr;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    env.emplace_back(*e);
    if (begin == nullptr || *e < begin) begin = *e;
    end = std::max(end, *e + std::strlen(*e) + 1);
  }
  ::clearenv();
  if (begin != nullptr) std::memset(begin, 0, static_cast<size_t>(end - begin));
  return env;
}

// The runtime process: execs the program; never returns.
[[noreturn]] void exec_runtime(const InitOptions& o, const std::vector<std::string>& env,
                               const SetupTrace& trace) {
  if (::chdir(layout::kCodeRoot) != 0) {
    report_errno(std::string("chdir ") + layout::kCodeRoot);
    ::_exit(126);
  }
  trace.print();
  std::vector<char*> argv, envp;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(argv[0], argv.data(), envp.data());
  report_errno("cannot execute " + o.argv[0]);
  ::_exit(127);
}

// Reaps every process that ends up here until the runtime ends (then reports
// its status), answering the platform's socket requests meanwhile. When the
// platform or the supervisor goes away (its socket closes), init exits and
// the kernel kills every process of the instance's pid namespace: the
// parent-death signal alone cannot do it once the supervisor runs as nobody
// (a signal to another user's process is refused).
int reap_until_runtime_ends(pid_t runtime, int sync, int control) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  int children = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (children < 0) return report_errno("signalfd");
  for (;;) {
    int status = 0;
    for (pid_t p; (p = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      if (p != runtime) continue;
      char msg[1 + sizeof(int)] = {kRuntimeEnded};
      std::memcpy(msg + 1, &status, sizeof(int));
      ::send(sync, msg, sizeof msg, MSG_NOSIGNAL);
      return 0;
    }
    pollfd fds[3] = {{children, POLLIN, 0}, {sync, POLLIN | POLLRDHUP, 0}, {control, POLLIN, 0}};
    if (::poll(fds, control >= 0 ? 3 : 2, -1) < 0 && errno != EINTR) return report_errno("poll");
    signalfd_siginfo info;
    while (::read(children, &info, sizeof info) > 0) {
    }
    // The supervisor sends nothing once the runtime runs: any event is its end.
    if (fds[1].revents != 0) return 1;
    if (control >= 0 && fds[2].revents != 0 && !answer_socket_request(control)) return 1;
  }
}

int run_init(const InitOptions& o, const std::vector<std::string>& env, int sync,
             SetupTrace& trace) {
  trace.mark("pidns");
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    return report_errno("create namespaces");
  }
  send_byte(sync, kNetnsCreated);
  if (int rc = hand_over_runtime_api(); rc != 0) return rc;
  if (::sethostname(o.hostname.data(), o.hostname.size()) != 0) return report_errno("sethostname");
  trace.mark("namespaces");
  if (auto s = enter_instance_root(o); !s.ok()) return report(s.error().message);
  trace.mark("mounts");
  char reply[4];
  if (!send_byte(sync, kBeforeUserns) || receive(sync, reply, sizeof reply) != kProceed) {
    return report("the outbound network (slirp4netns) did not start");
  }
  trace.mark("network");
  if (::unshare(CLONE_NEWUSER) != 0) return report_errno("create user namespace");
  if (o.rootless) {
    // Nested in the instance's own user namespace: its root (the platform's
    // user outside) becomes qcloud, which a process may map for itself.
    if (!write_id_maps("/proc/self", layout::kSandboxUid, 0, layout::kSandboxGid, 0)) {
      return report_errno("map the sandbox user");
    }
  } else if (!send_byte(sync, kUsernsCreated) || receive(sync, reply, sizeof reply) != kProceed) {
    return report("cannot map the sandbox user");
  }
  trace.mark("userns");
  if (int rc = drop_privileges(o.rootless); rc != 0) return rc;
  if (auto s = install_seccomp_filter(); !s.ok()) return report(s.error().message);
  trace.mark("privileges");
  if (o.probe) {
    char msg[1 + sizeof(int)] = {kRuntimeEnded};
    std::memset(msg + 1, 0, sizeof(int));
    ::send(sync, msg, sizeof msg, MSG_NOSIGNAL);
    return 0;
  }
  // Changing credentials above may have cleared it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  pid_t runtime = ::fork();
  if (runtime < 0) return report_errno("fork");
  if (runtime == 0) exec_runtime(o, env, trace);
  ::close_range(0, 2, 0);  // the log pipes belong to the runtime alone
  if (o.runtime_fd) ::close(layout::kRuntimeFd);  // and so does its channel: its end closes when it exits
  return reap_until_runtime_ends(runtime, sync, layout::kControlFd);
}

}  // namespace

Status join_cgroups(const std::vector<std::string>& procs_files) {
  for (const auto& f : procs_files) {
    if (!write_text(f, "0")) {
      return make_error(errc::kInternalErrorSystem,
                        "cannot join cgroup " + f + ": " + std::strerror(errno));
    }
  }
  return ok_status();
}

int run_isolated_instance(const InitOptions& o) {
  const std::vector<std::string> env = take_environment();
  SetupTrace trace(o.launch_ns, o.trace);
  trace.mark("spawn");
  if (auto s = join_cgroups(o.cgroup_procs); !s.ok()) return report(s.error().message);
  trace.mark("cgroups");
  int sync[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0) {
    return report_errno("socketpair");
  }
  // clone() rather than unshare(): only init enters the new pid namespace, the
  // supervisor's later children (slirp4netns) stay in the host's.
  // Without root, init starts in a user namespace of its own, where the
  // platform's user is root and may set up the other namespaces.
  unsigned long flags = CLONE_NEWPID | SIGCHLD | (o.rootless ? CLONE_NEWUSER : 0);
  pid_t init = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0));
  if (init < 0) return report_errno("create pid namespace");
  if (init == 0) {
    // Init (and with it the whole pid namespace) dies with the supervisor.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close(sync[0]);
    char reply[4];
    if (o.rootless && receive(sync[1], reply, sizeof reply) != kProceed) {
      ::_exit(report("cannot map the instance's user namespace"));
    }
    ::_exit(run_init(o, env, sync[1], trace));
  }
  ::close(sync[1]);
  ::close(layout::kControlFd);
  if (o.runtime_fd) ::close(layout::kRuntimeFd);
  if (o.rootless) {
    bool mapped = write_id_maps("/proc/" + std::to_string(init), 0, ::geteuid(), 0, ::getegid());
    send_byte(sync[0], mapped ? kProceed : kFailed);
  }
  return Supervisor(o, init, sync[0]).run();
}

}  // namespace yunfn::sandbox

#include "runtime/go_adapter.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "runtime/go_executable.h"
#include "runtime/runtime_frames.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace yunfn::runtime {
namespace {

// The variable scf-go-lib reads the port to serve on from.
constexpr const char* kPortVariable = "_LAMBDA_SERVER_PORT";

// Variables the platform or the OS sets: not the function's own (the same
// list as the other built-in runtimes, docs/runtime-protocol.md).
const std::set<std::string_view, std::less<>> kSystemVariables = {"PATH",
                                                                  "HOME",
                                                                  "USER",
                                                                  "LOGNAME",
                                                                  "LANG",
                                                                  "LANGUAGE",
                                                                  "PWD",
                                                                  "OLDPWD",
                                                                  "SHELL",
                                                                  "SHLVL",
                                                                  "HOSTNAME",
                                                                  "TERM",
                                                                  "TMPDIR",
                                                                  "_",
                                                                  "USER_CODE_ROOT",
                                                                  "_HANDLER",
                                                                  "_SCF_SERVER_PORT",
                                                                  "TRIGGER_SRC",
                                                                  "PYTHONPATH",
                                                                  "PYTHONUNBUFFERED",
                                                                  "PYTHONDONTWRITEBYTECODE",
                                                                  "PYTHONIOENCODING",
                                                                  "NODE_PATH",
                                                                  "LD_LIBRARY_PATH",
                                                                  "CLASSPATH",
                                                                  "PHP_INI_SCAN_DIR",
                                                                  "OS_NAMESERVER",
                                                                  "YUNFN_COS_HOST",
                                                                  "YUNFN_COS_ENDPOINT",
                                                                  kPortVariable};
constexpr std::string_view kNonUserPrefixes[] = {"SCF_", "QCLOUD_", "TENCENTCLOUD_", "LC_"};

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : valid_utf8(std::string(s))) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          out += esc;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// The function's own variables and SCF_NAMESPACE, as a JSON object.
std::string environment_json() {
  std::string out = "{";
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = kv.substr(0, eq);
    bool user = !kSystemVariables.contains(key);
    for (auto prefix : kNonUserPrefixes) user = user && !key.starts_with(prefix);
    if (!user) continue;
    if (out.size() > 1) out.push_back(',');
    append_json_string(out, key);
    out.push_back(':');
    append_json_string(out, kv.substr(eq + 1));
  }
  if (out.size() > 1) out.push_back(',');
  out += "\"SCF_NAMESPACE\":";
  append_json_string(out, env_or("SCF_NAMESPACE", "default"));
  out.push_back('}');
  return out;
}

std::string error_json(std::string_view type, std::string_view message) {
  std::string out = "{\"errorCode\":-1,\"errorMessage\":";
  append_json_string(out, message);
  out += ",\"errorType\":";
  append_json_string(out, type);
  out += ",\"stackTrace\":[]}";
  return out;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool read_exact(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t got = ::recv(fd, p, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// The platform's end of the framed channel.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  bool send(char type, std::string_view payload, bool exiting = false) const {
    std::string out;
    frames::append(out, type, payload);
    if (exiting) frames::append(out, frames::kExiting, "");
    return write_all(fd_, out);
  }
  // The next frame's type and payload; nullopt once the platform closed its end.
  std::optional<std::pair<char, std::string>> receive() const {
    char header[frames::kHeaderBytes];
    if (!read_exact(fd_, header, sizeof header)) return std::nullopt;
    const uint32_t size = frames::announced_size(header);
    if (size == 0) return std::nullopt;
    std::string frame(size, '\0');
    if (!read_exact(fd_, frame.data(), size)) return std::nullopt;
    return std::make_pair(frame[0], frame.substr(1));
  }

 private:
  int fd_;
};

// A port free on every address, for the handler to listen on (it binds 0.0.0.0).
int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(s);
  return port;
}

// Starts the handler; its pid, or -1 with *exec_errno set when exec failed.
pid_t start_handler(const std::string& path, int* exec_errno) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    *exec_errno = errno;
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The handler must not outlive the adapter (the platform kills the tree,
    // but a crash of the adapter alone would leave it serving nobody).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    const char* argv[] = {path.c_str(), nullptr};
    ::execv(path.c_str(), const_cast<char* const*>(argv));
    const int err = errno;
    (void)!::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n = -1;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (pid < 0) {
    *exec_errno = errno;
    return -1;
  }
  if (n == static_cast<ssize_t>(sizeof err)) {
    ::waitpid(pid, nullptr, 0);
    *exec_errno = err;
    return -1;
  }
  return pid;
}

// Ends the adapter the way the handler ended, so the platform reports that
// exit (a crash's signal, os.Exit's code); waits for the handler first.
[[noreturn]] void end_as_handler(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  std::fflush(stdout);
  std::fflush(stderr);
  if (WIFSIGNALED(st)) {
    std::signal(WTERMSIG(st), SIG_DFL);
    ::raise(WTERMSIG(st));
  }
  ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

[[noreturn]] void end(pid_t pid, int code) {
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  ::_exit(code);
}

// Connects to the handler's port once it listens; -1 when it exited first.
int connect_handler(int port, pid_t pid) {
  timespec pause{0, 100 * 1000};
  for (;;) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return s;
    }
    ::close(s);
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      return -1;
    }
    // The init timeout bounds the wait: the platform ends the instance.
    ::nanosleep(&pause, nullptr);
    pause.tv_nsec = std::min<long>(pause.tv_nsec * 2, 5'000'000);
  }
}

// Whether waiting for the reply ended with one, the handler gone or the platform gone.
enum class Wait { kReply, kHandlerGone, kPlatformGone, kBadReply };

Wait wait_reply(int sock, const Channel& channel, GoRpcCodec& codec, GoRpcReply* reply,
                std::string* problem) {
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto next = codec.next_reply();
    if (!next.ok()) {
      *problem = next.error().message;
      return Wait::kBadReply;
    }
    if (*next) {
      *reply = std::move(**next);
      return Wait::kReply;
    }
    pollfd fds[2] = {{sock, POLLIN, 0}, {channel.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Wait::kPlatformGone;
    }
    // During an invocation the platform sends nothing: readable means closed.
    if (fds[1].revents != 0) return Wait::kPlatformGone;
    ssize_t n = ::recv(sock, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Wait::kHandlerGone;
    codec.feed(buf.data(), static_cast<size_t>(n));
  }
}

// One event frame: request id, memory MB, timeout ms (a line each), event.
std::optional<GoInvokeRequest> parse_event(const std::string& payload,
                                           const GoInvokeRequest& base) {
  GoInvokeRequest req = base;
  size_t pos = 0;
  std::string lines[3];
  for (auto& line : lines) {
    const auto nl = payload.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;
    line = payload.substr(pos, nl - pos);
    pos = nl + 1;
  }
  req.request_id = lines[0];
  req.memory_mb = static_cast<int32_t>(std::strtol(lines[1].c_str(), nullptr, 10));
  req.timeout_ms = static_cast<int32_t>(std::strtol(lines[2].c_str(), nullptr, 10));
  req.payload = payload.substr(pos);
  // Read directly, not through the Clock: the deadline is wall time in the
  // function's process, as scf-go-lib turns it into its context's deadline.
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int64_t end_ns =
      int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec + int64_t{req.timeout_ms} * 1'000'000;
  req.deadline_s = end_ns / 1'000'000'000;
  req.deadline_ns = end_ns % 1'000'000'000;
  return req;
}

// Reports an init failure the way the other built-in runtimes do, then exits 1.
[[noreturn]] void fail_init(const Channel& channel, pid_t pid, std::string_view type,
                            const std::string& message) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(type.size()), type.data(), message.c_str());
  std::fflush(stderr);
  channel.send(frames::kInitError, error_json(type, message));
  end(pid, 1);
}

// The parts of every InvokeRequest that are facts of the function, from the
// instance's environment.
GoInvokeRequest function_facts(std::string environment) {
  GoInvokeRequest base;
  base.ns = env_or("SCF_NAMESPACE", "default");
  base.function_name = env_or("SCF_FUNCTIONNAME", "");
  base.function_version = env_or("SCF_FUNCTIONVERSION", "$LATEST");
  base.environment = std::move(environment);
  base.region = env_or("TENCENTCLOUD_REGION", "");
  base.app_id = env_or("TENCENTCLOUD_APPID", "");
  base.uin = env_or("TENCENTCLOUD_UIN", "");
  // SCF's resource name of the function.
  base.invoked_function_unique.append("qcs::scf:").append(base.region).append(":uin/");
  base.invoked_function_unique.append(base.uin).append(":namespace/").append(base.ns);
  base.invoked_function_unique.append("/function/").append(base.function_name);
  return base;
}

// Turns event frames into Function.Invoke calls until the platform or the
// handler goes away.
[[noreturn]] void serve_events(const Channel& channel, int sock, pid_t pid, GoRpcCodec& codec,
                               const GoInvokeRequest& base) {
  GoRpcReply reply;
  std::string problem;
  for (;;) {
    // Idle: the handler's connection becoming readable means it went away.
    pollfd fds[2] = {{channel.fd(), POLLIN, 0}, {sock, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      end(pid, 0);
    }
    if (fds[1].revents != 0 && fds[0].revents == 0) end_as_handler(pid);
    auto frame = channel.receive();
    if (!frame) end(pid, 0);  // the platform closed the channel
    if (frame->first != frames::kEvent) end(pid, 1);
    auto req = parse_event(frame->second, base);
    if (!req) end(pid, 1);
    const auto waited = write_all(sock, codec.invoke(*req))
                            ? wait_reply(sock, channel, codec, &reply, &problem)
                            : Wait::kHandlerGone;
    if (waited == Wait::kPlatformGone) end(pid, 0);
    if (waited == Wait::kHandlerGone) end_as_handler(pid);
    const Channel& out = channel;
    if (waited == Wait::kBadReply || !reply.rpc_error.empty() || reply.seq != codec.last_seq()) {
      // The handler is out of step with the protocol: fail this event and end.
      const std::string why =
          problem.empty() ? (reply.rpc_error.empty() ? "a reply out of sequence" : reply.rpc_error)
                          : problem;
      std::fprintf(stderr, "RpcError: %s\n", why.c_str());
      std::fflush(stderr);
      out.send(frames::kError, error_json("RpcError", why), /*exiting=*/true);
      end(pid, 1);
    }
    if (reply.error) {
      const std::string log = go_error_log(*reply.error);
      (void)!::write(STDERR_FILENO, log.data(), log.size());
      // A panic: scf-go-lib asks for the process to be replaced.
      const bool exiting = reply.error->should_exit;
      if (!out.send(frames::kError, go_error_json(*reply.error), exiting) || exiting) end(pid, 0);
      continue;
    }
    if (!out.send(frames::kResponse, reply.payload)) end(pid, 0);
  }
}

}  // namespace

std::string go_error_json(const GoInvokeError& e) {
  std::string out = "{\"errorCode\":-1,\"errorMessage\":";
  append_json_string(out, e.message);
  out += ",\"errorType\":";
  append_json_string(out, e.type);
  out += ",\"stackTrace\":[";
  for (size_t k = 0; k < e.stack.size(); ++k) {
    if (k > 0) out.push_back(',');
    out += "{\"path\":";
    append_json_string(out, e.stack[k].path);
    out += ",\"line\":" + std::to_string(e.stack[k].line) + ",\"label\":";
    append_json_string(out, e.stack[k].label);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string go_error_log(const GoInvokeError& e) {
  std::string out = (e.should_exit ? "panic: " : e.type + ": ") + e.message + "\n";
  for (const auto& f : e.stack) {
    out += f.label + "\n\t" + f.path + ":" + std::to_string(f.line) + "\n";
  }
  return out;
}

int go_adapter_main() {
  const char* fd_text = std::getenv("YUNFN_RUNTIME_FD");
  if (fd_text == nullptr) {
    std::fprintf(
        stderr,
        "yunfn-go-runtime: YUNFN_RUNTIME_FD is not set (the platform starts this program)\n");
    return 2;
  }
  const Channel channel(std::atoi(fd_text));
  ::unsetenv("YUNFN_RUNTIME_FD");  // the platform's, not the function's
  ::fcntl(channel.fd(), F_SETFD, FD_CLOEXEC);

  const std::string handler = env_or("_HANDLER", "");
  char cwd[4096];
  const std::string code_dir = ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : ".";
  if (auto problem = check_go_handler(code_dir, handler)) {
    fail_init(channel, -1, problem->type, problem->message);
  }
  const int port = free_port();
  if (port < 0)
    fail_init(channel, -1, "RuntimeError", std::string("no free port: ") + std::strerror(errno));
  ::setenv(kPortVariable, std::to_string(port).c_str(), 1);
  const std::string environment = environment_json();

  // LD_LIBRARY_PATH comes from the platform: the package and the layers, as SCF sets it.
  int exec_errno = 0;
  const pid_t pid = start_handler(code_dir + "/" + handler, &exec_errno);
  if (pid < 0) {
    fail_init(
        channel, -1, exec_errno == ENOEXEC ? "ExecFormatError" : "ContainerInitError",
        "Handler '" + handler + "': cannot start the executable: " + std::strerror(exec_errno));
  }
  const int sock = connect_handler(port, pid);
  GoRpcCodec codec;
  if (sock < 0) {
    fail_init(channel, pid, "ContainerInitError",
              "Handler '" + handler + "' exited before serving on $" + kPortVariable +
                  ": a Go1 function's main must call cloudfunction.Start(handler)");
  }
  GoRpcReply reply;
  std::string problem;
  const auto pinged = write_all(sock, codec.ping())
                          ? wait_reply(sock, channel, codec, &reply, &problem)
                          : Wait::kHandlerGone;
  if (pinged == Wait::kPlatformGone) end(pid, 0);
  if (pinged == Wait::kHandlerGone) end_as_handler(pid);
  if (pinged == Wait::kBadReply || !reply.rpc_error.empty()) {
    fail_init(channel, pid, "ContainerInitError",
              "Handler '" + handler + "' does not answer Function.Ping as scf-go-lib does: " +
                  (problem.empty() ? reply.rpc_error : problem));
  }
  if (!channel.send(frames::kInitReady, "")) end(pid, 0);

  serve_events(channel, sock, pid, codec, function_facts(environment));
}

}  // namespace yunfn::runtime

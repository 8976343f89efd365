#include "pool/instance.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/scf_status.h"
#include "common/json.h"
#include "sandbox/layout.h"

namespace yunfn::pool {
namespace {

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024;  // SCF sync response limit
constexpr const char* kResponseTooLarge =
    "the function response is larger than 6 MB (407 response size exceeds the limit)";

double ms_between(Instance::time_point from, Instance::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// SCF status of an init error reported by a runtime through init/error.
int init_error_status(const std::string& body) {
  auto j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string type = j.is_object() ? j.value("errorType", "") : "";
  if (type == "ModuleNotFoundError" || type == "ImportError" || type == "AttributeError" ||
      type == "HandlerNotFound" || type == "MODULE_NOT_FOUND") {
    return 437;  // HandlerNotFound
  }
  return scf_status::kContainerInitError;  // ContainerInitError
}

// A JVM whose heap ran out reports java.lang.OutOfMemoryError: like a process the
// memory limit killed, that is SCF's memory exhaustion (434), not a user error.
bool is_memory_exhaustion(const std::string& error_body) {
  auto j = Json::parse(error_body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("errorType", "") == "java.lang.OutOfMemoryError";
}

std::string describe_exit(const sandbox::ExitInfo& e) {
  if (e.signal != 0) return "killed by signal " + std::to_string(e.signal);
  return "exit code " + std::to_string(e.exit_code);
}

}  // namespace

Instance::Instance(asio::any_io_executor ex, asio::any_io_executor blocking,
                   const InstanceSpec& spec, std::string instance_id, const Clock& clock)
    : ex_(std::move(ex)), blocking_(std::move(blocking)), clock_(clock), spec_(spec),
      id_(std::move(instance_id)), last_used_(clock.steady_now()) {}

Instance::~Instance() {
  if (channel_) channel_->close();
  if (!process_ || !blocking_) return;
  // Tearing the process tree down waits for it to exit and its cgroup to go:
  // a worker does it (or this thread, should the hand-over fail).
  try {
    asio::post(blocking_, [p = std::move(process_)] {});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the process went down here instead
  }
}

std::vector<std::string> Instance::build_env() const {
  std::vector<std::string> env;
  for (const auto& [k, v] : spec_.environment) env.emplace_back(k + "=").append(v);
  const std::string code = spec_.code_dir.string();
  std::vector<std::pair<std::string, std::string>> platform = {
      {"_HANDLER", spec_.handler},
      {"SCF_FUNCTIONNAME", spec_.function_name},
      {"SCF_FUNCTIONVERSION", spec_.version},
      {"SCF_NAMESPACE", spec_.ns},
      {"SCF_RUNTIME", spec_.runtime},
      {"SCF_MEMORY_SIZE", std::to_string(spec_.memory_mb)},
      {"SCF_TIMEOUT", std::to_string(spec_.timeout_s)},
      {"TENCENTCLOUD_RUNENV", "SCF"},
      {"TENCENTCLOUD_REGION", kRegion},
      {"TENCENTCLOUD_APPID", kAppId},
      {"TENCENTCLOUD_UIN", kUin},
      {"TENCENTCLOUD_TZ", "UTC"},
      {"USER_CODE_ROOT", code},
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", "/tmp"},
      {"LANG", "C.UTF-8"},
  };
  if (channel_ && spec_.framed_channel) {
    platform.emplace_back("YUNFN_RUNTIME_FD", std::to_string(sandbox::layout::kRuntimeFd));
  }
  if (channel_) {
    platform.emplace_back("SCF_RUNTIME_API", "127.0.0.1");
    platform.emplace_back("SCF_RUNTIME_API_PORT", std::to_string(channel_->port()));
  }
  for (const auto& [k, v] : platform) env.emplace_back(k + "=").append(v);
  env.insert(env.end(), spec_.extra_env.begin(), spec_.extra_env.end());
  return env;
}

Task<Result<Ok>> Instance::start(sandbox::Sandbox& sandbox, InitFailure* failure) {
  auto self = shared_from_this();
  auto started = clock_.steady_now();
  // Isolated instances reach their API at a fixed address inside their own
  // network namespace, on a socket their set-up hands over; others at a host port.
  auto api = sandbox.runtime_api_address();
  isolated_ = api.has_value();
  constexpr size_t kMaxApiBody = kMaxResponseBytes + 1024 * 1024;
  if (spec_.web && !api) {
    // Without a network namespace the instance shares the host's port 9000.
    auto taken = co_await dial_web();
    if (taken.ok()) {
      state_ = State::kDead;
      *failure = {scf_status::kPortBindingFailed, "port 9000 of this host is already in use: under isolation none web "
                       "function instances share the host network, so only one can run at a "
                       "time (namespace isolation gives each its own)", ""};
      co_return make_error(errc::kFailedOperationInvokeFunction, failure->message);
    }
  }
  // The runtime's end of a framed channel; closed here once the process has its copy.
  int runtime_end = -1;
  if (!spec_.web) {
    channel_ = api ? runtime::RuntimeChannel::create_unbound(ex_, kMaxApiBody, api->port)
                   : runtime::RuntimeChannel::create(ex_, "127.0.0.1", kMaxApiBody);
  }
  if (channel_ && spec_.framed_channel) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      state_ = State::kDead;
      *failure = {500, std::string("cannot create the runtime channel: ") + std::strerror(errno), ""};
      co_return make_error(errc::kInternalErrorSystem, failure->message);
    }
    runtime_end = pair[1];
    channel_->serve_frames(pair[0]);
  }
  sandbox::LaunchSpec launch;
  launch.instance_id = id_;
  launch.argv = spec_.argv;
  launch.env = build_env();
  launch.working_dir = spec_.code_dir;
  if (!spec_.layer_dir.empty()) launch.layer_dirs.push_back(spec_.layer_dir);
  launch.memory_mb = spec_.memory_mb;
  launch.public_net = spec_.public_net;
  launch.runtime_fd = runtime_end;
  std::optional<Result<std::unique_ptr<sandbox::InstanceProcess>>> launched;
  co_await run_blocking(blocking_, [&] { launched.emplace(sandbox.launch(launch)); });
  if (runtime_end >= 0) ::close(runtime_end);
  auto& proc = *launched;
  if (!proc.ok()) {
    state_ = State::kDead;
    *failure = {500, proc.error().message, ""};
    co_return proc.error();
  }
  process_ = std::move(proc).value();
  if (state_ == State::kDead) {  // killed (pool retired, server stopping) while launching
    process_->kill_all();
    *failure = {scf_status::kContainerStateExited, "the instance was stopped while it started", ""};
    co_return make_error(errc::kFailedOperationInvokeFunction, failure->message);
  }
  for (int fd : {process_->take_stdout_fd(), process_->take_stderr_fd()}) {
    outputs_.push_back(std::make_unique<asio::posix::stream_descriptor>(ex_, fd));
    outputs_.back()->non_blocking(true);
    asio::co_spawn(ex_, read_output(*outputs_.back()), Detached{"instance output reader"});
  }
  exit_watch_ = std::make_unique<asio::posix::stream_descriptor>(ex_, ::dup(process_->exit_fd()));
  asio::co_spawn(ex_, watch_exit(), Detached{"instance exit watcher"});

  std::string init_error;
  auto deadline = started + std::chrono::seconds(spec_.init_timeout_s);
  if (api) {
    // A failed set-up ends the process; the exit watcher then aborts the channel.
    int listener = co_await process_->take_runtime_listener(deadline);
    if (listener >= 0 && channel_) channel_->serve_on(listener);
    if (listener >= 0 && !channel_) ::close(listener);  // web functions use port 9000 instead
  }
  if (spec_.web) {
    bool ready = co_await wait_web_ready(deadline);
    init_duration_ms_ = ms_between(started, clock_.steady_now());
    if (ready) {
      state_ = State::kIdle;
      co_return Ok{};
    }
    drain_output();
    if (exited_) {
      *failure = {scf_status::kContainerStateExited, "the web function's scf_bootstrap exited before listening on port 9000 (" +
                           describe_exit(exit_info_) + ")", ""};
    } else {
      *failure = {scf_status::kPortBindingFailed, "PortBindingFailed: nothing listened on port 9000 within the init timeout of " +
                           std::to_string(spec_.init_timeout_s) +
                           " seconds; the web server must listen on 0.0.0.0:9000", ""};
    }
    failure->log = std::exchange(pending_log_, {});
    kill();
    co_return make_error(errc::kFailedOperationInvokeFunction, failure->message);
  }
  auto outcome = co_await channel_->wait_init(clock_, deadline, &init_error);
  init_duration_ms_ = ms_between(started, clock_.steady_now());
  if (outcome == runtime::InitOutcome::kReady && !exited_) {
    state_ = State::kIdle;
    co_return Ok{};
  }
  drain_output();
  switch (outcome) {
    case runtime::InitOutcome::kInitError: {
      auto j = Json::parse(init_error, nullptr, false);
      std::string msg = j.is_object() ? j.value("errorMessage", init_error) : init_error;
      *failure = {init_error_status(init_error), "function initialization failed: " + msg, ""};
      break;
    }
    case runtime::InitOutcome::kTimeout:
      *failure = {scf_status::kInitContainerTimeout, "function initialization timed out after " +
                           std::to_string(spec_.init_timeout_s) + " seconds", ""};
      break;
    default:
      *failure = {scf_status::kContainerStateExited, "the runtime process exited during initialization (" +
                           describe_exit(exit_info_) + ")", ""};
      break;
  }
  failure->log = std::exchange(pending_log_, {});
  kill();
  co_return make_error(errc::kFailedOperationInvokeFunction, failure->message);
}

Task<InvokeOutcome> Instance::invoke(std::string request_id, std::string event) {
  auto self = shared_from_this();
  auto started = clock_.steady_now();
  std::string init_log = begin_invocation();
  channel_->post_event({request_id, std::move(event), spec_.memory_mb,
                        static_cast<int64_t>(spec_.timeout_s) * 1000});
  auto deadline = started + std::chrono::seconds(spec_.timeout_s);
  auto result = co_await channel_->wait_result(clock_, deadline);
  // A runtime that sent its result and then said it is ending is not given the
  // next event (it would fail as a process exit).
  if (channel_->runtime_exiting()) kill();

  InvokeOutcome out;
  out.init_log = std::move(init_log);
  switch (result.kind) {
    case runtime::ResultKind::kTooLarge:
      out.status_code = scf_status::kResponseTooLarge;
      out.err_msg = kResponseTooLarge;
      break;
    case runtime::ResultKind::kResponse:
      if (result.body.size() > kMaxResponseBytes) {
        out.status_code = scf_status::kResponseTooLarge;
        out.err_msg = kResponseTooLarge;
      } else {
        out.ret_msg = std::move(result.body);
      }
      break;
    case runtime::ResultKind::kError:
      if (is_memory_exhaustion(result.body)) {
        out.status_code = scf_status::kMemoryLimitReached;
        out.err_msg = "Memory limit exceeded: the function's JVM ran out of its " +
                      std::to_string(spec_.memory_mb) + " MB (java.lang.OutOfMemoryError)";
        break;
      }
      out.status_code = scf_status::kUserCodeException;  // user code exception caught
      out.ret_msg = std::move(result.body);
      break;
    case runtime::ResultKind::kTimeout:
      out.status_code = scf_status::kTimeLimitReached;
      out.err_msg = "Invoking task timed out after " + std::to_string(spec_.timeout_s) + " seconds";
      killed_for_timeout_ = true;
      kill();
      break;
    case runtime::ResultKind::kAborted:
      if (exit_info_.oom_killed) {
        out.status_code = scf_status::kMemoryLimitReached;
        out.err_msg = "Memory limit exceeded: the function used more than " +
                      std::to_string(spec_.memory_mb) + " MB and was killed";
      } else {
        out.status_code = scf_status::kUserProcessExited;
        out.err_msg = "User process exited when running (" + describe_exit(exit_info_) + ")";
      }
      break;
  }
  co_return finish(std::move(out), started);
}

void Instance::freeze() {
  if (frozen_ || !process_ || state_ != State::kIdle) return;
  auto freezer = process_->freezer();
  if (!freezer) return;
  // The write can take milliseconds: a worker does it, unless a thaw comes first.
  freezer->want_frozen();
  frozen_ = true;
  if (blocking_) {
    asio::post(blocking_, [freezer] { freezer->freeze_if_wanted(); });
  } else {
    freezer->freeze_if_wanted();
  }
}

void Instance::thaw() {
  if (!frozen_ || !process_) return;
  if (auto freezer = process_->freezer()) freezer->thaw();
  frozen_ = false;
  // A web server's keep-alive timers ran out while it was frozen: it closes
  // its idle connections as it wakes, possibly after reading a request sent
  // on one. The next request dials a new connection.
  web_connections_.clear();
}

std::string Instance::begin_invocation() {
  invocation_log_.clear();
  log_truncated_ = false;
  in_invocation_ = true;
  process_->reset_peak_memory();
  return std::exchange(pending_log_, {});
}

Task<InvokeOutcome> Instance::serve(std::function<Task<InvokeOutcome>()> exchange) {
  auto self = shared_from_this();
  auto started = clock_.steady_now();
  std::string init_log = begin_invocation();
  InvokeOutcome out = co_await exchange();
  out.init_log = std::move(init_log);
  if ((out.status_code == scf_status::kTimeLimitReached || out.status_code == scf_status::kUserProcessExited) && spec_.max_concurrency == 1) {
    // A timed-out request may still be running; a server that broke a request
    // is not trusted with the next one. With several requests per instance a
    // timeout affects only its own request, as in SCF.
    kill();
  }
  co_return finish(std::move(out), started);
}

Task<Result<asio::ip::tcp::socket>> Instance::dial_web() {
  asio::ip::tcp::socket socket(ex_);
  if (isolated_) {
    // The port is the instance's own, inside its network namespace.
    auto fd = process_->instance_socket();
    if (!fd.ok()) co_return fd.error();
    boost::system::error_code ec;
    socket.assign(asio::ip::tcp::v4(), *fd, ec);
    if (ec) {
      ::close(*fd);
      co_return make_error(errc::kInternalError, "cannot use a socket of the instance: " + ec.message());
    }
  }
  asio::ip::tcp::endpoint ep(asio::ip::address_v4::loopback(), kWebPort);
  auto [ec] = co_await socket.async_connect(ep, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return make_error(errc::kFailedOperationInvokeFunction, "port 9000: " + ec.message());
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  co_return std::move(socket);
}

Task<bool> Instance::wait_web_ready(asio::steady_timer::time_point deadline) {
  auto self = shared_from_this();
  auto pause = std::chrono::milliseconds(2);
  while (!exited_ && state_ != State::kDead && clock_.steady_now() < deadline) {
    auto socket = co_await dial_web();
    if (socket.ok()) {
      web_connections_.push_back(std::move(*socket));
      co_return true;
    }
    co_await clock_.sleep_until(clock_.steady_now() + pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  co_return false;
}

Task<Result<asio::ip::tcp::socket>> Instance::connect_web() {
  while (!web_connections_.empty()) {
    auto socket = std::move(web_connections_.back());
    web_connections_.pop_back();
    // A kept connection the server closed meanwhile reads as ready (EOF);
    // one with unasked-for bytes is out of step. Either is dropped.
    pollfd p{socket.native_handle(), POLLIN, 0};
    if (socket.is_open() && ::poll(&p, 1, 0) == 0) co_return std::move(socket);
  }
  co_return co_await dial_web();
}

void Instance::keep_web_connection(asio::ip::tcp::socket socket) {
  if (state_ != State::kDead && socket.is_open()) web_connections_.push_back(std::move(socket));
}

InvokeOutcome Instance::finish(InvokeOutcome out, time_point started) {
  out.duration_ms = ms_between(started, clock_.steady_now());
  out.mem_usage_bytes = process_ ? process_->peak_memory_bytes() : 0;
  drain_output();
  in_invocation_ = false;
  out.log = std::exchange(invocation_log_, {});
  last_used_ = clock_.steady_now();
  return out;
}

void Instance::kill() {
  web_connections_.clear();
  if (state_ == State::kDead && !process_) return;
  state_ = State::kDead;
  if (process_) process_->kill_all();
  if (channel_) channel_->close();
}

void Instance::stop() {
  kill();
  process_.reset();
}

Task<void> Instance::watch_exit() {
  auto self = shared_from_this();
  // Readable means exited; an error (the descriptor closed) ends the watch as well.
  co_await exit_watch_->async_wait(asio::posix::stream_descriptor::wait_read,
                                   asio::as_tuple(asio::use_awaitable));
  handle_exit();
}

void Instance::handle_exit() {
  drain_output();
  if (process_) exit_info_ = process_->reap();  // else stopped: reaped by its teardown
  exited_ = true;
  state_ = State::kDead;
  if (channel_) channel_->close();
  if (on_exit_) std::exchange(on_exit_, nullptr)();
}

Task<void> Instance::read_output(asio::posix::stream_descriptor& stream) {
  auto self = shared_from_this();
  // Waits for readiness and reads here rather than reading in the reactor: bytes
  // read by a pending read would reach the log only after the invocation that
  // printed them has finished.
  for (;;) {
    auto [ec] = co_await stream.async_wait(asio::posix::stream_descriptor::wait_read,
                                           asio::as_tuple(asio::use_awaitable));
    if (ec || !read_available(stream)) break;
  }
}

bool Instance::read_available(asio::posix::stream_descriptor& stream) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(stream.native_handle(), buf, sizeof buf);
    if (n > 0) {
      append_output(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && errno == EAGAIN;  // 0: the instance closed its end
    }
  }
}

void Instance::drain_output() {
  // Output written just before the runtime posted its result is already in the
  // pipe; read it now so it lands in the right invocation. One poll asks both
  // pipes, which are usually empty.
  std::array<pollfd, 2> fds{};
  size_t n = 0;
  for (auto& s : outputs_) fds.at(n++) = {s->native_handle(), POLLIN, 0};
  if (n == 0 || ::poll(fds.data(), n, 0) <= 0) return;
  for (size_t i = 0; i < n; ++i) {
    if (fds.at(i).revents != 0) read_available(*outputs_[i]);
  }
}

void Instance::append_output(const char* data, size_t n) {
  std::string& log = in_invocation_ ? invocation_log_ : pending_log_;
  if (log.size() + n > kMaxLogBytes) {
    if (!log_truncated_) log += "\n[yunfn] log truncated at 1 MB\n";
    log_truncated_ = true;
    return;
  }
  log.append(data, n);
}

}  // namespace yunfn::pool

// Instance: one running sandbox of one function version, serving one
// invocation at a time through its RuntimeChannel. It captures the process's
// stdout/stderr as the log of the invocation running when it was written.
// Created and owned (shared_ptr) by a Pool; every method runs on the loop
// thread. Coroutines that use an Instance hold a shared_ptr to it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/scf_status.h"
#include "common/asio.h"
#include "common/result.h"
#include "runtime/runtime_channel.h"
#include "sandbox/sandbox.h"

namespace yunfn::pool {

// What an instance runs: the launch parameters of one function version.
struct InstanceSpec {
  std::string ns;
  std::string function_name;
  std::string version;         // "$LATEST", "1", ...
  std::string runtime;         // SCF runtime name
  std::string handler;
  int memory_mb = 128;
  int timeout_s = 3;
  int init_timeout_s = 65;
  std::vector<std::pair<std::string, std::string>> environment;
  std::filesystem::path code_dir;
  std::filesystem::path layer_dir;  // the function's layers merged, shown at /opt; empty when none
  std::vector<std::string> argv;  // resolved command (see runtime_command.h)
  std::vector<std::string> extra_env;  // runtime-specific "K=V" entries
  bool framed_channel = false;  // the runtime speaks frames on a socket pair, not HTTP
  bool public_net = true;     // outbound network (PublicNetConfig), namespace isolation
  bool web = false;           // web function: scf_bootstrap serves HTTP on port 9000
  int max_concurrency = 1;    // requests served at once (web functions may take more)
};

// The account an instance believes it runs in (SCF_* variables, X-Scf-* headers).
inline constexpr const char* kRegion = "ap-guangzhou";
inline constexpr const char* kAppId = "1250000000";
inline constexpr const char* kUin = "100000000001";

// The port a web function's server listens on inside its instance.
inline constexpr unsigned short kWebPort = 9000;

// The outcome of one invocation on an instance.
struct InvokeOutcome {
  int status_code = 200;      // SCF status: 200, 430 (user error), 433, 434, 439, ...
  std::string ret_msg;        // the response body, or the error JSON / message
  std::string err_msg;        // platform error text (empty on success)
  std::string init_log;       // output written during init (first invocation only)
  std::string log;            // user output captured during the invocation
  double duration_ms = 0;
  int64_t mem_usage_bytes = 0;
};

// How instance start-up failed: the SCF status (437 handler, 445 init, 450
// init timeout, 405 exited), a message and the output captured during init.
struct InitFailure {
  int status_code = scf_status::kContainerInitError;
  std::string message;
  std::string log;
};

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  enum class State { kStarting, kIdle, kBusy, kDead };
  using time_point = std::chrono::steady_clock::time_point;

  // `blocking` launches and tears down the process (empty: in place).
  Instance(asio::any_io_executor ex, asio::any_io_executor blocking, const InstanceSpec& spec,
           std::string instance_id, const Clock& clock);
  ~Instance();

  // Launches the process and waits for it to be ready (bounded by init_timeout_s).
  // On failure the instance is dead and the failure describes why.
  Task<Result<Ok>> start(sandbox::Sandbox& sandbox, InitFailure* failure);
  // Runs one event; the instance must be idle (the pool marks it busy).
  Task<InvokeOutcome> invoke(std::string request_id, std::string event);
  // Kills the process tree; the instance becomes dead.
  void kill();
  // Kills the process tree and waits for it to be gone (server shutdown).
  void stop();

  // Web functions: frames one request exchanged by the caller (captures its
  // log and memory; kills a single-concurrency instance when the exchange
  // timed out (433) or its server failed mid-request (439)).
  Task<InvokeOutcome> serve(std::function<Task<InvokeOutcome>()> exchange);
  // A connection to the server on port 9000 (a kept-alive one when there is).
  Task<Result<asio::ip::tcp::socket>> connect_web();
  // Gives back a connection whose last exchange completed, for reuse.
  void keep_web_connection(asio::ip::tcp::socket socket);
  const InstanceSpec& spec() const { return spec_; }

  State state() const { return state_; }
  // Requests the instance serves right now (busy while > 0).
  int inflight() const { return inflight_; }
  void add_inflight(int d) { inflight_ += d; }
  void set_state(State s) { state_ = s; }
  const std::string& id() const { return id_; }
  pid_t pid() const { return process_ ? process_->pid() : 0; }
  // Provisioned instances are kept (never reaped) and replaced when they die.
  bool provisioned() const { return provisioned_; }
  void set_provisioned(bool p) { provisioned_ = p; }
  double init_duration_ms() const { return init_duration_ms_; }
  // True the first time only: the first request an instance serves is its
  // cold start (logged with its Init Report), whichever request started it.
  bool take_first_use() { return std::exchange(unused_, false); }
  time_point last_used() const { return last_used_; }
  // Idle instances are frozen (SCF freezes instances between invocations), so
  // processes a function left running get no CPU; the pool freezes instances
  // idle for a while and thaws one before handing it out. No-ops without a
  // cgroup freezer.
  void freeze();
  void thaw();
  bool frozen() const { return frozen_; }
  // Called once when the process exits (from the exit watcher).
  void on_exit(std::function<void()> f) { on_exit_ = std::move(f); }

 private:
  Task<void> watch_exit();
  Task<bool> wait_web_ready(asio::steady_timer::time_point deadline);
  Task<Result<asio::ip::tcp::socket>> dial_web();
  std::string begin_invocation();
  Task<void> read_output(asio::posix::stream_descriptor& stream);
  // Reads what the pipe holds into the log; false once the pipe is closed.
  bool read_available(asio::posix::stream_descriptor& stream);
  void append_output(const char* data, size_t n);
  void drain_output();
  void handle_exit();
  std::vector<std::string> build_env() const;
  InvokeOutcome finish(InvokeOutcome out, time_point started);

  asio::any_io_executor ex_;
  asio::any_io_executor blocking_;
  const Clock& clock_;
  InstanceSpec spec_;
  std::string id_;
  State state_ = State::kStarting;
  std::shared_ptr<runtime::RuntimeChannel> channel_;
  std::unique_ptr<sandbox::InstanceProcess> process_;
  std::unique_ptr<asio::posix::stream_descriptor> exit_watch_;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> outputs_;
  bool in_invocation_ = false;
  std::string pending_log_;  // output outside an invocation (init), prepended to the next
  std::string invocation_log_;
  bool log_truncated_ = false;
  double init_duration_ms_ = 0;
  bool unused_ = true;
  bool exited_ = false;
  sandbox::ExitInfo exit_info_;
  bool killed_for_timeout_ = false;
  time_point last_used_;
  std::function<void()> on_exit_;
  bool provisioned_ = false;
  bool frozen_ = false;
  int inflight_ = 0;
  bool isolated_ = false;  // has its own network namespace
  std::vector<asio::ip::tcp::socket> web_connections_;  // idle keep-alive connections
};

// Log bytes kept per invocation; the rest is cut with a note.
inline constexpr size_t kMaxLogBytes = 1024 * 1024;

}  // namespace yunfn::pool

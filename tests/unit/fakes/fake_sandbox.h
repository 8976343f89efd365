// FakeSandbox: a Sandbox whose instances are coroutines, not processes. Each
// launched instance plays the function's runtime: it reads SCF_RUNTIME_API and
// SCF_RUNTIME_API_PORT from the LaunchSpec environment and speaks the runtime
// HTTP API (init/ready, invocation/next, invocation/response | error) to the
// platform's RuntimeChannel over loopback, from a coroutine on the sandbox's
// executor. What it answers comes from a script, a function of the event:
//
//   FakeSandbox sandbox(ctx.get_executor());
//   sandbox.script().on_event = [](const FakeCall& call) {
//     return FakeAction::respond(R"({"ok":true})").with_log("handled " + call.request_id);
//   };
//
// The process side is faked too: exit_fd() is an eventfd that becomes readable
// when the instance exits (crash: exit code 1; kill_all(): signal 9), stdout
// and stderr are pipes the instance writes its log lines into, pid() is a
// made-up number. journal() records what every instance did.
//
// Owned by the test; everything runs on the one io_context thread. Instances
// hold the journal, so they may outlive the sandbox (until the io_context
// destroys them).
#pragma once

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../temp_dir.h"
#include "common/asio.h"
#include "common/scope_exit.h"
#include "sandbox/sandbox.h"
#include "store/code_store.h"

namespace yunfn::fakes {

// One event as a fake instance received it (with the instance's identity).
struct FakeCall {
  std::string ns;
  std::string function;
  std::string version;
  std::string request_id;
  std::string event;
};

// What an instance does with one event.
struct FakeAction {
  enum class Kind { kRespond, kError, kHang, kCrash };
  Kind kind = Kind::kRespond;
  std::string body;
  std::string log;  // a line written to stdout before answering

  static FakeAction respond(std::string body) { return {Kind::kRespond, std::move(body), ""}; }
  static FakeAction error(std::string body) { return {Kind::kError, std::move(body), ""}; }
  static FakeAction hang() { return {Kind::kHang, "", ""}; }    // never answers
  static FakeAction crash() { return {Kind::kCrash, "", ""}; }  // exits with code 1
  FakeAction with_log(std::string line) && {
    log = std::move(line);
    return std::move(*this);
  }
};

// How an instance starts: ready, init/error (a BootError), or never ready.
enum class FakeInit { kReady, kFail, kNeverReady };

struct FakeScript {
  FakeInit init = FakeInit::kReady;
  std::function<FakeAction(const FakeCall&)> on_event;  // empty: respond "{}"
};

// What the instances did. Shared by the sandbox and its instances.
struct FakeJournal {
  FakeScript script;
  std::vector<FakeCall> calls;  // every event fetched, in order
  int launched = 0;
  int running = 0;  // launched and not exited
  int killed = 0;   // exited through kill_all()

  std::vector<FakeCall> calls_of(const std::string& function) const {
    std::vector<FakeCall> out;
    for (const auto& c : calls) {
      if (c.function == function) out.push_back(c);
    }
    return out;
  }
};

namespace fake_detail {

// The state of one fake instance, shared by its process object and its runtime coroutine.
struct Instance {
  asio::any_io_executor ex;
  std::shared_ptr<FakeJournal> journal;
  FakeCall identity;
  unsigned short port = 0;
  int exit_fd = -1, out_read = -1, out_write = -1, err_read = -1, err_write = -1;
  std::optional<asio::ip::tcp::socket> conn;  // the request in progress
  bool exited = false;
  sandbox::ExitInfo exit_info;

  void exit(sandbox::ExitInfo info) {
    if (exited) return;
    exited = true;
    exit_info = info;
    --journal->running;
    for (int* fd : {&out_write, &err_write}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
    boost::system::error_code ignored;
    if (conn) conn->close(ignored);  // wakes the runtime coroutine, which then ends
    uint64_t one = 1;
    if (::write(exit_fd, &one, sizeof one) < 0) return;  // an eventfd write does not fail
  }
  void log(const std::string& line) {
    std::string text = line + "\n";
    if (out_write >= 0 && ::write(out_write, text.data(), text.size()) < 0) return;
  }
};

// One HTTP exchange with the runtime API on a fresh connection; nullopt when
// the connection failed or the instance exited meanwhile.
inline Task<std::optional<HttpResponse>> call_api(std::shared_ptr<Instance> s, http::verb verb,
                                                  std::string target, std::string body) {
  if (s->exited) co_return std::nullopt;
  s->conn.emplace(s->ex);
  asio::ip::tcp::endpoint api(asio::ip::address_v4::loopback(), s->port);
  auto [cec] = co_await s->conn->async_connect(api, asio::as_tuple(asio::use_awaitable));
  if (cec || s->exited) co_return std::nullopt;
  HttpRequest req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(*s->conn, req, asio::as_tuple(asio::use_awaitable));
  if (wec || s->exited) co_return std::nullopt;
  beast::flat_buffer buffer;
  HttpResponse res;
  auto [rec, rn] =
      co_await http::async_read(*s->conn, buffer, res, asio::as_tuple(asio::use_awaitable));
  if (rec || s->exited) co_return std::nullopt;
  boost::system::error_code ignored;
  s->conn->close(ignored);
  co_return res;
}

// The runtime: init, then fetch and answer events as the script says.
inline Task<void> run_runtime(std::shared_ptr<Instance> s) {
  const FakeInit init = s->journal->script.init;
  if (init == FakeInit::kNeverReady) co_return;
  if (init == FakeInit::kFail) {
    co_await call_api(s, http::verb::post, "/runtime/init/error",
                      R"({"errorType":"BootError","errorMessage":"init failed on purpose"})");
    co_return;
  }
  if (!co_await call_api(s, http::verb::post, "/runtime/init/ready", "")) co_return;
  for (;;) {
    auto next = co_await call_api(s, http::verb::get, "/runtime/invocation/next", "");
    if (!next || next->result() != http::status::ok) co_return;
    FakeCall call = s->identity;
    call.request_id = std::string((*next)["request_id"]);
    call.event = next->body();
    s->journal->calls.push_back(call);
    auto on_event = s->journal->script.on_event;  // a copy: the script may replace itself
    FakeAction action = on_event ? on_event(call) : FakeAction::respond("{}");
    if (!action.log.empty()) s->log(action.log);
    switch (action.kind) {
      case FakeAction::Kind::kHang:
        co_return;
      case FakeAction::Kind::kCrash:
        s->exit({.exit_code = 1});
        co_return;
      case FakeAction::Kind::kRespond:
      case FakeAction::Kind::kError: {
        const char* path = action.kind == FakeAction::Kind::kRespond
                               ? "/runtime/invocation/response"
                               : "/runtime/invocation/error";
        if (!co_await call_api(s, http::verb::post, path, action.body)) co_return;
        break;
      }
    }
  }
}

class Process final : public sandbox::InstanceProcess {
 public:
  Process(std::shared_ptr<Instance> s, pid_t pid) : s_(std::move(s)), pid_(pid) {}
  ~Process() override {
    kill_all();
    for (int fd : {s_->exit_fd, s_->out_read, s_->err_read}) {
      if (fd >= 0) ::close(fd);
    }
  }
  pid_t pid() const override { return pid_; }
  int exit_fd() const override { return s_->exit_fd; }
  int take_stdout_fd() override { return std::exchange(s_->out_read, -1); }
  int take_stderr_fd() override { return std::exchange(s_->err_read, -1); }
  void kill_all() override {
    if (s_->exited) return;
    ++s_->journal->killed;
    s_->exit({.exit_code = -1, .signal = 9});
  }
  sandbox::ExitInfo reap() override { return s_->exit_info; }
  int64_t peak_memory_bytes() override { return 0; }
  void reset_peak_memory() override {}

 private:
  std::shared_ptr<Instance> s_;
  pid_t pid_;
};

}  // namespace fake_detail

// A code store holding one fake package, shared by every test of the binary:
// the package never changes, and storing and extracting it fsyncs (a few
// hundred milliseconds on a disk, so the store lives on /dev/shm when there is
// one). Its tree is an executable `bootstrap`, which a CustomRuntime needs for
// its command line; the FakeSandbox never runs it.
inline store::CodeStore& fake_code_store() {
  namespace fs = std::filesystem;
  static test_support::TempDir dir = [] {
    // TempDir makes its directory under TMPDIR: point it at tmpfs meanwhile.
    const char* old = std::getenv("TMPDIR");
    std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    std::error_code ec;
    if (fs::is_directory("/dev/shm", ec)) ::setenv("TMPDIR", "/dev/shm", 1);
    ScopeExit restore([&saved] {
      if (saved)
        ::setenv("TMPDIR", saved->c_str(), 1);
      else
        ::unsetenv("TMPDIR");
    });
    return test_support::TempDir();
  }();
  static store::CodeStore code(
      dir.path() / "code", [](std::string_view, const fs::path& dest) -> Status {
        std::error_code ec;
        fs::create_directory(dest, ec);
        std::ofstream(dest / "bootstrap") << "#!/bin/sh\nexit 0\n";
        fs::permissions(dest / "bootstrap", fs::perms::owner_all, ec);
        if (ec) return make_error(errc::kInternalErrorSystem, "fake package: " + ec.message());
        return ok_status();
      });
  return code;
}

// The code_sha256 of the fake package in fake_code_store().
inline std::string fake_code_sha256() {
  static const std::string sha = fake_code_store().put("fake package").value();
  return sha;
}

class FakeSandbox final : public sandbox::Sandbox {
 public:
  explicit FakeSandbox(asio::any_io_executor ex, FakeScript script = {})
      : ex_(std::move(ex)), journal_(std::make_shared<FakeJournal>()) {
    journal_->script = std::move(script);
  }

  // The script instances follow (read at init and at every event).
  FakeScript& script() { return journal_->script; }
  const FakeJournal& journal() const { return *journal_; }

  Result<std::unique_ptr<sandbox::InstanceProcess>> launch(
      const sandbox::LaunchSpec& spec) override {
    std::map<std::string, std::string> env;
    for (const auto& kv : spec.env) {
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (env["SCF_RUNTIME_API"] != "127.0.0.1" || env["SCF_RUNTIME_API_PORT"].empty()) {
      return make_error(errc::kInternalErrorSystem, "fake sandbox: no runtime API address");
    }
    auto s = std::make_shared<fake_detail::Instance>();
    s->ex = ex_;
    s->journal = journal_;
    s->identity = {env["SCF_NAMESPACE"], env["SCF_FUNCTIONNAME"], env["SCF_FUNCTIONVERSION"], "",
                   ""};
    s->port = static_cast<unsigned short>(std::stoi(env["SCF_RUNTIME_API_PORT"]));
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    s->exit_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    bool made = s->exit_fd >= 0 && ::pipe2(out, O_CLOEXEC | O_NONBLOCK) == 0 &&
                ::pipe2(err, O_CLOEXEC | O_NONBLOCK) == 0;
    if (!made) {
      for (int fd : {s->exit_fd, out[0], out[1], err[0], err[1]}) {
        if (fd >= 0) ::close(fd);
      }
      return make_error(errc::kInternalErrorSystem, "fake sandbox: eventfd or pipe failed");
    }
    s->out_read = out[0], s->out_write = out[1], s->err_read = err[0], s->err_write = err[1];
    ++journal_->launched;
    ++journal_->running;
    asio::co_spawn(ex_, fake_detail::run_runtime(s), Detached{"fake runtime"});
    return std::unique_ptr<sandbox::InstanceProcess>(
        std::make_unique<fake_detail::Process>(s, 100000 + journal_->launched));
  }

  std::string isolation() const override { return "none"; }

 private:
  asio::any_io_executor ex_;
  std::shared_ptr<FakeJournal> journal_;
};

}  // namespace yunfn::fakes

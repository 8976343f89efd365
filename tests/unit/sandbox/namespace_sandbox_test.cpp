// Real isolated instances (this binary is their sandbox-init): what they see,
// what they may do, and how the platform talks to them. Needs root.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sandbox/sandbox.h"
#include "sandbox/seccomp_filter.h"

#include "../test_support.h"

namespace yunfn::sandbox {
namespace {
namespace fs = std::filesystem;
using test_support::fails_exactly;

fs::path self_exe() { return fs::read_symlink("/proc/self/exe"); }

struct Finished {
  ExitInfo exit;
  std::string out;
  std::string err;
};

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      s.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) == 1) continue;
    }
    break;
  }
  ::close(fd);
  return s;
}

class NamespaceSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "namespace isolation needs root";
    dir_ = fs::temp_directory_path() / ("yunfn-ns-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "code");
    fs::create_directories(dir_ / "runtimes");
    fs::create_directories(dir_ / "secret");
    std::ofstream(dir_ / "code" / "index.py") << "print('hi')\n";
    std::ofstream(dir_ / "runtimes" / "bootstrap.txt") << "bootstrap\n";
    std::ofstream(dir_ / "secret" / "yunfn.db") << "platform data\n";
    SandboxConfig config;
    config.self_exe = self_exe();
    config.isolation = IsolationLevel::kNamespace;
    config.state_dir = dir_ / "sandbox";
    config.runtimes_dir = dir_ / "runtimes";
    auto made = make_sandbox(config);
    ASSERT_TRUE(made.ok()) << made.error().message;
    sandbox_ = std::move(made).value();
  }

  void TearDown() override {
    sandbox_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  LaunchSpec shell(const std::string& script) {
    LaunchSpec spec;
    spec.instance_id = "t" + std::to_string(++counter_) + "-" + std::to_string(::getpid());
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = {"PATH=/usr/bin:/bin", "CODE=" + (dir_ / "code").string()};
    spec.working_dir = dir_ / "code";
    spec.public_net = false;
    return spec;
  }

  Finished run(const LaunchSpec& spec) {
    auto proc = sandbox_->launch(spec);
    EXPECT_TRUE(proc.ok()) << proc.error().message;
    if (!proc.ok()) return {};
    Finished f;
    f.out = read_all((*proc)->take_stdout_fd());
    f.err = read_all((*proc)->take_stderr_fd());
    pollfd p{(*proc)->exit_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 20000), 1) << "instance did not end";
    f.exit = (*proc)->reap();
    return f;
  }

  Finished run(const std::string& script) { return run(shell(script)); }

  fs::path dir_;
  std::unique_ptr<Sandbox> sandbox_;
  int counter_ = 0;
};

TEST_F(NamespaceSandboxTest, ReportsItsLevelAndApiAddress) {
  EXPECT_EQ(sandbox_->isolation(), "namespace");
  auto api = sandbox_->runtime_api_address();
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->host, "127.0.0.1");
  EXPECT_EQ(api->port, 9001);
}

TEST_F(NamespaceSandboxTest, RunsAsUnprivilegedUserWithNoCapabilities) {
  auto f = run("id -u; id -g; cat /proc/self/uid_map; grep -E '^(CapEff|CapBnd|NoNewPrivs)' "
               "/proc/self/status; echo pid=$$");
  ASSERT_EQ(f.exit.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("1000\n1000\n"), std::string::npos) << f.out;
  // uid 1000 inside is uid 100000 outside, and nothing else is mapped.
  EXPECT_NE(f.out.find("1000     100000          1"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("CapEff:\t0000000000000000"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("CapBnd:\t0000000000000000"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("NoNewPrivs:\t1"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("pid=2\n"), std::string::npos) << "runtime is pid 2 under init: " << f.out;
}

TEST_F(NamespaceSandboxTest, SeesItsCodeReadOnlyAndNothingOfThePlatform) {
  const std::string secret = (dir_ / "secret" / "yunfn.db").string();
  auto f = run("cd /var/user && cat index.py && pwd; "
               "cat /var/runtime/bootstrap.txt; "
               "echo $CODE; "
               "cat " + secret + " || echo no-secret; "
               "ls " + dir_.string() + " || echo no-data-dir; "
               "touch /var/user/x 2>&1 || echo code-ro; "
               "touch /usr/x 2>&1 || echo usr-ro; "
               "touch /x 2>&1 || echo root-ro; "
               "echo hello > /tmp/f && cat /tmp/f; "
               "ls /dev; test -e /sys/kernel || echo no-sys");
  ASSERT_EQ(f.exit.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("print('hi')\n/var/user\n"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("bootstrap\n"), std::string::npos) << f.out;
  // Host paths in the environment are rewritten to their sandbox paths.
  EXPECT_NE(f.out.find("\n/var/user\n"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("no-secret"), std::string::npos) << f.out;
  EXPECT_EQ(f.out.find("platform data"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("no-data-dir"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("code-ro"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("usr-ro"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("root-ro"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("Read-only file system"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("hello\n"), std::string::npos) << f.out;
  for (const char* dev : {"null", "zero", "urandom", "shm"}) {
    EXPECT_NE(f.out.find(dev), std::string::npos) << dev << ": " << f.out;
  }
  EXPECT_NE(f.out.find("no-sys"), std::string::npos) << f.out;
}

TEST_F(NamespaceSandboxTest, TmpIsPrivateAndLimited) {
  auto spec = shell("echo one > /tmp/mark; "
                    "dd if=/dev/zero of=/tmp/big bs=1M count=8 2>&1 || echo tmp-full; "
                    "ls /tmp");
  spec.tmp_mb = 4;
  spec.memory_mb = 256;
  auto first = run(spec);
  ASSERT_EQ(first.exit.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("No space left on device"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("tmp-full"), std::string::npos) << first.out;
  auto second = run("ls -A /tmp; echo listed");
  EXPECT_EQ(second.out, "listed\n") << "another instance's /tmp is visible";
}

TEST_F(NamespaceSandboxTest, LayersOverlayAtOpt) {
  fs::create_directories(dir_ / "l1");
  fs::create_directories(dir_ / "l2");
  std::ofstream(dir_ / "l1" / "a") << "l1-a\n";
  std::ofstream(dir_ / "l1" / "b") << "l1-b\n";
  std::ofstream(dir_ / "l2" / "b") << "l2-b\n";
  auto spec = shell("cat /opt/a /opt/b; touch /opt/c 2>/dev/null || echo opt-ro");
  spec.layer_dirs = {dir_ / "l1", dir_ / "l2"};
  auto f = run(spec);
  EXPECT_EQ(f.out, "l1-a\nl2-b\nopt-ro\n") << f.err;
  auto one = shell("cat /opt/a");
  one.layer_dirs = {dir_ / "l1"};
  EXPECT_EQ(run(one).out, "l1-a\n");
}

TEST_F(NamespaceSandboxTest, ScfInterpreterPathsLeadToInstalledRuntimes) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  auto f = run("/var/lang/python3/bin/python3 -c 'print(6*7)'");
  EXPECT_EQ(f.out, "42\n") << f.err;
}

TEST_F(NamespaceSandboxTest, BlockedSyscallsFailWithEperm) {
  auto f = run("unshare -U true 2>&1; echo rc=$?; unshare -n true 2>&1; echo rc=$?");
  EXPECT_NE(f.out.find("Operation not permitted"), std::string::npos) << f.out;
  EXPECT_EQ(f.out.find("rc=0"), std::string::npos) << f.out;
  EXPECT_GT(blocked_syscalls().size(), 30u);
}

TEST_F(NamespaceSandboxTest, ExitStatusIsTheRuntimes) {
  EXPECT_EQ(run("exit 7").exit.exit_code, 7);
  auto killed = run("kill -9 $$");
  EXPECT_EQ(killed.exit.signal, 9);
  auto missing = shell("");
  missing.argv = {"/no/such/program"};
  auto f = run(missing);
  EXPECT_EQ(f.exit.exit_code, 127);
  EXPECT_NE(f.err.find("cannot execute /no/such/program"), std::string::npos) << f.err;
}

TEST_F(NamespaceSandboxTest, NoNetworkButLoopbackWhenPublicNetIsOff) {
  auto f = run("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '");
  EXPECT_EQ(f.out, "lo\n") << f.err;
}

// Runs take_runtime_listener() to completion (up to 10 s).
int take_listener(InstanceProcess& proc) {
  asio::io_context io;
  int listener = -1;
  asio::co_spawn(
      io,
      [&]() -> Task<void> {
        listener = co_await proc.take_runtime_listener(std::chrono::steady_clock::now() +
                                                       std::chrono::seconds(10));
      },
      asio::detached);
  io.run();
  return listener;
}

// The platform gets the runtime API listener from inside the instance, and
// sockets made in the instance's network namespace by its init.
TEST_F(NamespaceSandboxTest, HandsOverRuntimeApiListenerAndInstanceSockets) {
  auto spec = shell("sleep 30");
  auto proc = sandbox_->launch(spec);
  ASSERT_TRUE(proc.ok()) << proc.error().message;
  int listener = take_listener(**proc);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  EXPECT_EQ(ntohs(addr.sin_port), 9001);
  // Port 9001 on the host's loopback is not this listener; inside the netns it is.
  auto client = (*proc)->instance_socket();
  ASSERT_TRUE(client.ok()) << client.error().message;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9001);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(*client, reinterpret_cast<sockaddr*>(&to), sizeof to), 0) << strerror(errno);
  int accepted = ::accept(listener, nullptr, nullptr);
  EXPECT_GE(accepted, 0);
  ::close(accepted);
  ::close(*client);
  ::close(listener);
  (*proc)->kill_all();
  pollfd p{(*proc)->exit_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 10000), 1);
  (*proc)->reap();
}

// After the instance ended there is nobody to make sockets: a clear error.
TEST_F(NamespaceSandboxTest, InstanceSocketFailsOnceTheInstanceIsGone) {
  auto proc = sandbox_->launch(shell("sleep 30"));
  ASSERT_TRUE(proc.ok()) << proc.error().message;
  int listener = take_listener(**proc);
  ASSERT_GE(listener, 0);
  ::close(listener);
  (*proc)->kill_all();
  pollfd p{(*proc)->exit_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  (*proc)->reap();
  auto s = (*proc)->instance_socket();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "InternalError.System");
  // Two answers, depending on whether the init's end of the control socket is
  // closed yet when the request is sent (the last process holding it may still
  // be exiting after reap()): the send fails, or the request finds no answer.
  const std::string& message = s.error().message;
  EXPECT_TRUE(message == "ask the instance for a socket: Broken pipe" ||
              message == "the instance's init sent no socket")
      << message;
}

TEST(ProcessSandbox, HasNoInstanceSockets) {
  ProcessSandboxConfig config;
  config.self_exe = self_exe();
  config.use_cgroups = false;
  auto sandbox = make_process_sandbox(config);
  LaunchSpec spec;
  spec.instance_id = "no-netns";
  spec.argv = {"/bin/sleep", "5"};
  spec.working_dir = "/";
  auto proc = sandbox->launch(spec);
  ASSERT_TRUE(proc.ok()) << proc.error().message;
  EXPECT_TRUE(fails_exactly((*proc)->instance_socket(), "InternalError.System",
                            "the instance's init is gone"));
  (*proc)->kill_all();
}

TEST(MakeSandbox, NoneIsAlwaysAvailable) {
  SandboxConfig config;
  config.self_exe = self_exe();
  config.isolation = IsolationLevel::kNone;
  auto made = make_sandbox(config);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->isolation(), "none");
  EXPECT_FALSE((*made)->runtime_api_address().has_value());
}

}  // namespace
}  // namespace yunfn::sandbox

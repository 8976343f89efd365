// `yunfn sandbox-init`: the first program of every instance. It runs alone in
// the freshly spawned child. It closes every descriptor it was not meant to
// inherit, moves itself into the instance's cgroups (so everything the runtime
// starts is limited and can be killed together), then either execs the
// runtime (`none`) or sets up the namespaces first (`--isolate`, ns_init.h).
// Exit codes: 126 set-up failed, 127 exec failed.
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/init_options.h"
#include "sandbox/layout.h"
#include "sandbox/ns_init.h"
#include "sandbox/sandbox.h"

namespace yunfn::sandbox {

int sandbox_init_main(int argc, char** argv) {
  // An instance dies with the server that started it (a killed server leaves
  // nothing running); the setting survives the exec of the runtime.
  const pid_t server = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != server) return 126;  // the server died before the line above
  std::vector<std::string> args(argv + 2, argv + argc);  // after `yunfn sandbox-init`
  auto options = parse_init_args(args);
  if (!options.ok()) {
    std::fprintf(stderr, "yunfn %s\n", options.error().message.c_str());
    return 126;
  }
  // Only stdin/stdout/stderr (and, isolated, the control socket, and when
  // given, the runtime channel) are the instance's.
  if (!options->isolate) ::close(layout::kControlFd);
  if (!options->runtime_fd) ::close(layout::kRuntimeFd);
  ::close_range(layout::kRuntimeFd + 1, ~0U, 0);
  if (options->isolate) return run_isolated_instance(*options);
  if (auto s = join_cgroups(options->cgroup_procs); !s.ok()) {
    std::fprintf(stderr, "yunfn sandbox-init: %s\n", s.error().message.c_str());
    return 126;
  }
  const auto& run = options->argv;
  std::vector<char*> exec_argv;
  exec_argv.reserve(run.size() + 1);
  for (const auto& a : run) exec_argv.push_back(const_cast<char*>(a.c_str()));
  exec_argv.push_back(nullptr);
  ::execv(exec_argv[0], exec_argv.data());
  std::fprintf(stderr, "yunfn sandbox-init: cannot execute %s: %s\n", run[0].c_str(),
               std::strerror(errno));
  return 127;
}

}  // namespace yunfn::sandbox

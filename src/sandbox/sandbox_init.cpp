// `yunfn sandbox-init`: the first program of every instance. It runs alone in
// the freshly spawned child, moves itself into the instance's cgroups (so
// everything the runtime starts is limited and can be killed together), then
// execs the runtime. Exit codes: 126 set-up failed, 127 exec failed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace yunfn::sandbox {

int sandbox_init_main(int argc, char** argv) {
  int i = 2;  // argv[0] = yunfn, argv[1] = sandbox-init
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--cgroup-procs" && i + 1 < argc) {
      int fd = ::open(argv[++i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) {
        std::fprintf(stderr, "yunfn sandbox-init: cannot join cgroup %s: %s\n", argv[i],
                     std::strerror(errno));
        return 126;
      }
      ::close(fd);
      continue;
    }
    std::fprintf(stderr, "yunfn sandbox-init: unknown argument %s\n", arg.c_str());
    return 126;
  }
  if (i >= argc) {
    std::fprintf(stderr, "yunfn sandbox-init: no program to run\n");
    return 126;
  }
  ::execv(argv[i], argv + i);
  std::fprintf(stderr, "yunfn sandbox-init: cannot execute %s: %s\n", argv[i],
               std::strerror(errno));
  return 127;
}

}  // namespace yunfn::sandbox

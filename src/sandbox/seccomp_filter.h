// The seccomp filter of namespace-isolated instances: system calls a function
// never needs fail with EPERM (docs/isolation.md lists them with reasons).
// Installed by sandbox-init in the instance just before it runs the runtime;
// the list is also read by tests. Any thread.
#pragma once

#include <vector>

#include "common/result.h"

namespace yunfn::sandbox {

struct BlockedSyscall {
  const char* name;  // as libseccomp names it
  const char* why;
};

// Every system call refused with EPERM. Besides these, clone() with a
// namespace flag fails with EPERM, and clone3() with ENOSYS (its flags are out
// of the filter's reach; the C library then falls back to clone()).
const std::vector<BlockedSyscall>& blocked_syscalls();

// Installs the filter on the calling thread (inherited by its children and
// kept across exec). Needs no_new_privs or CAP_SYS_ADMIN.
Status install_seccomp_filter();

}  // namespace yunfn::sandbox

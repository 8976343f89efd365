#include "sandbox/seccomp_filter.h"

#include <sched.h>
#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace yunfn::sandbox {
namespace {

// Namespace flags that clone() may not be given.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
                                             CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
                                             CLONE_NEWNET};

Error seccomp_error(const std::string& what, int rc) {
  return make_error(errc::kInternalErrorSystem, "seccomp: " + what + ": " + std::strerror(-rc));
}

}  // namespace

const std::vector<BlockedSyscall>& blocked_syscalls() {
  static const std::vector<BlockedSyscall> list = {
      {"init_module", "kernel module loading"},
      {"finit_module", "kernel module loading"},
      {"delete_module", "kernel module unloading"},
      {"kexec_load", "replacing the running kernel"},
      {"kexec_file_load", "replacing the running kernel"},
      {"reboot", "rebooting the machine"},
      {"swapon", "swap configuration"},
      {"swapoff", "swap configuration"},
      {"mount", "changing the file system view"},
      {"umount2", "changing the file system view"},
      {"pivot_root", "changing the file system view"},
      {"chroot", "changing the file system view"},
      {"open_tree", "new mount API"},
      {"move_mount", "new mount API"},
      {"fsopen", "new mount API"},
      {"fsconfig", "new mount API"},
      {"fsmount", "new mount API"},
      {"fspick", "new mount API"},
      {"mount_setattr", "new mount API"},
      {"unshare", "creating namespaces (kernel attack surface)"},
      {"setns", "joining namespaces"},
      {"ptrace", "tracing or inspecting other processes"},
      {"process_vm_readv", "reading other processes' memory"},
      {"process_vm_writev", "writing other processes' memory"},
      {"keyctl", "kernel keyrings are not namespaced"},
      {"add_key", "kernel keyrings are not namespaced"},
      {"request_key", "kernel keyrings are not namespaced"},
      {"bpf", "loading eBPF programs"},
      {"perf_event_open", "performance counters (host information, attack surface)"},
      {"userfaultfd", "a common kernel exploitation aid"},
      {"io_uring_setup", "io_uring (large kernel attack surface)"},
      {"io_uring_enter", "io_uring (large kernel attack surface)"},
      {"io_uring_register", "io_uring (large kernel attack surface)"},
      {"acct", "process accounting"},
      {"settimeofday", "setting the clock"},
      {"clock_settime", "setting the clock"},
      {"clock_adjtime", "adjusting the clock"},
      {"sethostname", "host name"},
      {"setdomainname", "domain name"},
      {"syslog", "the kernel log"},
      {"quotactl", "disk quotas"},
      {"lookup_dcookie", "profiling interface"},
      {"open_by_handle_at", "opening files by handle bypasses the mount view"},
      {"iopl", "raw I/O port access"},
      {"ioperm", "raw I/O port access"},
      {"vhangup", "terminal hang-up"},
      {"uselib", "obsolete"},
      {"ustat", "obsolete"},
      {"sysfs", "obsolete"},
      {"_sysctl", "obsolete"},
      {"fanotify_init", "file system wide monitoring"},
  };
  return list;
}

Status install_seccomp_filter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return make_error(errc::kInternalErrorSystem, "seccomp_init failed");
  int rc = 0;
  for (const auto& b : blocked_syscalls()) {
    int nr = seccomp_syscall_resolve_name(b.name);
    if (nr == __NR_SCMP_ERROR) continue;  // unknown on this architecture
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc < 0) {
      seccomp_release(ctx);
      return seccomp_error(std::string("rule for ") + b.name, rc);
    }
  }
  for (unsigned long flag : kNamespaceFlags) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    if (rc < 0) break;
  }
  if (rc >= 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc >= 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc < 0) return seccomp_error("load", rc);
  return ok_status();
}

}  // namespace yunfn::sandbox

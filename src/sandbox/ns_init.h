// The namespace-isolated start of an instance, run by `yunfn sandbox-init
// --isolate` (single-threaded, fresh process, as root). Three processes:
//   supervisor  the spawned process, in the host's pid namespace: creates the
//               pid namespace, writes the instance's uid/gid maps, starts
//               slirp4netns for outbound network, then waits and exits as the
//               runtime did (so the platform sees the runtime's exit status);
//   init        pid 1 of the instance: new mount, network, ipc, uts and (last)
//               user namespaces, the instance root, the runtime API listener
//               (sent to the platform on fd 3), then drops to the sandbox uid
//               with no capabilities, no_new_privs and the seccomp filter, and
//               stays as the reaper of orphans;
//   runtime     forked by init, execs the function's runtime.
// docs/isolation.md describes the result.
#pragma once

#include "sandbox/init_options.h"

namespace yunfn::sandbox {

// Runs the supervisor; returns its exit code (126: set-up failed) unless it
// ends itself by the signal that ended the runtime.
int run_isolated_instance(const InitOptions& options);

}  // namespace yunfn::sandbox

#include <string>
#include <vector>

#include "common/result.h"

namespace yunfn::sandbox {

// Moves the calling process into each cgroup (writes 0 to its cgroup.procs).
Status join_cgroups(const std::vector<std::string>& procs_files);

}  // namespace yunfn::sandbox

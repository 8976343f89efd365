// InitOptions: what one `yunfn sandbox-init` run is asked to do. The sandbox
// (server side) encodes it as the command line; sandbox-init decodes it in the
// fresh child. Plain value type and pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace yunfn::sandbox {

struct InitOptions {
  std::vector<std::string> cgroup_procs;  // cgroup.procs files to join first
  bool isolate = false;                   // namespace isolation; else join cgroups and exec
  // Namespace isolation:
  std::string root_mount;                 // empty directory the instance root is mounted on
  std::string code_dir;                   // shown read-only at /var/user
  std::string runtime_dir;                // shown read-only at /var/runtime
  std::vector<std::string> layer_dirs;    // shown read-only at /opt, later ones win
  int tmp_mb = 512;                       // size of /tmp
  std::string slirp4netns;                // program giving outbound network; empty: none
  std::string hostname = "localhost";
  int64_t launch_ns = 0;                  // CLOCK_MONOTONIC at launch, for the trace
  bool trace = false;                     // print the set-up time breakdown to stderr
  bool probe = false;                     // set everything up, then exit 0 without exec
  bool rootless = false;                  // the platform is not root: user namespace first
  bool runtime_fd = false;                // layout::kRuntimeFd is the runtime's (keep it open)
  std::vector<std::string> argv;          // the program to run
};

// The arguments after `yunfn sandbox-init`.
std::vector<std::string> to_init_args(const InitOptions& options);

// Decodes the arguments after `yunfn sandbox-init`; errors name the bad argument.
Result<InitOptions> parse_init_args(const std::vector<std::string>& args);

}  // namespace yunfn::sandbox

namespace yunfn::sandbox {

// Rewrites host paths in s to their sandbox paths (map: host prefix -> sandbox
// prefix), where a prefix stands as a whole path: at the start of s or after
// '=' or ':', and followed by the end, '/' or ':'. Used on the argv and
// environment of isolated instances (e.g. PYTHONPATH=<code dir>:/opt).
std::string rewrite_host_paths(std::string s,
                               const std::vector<std::pair<std::string, std::string>>& map);

}  // namespace yunfn::sandbox

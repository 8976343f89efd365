// The fixed facts of a namespace-isolated instance: where things are inside it,
// which ids it runs as, and the addresses of its network. Shared by the server
// side of the sandbox and by `yunfn sandbox-init`. Constants only; any thread.
#pragma once

#include <sys/types.h>

namespace yunfn::sandbox::layout {

// File system inside the instance (SCF's paths, scf-contract.md section 5.4).
inline constexpr const char* kCodeRoot = "/var/user";        // function code, read-only
inline constexpr const char* kRuntimeRoot = "/var/runtime";  // platform bootstraps, read-only
inline constexpr const char* kLayerRoot = "/opt";            // layers, read-only
inline constexpr const char* kTmp = "/tmp";                  // private tmpfs, the only writable dir
inline constexpr const char* kHome = "/home/qcloud";

// Ids: the runtime runs as qcloud (1000) inside; that uid maps to kHostUid
// outside, so nothing an instance does happens as root on the host.
inline constexpr uid_t kSandboxUid = 1000;
inline constexpr gid_t kSandboxGid = 1000;
inline constexpr uid_t kHostUid = 100000;
inline constexpr gid_t kHostGid = 100000;

// Network inside the instance. The runtime API listens on loopback; with
// outbound network on, slirp4netns gives the instance 10.0.2.100 and makes the
// host's loopback reachable at 10.0.2.2 (its DNS forwarder is 10.0.2.3).
inline constexpr const char* kRuntimeApiHost = "127.0.0.1";
inline constexpr unsigned short kRuntimeApiPort = 9001;
inline constexpr const char* kHostLoopbackAddress = "10.0.2.2";
inline constexpr const char* kDnsAddress = "10.0.2.3";
inline constexpr const char* kTapDevice = "tap0";

// File descriptor on which sandbox-init sends the runtime API listener and the
// network namespace to the platform (SCM_RIGHTS over a SOCK_SEQPACKET pair).
inline constexpr int kControlFd = 3;
// File descriptor on which the built-in runtimes find their end of the framed
// runtime channel (a stream socket pair), when the platform gives one.
inline constexpr int kRuntimeFd = 4;

}  // namespace yunfn::sandbox::layout

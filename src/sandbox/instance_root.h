// The root file system of a namespace-isolated instance, built from mounts in
// the instance's own mount namespace (nothing is copied):
//   /usr, /bin, /lib*, /sbin   the host's, read-only (symlinks where the host has them)
//   /etc                       generated passwd/group/hosts/resolv.conf/hostname plus
//                              read-only binds of what runtimes need (ld.so, ssl, ...)
//   /var/user                  the function's code, read-only
//   /var/runtime               the platform's language bootstraps, read-only
//   /opt                       the layers, read-only (an overlay when several)
//   /var/lang/<runtime>        SCF interpreter prefixes, linked to the host's
//   /tmp                       a private tmpfs of the given size, the only writable dir
//   /proc, /dev                the instance's own proc; null, zero, full, random,
//                              urandom, tty and a small /dev/shm
// Everything else of the host (the platform's data directory, other functions'
// code, other instances' /tmp) is absent. Called by sandbox-init as pid 1 of
// the instance's pid namespace, in its new mount namespace, before any
// privilege is dropped. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "sandbox/init_options.h"

namespace yunfn::sandbox {

// Builds the instance root on options.root_mount and makes it the process's
// root (pivot_root; the host's tree is detached).
Status enter_instance_root(const InitOptions& options);

// The SCF interpreter prefixes under /var/lang and the host prefix each one
// links to (e.g. {"python3", "/usr"}, {"node16", "/usr"}), for the runtimes
// installed on this host under /usr.
std::vector<std::pair<std::string, std::string>> scf_language_prefixes();

}  // namespace yunfn::sandbox

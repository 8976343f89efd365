// Network helpers of the namespace sandbox: bringing up an instance's
// loopback, making the runtime API listener inside it, and passing descriptors
// over a Unix socket. Used by sandbox-init in the instance (single-threaded)
// and by the platform to receive what it sends. Any thread.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace yunfn::sandbox {

// Sets IFF_UP on "lo" in the calling process's network namespace.
Status bring_up_loopback();

// A TCP socket listening on host:port (IPv4), close-on-exec.
Result<int> listen_tcp(const std::string& host, unsigned short port);

// Sends one byte `tag` with the descriptors attached (SCM_RIGHTS).
Status send_fds(int sock, char tag, const std::vector<int>& fds);

}  // namespace yunfn::sandbox

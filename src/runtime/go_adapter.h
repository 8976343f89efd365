// The Go runtime adapter (`yunfn-go-runtime`, docs/runtime-protocol.md "Go"):
// the built-in runtime of Go1 functions. It runs inside the instance in place
// of a language bootstrap, speaks the framed channel with the platform on
// YUNFN_RUNTIME_FD, starts the function's executable (the handler) with
// _LAMBDA_SERVER_PORT set, and turns each event frame into a net/rpc
// `Function.Invoke` call (go_rpc.h) and each reply into a result frame.
// A process of its own, single-threaded, blocking I/O.
#pragma once

#include <string>

#include "runtime/go_rpc.h"

namespace yunfn::runtime {

// The error JSON of a Go handler's error or panic (`stackTrace` keeps
// scf-go-lib's frames as {"path","line","label"} objects).
std::string go_error_json(const GoInvokeError& e);
// The text the adapter writes to stderr for it (the invocation's log).
std::string go_error_log(const GoInvokeError& e);

// Runs the adapter; the process's exit status.
int go_adapter_main();

}  // namespace yunfn::runtime

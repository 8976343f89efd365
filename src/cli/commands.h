// The `yunfn` commands other than `server`: deploy, invoke, logs, ls, rm.
// Each talks to a server through the signed API.
#pragma once

namespace yunfn::cli {

// Runs a CLI command line; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace yunfn::cli

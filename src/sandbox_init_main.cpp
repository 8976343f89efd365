// yunfn-sandbox-init: the first program of every instance, as a small binary
// of its own. `yunfn sandbox-init` does the same, but loading the whole
// platform (TLS, SQLite, zip, logging libraries) costs every cold start about
// 10 ms that this binary, linking only the sandbox, does not pay. The server
// uses it when it sits next to the `yunfn` binary.
#include <cstdio>
#include <cstring>

#include "sandbox/sandbox.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "sandbox-init") == 0) {
    return yunfn::sandbox::sandbox_init_main(argc, argv);
  }
  std::fprintf(stderr, "usage: yunfn-sandbox-init sandbox-init [options] -- PROGRAM [ARGS]\n");
  return 126;
}

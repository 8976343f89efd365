// yunfn-go-runtime: the built-in runtime of Go1 functions (runtime/go_adapter.h).
// The server embeds this binary and installs it under <data-dir>/runtimes/go/,
// shown to isolated instances at /var/runtime/go/.
#include "runtime/go_adapter.h"

int main() { return yunfn::runtime::go_adapter_main(); }

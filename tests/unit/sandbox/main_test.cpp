// The unit_sandbox binary is also the `sandbox-init` program of the sandboxes
// its tests start (their self_exe is this binary), so it has its own main.
#include <gtest/gtest.h>

#include <cstring>

#include "sandbox/sandbox.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "sandbox-init") == 0) {
    return yunfn::sandbox::sandbox_init_main(argc, argv);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

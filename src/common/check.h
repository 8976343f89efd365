// Invariant checks. YUNFN_CHECK is always on and aborts with a message: use it for
// states that must be impossible. YUNFN_ASSERT is the debug-only variant.
// Untrusted input never reaches these: it gets a Result error instead.
#pragma once

#include <cstdio>
#include <cstdlib>

#define YUNFN_CHECK(cond)                                                          \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "yunfn: check failed: %s at %s:%d\n", #cond, __FILE__, \
                   __LINE__);                                                      \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

#ifdef NDEBUG
#define YUNFN_ASSERT(cond) ((void)0)
#else
#define YUNFN_ASSERT(cond) YUNFN_CHECK(cond)
#endif

// ScopeExit: runs a function when the scope ends, however it ends (return,
// co_return, an exception, a coroutine destroyed while suspended). Used where
// a task owns something another party waits for: a request's answer, a queue
// slot, an instance lease.
#pragma once

#include <utility>

namespace yunfn {

template <typename F>
class [[nodiscard]] ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  // An exception from f ends the process (destructors are noexcept): the
  // functions given here release slots and wake waiters, which do not throw.
  ~ScopeExit() { f_(); }  // NOLINT(bugprone-exception-escape)
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  F f_;
};

}  // namespace yunfn

// Pool: the instances of one function version (one generation of its code and
// configuration). Idle instances are reused most recently used first; new ones
// are cold-started through the Sandbox; idle ones are reaped after the idle
// timeout. Owned by the PoolManager (shared_ptr); loop thread only.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "pool/instance.h"

namespace yunfn::pool {

struct Lease {
  std::shared_ptr<Instance> instance;
  bool cold_start = false;
  double init_duration_ms = 0;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(asio::any_io_executor ex, sandbox::Sandbox& sandbox, InstanceSpec spec);

  // An idle instance marked busy, or a newly started one. On a start failure
  // the error is returned and *failure says why (with the init log).
  Task<Result<Lease>> acquire(InitFailure* failure);
  // Gives a busy instance back: idle again if alive and the pool is current.
  void release(const std::shared_ptr<Instance>& instance);
  // Kills idle instances unused since before `cutoff`.
  void reap_idle(std::chrono::steady_clock::time_point cutoff);
  // The function changed: kill idle instances now, busy ones when released.
  void retire();
  // Kills every instance (server shutdown, function deleted).
  void kill_all();

  bool retired() const { return retired_; }
  size_t idle_count() const { return idle_.size(); }
  size_t busy_count() const { return busy_.size(); }
  size_t starting_count() const { return starting_; }
  const InstanceSpec& spec() const { return spec_; }

 private:
  asio::any_io_executor ex_;
  sandbox::Sandbox& sandbox_;
  InstanceSpec spec_;
  std::deque<std::shared_ptr<Instance>> idle_;   // back = most recently used
  std::set<std::shared_ptr<Instance>> busy_;
  size_t starting_ = 0;
  bool retired_ = false;
  uint64_t next_instance_ = 0;
};

}  // namespace yunfn::pool

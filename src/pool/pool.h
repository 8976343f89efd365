// Pool: the instances of one function version (one generation of its code and
// configuration). Idle instances are reused most recently used first; new ones
// are cold-started through the Sandbox within the scale-up limit. A request
// that found none idle starts one, unless a start is already pending for it,
// and takes whichever comes first: an instance another request gives back or
// a new one (a new one nobody waits for any more becomes idle); idle
// on-demand ones are reaped after the idle timeout; provisioned ones are
// started ahead of traffic, kept, and replaced when they die.
// Owned by the PoolManager (shared_ptr); loop thread only.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"
#include "common/scf_status.h"
#include "pool/instance.h"
#include "pool/scale_limiter.h"

namespace yunfn::pool {

struct Lease {
  std::shared_ptr<Instance> instance;
  bool cold_start = false;
  double init_duration_ms = 0;
};

// Status code an acquire failure carries when the scale-up limit throttled it.
inline constexpr int kScaleLimitStatus = scf_status::kResourceLimit;

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(asio::any_io_executor ex, sandbox::Sandbox& sandbox, const Clock& clock,
       ScaleLimiter& limiter, std::chrono::milliseconds scale_wait,
       asio::any_io_executor blocking, InstanceSpec spec);

  // An idle instance marked busy, or else one given back or newly started,
  // whichever comes first (see above). When no instance is idle and
  // the scale-up limit allows no cold start, waits up to scale_wait for
  // either; then fails with status kScaleLimitStatus. When a start fails and
  // leaves a request without one, *failure says why (with the init log).
  // `gone` (optional) says the request no longer wants an instance: it then
  // leaves the queue with status kRequestCanceled instead of taking one.
  Task<Result<Lease>> acquire(InitFailure* failure, std::function<bool()> gone = {});
  // Gives a busy instance back: idle again if alive and the pool is current.
  void release(const std::shared_ptr<Instance>& instance);
  // Kills idle on-demand instances unused since before `cutoff`.
  void reap_idle(std::chrono::steady_clock::time_point cutoff);
  // Freezes idle instances unused since before `cutoff`.
  void freeze_idle(std::chrono::steady_clock::time_point cutoff);
  // The function changed: kill idle instances now, busy ones when released.
  void retire();
  // Server shutdown: kills every instance and returns when their process
  // trees and cgroups are gone.
  void stop_all();

  // Provisioned instances: the target count, how many are ready and the last
  // start failure.
  void set_provisioned(int target);
  int provisioned_target() const { return provisioned_target_; }
  int provisioned_available() const;
  // An idle provisioned instance marked busy (already counted in the quota), if any.
  std::optional<Lease> take_idle_provisioned();
  const std::string& provisioned_error() const { return provisioned_error_; }

  bool retired() const { return retired_; }
  size_t idle_count() const { return idle_.size(); }
  size_t busy_count() const { return busy_.size(); }
  size_t starting_count() const { return starting_; }
  const InstanceSpec& spec() const { return spec_; }
  // Pids of live instances (for diagnostics and tests).
  std::vector<pid_t> instance_pids() const;

 private:
  // A request waiting for an instance: one given back or newly started.
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : signal(ex) {}
    Signal signal;
    std::function<bool()> gone;
    Lease lease;            // set when an instance was handed over
    InitFailure failure;    // set when a start failed and none other covers it
    std::optional<Error> error;
  };

  std::shared_ptr<Instance> take_idle();
  std::shared_ptr<Instance> new_instance();
  Task<void> start_for_waiters(std::shared_ptr<Instance> inst);
  // Hands a ready instance with room to the oldest waiters; true if it took one.
  bool hand_to_waiters(const std::shared_ptr<Instance>& inst);
  // The lease of an instance just marked busy: a cold start on its first use.
  static Lease lease_of(const std::shared_ptr<Instance>& inst);
  void watch(const std::shared_ptr<Instance>& inst);
  void ensure_provisioned();
  Task<void> start_provisioned();

  asio::any_io_executor ex_;
  sandbox::Sandbox& sandbox_;
  const Clock& clock_;
  ScaleLimiter& limiter_;
  std::chrono::milliseconds scale_wait_;
  asio::any_io_executor blocking_;  // instance launch and teardown (see PoolManagerConfig)
  InstanceSpec spec_;
  std::deque<std::shared_ptr<Instance>> idle_;   // back = most recently used
  std::set<std::shared_ptr<Instance>> busy_;
  std::deque<std::shared_ptr<Waiter>> waiters_;  // front = oldest
  size_t starting_ = 0;
  int provisioned_target_ = 0;
  int provisioned_starting_ = 0;
  std::string provisioned_error_;
  bool retired_ = false;
};

}  // namespace yunfn::pool

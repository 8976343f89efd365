// PoolManager: finds or creates the Pool of a function version and reaps idle
// instances on a timer. Owned by the server; loop thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "pool/pool.h"

namespace yunfn::pool {

// Idle instances are frozen after this long without work (checked once a
// second): a freeze per invocation would put two cgroup writes on every call.
inline constexpr std::chrono::seconds kFreezeAfterIdle{1};

struct PoolManagerConfig {
  std::chrono::seconds idle_timeout{600};  // idle instances older than this are stopped
  ScaleLimiterConfig scale;                // scale-up limit for on-demand instances
  std::chrono::milliseconds scale_wait{1000};  // how long a request waits for capacity
  // Where instances are launched and torn down (process and cgroup set-up
  // block for milliseconds); empty: on the loop thread (tests).
  asio::any_io_executor blocking;
};

class PoolManager {
 public:
  PoolManager(asio::any_io_executor ex, sandbox::Sandbox& sandbox, const Clock& clock,
              PoolManagerConfig config);
  ~PoolManager();

  // The pool for (ns, function, version) at `generation`; pools of older
  // generations are retired.
  std::shared_ptr<Pool> pool_for(const InstanceSpec& spec, int64_t generation);
  // The pool of a function version at `generation`, if one exists.
  std::shared_ptr<Pool> find(const std::string& ns, const std::string& fn,
                             const std::string& version, int64_t generation) const;
  // Retires the pool of one version (the version was deleted).
  void retire_version(const std::string& ns, const std::string& fn, const std::string& version);
  // Retires every pool of a function (updated or deleted).
  void retire_function(const std::string& ns, const std::string& function_name);
  // Kills all instances (shutdown).
  void shutdown();
  // Counts for status displays.
  size_t instance_count() const;

  void start_reaper();

 private:
  static std::string function_key(const std::string& ns, const std::string& fn);
  Task<void> reap_loop();

  asio::any_io_executor ex_;
  sandbox::Sandbox& sandbox_;
  const Clock& clock_;
  PoolManagerConfig config_;
  ScaleLimiter limiter_;
  struct Entry {
    int64_t generation;
    std::shared_ptr<Pool> pool;
  };
  // function key -> version -> current pool
  std::map<std::string, std::map<std::string, Entry>> pools_;
  std::vector<std::shared_ptr<Pool>> retired_;  // kept until their busy instances finish
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::pool

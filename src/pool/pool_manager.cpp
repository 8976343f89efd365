#include "pool/pool_manager.h"

namespace yunfn::pool {

PoolManager::PoolManager(asio::any_io_executor ex, sandbox::Sandbox& sandbox, const Clock& clock,
                         PoolManagerConfig config)
    : ex_(std::move(ex)),
      sandbox_(sandbox),
      clock_(clock),
      config_(std::move(config)),
      limiter_(config_.scale, clock.steady_now()) {}

PoolManager::~PoolManager() {
  *alive_ = false;
  shutdown();
}

std::string PoolManager::function_key(const std::string& ns, const std::string& fn) {
  return ns + "/" + fn;
}

std::shared_ptr<Pool> PoolManager::pool_for(const InstanceSpec& spec, int64_t generation) {
  auto& versions = pools_[function_key(spec.ns, spec.function_name)];
  auto it = versions.find(spec.version);
  if (it != versions.end()) {
    if (it->second.generation == generation) return it->second.pool;
    it->second.pool->retire();
    retired_.push_back(it->second.pool);
    versions.erase(it);
  }
  auto pool = std::make_shared<Pool>(ex_, sandbox_, clock_, limiter_, config_.scale_wait,
                                     config_.blocking, spec);
  versions.emplace(spec.version, Entry{generation, pool});
  return pool;
}

std::shared_ptr<Pool> PoolManager::find(const std::string& ns, const std::string& fn,
                                       const std::string& version, int64_t generation) const {
  auto it = pools_.find(function_key(ns, fn));
  if (it == pools_.end()) return nullptr;
  auto v = it->second.find(version);
  if (v == it->second.end() || v->second.generation != generation) return nullptr;
  return v->second.pool;
}

void PoolManager::retire_version(const std::string& ns, const std::string& fn,
                                 const std::string& version) {
  auto it = pools_.find(function_key(ns, fn));
  if (it == pools_.end()) return;
  auto v = it->second.find(version);
  if (v == it->second.end()) return;
  v->second.pool->retire();
  retired_.push_back(v->second.pool);
  it->second.erase(v);
}

void PoolManager::retire_function(const std::string& ns, const std::string& function_name) {
  auto it = pools_.find(function_key(ns, function_name));
  if (it == pools_.end()) return;
  for (auto& [version, entry] : it->second) {
    entry.pool->retire();
    retired_.push_back(entry.pool);
  }
  pools_.erase(it);
}

void PoolManager::shutdown() {
  for (auto& [key, versions] : pools_) {
    for (auto& [version, entry] : versions) entry.pool->stop_all();
  }
  for (auto& pool : retired_) pool->stop_all();
  pools_.clear();
  retired_.clear();
}

size_t PoolManager::instance_count() const {
  size_t n = 0;
  for (const auto& [key, versions] : pools_) {
    for (const auto& [version, entry] : versions) {
      n += entry.pool->idle_count() + entry.pool->busy_count();
    }
  }
  return n;
}

void PoolManager::start_reaper() { asio::co_spawn(ex_, reap_loop(), Detached{"instance reaper"}); }

Task<void> PoolManager::reap_loop() {
  auto alive = alive_;
  while (*alive) {
    co_await clock_.sleep_until(clock_.steady_now() + std::chrono::seconds(1));
    if (!*alive) break;
    auto now = clock_.steady_now();
    for (auto& [key, versions] : pools_) {
      for (auto& [version, entry] : versions) {
        entry.pool->reap_idle(now - config_.idle_timeout);
        entry.pool->freeze_idle(now - kFreezeAfterIdle);
      }
    }
    std::erase_if(retired_, [](const auto& p) { return p->busy_count() == 0; });
  }
}

}  // namespace yunfn::pool

#include "pool/pool.h"

#include "common/ids.h"

namespace yunfn::pool {

Pool::Pool(asio::any_io_executor ex, sandbox::Sandbox& sandbox, InstanceSpec spec)
    : ex_(ex), sandbox_(sandbox), spec_(std::move(spec)) {}

Task<Result<Lease>> Pool::acquire(InitFailure* failure) {
  auto self = shared_from_this();
  while (!idle_.empty()) {
    auto inst = idle_.back();
    idle_.pop_back();
    if (inst->state() != Instance::State::kIdle) continue;  // died while idle
    inst->set_state(Instance::State::kBusy);
    busy_.insert(inst);
    co_return Lease{inst, false, 0};
  }
  // Cold start. The id names the instance's cgroup, so it is unique per server run.
  auto inst = std::make_shared<Instance>(ex_, spec_, "i-" + new_request_id().substr(0, 18));
  ++starting_;
  auto started = co_await inst->start(sandbox_, failure);
  --starting_;
  if (!started.ok()) co_return started.error();
  std::weak_ptr<Pool> weak = self;
  std::weak_ptr<Instance> weak_inst = inst;
  inst->on_exit([weak, weak_inst] {
    auto pool = weak.lock();
    auto dead = weak_inst.lock();
    if (!pool || !dead) return;
    // A dead idle instance is dropped here; a busy one when it is released.
    std::erase(pool->idle_, dead);
  });
  inst->set_state(Instance::State::kBusy);
  busy_.insert(inst);
  co_return Lease{inst, true, inst->init_duration_ms()};
}

void Pool::release(const std::shared_ptr<Instance>& instance) {
  busy_.erase(instance);
  if (retired_ || instance->state() == Instance::State::kDead) {
    instance->kill();
    return;
  }
  instance->set_state(Instance::State::kIdle);
  idle_.push_back(instance);
}

void Pool::reap_idle(std::chrono::steady_clock::time_point cutoff) {
  // The front holds the least recently used instances.
  while (!idle_.empty() && idle_.front()->last_used() < cutoff) {
    idle_.front()->kill();
    idle_.pop_front();
  }
}

void Pool::retire() {
  retired_ = true;
  for (auto& inst : idle_) inst->kill();
  idle_.clear();
}

void Pool::kill_all() {
  retire();
  for (const auto& inst : busy_) inst->kill();
}

}  // namespace yunfn::pool

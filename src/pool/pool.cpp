#include "pool/pool.h"

#include "common/ids.h"
#include "common/scope_exit.h"

namespace yunfn::pool {

Pool::Pool(asio::any_io_executor ex, sandbox::Sandbox& sandbox, const Clock& clock,
           ScaleLimiter& limiter, std::chrono::milliseconds scale_wait,
           asio::any_io_executor blocking, InstanceSpec spec)
    : ex_(std::move(ex)),
      sandbox_(sandbox),
      clock_(clock),
      limiter_(limiter),
      scale_wait_(scale_wait),
      blocking_(std::move(blocking)),
      spec_(std::move(spec)) {}

std::shared_ptr<Instance> Pool::take_idle() {
  // Multi-concurrency instances take more requests while they have room,
  // the busiest first so idle ones can be reaped.
  if (spec_.max_concurrency > 1) {
    std::shared_ptr<Instance> best;
    for (const auto& inst : busy_) {
      if (inst->state() != Instance::State::kBusy || inst->inflight() >= spec_.max_concurrency) continue;
      if (!best || inst->inflight() > best->inflight()) best = inst;
    }
    if (best) {
      best->add_inflight(1);
      return best;
    }
  }
  while (!idle_.empty()) {
    auto inst = idle_.back();
    idle_.pop_back();
    if (inst->state() != Instance::State::kIdle) continue;  // died while idle
    inst->thaw();
    inst->set_state(Instance::State::kBusy);
    inst->add_inflight(1);
    busy_.insert(inst);
    return inst;
  }
  return nullptr;
}

std::shared_ptr<Instance> Pool::new_instance() {
  // The id names the instance's cgroup, so it is unique per server run.
  return std::make_shared<Instance>(ex_, blocking_, spec_, "i-" + random_uuid().substr(0, 18),
                                    clock_);
}

void Pool::watch(const std::shared_ptr<Instance>& inst) {
  std::weak_ptr<Pool> weak = shared_from_this();
  std::weak_ptr<Instance> weak_inst = inst;
  inst->on_exit([weak, weak_inst] {
    auto pool = weak.lock();
    auto dead = weak_inst.lock();
    if (!pool || !dead) return;
    // A dead idle instance is dropped here; a busy one when it is released.
    std::erase(pool->idle_, dead);
    if (dead->provisioned()) pool->ensure_provisioned();
  });
}

Task<Result<Lease>> Pool::acquire(InitFailure* failure, std::function<bool()> gone) {
  auto self = shared_from_this();
  if (auto inst = take_idle()) co_return lease_of(inst);
  // A start still pending after its request got an instance given back
  // serves this one; otherwise this one starts an instance.
  const bool covered = starting_ > waiters_.size();
  auto deadline = clock_.steady_now() + scale_wait_;
  while (!covered && !limiter_.try_take(clock_.steady_now())) {
    if (clock_.steady_now() >= deadline) {
      *failure = {kScaleLimitStatus,
                  "instance scale-up limit reached: no idle instance and no new instance "
                  "allowed now (429 ResourceLimit)",
                  ""};
      co_return make_error(errc::kRequestLimitExceeded, failure->message);
    }
    co_await clock_.sleep_until(clock_.steady_now() + std::chrono::milliseconds(10));
    if (auto inst = take_idle()) co_return lease_of(inst);
  }
  auto waiter = std::make_shared<Waiter>(ex_);
  waiter->gone = std::move(gone);
  waiters_.push_back(waiter);
  // Leaving early (cancelled) leaves no waiter behind, nor an instance handed to it.
  ScopeExit forget([this, waiter] {
    std::erase(waiters_, waiter);
    if (waiter->lease.instance) release(waiter->lease.instance);
  });
  if (!covered) {
    ++starting_;
    asio::co_spawn(ex_, start_for_waiters(new_instance()), Detached{"instance start"});
  }
  co_await waiter->signal.wait();
  if (!waiter->lease.instance) {
    *failure = waiter->failure;
    co_return *waiter->error;
  }
  co_return std::exchange(waiter->lease, {});
}

Task<void> Pool::start_for_waiters(std::shared_ptr<Instance> inst) {
  auto self = shared_from_this();
  InitFailure failure;
  auto started = co_await inst->start(sandbox_, &failure);
  --starting_;
  if (!started.ok()) {
    // The oldest waiter no other start covers learns why.
    if (waiters_.size() > starting_) {
      auto waiter = waiters_.front();
      waiters_.pop_front();
      waiter->failure = std::move(failure);
      waiter->error = started.error();
      waiter->signal.notify();
    }
    co_return;
  }
  watch(inst);
  if (hand_to_waiters(inst)) co_return;
  if (retired_) {
    inst->kill();
    co_return;
  }
  inst->set_state(Instance::State::kIdle);
  idle_.push_back(inst);
}

Lease Pool::lease_of(const std::shared_ptr<Instance>& inst) {
  const bool cold = inst->take_first_use();
  return Lease{inst, cold, cold ? inst->init_duration_ms() : 0};
}

bool Pool::hand_to_waiters(const std::shared_ptr<Instance>& inst) {
  bool took = false;
  while (!waiters_.empty() && inst->state() != Instance::State::kDead &&
         inst->inflight() < spec_.max_concurrency) {
    auto waiter = waiters_.front();
    waiters_.pop_front();
    if (waiter->gone && waiter->gone()) {
      waiter->failure = {scf_status::kRequestCanceled,
                         "RequestCanceled: the request went away before an instance was free", ""};
      waiter->error = make_error(errc::kFailedOperationInvokeFunction, waiter->failure.message);
      waiter->signal.notify();
      continue;
    }
    inst->set_state(Instance::State::kBusy);
    inst->add_inflight(1);
    busy_.insert(inst);
    waiter->lease = lease_of(inst);
    waiter->signal.notify();
    took = true;
  }
  return took;
}

void Pool::release(const std::shared_ptr<Instance>& instance) {
  instance->add_inflight(-1);
  if (!retired_ && hand_to_waiters(instance)) return;
  if (instance->inflight() > 0 && instance->state() != Instance::State::kDead) return;  // still serving
  busy_.erase(instance);
  if (retired_ || instance->state() == Instance::State::kDead) {
    instance->kill();
    return;
  }
  if (instance->provisioned() && provisioned_available() > provisioned_target_) {
    instance->set_provisioned(false);  // the target was lowered: an ordinary instance now
  }
  instance->set_state(Instance::State::kIdle);
  idle_.push_back(instance);
}

void Pool::reap_idle(std::chrono::steady_clock::time_point cutoff) {
  std::erase_if(idle_, [cutoff](const std::shared_ptr<Instance>& inst) {
    if (inst->provisioned() || inst->last_used() >= cutoff) return false;
    inst->kill();
    return true;
  });
}

void Pool::freeze_idle(std::chrono::steady_clock::time_point cutoff) {
  for (auto& inst : idle_) {
    if (inst->last_used() < cutoff) inst->freeze();  // a no-op when frozen already
  }
}

void Pool::retire() {
  retired_ = true;
  provisioned_target_ = 0;
  for (auto& inst : idle_) inst->kill();
  idle_.clear();
}

void Pool::stop_all() {
  retired_ = true;
  provisioned_target_ = 0;
  for (auto& inst : idle_) inst->stop();
  idle_.clear();
  for (const auto& inst : busy_) inst->stop();
}

std::vector<pid_t> Pool::instance_pids() const {
  std::vector<pid_t> out;
  for (const auto& inst : idle_) out.push_back(inst->pid());
  for (const auto& inst : busy_) out.push_back(inst->pid());
  return out;
}

int Pool::provisioned_available() const {
  int n = 0;
  for (const auto& inst : idle_) n += inst->provisioned() && inst->state() != Instance::State::kDead;
  for (const auto& inst : busy_) n += inst->provisioned() && inst->state() != Instance::State::kDead;
  return n;
}

std::optional<Lease> Pool::take_idle_provisioned() {
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    auto inst = *it;
    if (!inst->provisioned() || inst->state() != Instance::State::kIdle) continue;
    idle_.erase(std::next(it).base());
    inst->thaw();
    inst->set_state(Instance::State::kBusy);
    inst->add_inflight(1);
    busy_.insert(inst);
    return Lease{inst, false, 0};
  }
  return std::nullopt;
}

void Pool::set_provisioned(int target) {
  provisioned_target_ = target;
  // Lowered: idle provisioned instances beyond the target stop now.
  int excess = provisioned_available() - target;
  std::erase_if(idle_, [&excess](const std::shared_ptr<Instance>& inst) {
    if (excess <= 0 || !inst->provisioned()) return false;
    --excess;
    inst->kill();
    return true;
  });
  ensure_provisioned();
}

void Pool::ensure_provisioned() {
  if (retired_) return;
  int missing = provisioned_target_ - provisioned_available() - provisioned_starting_;
  for (int i = 0; i < missing; ++i) {
    ++provisioned_starting_;
    asio::co_spawn(ex_, start_provisioned(), Detached{"provisioned start"});
  }
}

Task<void> Pool::start_provisioned() {
  auto self = shared_from_this();
  auto inst = new_instance();
  InitFailure failure;
  auto started = co_await inst->start(sandbox_, &failure);
  --provisioned_starting_;
  if (!started.ok()) {
    provisioned_error_ = failure.message;
    // Retry later rather than spin on a function that cannot start.
    co_await clock_.sleep_until(clock_.steady_now() + std::chrono::seconds(5));
    ensure_provisioned();
    co_return;
  }
  if (retired_ || provisioned_available() >= provisioned_target_) {
    inst->kill();
    co_return;
  }
  provisioned_error_.clear();
  inst->set_provisioned(true);
  inst->take_first_use();  // started ahead of traffic: no request waits for it
  watch(inst);
  if (hand_to_waiters(inst)) co_return;
  inst->set_state(Instance::State::kIdle);
  idle_.push_back(inst);
}

}  // namespace yunfn::pool

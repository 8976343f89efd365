#include "triggers/timer/timer_trigger.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"

namespace yunfn::triggers {
namespace {

using std::chrono::sys_seconds;

std::string iso_utc(sys_seconds t) {
  std::time_t secs = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A stable request id for one fire of one trigger.
std::string fire_request_id(const store::TriggerRecord& t, sys_seconds at) {
  return request_id_from(t.ns + "/" + t.function_name + "/" + t.name + "@" +
                         std::to_string(at.time_since_epoch().count()));
}

std::string cron_of(const std::string& desc) {
  auto j = Json::parse(desc, nullptr, false);
  if (j.is_object() && j.contains("cron") && j["cron"].is_string()) return j["cron"];
  return desc;  // a bare cron expression
}

}  // namespace

TimerTrigger::TimerTrigger(asio::any_io_executor ex, store::Store& store,
                           invoke::AsyncQueue& queue, const Clock& clock)
    : ex_(std::move(ex)), store_(store), queue_(queue), clock_(clock) {}

// NOLINTNEXTLINE(bugprone-exception-escape): notify() cancels a timer, no throw
TimerTrigger::~TimerTrigger() {
  *alive_ = false;
  if (wake_) wake_->notify();
}

Status TimerTrigger::check(store::TriggerRecord& trigger) {
  std::string expr = cron_of(trigger.trigger_desc);
  YUNFN_TRY(schedule, CronSchedule::parse(expr));
  if (trigger.custom_argument.size() > 4096) {
    return make_error(errc::kInvalidParameterValueCustomArgument,
                      "CustomArgument is longer than 4 KB");
  }
  trigger.trigger_desc = Json{{"cron", schedule.normalized()}}.dump();
  return ok_status();
}

std::string TimerTrigger::timer_event(const std::string& trigger_name, sys_seconds time,
                                      const std::string& message) {
  return Json{{"Type", "Timer"}, {"TriggerName", trigger_name}, {"Time", iso_utc(time)},
              {"Message", message}}
      .dump();
}

Status TimerTrigger::start() {
  YUNFN_TRY_STATUS(reload());
  asio::co_spawn(ex_, loop(), Detached{"timer trigger"});
  return ok_status();
}

Status TimerTrigger::changed() {
  YUNFN_TRY_STATUS(reload());
  if (wake_) wake_->notify();
  return ok_status();
}

Status TimerTrigger::reload() {
  auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  std::map<std::string, Scheduled> next;
  YUNFN_TRY(triggers, store_.list_triggers("", ""));
  for (auto& t : triggers) {
    if (t.type != "timer" || !t.enable) continue;
    auto schedule = CronSchedule::parse(cron_of(t.trigger_desc));
    if (!schedule.ok()) continue;
    // Never before the last fire (no double firing), never in the past (no backfill).
    sys_seconds last(std::chrono::seconds(t.last_fired_at_ms / 1000));
    sys_seconds from = std::max(last, now - std::chrono::seconds(1));
    std::string key = t.ns + "/" + t.function_name + "/" + t.name;
    auto when = schedule->next_after(from);
    next.emplace(key, Scheduled{std::move(t), std::move(*schedule), when});
  }
  scheduled_ = std::move(next);
  return ok_status();
}

void TimerTrigger::fire(Scheduled& s, sys_seconds at) {
  invoke::InvocationRequest req;
  req.ns = s.trigger.ns;
  req.function_name = s.trigger.function_name;
  req.qualifier = s.trigger.qualifier;
  req.request_id = fire_request_id(s.trigger, at);
  req.event = timer_event(s.trigger.name, at, s.trigger.custom_argument);
  auto r = queue_.enqueue(std::move(req), "TIMER");
  if (!r.ok() && !r.error().is(errc::kResourceInUse)) {
    spdlog::warn("timer {}: fire at {} not enqueued: {}", s.trigger.name, iso_utc(at),
                 r.error().message);
  }
  s.trigger.last_fired_at_ms = at.time_since_epoch().count() * 1000;
  // Stored so that a restart does not fire this time again; if the store
  // fails (it logs why), the request id still keeps the fire once-only.
  auto stored = store_.get_trigger(s.trigger.ns, s.trigger.function_name, "timer", s.trigger.name);
  if (stored.ok() && *stored) {
    (*stored)->last_fired_at_ms = s.trigger.last_fired_at_ms;
    if (!store_.put_trigger(**stored).ok()) return;
  }
}

Task<void> TimerTrigger::loop() {
  auto alive = alive_;
  while (*alive) {
    auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
    std::optional<sys_seconds> earliest;
    for (auto& [key, s] : scheduled_) {
      while (s.next && *s.next <= now) {
        fire(s, *s.next);
        s.next = s.schedule.next_after(std::max(*s.next, now - std::chrono::seconds(1)));
      }
      if (s.next && (!earliest || *s.next < *earliest)) earliest = s.next;
    }
    auto waiter = std::make_shared<Signal>(ex_);
    wake_ = waiter;
    auto deadline = clock_.steady_now() + std::chrono::seconds(60);
    if (earliest) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - clock_.now());
      deadline = std::min(deadline, clock_.steady_now() + std::max(until, std::chrono::milliseconds(1)));
    }
    co_await waiter->wait_until(clock_, deadline);
  }
}

}  // namespace yunfn::triggers

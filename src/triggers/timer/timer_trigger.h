// TimerTrigger: the `timer` trigger type. TriggerDesc is a 7-field (or legacy
// 5-field) cron expression, stored as {"cron":"..."}; each fire enqueues an
// async invocation with the SCF timer event
// {"Type":"Timer","TriggerName","Time","Message"}.
// Fires are at-most-once per scheduled time: the request id is derived from
// the trigger and the time, and the last fired time is stored. Scheduled
// times that passed while the server was down are skipped (the next fire is
// the first scheduled time after start), as SCF does not backfill timers.
// Owned by the server; loop thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "invoke/async_queue.h"
#include "store/store.h"
#include "triggers/timer/cron.h"
#include "triggers/trigger_types.h"

namespace yunfn::triggers {

class TimerTrigger final : public TriggerType {
 public:
  TimerTrigger(asio::any_io_executor ex, store::Store& store, invoke::AsyncQueue& queue,
               const Clock& clock);
  ~TimerTrigger() override;  // NOLINT(bugprone-exception-escape): see the definition

  Status check(store::TriggerRecord& trigger) override;
  Status changed() override;
  Status start();

  // The SCF timer event for a fire time (UTC).
  static std::string timer_event(const std::string& trigger_name, std::chrono::sys_seconds time,
                                 const std::string& message);

 private:
  struct Scheduled {
    store::TriggerRecord trigger;
    CronSchedule schedule;
    std::optional<std::chrono::sys_seconds> next;
  };
  Status reload();
  Task<void> loop();
  void fire(Scheduled& s, std::chrono::sys_seconds at);

  asio::any_io_executor ex_;
  store::Store& store_;
  invoke::AsyncQueue& queue_;
  const Clock& clock_;
  std::map<std::string, Scheduled> scheduled_;
  std::shared_ptr<Signal> wake_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::triggers

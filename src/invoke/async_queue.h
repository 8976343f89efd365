// AsyncQueue: SCF async invocation. An accepted event is written to the store
// before the caller gets its request id; a dispatcher runs due events through
// the Invoker (same routing and quotas as sync calls) with at most
// `concurrency` in flight, retries failures by the SCF policy, hands events
// that exhausted their retries to a dead-letter function, and tracks every
// event's status (RUNNING / FINISHED / FAILED / ABORTED) for 3 days.
// After a crash, queued events run and running ones are retried (the started
// attempt counts). An event is never run twice at the same time.
// Owned by the server; loop thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <queue>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "invoke/invoker.h"
#include "store/store.h"

namespace yunfn::invoke {

struct AsyncQueueConfig {
  int concurrency = 64;                         // events in flight at once
  std::chrono::milliseconds retry_delay{60000}; // between attempts after a function error
  std::chrono::milliseconds throttle_delay{200};// before retrying a throttled event
  std::chrono::hours retention{72};             // status records kept after the event ends
  size_t max_queued = 100000;                   // SCF's queue bound; beyond it, refuse
  std::chrono::milliseconds store_retry_delay{1000};  // before retrying after a store failure
};

// SCF defaults for AsyncTriggerConfig.
inline constexpr int kDefaultRetryNum = 2;
inline constexpr int kDefaultMsgTtlS = 21600;
inline constexpr size_t kMaxAsyncEventBytes = 128 * 1024;

class AsyncQueue {
 public:
  AsyncQueue(asio::any_io_executor ex, store::Store& store, Invoker& invoker, const Clock& clock,
             AsyncQueueConfig config);
  ~AsyncQueue();  // NOLINT(bugprone-exception-escape): see the definition

  // Loads pending events and starts the dispatcher and the retention purge.
  Status start();
  // Durably accepts an event; returns its request id.
  Result<std::string> enqueue(invoke::InvocationRequest req, const std::string& invoke_type);
  // An invocation that failed for good, as SCF's dead-letter message describes it.
  struct DeadLetter {
    std::string request_id;     // the failed invocation's
    int status_code = 0;
    std::string error;          // its last answer or error
    std::string ns, function_name, qualifier;
    std::string invocation_type;  // "Event", "RequestResponse"
    std::string source;           // the trigger type: TIMER, COS, CKAFKA, ...
    std::string event;
    int retry_num = 0;
    std::string delivery_id;      // the message's own request id; empty: a new one
  };
  // Queues the message for the function named by `fn`'s DeadLetterConfig, if
  // it names one; a delivery id already queued is not queued twice.
  void send_dead_letter(const store::FunctionRecord& fn, const DeadLetter& d);
  // Stops a running event (its instance is killed) or cancels a queued one.
  Status terminate(const std::string& ns, const std::string& fn, const std::string& request_id);

  size_t queued() const { return due_.size(); }
  int in_flight() const { return in_flight_; }

 private:
  struct Due {
    int64_t at_ms;
    uint64_t seq;
    std::string request_id;
    bool operator>(const Due& o) const { return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq; }
  };

  void schedule(const std::string& request_id, int64_t at_ms);
  Task<void> dispatch_loop();
  Task<void> run(std::string request_id);
  Task<void> purge_loop();
  void requeue(store::AsyncEventRecord& e, int64_t at_ms);
  void finish(store::AsyncEventRecord& e, store::AsyncState state, int status, std::string result);
  // Writes the event's state; on a store failure, retries in the background.
  void persist(const store::AsyncEventRecord& e);
  Task<void> persist_later(store::AsyncEventRecord e);
  int64_t now_ms() const { return to_unix_ms(clock_.now()); }

  asio::any_io_executor ex_;
  store::Store& store_;
  Invoker& invoker_;
  const Clock& clock_;
  AsyncQueueConfig config_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  uint64_t seq_ = 0;
  int in_flight_ = 0;
  std::map<std::string, std::shared_ptr<CancelToken>> running_;
  std::shared_ptr<Signal> wake_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::invoke

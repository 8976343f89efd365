#include "triggers/ckafka/ckafka_trigger.h"

#include <spdlog/spdlog.h>

namespace yunfn::triggers {
namespace {

constexpr auto kTopicLookup = std::chrono::milliseconds(5000);
// How often the set of triggers is compared with the store.
constexpr auto kWatch = std::chrono::seconds(2);

std::string key_of(const store::TriggerRecord& t) { return t.ns + "/" + t.function_name + "/" + t.name; }

}  // namespace

CkafkaTrigger::CkafkaTrigger(const CkafkaServices& services, asio::any_io_executor workers, KafkaClusters clusters)
    : services_(services), workers_(std::move(workers)), clusters_(std::move(clusters)) {
  for (const auto& c : clusters_) cluster_ids_.push_back(c.id);
}

// NOLINTNEXTLINE(bugprone-exception-escape): stopping and joining consumer threads does not throw
CkafkaTrigger::~CkafkaTrigger() {
  *alive_ = false;
  for (auto& [key, s] : running_) {
    s->stop(/*force=*/true);
    leaving_.push_back(s->consumer());
  }
  // Joined here, while the loop (stopped) still exists for their last posts.
  for (auto& c : leaving_) c->join();
}

const KafkaCluster* CkafkaTrigger::cluster(const std::string& id) const {
  for (const auto& c : clusters_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Status CkafkaTrigger::check_name(const std::string& name) {
  YUNFN_TRY(source, ckafka_rules::parse_name(name, cluster_ids_));
  (void)source;
  return ok_status();
}

Status CkafkaTrigger::check(store::TriggerRecord& trigger) {
  YUNFN_TRY(source, ckafka_rules::parse_name(trigger.name, cluster_ids_));
  (void)source;
  YUNFN_TRY(desc, ckafka_rules::parse_desc(trigger.trigger_desc));
  if (desc.consumer_group.empty()) desc.consumer_group = ckafka_rules::default_group(trigger);
  trigger.trigger_desc = ckafka_rules::desc_text(desc);
  return ok_status();
}

Task<Status> CkafkaTrigger::check_source(const store::TriggerRecord& trigger) {
  auto source = ckafka_rules::parse_name(trigger.name, cluster_ids_);
  if (!source.ok()) co_return source.error();
  const KafkaCluster* c = cluster(source->cluster_id);
  if (!c) co_return make_error(errc::kResourceNotFoundCkafka, "Kafka cluster " + source->cluster_id + " is not configured");
  // The lambda holds a plain pointer into this frame (which outlives the
  // await): GCC 12 destroys a coroutine's by-value lambda argument twice, so
  // its captures must be trivially destructible.
  struct Lookup {
    KafkaCluster cluster;
    std::string topic;
    bool found = false;
    bool answered = false;
    std::string why;
  };
  Lookup state;
  state.cluster = *c;
  state.topic = source->topic;
  Lookup* lookup = &state;
  co_await run_blocking(workers_, [lookup] {
    auto r = find_topic(lookup->cluster, lookup->topic, kTopicLookup);
    lookup->found = r.ok();
    lookup->answered = r.ok() || r.error().is(errc::kResourceNotFoundCkafka);
    if (!r.ok()) lookup->why = r.error().message;
  });
  if (lookup->found) co_return ok_status();
  co_return make_error(lookup->answered ? errc::kResourceNotFoundCkafka : errc::kFailedOperation, lookup->why);
}

Status CkafkaTrigger::start() {
  YUNFN_TRY_STATUS(reconcile());
  asio::co_spawn(services_.ex, watch(), Detached{"ckafka trigger watch"});
  return ok_status();
}

Status CkafkaTrigger::changed() { return reconcile(); }

Task<void> CkafkaTrigger::watch() {
  auto alive = alive_;
  while (*alive) {
    co_await services_.clock.sleep_until(services_.clock.steady_now() + kWatch);
    if (*alive) (void)reconcile();  // a store failure is logged by the store; tried again next time
  }
}

Status CkafkaTrigger::reconcile() {
  YUNFN_TRY(triggers, services_.store.list_triggers("", ""));
  std::map<std::string, store::TriggerRecord> wanted;
  for (auto& t : triggers) {
    if (t.type == "ckafka" && t.enable) wanted.emplace(key_of(t), std::move(t));
  }
  for (auto it = running_.begin(); it != running_.end();) {
    auto w = wanted.find(it->first);
    const auto& now = it->second->trigger();
    if (w != wanted.end() && w->second.trigger_desc == now.trigger_desc && w->second.qualifier == now.qualifier &&
        w->second.add_time_ms == now.add_time_ms) {
      wanted.erase(w);
      ++it;
      continue;
    }
    it->second->stop(/*force=*/false);
    leaving_.push_back(it->second->consumer());
    it = running_.erase(it);
  }
  std::erase_if(leaving_, [](const std::shared_ptr<GroupConsumer>& c) { return c->finished(); });
  for (auto& [key, t] : wanted) {
    auto source = ckafka_rules::parse_name(t.name, cluster_ids_);
    auto desc = ckafka_rules::parse_desc(t.trigger_desc);
    const KafkaCluster* c = source.ok() ? cluster(source->cluster_id) : nullptr;
    if (!c || !desc.ok()) {
      spdlog::warn("ckafka trigger {} is not consumed: {}", key,
                   !source.ok() ? source.error().message
                   : !c         ? "its cluster is no longer configured"
                                : desc.error().message);
      continue;
    }
    auto started = CkafkaSubscription::start(services_, {t, *desc, *source, *c});
    if (!started.ok()) {
      spdlog::warn("ckafka trigger {} is not consumed: {}", key, started.error().message);
      continue;
    }
    spdlog::info("ckafka trigger {}: consuming {} of cluster {}", key, source->topic, c->id);
    running_.emplace(key, std::move(*started));
  }
  return ok_status();
}

Result<Json> CkafkaTrigger::status(const store::TriggerRecord& trigger) {
  auto it = running_.find(key_of(trigger));
  if (it == running_.end()) {
    return Json{{"Consuming", false}};
  }
  Json j = it->second->status();
  j["Consuming"] = true;
  return j;
}

}  // namespace yunfn::triggers

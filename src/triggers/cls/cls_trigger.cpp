#include "triggers/cls/cls_trigger.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <set>

namespace yunfn::triggers {
namespace {

// How often the set of triggers is compared with the store.
constexpr auto kWatch = std::chrono::seconds(2);

// A trigger's cursor: a re-created trigger, or one moved to another topic,
// starts afresh.
std::string cursor_key(const store::TriggerRecord& t, const std::string& topic_id) {
  return t.ns + "/" + t.function_name + "/" + t.name + "@" + std::to_string(t.add_time_ms) + "/" +
         topic_id;
}

}  // namespace

ClsTrigger::ClsTrigger(const ClsServices& services, store::Store& store)
    : services_(services), store_(store) {
  services_.topics.on_appended(
      [this, alive = std::weak_ptr<bool>(alive_)](const std::string& topic, int64_t) {
        auto live = alive.lock();
        if (!live || !*live) return;
        for (auto& [key, d] : running_) {
          if (d->topic_id() == topic) d->wake();
        }
      });
}

// NOLINTNEXTLINE(bugprone-exception-escape): stop() only sets a flag and cancels a timer
ClsTrigger::~ClsTrigger() {
  *alive_ = false;
  services_.topics.on_appended(nullptr);
  for (auto& [key, d] : running_) d->stop();
}

Status ClsTrigger::check_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 100;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') ok = false;
  }
  if (!ok) {
    return make_error(errc::kInvalidParameterValueTriggerName,
                      "TriggerName '" + name +
                          "' is invalid: 1-100 letters, digits, '-' or '_' (the topic id is a "
                          "good name)");
  }
  return ok_status();
}

Status ClsTrigger::check(store::TriggerRecord& trigger) {
  YUNFN_TRY(desc, cls_rules::parse_desc(trigger));
  if (!services_.topics.find(desc.topic_id)) {
    return make_error(
        errc::kFailedOperationTopicNotExist,
        "TriggerDesc topic_id " + desc.topic_id +
            " names no log topic (CreateLogTopic makes one, ListLogTopics lists them)");
  }
  if (desc.effective == false) trigger.enable = false;
  trigger.trigger_desc = cls_rules::desc_text(desc);
  return ok_status();
}

Status ClsTrigger::start() {
  YUNFN_TRY_STATUS(reconcile());
  asio::co_spawn(services_.ex, watch(), Detached{"cls trigger watch"});
  return ok_status();
}

Status ClsTrigger::changed() { return reconcile(); }

Task<void> ClsTrigger::watch() {
  auto alive = alive_;
  while (*alive) {
    co_await services_.clock.sleep_until(services_.clock.steady_now() + kWatch);
    if (*alive) (void)reconcile();  // a store failure is logged by the store; tried again next time
  }
}

Status ClsTrigger::reconcile() {
  YUNFN_TRY(triggers, store_.list_triggers("", ""));
  std::map<std::string, std::pair<store::TriggerRecord, cls_rules::Desc>> wanted;
  std::set<std::string> existing;  // the cursors of every cls trigger, enabled or not
  for (auto& t : triggers) {
    if (t.type != "cls") continue;
    auto desc = cls_rules::parse_desc(t);
    if (!desc.ok()) {
      spdlog::warn("cls trigger {} of {}/{} is not delivered: {}", t.name, t.ns, t.function_name,
                   desc.error().message);
      continue;
    }
    std::string key = cursor_key(t, desc->topic_id);
    existing.insert(key);
    if (t.enable) wanted.emplace(std::move(key), std::make_pair(std::move(t), std::move(*desc)));
  }
  for (auto it = running_.begin(); it != running_.end();) {
    auto w = wanted.find(it->first);
    const auto& now = it->second->trigger();
    if (w != wanted.end() && w->second.first.trigger_desc == now.trigger_desc &&
        w->second.first.qualifier == now.qualifier) {
      wanted.erase(w);
      ++it;
      continue;
    }
    it->second->stop();
    it = running_.erase(it);
  }
  for (auto& [key, trigger_desc] : wanted) {
    auto& [t, desc] = trigger_desc;
    auto started = ClsDelivery::start(services_, t, desc, key);
    if (!started.ok()) {
      spdlog::warn("cls trigger {} of {}/{} is not delivered: {}", t.name, t.ns, t.function_name,
                   started.error().message);
      continue;
    }
    running_.emplace(key, std::move(*started));
  }
  // Cursors of deleted triggers (or of a topic a trigger no longer reads).
  auto keys = services_.topics.cursor_keys();
  if (keys.ok()) {
    for (const auto& k : *keys) {
      if (!existing.contains(k)) (void)services_.topics.delete_cursor(k);
    }
  }
  return ok_status();
}

Result<Json> ClsTrigger::status(const store::TriggerRecord& trigger) {
  auto desc = cls_rules::parse_desc(trigger);
  if (!desc.ok()) return desc.error();
  const std::string key = cursor_key(trigger, desc->topic_id);
  auto it = running_.find(key);
  if (it != running_.end()) {
    Json j = it->second->status();
    j["Delivering"] = true;
    return j;
  }
  YUNFN_TRY(cursor, services_.topics.get_cursor(key));
  Json j = {{"TopicId", desc->topic_id}, {"Delivering", false}};
  if (cursor) {
    j["Delivered"] = cursor->delivered;
    auto lag = services_.topics.count_after(desc->topic_id, cursor->delivered);
    if (lag.ok()) j["Lag"] = *lag;
  }
  return j;
}

}  // namespace yunfn::triggers

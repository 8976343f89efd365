#include "gateway/apigw_trigger.h"

#include <spdlog/spdlog.h>

namespace yunfn::gateway {

ApigwTrigger::ApigwTrigger(store::Store& store, RouteTable& routes,
                           std::function<std::string()> base_url)
    : store_(store), routes_(routes), base_url_(std::move(base_url)) {}

Status ApigwTrigger::check(store::TriggerRecord& trigger) {
  YUNFN_TRY(route, parse_apigw_desc(trigger.trigger_desc));
  if (route.service_name.empty()) route.service_name = trigger.function_name;
  trigger.trigger_desc = apigw_desc_json(route).dump();
  return ok_status();
}

void ApigwTrigger::describe(const store::TriggerRecord& trigger,
                            std::map<std::string, std::string>& out) {
  auto route = parse_apigw_desc(trigger.trigger_desc);
  if (!route.ok()) return;
  out["AccessUrl"] = base_url_() + "/" + trigger.ns + "/" + trigger.function_name +
                     (route->path == "/" ? "/" : route->path);
}

Status ApigwTrigger::reload() {
  std::vector<RouteEntry> entries;
  YUNFN_TRY(triggers, store_.list_triggers("", ""));
  for (auto& t : triggers) {
    if (t.type != "apigw" || !t.enable) continue;
    auto route = parse_apigw_desc(t.trigger_desc);
    if (!route.ok()) {
      spdlog::warn("apigw trigger {} of {}: {}", t.name, t.function_name, route.error().message);
      continue;
    }
    entries.push_back({std::move(t), std::move(*route)});
  }
  routes_.set(std::move(entries));
  return ok_status();
}

}  // namespace yunfn::gateway

// ApigwTrigger: the `apigw` trigger type. Checks and normalises TriggerDesc
// (apigw_route.h), keeps the gateway's RouteTable in step with the enabled
// apigw triggers in the store, and shows each trigger's access URL
// (AccessUrl) in ListTriggers. Owned by the server; loop thread only.
#pragma once

#include <functional>
#include <string>

#include "gateway/route_table.h"
#include "store/store.h"
#include "triggers/trigger_types.h"

namespace yunfn::gateway {

class ApigwTrigger final : public triggers::TriggerType {
 public:
  // base_url: "http://HOST:PORT" of the gateway, known once it listens.
  ApigwTrigger(store::Store& store, RouteTable& routes, std::function<std::string()> base_url);

  Status check(store::TriggerRecord& trigger) override;
  Status changed() override { return reload(); }
  void describe(const store::TriggerRecord& trigger, std::map<std::string, std::string>& out) override;
  // Rebuilds the route table from the store.
  Status reload();

 private:
  store::Store& store_;
  RouteTable& routes_;
  std::function<std::string()> base_url_;
};

}  // namespace yunfn::gateway

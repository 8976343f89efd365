// Trigger types: each SCF trigger type (timer, apigw, ...) checks and
// normalises its TriggerDesc and starts/stops whatever fires it. Registered
// by type name in a TriggerRegistry; the trigger actions dispatch on Type.
// Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/json.h"
#include "common/result.h"
#include "store/records.h"

namespace yunfn::triggers {

class TriggerType {
 public:
  virtual ~TriggerType() = default;
  // Checks TriggerName (InvalidParameterValue.TriggerName); by default a name
  // of 1-100 letters, digits, '-' or '_' starting with a letter.
  virtual Status check_name(const std::string& name);
  // Checks a new or updated trigger; may normalise trigger_desc in place.
  virtual Status check(store::TriggerRecord& trigger) = 0;
  // Checks what the trigger reads from (a topic of a Kafka cluster, say); may
  // wait on the network. CreateTrigger and UpdateTrigger call it after check().
  virtual Task<Status> check_source(const store::TriggerRecord& trigger) { co_return ok_status(); }
  // The trigger set changed (created, updated, enabled, deleted): reloads it;
  // on a store failure the previous set stays in force.
  virtual Status changed() = 0;
  // Extra fields for the trigger's description in ListTriggers (e.g. a URL).
  virtual void describe(const store::TriggerRecord& trigger, std::map<std::string, std::string>& out) {}
  // What the trigger is doing now, for the yunfn action GetTriggerStatus (a
  // ckafka trigger's consumer lag); by default UnsupportedOperation.Trigger.
  virtual Result<Json> status(const store::TriggerRecord& trigger);
};

using TriggerRegistry = std::map<std::string, std::unique_ptr<TriggerType>>;

}  // namespace yunfn::triggers

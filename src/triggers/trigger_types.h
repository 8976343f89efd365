// Trigger types: each SCF trigger type (timer, apigw, ...) checks and
// normalises its TriggerDesc and starts/stops whatever fires it. Registered
// by type name in a TriggerRegistry; the trigger actions dispatch on Type.
// Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

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
  // The trigger set changed (created, updated, enabled, deleted): reloads it;
  // on a store failure the previous set stays in force.
  virtual Status changed() = 0;
  // Extra fields for the trigger's description in ListTriggers (e.g. a URL).
  virtual void describe(const store::TriggerRecord& trigger, std::map<std::string, std::string>& out) {}
};

using TriggerRegistry = std::map<std::string, std::unique_ptr<TriggerType>>;

}  // namespace yunfn::triggers

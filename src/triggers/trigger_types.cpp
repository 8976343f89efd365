#include "triggers/trigger_types.h"

#include <cctype>

namespace yunfn::triggers {

Status TriggerType::check_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 100 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') ok = false;
  }
  if (!ok) {
    return make_error(errc::kInvalidParameterValueTriggerName,
                      "TriggerName '" + name + "' is invalid: 1-100 letters, digits, '-' or '_', "
                                               "starting with a letter");
  }
  return ok_status();
}

Result<Json> TriggerType::status(const store::TriggerRecord& trigger) {
  return make_error(errc::kUnsupportedOperationTrigger,
                    "GetTriggerStatus: " + trigger.type + " triggers report no status");
}

}  // namespace yunfn::triggers

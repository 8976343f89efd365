#include "control/version_service.h"

#include <cctype>

#include "control/function_rules.h"
#include "control/routing.h"

namespace yunfn::control {
namespace {

constexpr int kMaxAliases = 10;
constexpr int kMaxVersions = 100;

Status check_alias_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') ok = false;
  }
  if (!ok) {
    return make_error(errc::kInvalidParameterValueName,
                      "alias Name '" + name + "' is invalid: 1-64 letters, digits, '_' or '-', "
                                              "starting with a letter");
  }
  return ok_status();
}

store::AliasRecord implicit_default() {
  store::AliasRecord a;
  a.name = kDefaultAlias;
  a.function_version = store::kLatest;
  a.description = "default traffic";
  return a;
}

}  // namespace

bool is_version_number(const std::string& s) {
  if (s.empty() || s.size() > 9 || s[0] == '0') return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Result<store::VersionRecord> VersionService::publish(const std::string& ns, const std::string& fn,
                                                     const std::string& description) {
  YUNFN_TRY_STATUS(check_description(description));
  YUNFN_TRY(f, store_.get_function(ns, fn));
  if (!f) return make_error(errc::kResourceNotFoundFunction, "Function " + fn + " does not exist");
  if (f->latest.status != store::VersionStatus::kActive) {
    return make_error(errc::kFailedOperationPublishVersion,
                      "Function " + fn + " is " + store::version_status_name(f->latest.status) +
                          "; publish when Active");
  }
  YUNFN_TRY(versions, store_.list_versions(ns, fn));
  if (versions.size() > kMaxVersions) {
    return make_error(errc::kLimitExceededFunctionVersions,
                      "Function " + fn + " already has the maximum of 100 versions");
  }
  store::VersionRecord v = f->latest;
  v.config.description = description.empty() ? v.config.description : description;
  v.status = store::VersionStatus::kActive;
  v.generation = 0;
  v.add_time_ms = v.mod_time_ms = now_ms();
  YUNFN_TRY(number, store_.publish_version(ns, fn, v));
  v.version = number;
  return v;
}

Status VersionService::delete_version(const std::string& ns, const std::string& fn,
                                      const std::string& version) {
  if (!is_version_number(version)) {
    return make_error(errc::kInvalidParameterValueQualifier,
                      "Qualifier " + version + " is not a published version ($LATEST cannot be "
                                               "deleted on its own)");
  }
  YUNFN_TRY(existing, store_.get_version(ns, fn, version));
  if (!existing) {
    return make_error(errc::kResourceNotFoundVersion, "Version " + version + " does not exist");
  }
  YUNFN_TRY(users, aliases_using(ns, fn, version));
  if (!users.empty()) {
    return make_error(errc::kUnsupportedOperationAliasBind,
                      "Version " + version + " is used by alias " + users.front() +
                          "; repoint the alias first");
  }
  return store_.delete_version(ns, fn, version);
}

Result<std::optional<store::VersionRecord>> VersionService::find_version(
    const std::string& ns, const std::string& fn, const std::string& version) {
  if (version != store::kLatest && !is_version_number(version)) {
    return std::optional<store::VersionRecord>();
  }
  return store_.get_version(ns, fn, version);
}

Result<std::vector<std::string>> VersionService::aliases_using(const std::string& ns,
                                                               const std::string& fn,
                                                               const std::string& version) {
  std::vector<std::string> out;
  YUNFN_TRY(aliases, list_aliases(ns, fn));
  for (const auto& a : aliases) {
    if (a.function_version == version || additional_version(a.routing_config) == version) {
      out.push_back(a.name);
    }
  }
  return out;
}

Status VersionService::check_alias(const std::string& ns, const std::string& fn,
                                   const store::AliasRecord& a) {
  YUNFN_TRY_STATUS(check_description(a.description));
  YUNFN_TRY(target, find_version(ns, fn, a.function_version));
  if (!target) {
    return make_error(errc::kResourceNotFoundFunctionVersion,
                      "FunctionVersion " + a.function_version + " does not exist");
  }
  YUNFN_TRY_STATUS(check_routing_config(a.routing_config, a.function_version));
  std::string extra = additional_version(a.routing_config);
  if (!extra.empty()) {
    YUNFN_TRY(extra_version, find_version(ns, fn, extra));
    if (!extra_version) {
      return make_error(errc::kResourceNotFoundFunctionVersion,
                        "RoutingConfig version " + extra + " does not exist");
    }
  }
  return ok_status();
}

Status VersionService::create_alias(const std::string& ns, const std::string& fn,
                                    store::AliasRecord alias) {
  YUNFN_TRY(function, store_.get_function(ns, fn));
  if (!function) {
    return make_error(errc::kResourceNotFoundFunction, "Function " + fn + " does not exist");
  }
  YUNFN_TRY_STATUS(check_alias_name(alias.name));
  YUNFN_TRY(existing, store_.get_alias(ns, fn, alias.name));
  if (existing) {
    return make_error(errc::kResourceInUseAlias, "Alias " + alias.name + " already exists");
  }
  YUNFN_TRY(aliases, store_.list_aliases(ns, fn));
  if (aliases.size() >= kMaxAliases) {
    return make_error(errc::kLimitExceededAlias, "Function " + fn + " already has 10 aliases");
  }
  YUNFN_TRY_STATUS(check_alias(ns, fn, alias));
  alias.add_time_ms = alias.mod_time_ms = now_ms();
  return store_.put_alias(ns, fn, alias);
}

Status VersionService::update_alias(const std::string& ns, const std::string& fn,
                                    store::AliasRecord alias) {
  YUNFN_TRY(current, get_alias(ns, fn, alias.name));
  YUNFN_TRY_STATUS(check_alias(ns, fn, alias));
  alias.add_time_ms = current.add_time_ms ? current.add_time_ms : now_ms();
  alias.mod_time_ms = now_ms();
  return store_.put_alias(ns, fn, alias);
}

Result<store::AliasRecord> VersionService::get_alias(const std::string& ns, const std::string& fn,
                                                     const std::string& name) {
  YUNFN_TRY(function, store_.get_function(ns, fn));
  if (!function) {
    return make_error(errc::kResourceNotFoundFunction, "Function " + fn + " does not exist");
  }
  YUNFN_TRY(a, store_.get_alias(ns, fn, name));
  if (a) return std::move(*a);
  if (name == kDefaultAlias) return implicit_default();
  return make_error(errc::kResourceNotFoundAlias, "Alias " + name + " does not exist");
}

Result<std::vector<store::AliasRecord>> VersionService::list_aliases(const std::string& ns,
                                                                     const std::string& fn) {
  YUNFN_TRY(all, store_.list_aliases(ns, fn));
  bool has_default = false;
  for (const auto& a : all) has_default = has_default || a.name == kDefaultAlias;
  if (!has_default) all.insert(all.begin(), implicit_default());
  return all;
}

Status VersionService::delete_alias(const std::string& ns, const std::string& fn,
                                    const std::string& name) {
  if (name == kDefaultAlias) {
    return make_error(errc::kInvalidParameterValueAlias, "the $DEFAULT alias cannot be deleted");
  }
  YUNFN_TRY(alias, get_alias(ns, fn, name));
  return store_.delete_alias(ns, fn, alias.name);
}

}  // namespace yunfn::control

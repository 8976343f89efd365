#include "store/function_cache.h"

namespace yunfn::store {

const FunctionCache::Entry* FunctionCache::find(const std::string& ns,
                                                const std::string& name) const {
  auto in_ns = entries_.find(ns);
  if (in_ns == entries_.end()) return nullptr;
  auto it = in_ns->second.find(name);
  return it == in_ns->second.end() ? nullptr : &it->second;
}

FunctionCache::Entry& FunctionCache::at(const std::string& ns, const std::string& name) {
  return entries_[ns][name];
}

const FunctionRecord* FunctionCache::function(const std::string& ns,
                                              const std::string& name) const {
  const Entry* e = find(ns, name);
  return e && e->function ? &*e->function : nullptr;
}

const VersionRecord* FunctionCache::version(const std::string& ns, const std::string& name,
                                            const std::string& version) const {
  const Entry* e = find(ns, name);
  if (!e) return nullptr;
  auto it = e->versions.find(version);
  return it == e->versions.end() ? nullptr : &it->second;
}

const AliasRecord* FunctionCache::alias(const std::string& ns, const std::string& name,
                                        const std::string& alias) const {
  const Entry* e = find(ns, name);
  if (!e) return nullptr;
  auto it = e->aliases.find(alias);
  return it == e->aliases.end() ? nullptr : &it->second;
}

void FunctionCache::put_function(const FunctionRecord& fn) { at(fn.ns, fn.name).function = fn; }

void FunctionCache::put_version(const std::string& ns, const std::string& name,
                                const VersionRecord& v) {
  at(ns, name).versions.insert_or_assign(v.version, v);
}

void FunctionCache::put_alias(const std::string& ns, const std::string& name,
                              const AliasRecord& a) {
  at(ns, name).aliases.insert_or_assign(a.name, a);
}

void FunctionCache::forget(const std::string& ns, const std::string& name) {
  auto in_ns = entries_.find(ns);
  if (in_ns == entries_.end()) return;
  in_ns->second.erase(name);
  if (in_ns->second.empty()) entries_.erase(in_ns);
}

}  // namespace yunfn::store

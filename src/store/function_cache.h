// FunctionCache: the functions, versions and aliases the invoke path reads,
// kept in memory by the store in front of its tables, so a warm invocation
// reads no database. Filled on read, and a function's entry is dropped by
// every store write that touches it (before the write returns), so the next
// read after a control-plane call sees the change. Found records only: a name
// that does not exist is asked of the database each time (no unbounded growth
// from requests for random names).
// Not thread-safe: the store calls it under its own lock.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "store/records.h"

namespace yunfn::store {

class FunctionCache {
 public:
  const FunctionRecord* function(const std::string& ns, const std::string& name) const;
  const VersionRecord* version(const std::string& ns, const std::string& name,
                               const std::string& version) const;
  const AliasRecord* alias(const std::string& ns, const std::string& name,
                           const std::string& alias) const;

  void put_function(const FunctionRecord& fn);
  void put_version(const std::string& ns, const std::string& name, const VersionRecord& v);
  void put_alias(const std::string& ns, const std::string& name, const AliasRecord& a);

  // The function changed (or was deleted): everything kept of it goes.
  void forget(const std::string& ns, const std::string& name);
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::optional<FunctionRecord> function;
    std::map<std::string, VersionRecord, std::less<>> versions;
    std::map<std::string, AliasRecord, std::less<>> aliases;
  };
  const Entry* find(const std::string& ns, const std::string& name) const;
  Entry& at(const std::string& ns, const std::string& name);

  // ns -> function name -> entry
  std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>> entries_;
};

}  // namespace yunfn::store

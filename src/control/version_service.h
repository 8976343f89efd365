// VersionService: the rules behind versions and aliases. PublishVersion
// snapshots $LATEST into an immutable numbered version; aliases name a main
// version plus optional routing to one more; `$DEFAULT` exists implicitly
// (pointing at $LATEST) until it is repointed, and cannot be deleted.
// Owned by the server; loop thread only.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace yunfn::control {

inline constexpr const char* kDefaultAlias = "$DEFAULT";

class VersionService {
 public:
  VersionService(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  Result<store::VersionRecord> publish(const std::string& ns, const std::string& fn,
                                       const std::string& description);
  // Refused while an alias routes to the version (UnsupportedOperation.AliasBind).
  Status delete_version(const std::string& ns, const std::string& fn, const std::string& version);

  Status create_alias(const std::string& ns, const std::string& fn, store::AliasRecord alias);
  Status update_alias(const std::string& ns, const std::string& fn, store::AliasRecord alias);
  Result<store::AliasRecord> get_alias(const std::string& ns, const std::string& fn,
                                       const std::string& name);
  // Every alias including the implicit $DEFAULT.
  Result<std::vector<store::AliasRecord>> list_aliases(const std::string& ns, const std::string& fn);
  Status delete_alias(const std::string& ns, const std::string& fn, const std::string& name);

  // The version a qualifier names directly ($LATEST or a number), if it exists.
  Result<std::optional<store::VersionRecord>> find_version(const std::string& ns, const std::string& fn,
                                                   const std::string& version);
  // Aliases that route to a version (main or additional).
  Result<std::vector<std::string>> aliases_using(const std::string& ns, const std::string& fn,
                                         const std::string& version);

 private:
  Status check_alias(const std::string& ns, const std::string& fn, const store::AliasRecord& a);
  int64_t now_ms() const { return to_unix_ms(clock_.now()); }

  store::Store& store_;
  const Clock& clock_;
};

// True for "1", "2", ...: the names of published versions.
bool is_version_number(const std::string& s);

}  // namespace yunfn::control

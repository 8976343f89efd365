// The numbered schema migrations of the SQLite store. Migration N moves the
// schema from version N-1 to N; they run in order inside one transaction each.
// Documented in docs/store-schema.md.
#pragma once

#include <string>
#include <vector>

namespace yunfn::store {

const std::vector<std::string>& sqlite_migrations();

}  // namespace yunfn::store

// The API keys of a yunfn server: from YUNFN_SECRET_ID / YUNFN_SECRET_KEY, or
// generated on first start and kept in <data-dir>/credentials (mode 0600) so
// the CLI on the same machine can use them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace yunfn::server {

struct SecretPair {
  std::string secret_id;
  std::string secret_key;
};

// Keys from the environment, if both variables are set.
std::optional<SecretPair> credentials_from_env();
// Keys stored in the data directory, if present and well-formed.
std::optional<SecretPair> read_credentials(const std::filesystem::path& data_dir);
// The server's keys: env, else stored, else newly generated and stored.
// *generated tells the caller to print them once.
SecretPair load_or_create_credentials(const std::filesystem::path& data_dir, bool* generated);

}  // namespace yunfn::server

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
// The keys a function's instances get (TENCENTCLOUD_SECRETID / SECRETKEY, as
// SCF hands a function its role's keys): derived from the server's keys, one
// pair per function, accepted by the bucket service only, never by the API.
SecretPair function_credentials(const SecretPair& server, const std::string& ns,
                                const std::string& function);
// The secret key of a function key id (from function_credentials), when it is one.
std::optional<std::string> function_secret(const SecretPair& server, const std::string& secret_id);

// Keys stored in the data directory, if present and well-formed.
std::optional<SecretPair> read_credentials(const std::filesystem::path& data_dir);
// The server's keys: env, else stored, else newly generated and stored.
// *generated tells the caller to print them once.
SecretPair load_or_create_credentials(const std::filesystem::path& data_dir, bool* generated);

}  // namespace yunfn::server

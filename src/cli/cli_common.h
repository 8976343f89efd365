// Shared by the CLI commands: global options, the API client they build from
// them, and error printing.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "common/result.h"

namespace yunfn::cli {

struct Globals {
  std::string endpoint;
  std::string data_dir = "yunfn-data";
  std::string ns = "default";
};

// Prints "yunfn: CODE: message" to stderr; returns exit code 1.
int fail(const Error& e);
// The API key pair the CLI signs with.
struct Keys {
  std::string secret_id;
  std::string secret_key;
};

// The keys from YUNFN_SECRET_ID/YUNFN_SECRET_KEY, else <data-dir>/credentials.
Result<Keys> find_keys(const Globals& g);
// A client for the endpoint and keys of the globals (env, flags, data dir).
Result<ApiClient> make_client(const Globals& g);
// Registers publish, alias and concurrency; their exit code lands in *rc.
void add_version_commands(CLI::App& app, Globals& g, int* rc);
// Registers events (async event status) and trigger.
void add_event_commands(CLI::App& app, Globals& g, int* rc);
// Registers cos (mb, ls, cp, rm, rb against the bucket service).
void add_cos_commands(CLI::App& app, Globals& g, int* rc);
// layer publish / ls / rm (cli/layer_commands.cpp).
void add_layer_commands(CLI::App& app, Globals& g, int* rc);

}  // namespace yunfn::cli

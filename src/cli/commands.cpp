#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include "cli/api_client.h"
#include "cli/cli_common.h"
#include "cli/zip_dir.h"
#include "common/build_info.h"
#include "common/crypto.h"
#include "common/json.h"

namespace yunfn::cli {
namespace {

Result<std::string> read_event(const std::string& arg) {
  if (arg.empty()) return std::string("{}");
  if (arg == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (std::filesystem::is_regular_file(arg)) {
    std::ifstream f(arg, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (Json::accept(arg)) return arg;  // inline JSON
  return make_error(errc::kInvalidParameterValue, "--event " + arg + " is not a file, '-' or JSON");
}

// Polls GetFunction until the function leaves Creating/Updating.
Result<std::string> wait_settled(const ApiClient& client, const Json& id) {
  for (int i = 0; i < 600; ++i) {
    YUNFN_TRY(fn, client.call("GetFunction", id));
    std::string status = fn.value("Status", "");
    if (status != "Creating" && status != "Updating") {
      if (status != "Active") {
        return make_error(errc::kFailedOperation, "function is " + status + ": " + fn.value("StatusDesc", ""));
      }
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return make_error(errc::kFailedOperation, "function did not become Active within 60 s");
}

struct DeployArgs {
  std::string dir, name, runtime = "Python3.9", handler, description, type = "event";
  int memory = 128, timeout = 3;
  std::vector<std::string> env;
  std::vector<std::string> layers;  // NAME:VERSION, in binding order
};

// --layer NAME:VERSION items as the Layers parameter.
Result<Json> layers_param(const std::vector<std::string>& items) {
  Json layers = Json::array();
  for (const auto& item : items) {
    auto colon = item.rfind(':');
    int version = 0;
    try {
      if (colon != std::string::npos) version = std::stoi(item.substr(colon + 1));
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): reported below
    }
    if (version < 1) {
      return make_error(errc::kInvalidParameterValue, "--layer " + item + " is not NAME:VERSION");
    }
    layers.push_back({{"LayerName", item.substr(0, colon)}, {"LayerVersion", version}});
  }
  return layers;
}

int deploy(const Globals& g, const DeployArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto zip = code_package(a.dir);
  if (!zip.ok()) return fail(zip.error());
  Json vars = Json::array();
  for (const auto& kv : a.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return fail(make_error(errc::kInvalidParameterValue, "--env " + kv + " is not K=V"));
    vars.push_back({{"Key", kv.substr(0, eq)}, {"Value", kv.substr(eq + 1)}});
  }
  auto layers = layers_param(a.layers);
  if (!layers.ok()) return fail(layers.error());
  Json id = {{"FunctionName", a.name}, {"Namespace", g.ns}};
  std::string b64 = crypto::base64_encode(*zip);
  auto existing = client->call("GetFunction", id);
  Result<Json> r = Json::object();
  if (existing.ok()) {
    Json code = id;
    code["ZipFile"] = b64;
    if (!a.handler.empty()) code["Handler"] = a.handler;
    r = client->call("UpdateFunctionCode", code);
    if (!r.ok()) return fail(r.error());
    if (auto s = wait_settled(*client, id); !s.ok()) return fail(s.error());
    Json config = id;
    config.update({{"MemorySize", a.memory}, {"Timeout", a.timeout},
                   {"Environment", {{"Variables", vars}}}});
    if (!a.description.empty()) config["Description"] = a.description;
    if (!a.layers.empty()) config["Layers"] = *layers;
    r = client->call("UpdateFunctionConfiguration", config);
  } else if (existing.error().is(errc::kResourceNotFoundFunction)) {
    Json create = id;
    create.update({{"Runtime", a.runtime}, {"Handler", a.handler}, {"MemorySize", a.memory},
                   {"Type", a.type == "http" ? "HTTP" : "Event"},
                   {"Timeout", a.timeout}, {"Description", a.description},
                   {"Environment", {{"Variables", vars}}}, {"Code", {{"ZipFile", b64}}},
                   {"Layers", *layers}});
    r = client->call("CreateFunction", create);
  } else {
    return fail(existing.error());
  }
  if (!r.ok()) return fail(r.error());
  auto status = wait_settled(*client, id);
  if (!status.ok()) return fail(status.error());
  std::cout << a.name << " " << (existing.ok() ? "updated" : "created") << ": " << *status
            << " (" << zip->size() << " bytes of code)\n";
  return 0;
}

int invoke(const Globals& g, const std::string& name, const std::string& event_arg, bool show_log,
           bool async) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto event = read_event(event_arg);
  if (!event.ok()) return fail(event.error());
  Json params = {{"FunctionName", name}, {"Namespace", g.ns}, {"ClientContext", *event},
                 {"LogType", show_log && !async ? "Tail" : "None"},
                 {"InvocationType", async ? "Event" : "RequestResponse"}};
  auto r = client->call("Invoke", params);
  if (!r.ok()) return fail(r.error());
  const Json& result = (*r)["Result"];
  if (async) {
    std::cout << result.value("FunctionRequestId", "") << "\n";
    return 0;
  }
  if (show_log) std::cerr << result.value("Log", "");
  std::cout << result.value("RetMsg", "") << "\n";
  return result.value("InvokeResult", -1) == 0 ? 0 : 1;
}

int logs(const Globals& g, const std::string& name, const std::string& request_id, bool follow) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  std::set<std::string> seen;
  for (;;) {
    Json params = {{"FunctionName", name}, {"Namespace", g.ns}, {"Limit", 100}, {"Order", "desc"}};
    if (!request_id.empty()) params["FunctionRequestId"] = request_id;
    auto r = client->call("GetFunctionLogs", params);
    if (!r.ok()) return fail(r.error());
    auto data = (*r)["Data"];
    for (auto it = data.rbegin(); it != data.rend(); ++it) {  // oldest first
      std::string id = it->value("RequestId", "");
      if (!seen.insert(id).second) continue;
      std::cout << it->value("Log", "");
    }
    std::cout.flush();
    if (!follow) return 0;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int list(const Globals& g) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("ListFunctions", {{"Namespace", g.ns}, {"Limit", 1000}});
  if (!r.ok()) return fail(r.error());
  std::printf("%-32s %-14s %-10s %s\n", "NAME", "RUNTIME", "STATUS", "MODIFIED");
  for (const auto& fn : (*r)["Functions"]) {
    std::printf("%-32s %-14s %-10s %s\n", fn.value("FunctionName", "").c_str(),
                fn.value("Runtime", "").c_str(), fn.value("Status", "").c_str(),
                fn.value("ModTime", "").c_str());
  }
  return 0;
}

int remove(const Globals& g, const std::string& name) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("DeleteFunction", {{"FunctionName", name}, {"Namespace", g.ns}});
  if (!r.ok()) return fail(r.error());
  std::cout << name << " deleted\n";
  return 0;
}

std::string version_line() {
  return std::string("yunfn ") + build_version() + " (commit " + build_commit() + ")";
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"yunfn: a self-hosted serverless function platform compatible with Tencent SCF"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  Globals g;
  app.add_option("--endpoint", g.endpoint, "API address HOST:PORT (default $YUNFN_ENDPOINT or 127.0.0.1:9001)");
  app.add_option("--data-dir", g.data_dir, "server data directory holding generated keys");
  app.add_option("--namespace", g.ns, "namespace");
  app.set_version_flag("--version", version_line());
  auto* ver = app.add_subcommand("version", "print the version and the commit it was built from");

  DeployArgs d;
  auto* dep = app.add_subcommand(
      "deploy", "zip DIR (or upload a zip or jar file) and create or update a function");
  dep->add_option("dir", d.dir, "code directory, or a zip or jar file to upload as it is")
      ->required();
  dep->add_option("--name", d.name, "function name")->required();
  dep->add_option("--runtime", d.runtime,
                  "SCF runtime, e.g. Python3.9, Nodejs16.13, Java11, CustomRuntime");
  dep->add_option("--handler", d.handler,
                  "handler, e.g. index.main_handler or example.Hello::mainHandler");
  dep->add_option("--type", d.type, "event (handler called with events) or http (web function: "
                                    "scf_bootstrap serves HTTP on port 9000)")
      ->check(CLI::IsMember({"event", "http"}));
  dep->add_option("--memory", d.memory, "memory MB");
  dep->add_option("--timeout", d.timeout, "timeout seconds");
  dep->add_option("--description", d.description, "description");
  dep->add_option("--env", d.env, "environment variable K=V (repeatable)");
  dep->add_option("--layer", d.layers, "a layer version NAME:VERSION (repeatable, later ones win)");

  std::string name, event, request_id;
  bool show_log = false, follow = false, async = false;
  auto* inv = app.add_subcommand("invoke", "invoke a function synchronously");
  inv->add_option("name", name)->required();
  inv->add_option("--event", event, "event JSON: a file, - for stdin, or inline JSON");
  inv->add_flag("--log", show_log, "print the invocation log to stderr");
  inv->add_flag("--async", async, "queue the event (InvocationType Event) and print its request id");

  auto* lg = app.add_subcommand("logs", "print a function's invocation logs");
  lg->add_option("name", name)->required();
  lg->add_option("--request-id", request_id, "only this request");
  lg->add_flag("-f,--follow", follow, "keep printing new logs");

  auto* ls = app.add_subcommand("ls", "list functions");
  auto* rm = app.add_subcommand("rm", "delete a function");
  rm->add_option("name", name)->required();

  int rc = 2;
  add_version_commands(app, g, &rc);
  add_event_commands(app, g, &rc);
  add_cos_commands(app, g, &rc);
  add_layer_commands(app, g, &rc);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*ver) {
    std::cout << version_line() << "\n";
    return 0;
  }
  if (*dep) return deploy(g, d);
  if (*inv) return invoke(g, name, event, show_log, async);
  if (*lg) return logs(g, name, request_id, follow);
  if (*ls) return list(g);
  if (*rm) return remove(g, name);
  return rc;
}

}  // namespace yunfn::cli

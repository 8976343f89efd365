// CLI commands for versions, aliases and concurrency:
//   yunfn publish NAME [--description D]
//   yunfn alias set NAME ALIAS --version V [--weight V2=0.1] / alias ls NAME / alias rm NAME ALIAS
//   yunfn concurrency NAME [--reserved MB|none] [--provisioned VERSION=N]...
#include <iostream>

#include "cli/cli_common.h"
#include "common/json.h"

namespace yunfn::cli {
namespace {

struct VersionArgs {
  std::string name, alias, version, weight, description, reserved;
  std::vector<std::string> provisioned;
};

int publish(const Globals& g, const VersionArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("PublishVersion", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                           {"Description", a.description}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " version " << r->value("FunctionVersion", "") << " published\n";
  return 0;
}

int alias_set(const Globals& g, const VersionArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  Json params = {{"FunctionName", a.name}, {"Namespace", g.ns}, {"Name", a.alias},
                 {"FunctionVersion", a.version}};
  Json weights = Json::array();
  if (!a.weight.empty()) {
    auto eq = a.weight.find('=');
    if (eq == std::string::npos) {
      return fail(make_error(errc::kInvalidParameterValue, "--weight must be VERSION=SHARE, e.g. 2=0.1"));
    }
    try {
      weights.push_back({{"Version", a.weight.substr(0, eq)},
                         {"Weight", std::stod(a.weight.substr(eq + 1))}});
    } catch (...) {
      return fail(make_error(errc::kInvalidParameterValue, "--weight share must be a number"));
    }
  }
  params["RoutingConfig"] = {{"AdditionalVersionWeights", weights}};
  auto exists = client->call("GetAlias", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                          {"Name", a.alias}});
  bool update = exists.ok() && !exists->value("AddTime", "").empty();
  if (a.alias == "$DEFAULT") update = true;
  auto r = client->call(update ? "UpdateAlias" : "CreateAlias", params);
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " alias " << a.alias << " -> version " << a.version
            << (a.weight.empty() ? "" : " (+" + a.weight + ")") << "\n";
  return 0;
}

int alias_ls(const Globals& g, const VersionArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("ListAliases", {{"FunctionName", a.name}, {"Namespace", g.ns}});
  if (!r.ok()) return fail(r.error());
  for (const auto& al : (*r)["Aliases"]) {
    std::cout << al.value("Name", "") << " -> " << al.value("FunctionVersion", "");
    for (const auto& w : al["RoutingConfig"].value("AdditionalVersionWeights", Json::array())) {
      std::cout << " +" << w.value("Version", "") << "=" << w.value("Weight", 0.0);
    }
    std::cout << "\n";
  }
  return 0;
}

int alias_rm(const Globals& g, const VersionArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("DeleteAlias", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                        {"Name", a.alias}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " alias " << a.alias << " deleted\n";
  return 0;
}

int concurrency(const Globals& g, const VersionArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  Json id = {{"FunctionName", a.name}, {"Namespace", g.ns}};
  if (a.reserved == "none") {
    if (auto r = client->call("DeleteReservedConcurrencyConfig", id); !r.ok()) return fail(r.error());
  } else if (!a.reserved.empty()) {
    Json p = id;
    try {
      p["ReservedConcurrencyMem"] = std::stoi(a.reserved);
    } catch (...) {
      return fail(make_error(errc::kInvalidParameterValue, "--reserved takes MB or none"));
    }
    if (auto r = client->call("PutReservedConcurrencyConfig", p); !r.ok()) return fail(r.error());
  }
  for (const auto& vp : a.provisioned) {
    auto eq = vp.find('=');
    if (eq == std::string::npos) {
      return fail(make_error(errc::kInvalidParameterValue, "--provisioned must be VERSION=N"));
    }
    Json p = id;
    p["Qualifier"] = vp.substr(0, eq);
    int n = 0;
    try {
      n = std::stoi(vp.substr(eq + 1));
    } catch (...) {
      return fail(make_error(errc::kInvalidParameterValue, "--provisioned count must be a number"));
    }
    auto r = n == 0 ? client->call("DeleteProvisionedConcurrencyConfig", p)
                    : client->call("PutProvisionedConcurrencyConfig",
                                   [&] { p["VersionProvisionedConcurrencyNum"] = n; return p; }());
    if (!r.ok()) return fail(r.error());
  }
  auto reserved = client->call("GetReservedConcurrencyConfig", id);
  if (!reserved.ok()) return fail(reserved.error());
  auto prov = client->call("GetProvisionedConcurrencyConfig", id);
  if (!prov.ok()) return fail(prov.error());
  const Json& rm = (*reserved)["ReservedMem"];
  std::cout << a.name << " reserved: " << (rm.is_null() ? "none" : std::to_string(rm.get<int>()) + " MB")
            << "\n";
  for (const auto& p : (*prov)["Allocated"]) {
    std::cout << "  version " << p.value("Qualifier", "") << ": provisioned "
              << p.value("AvailableProvisionedConcurrencyNum", 0) << "/"
              << p.value("AllocatedProvisionedConcurrencyNum", 0) << " "
              << p.value("Status", "") << "\n";
  }
  return 0;
}

}  // namespace

void add_version_commands(CLI::App& app, Globals& g, int* rc) {
  auto a = std::make_shared<VersionArgs>();
  auto* pub = app.add_subcommand("publish", "publish $LATEST as a new version");
  pub->add_option("name", a->name)->required();
  pub->add_option("--description", a->description);
  pub->callback([&g, a, rc] { *rc = publish(g, *a); });

  auto* alias = app.add_subcommand("alias", "manage aliases");
  alias->require_subcommand(1);
  auto* set = alias->add_subcommand("set", "create or update an alias");
  set->add_option("name", a->name)->required();
  set->add_option("alias", a->alias)->required();
  set->add_option("--version", a->version, "main version")->required();
  set->add_option("--weight", a->weight, "additional version and its share, e.g. 2=0.1");
  set->callback([&g, a, rc] { *rc = alias_set(g, *a); });
  auto* ls = alias->add_subcommand("ls", "list aliases");
  ls->add_option("name", a->name)->required();
  ls->callback([&g, a, rc] { *rc = alias_ls(g, *a); });
  auto* rm = alias->add_subcommand("rm", "delete an alias");
  rm->add_option("name", a->name)->required();
  rm->add_option("alias", a->alias)->required();
  rm->callback([&g, a, rc] { *rc = alias_rm(g, *a); });

  auto* conc = app.add_subcommand("concurrency", "show or set reserved and provisioned concurrency");
  conc->add_option("name", a->name)->required();
  conc->add_option("--reserved", a->reserved, "reserved quota in MB, or none");
  conc->add_option("--provisioned", a->provisioned, "VERSION=N provisioned instances (0 removes)");
  conc->callback([&g, a, rc] { *rc = concurrency(g, *a); });
}

}  // namespace yunfn::cli

// CLI commands for layers:
//   yunfn layer publish DIR --name NAME --runtime R [--runtime R2]... [--description D]
//   yunfn layer ls / layer rm NAME VERSION
#include <iostream>

#include "cli/cli_common.h"
#include "cli/zip_dir.h"
#include "common/crypto.h"
#include "common/json.h"

namespace yunfn::cli {
namespace {

struct LayerArgs {
  std::string dir, name, description;
  std::vector<std::string> runtimes;
  int version = 0;
};

int publish(const Globals& g, const LayerArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto zip = zip_directory(a.dir);
  if (!zip.ok()) return fail(zip.error());
  auto r = client->call("PublishLayerVersion",
                        {{"LayerName", a.name}, {"CompatibleRuntimes", a.runtimes},
                         {"Description", a.description},
                         {"Content", {{"ZipFile", crypto::base64_encode(*zip)}}}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " version " << r->value("LayerVersion", 0) << " published ("
            << zip->size() << " bytes)\n";
  return 0;
}

int list(const Globals& g) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("ListLayers", {{"Limit", 1000}});
  if (!r.ok()) return fail(r.error());
  for (const auto& l : (*r)["Layers"]) {
    std::string runtimes;
    for (const auto& rt : l["CompatibleRuntimes"]) runtimes += (runtimes.empty() ? "" : ",") + rt.get<std::string>();
    std::cout << l.value("LayerName", "") << "\tversion " << l.value("LayerVersion", 0) << "\t"
              << runtimes << "\t" << l.value("AddTime", "") << "\n";
  }
  return 0;
}

int remove(const Globals& g, const LayerArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("DeleteLayerVersion", {{"LayerName", a.name}, {"LayerVersion", a.version}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " version " << a.version << " deleted\n";
  return 0;
}

}  // namespace

void add_layer_commands(CLI::App& app, Globals& g, int* rc) {
  auto a = std::make_shared<LayerArgs>();
  auto* layer = app.add_subcommand("layer", "publish, list and delete layers");
  layer->require_subcommand(1);
  auto* pub = layer->add_subcommand("publish", "zip DIR and publish it as a new layer version");
  pub->add_option("dir", a->dir)->required();
  pub->add_option("--name", a->name, "layer name")->required();
  pub->add_option("--runtime", a->runtimes, "a compatible runtime (repeatable)")->required();
  pub->add_option("--description", a->description);
  pub->callback([&g, a, rc] { *rc = publish(g, *a); });
  auto* ls = layer->add_subcommand("ls", "list layers with their newest version");
  ls->callback([&g, rc] { *rc = list(g); });
  auto* rm = layer->add_subcommand("rm", "delete a layer version (functions using it keep it)");
  rm->add_option("name", a->name)->required();
  rm->add_option("version", a->version)->required();
  rm->callback([&g, a, rc] { *rc = remove(g, *a); });
}

}  // namespace yunfn::cli

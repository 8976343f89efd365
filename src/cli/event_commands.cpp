// CLI commands for async events and triggers:
//   yunfn events NAME [--status RUNNING|FINISHED|FAILED|ABORTED]... / events stop REQUEST_ID
//   yunfn trigger add NAME timer --cron "..." [--name T] [--message M] [--qualifier Q]
//   yunfn trigger add NAME apigw [--path P] [--method M] [--base64] [--no-integration-response]
//                                [--cors] [--service-timeout S] [--name T] [--qualifier Q]
//   yunfn trigger add NAME cos --bucket B [--event E] [--prefix P] [--suffix S] [--qualifier Q]
//                              [--external-bucket S3BUCKET]
//   yunfn trigger ls NAME / trigger rm NAME TRIGGER
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "common/json.h"

namespace yunfn::cli {
namespace {

struct EventArgs {
  std::string name, request_id, type, cron, trigger, message, qualifier = "$LATEST";
  std::vector<std::string> statuses;
  // apigw
  std::string path = "/", method = "ANY";
  bool base64 = false, no_integration_response = false, cors = false;
  int service_timeout = 15;
  // cos
  std::string bucket, event = "cos:ObjectCreated:*", prefix, suffix, region = "ap-guangzhou";
  std::string external_bucket;  // a bucket of an external store, fed by its webhook
};

// The TriggerDesc and a default name of a trigger added from the command line.
Result<std::pair<std::string, std::string>> trigger_desc(const EventArgs& a) {
  if (a.type == "timer") {
    if (a.cron.empty()) return make_error(errc::kMissingParameter, "a timer trigger needs --cron");
    return std::pair{a.cron, "timer-" + std::to_string(std::hash<std::string>{}(a.cron) % 100000)};
  }
  if (a.type == "apigw") {
    auto tf = [](bool b) { return b ? "TRUE" : "FALSE"; };
    Json desc = {{"api",
                  {{"requestConfig", {{"method", a.method}, {"path", a.path}}},
                   {"isIntegratedResponse", tf(!a.no_integration_response)},
                   {"IsBase64Encoded", tf(a.base64)},
                   {"enableCORS", tf(a.cors)},
                   {"serviceTimeout", a.service_timeout}}}};
    return std::pair{desc.dump(), "apigw-" + std::to_string(std::hash<std::string>{}(a.method + a.path) % 100000)};
  }
  if (a.type == "cos") {
    if (a.bucket.empty()) return make_error(errc::kMissingParameter, "a cos trigger needs --bucket");
    Json desc = {{"event", a.event}, {"filter", {{"Prefix", a.prefix}, {"Suffix", a.suffix}}}};
    if (!a.external_bucket.empty()) desc["yunfnExternal"] = {{"bucket", a.external_bucket}};
    // The trigger is named by the bucket's domain.
    return std::pair{desc.dump(), a.bucket + ".cos." + a.region + ".myqcloud.com"};
  }
  return make_error(errc::kInvalidParameterValueType,
                    "trigger type " + a.type + " is not supported by this command (timer, apigw, cos)");
}

int list_events(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  Json params = {{"FunctionName", a.name}, {"Namespace", g.ns}, {"Limit", 100}};
  if (!a.statuses.empty()) params["Status"] = a.statuses;
  auto r = client->call("ListAsyncEvents", params);
  if (!r.ok()) return fail(r.error());
  std::printf("%-38s %-9s %-8s %-26s %s\n", "REQUEST ID", "STATUS", "TYPE", "START", "END");
  for (const auto& e : (*r)["EventList"]) {
    std::printf("%-38s %-9s %-8s %-26s %s\n", e.value("InvokeRequestId", "").c_str(),
                e.value("Status", "").c_str(), e.value("InvokeType", "").c_str(),
                e.value("StartTime", "").c_str(), e.value("EndTime", "").c_str());
  }
  std::cout << (*r)["TotalCount"].get<int>() << " events\n";
  return 0;
}

int stop_event(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto status = client->call("GetAsyncEventStatus", {{"InvokeRequestId", a.request_id}});
  if (!status.ok()) return fail(status.error());
  const Json& s = (*status)["Result"];
  auto r = client->call("TerminateAsyncEvent", {{"FunctionName", s.value("FunctionName", "")},
                                                {"Namespace", s.value("Namespace", g.ns)},
                                                {"InvokeRequestId", a.request_id}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.request_id << " terminated\n";
  return 0;
}

int add_trigger(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto desc = trigger_desc(a);
  if (!desc.ok()) return fail(desc.error());
  std::string name = a.trigger.empty() ? desc->second : a.trigger;
  auto r = client->call("CreateTrigger", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                          {"TriggerName", name}, {"Type", a.type},
                                          {"TriggerDesc", desc->first}, {"CustomArgument", a.message},
                                          {"Qualifier", a.qualifier}, {"Enable", "OPEN"}});
  if (!r.ok()) return fail(r.error());
  const Json& info = (*r)["TriggerInfo"];
  std::cout << a.name << " trigger " << name << " added: "
            << (info.contains("AccessUrl") ? info.value("AccessUrl", "") : info.value("TriggerDesc", ""))
            << "\n";
  // A bucket of an external store: what its bucket notifications must be sent to.
  if (info.contains("WebhookUrl")) {
    std::cout << "webhook: " << info.value("WebhookUrl", "") << "\ntoken: " << info.value("WebhookToken", "")
              << "\n";
  }
  return 0;
}

int list_triggers(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("ListTriggers", {{"FunctionName", a.name}, {"Namespace", g.ns}, {"Limit", 100}});
  if (!r.ok()) return fail(r.error());
  for (const auto& t : (*r)["Triggers"]) {
    // apigw triggers show where they are reached; others their description.
    std::string where = t.contains("AccessUrl") ? t.value("AccessUrl", "") : t.value("TriggerDesc", "");
    if (t.value("Type", "") == "apigw") {
      Json desc = Json::parse(t.value("TriggerDesc", "{}"), nullptr, false);
      if (desc.is_object()) {
        where.insert(0, desc["api"]["requestConfig"].value("method", "ANY") + " ");
      }
    }
    std::cout << t.value("TriggerName", "") << "\t" << t.value("Type", "") << "\t"
              << (t.value("Enable", 0) ? "OPEN" : "CLOSE") << "\t" << t.value("Qualifier", "")
              << "\t" << where << "\n";
  }
  return 0;
}

int remove_trigger(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto list = client->call("ListTriggers", {{"FunctionName", a.name}, {"Namespace", g.ns}, {"Limit", 100}});
  if (!list.ok()) return fail(list.error());
  for (const auto& t : (*list)["Triggers"]) {
    if (t.value("TriggerName", "") != a.trigger) continue;
    auto r = client->call("DeleteTrigger", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                            {"TriggerName", a.trigger}, {"Type", t.value("Type", "")}});
    if (!r.ok()) return fail(r.error());
    std::cout << a.name << " trigger " << a.trigger << " deleted\n";
    return 0;
  }
  return fail(make_error(errc::kResourceNotFoundTrigger, "trigger " + a.trigger + " does not exist"));
}

}  // namespace

void add_event_commands(CLI::App& app, Globals& g, int* rc) {
  auto a = std::make_shared<EventArgs>();
  auto* events = app.add_subcommand("events", "list a function's async events, or stop one");
  events->add_option("name", a->name, "function name");
  events->add_option("--status", a->statuses, "RUNNING, FINISHED, FAILED or ABORTED");
  auto* stop = events->add_subcommand("stop", "terminate a queued or running async event");
  stop->add_option("request_id", a->request_id)->required();
  stop->callback([&g, a, rc] { *rc = stop_event(g, *a); });
  events->callback([&g, a, rc, stop] {
    if (stop->parsed()) return;
    if (a->name.empty()) {
      *rc = fail(make_error(errc::kMissingParameter, "events needs a function name"));
      return;
    }
    *rc = list_events(g, *a);
  });

  auto* trig = app.add_subcommand("trigger", "manage triggers");
  trig->require_subcommand(1);
  auto* add = trig->add_subcommand("add", "add a trigger");
  add->add_option("function", a->name, "function name")->required();
  add->add_option("type", a->type, "trigger type (timer, apigw, cos)")->required();
  add->add_option("--cron", a->cron, "timer: 7-field cron: second minute hour day month weekday year");
  add->add_option("--path", a->path, "apigw: path, e.g. /blog/{id} (prefix; =/x for exact)");
  add->add_option("--method", a->method, "apigw: ANY, GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS");
  add->add_flag("--base64", a->base64, "apigw: request bodies reach the function base64-encoded");
  add->add_flag("--no-integration-response", a->no_integration_response,
                "apigw: the return value is the body (no {statusCode, headers, body})");
  add->add_flag("--cors", a->cors, "apigw: answer CORS preflights, allow any origin");
  add->add_option("--service-timeout", a->service_timeout, "apigw: seconds the gateway waits");
  add->add_option("--bucket", a->bucket, "cos: the bucket, <name>-<appid>");
  add->add_option("--event", a->event, "cos: cos:ObjectCreated:* (default), :Put, :Post, :Copy, "
                                      ":CompleteMultipartUpload, cos:ObjectRemove:*, :Delete");
  add->add_option("--prefix", a->prefix, "cos: only keys starting with this");
  add->add_option("--suffix", a->suffix, "cos: only keys ending with this (e.g. .jpg)");
  add->add_option("--external-bucket", a->external_bucket,
                  "cos: the bucket lives in MinIO/Ceph under this name; its notifications go to the "
                  "printed webhook");
  add->add_option("--name", a->trigger, "trigger name");
  add->add_option("--message", a->message, "timer message (CustomArgument)");
  add->add_option("--qualifier", a->qualifier, "version or alias");
  add->callback([&g, a, rc] { *rc = add_trigger(g, *a); });
  auto* ls = trig->add_subcommand("ls", "list triggers");
  ls->add_option("name", a->name)->required();
  ls->callback([&g, a, rc] { *rc = list_triggers(g, *a); });
  auto* rm = trig->add_subcommand("rm", "delete a trigger");
  rm->add_option("name", a->name)->required();
  rm->add_option("trigger", a->trigger)->required();
  rm->callback([&g, a, rc] { *rc = remove_trigger(g, *a); });
}

}  // namespace yunfn::cli

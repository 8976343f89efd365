// CLI commands for async events and triggers:
//   yunfn events NAME [--status RUNNING|FINISHED|FAILED|ABORTED]... / events stop REQUEST_ID
//   yunfn trigger add NAME timer --cron "..." [--name T] [--message M] [--qualifier Q]
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
};

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
  if (a.type != "timer") {
    return fail(make_error("InvalidParameterValue.Type", "trigger type " + a.type + " is not supported by this command"));
  }
  std::string name = a.trigger.empty() ? "timer-" + std::to_string(std::hash<std::string>{}(a.cron) % 100000) : a.trigger;
  auto r = client->call("CreateTrigger", {{"FunctionName", a.name}, {"Namespace", g.ns},
                                          {"TriggerName", name}, {"Type", "timer"},
                                          {"TriggerDesc", a.cron}, {"CustomArgument", a.message},
                                          {"Qualifier", a.qualifier}, {"Enable", "OPEN"}});
  if (!r.ok()) return fail(r.error());
  std::cout << a.name << " trigger " << name << " added: " << (*r)["TriggerInfo"].value("TriggerDesc", "") << "\n";
  return 0;
}

int list_triggers(const Globals& g, const EventArgs& a) {
  auto client = make_client(g);
  if (!client.ok()) return fail(client.error());
  auto r = client->call("ListTriggers", {{"FunctionName", a.name}, {"Namespace", g.ns}, {"Limit", 100}});
  if (!r.ok()) return fail(r.error());
  for (const auto& t : (*r)["Triggers"]) {
    std::cout << t.value("TriggerName", "") << "\t" << t.value("Type", "") << "\t"
              << (t.value("Enable", 0) ? "OPEN" : "CLOSE") << "\t" << t.value("Qualifier", "")
              << "\t" << t.value("TriggerDesc", "");
    if (t.contains("AccessUrl")) std::cout << "\t" << t.value("AccessUrl", "");
    std::cout << "\n";
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
  return fail(make_error("ResourceNotFound.Trigger", "trigger " + a.trigger + " does not exist"));
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
      *rc = fail(make_error("MissingParameter", "events needs a function name"));
      return;
    }
    *rc = list_events(g, *a);
  });

  auto* trig = app.add_subcommand("trigger", "manage triggers");
  trig->require_subcommand(1);
  auto* add = trig->add_subcommand("add", "add a trigger");
  add->add_option("function", a->name, "function name")->required();
  add->add_option("type", a->type, "trigger type (timer)")->required();
  add->add_option("--cron", a->cron, "7-field cron: second minute hour day month weekday year");
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

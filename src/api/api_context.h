// ApiContext: what action handlers work with (the services of the control and
// data plane), and the registry that maps action names to handlers.
// Built by the server; handlers run on the loop thread.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "control/function_service.h"
#include "control/version_service.h"
#include "invoke/async_queue.h"
#include "invoke/concurrency.h"
#include "triggers/cos/cos_webhook.h"
#include "triggers/trigger_types.h"
#include "invoke/invoker.h"
#include "logs/log_topics.h"
#include "store/store.h"

namespace yunfn::api {

// What GetServerInfo reports about this server.
struct ServerInfo {
  std::string version;
  std::string commit;
  std::string isolation;        // "none" or "namespace": the level in force
  std::string isolation_note;   // why `auto` fell back to none; empty otherwise
};

struct ApiContext {
  store::Store& store;
  control::FunctionService& functions;
  control::LayerService& layers;
  invoke::Invoker& invoker;
  const Clock& clock;
  control::VersionService& versions;
  invoke::Quota& quota;
  invoke::ConcurrencyService& concurrency;
  invoke::AsyncQueue& async;
  triggers::TriggerRegistry& triggers;
  const ServerInfo& server_info;
  triggers::CosWebhook& cos_webhook;  // served next to the actions (api/cos_webhook_endpoint.h)
  logs::LogTopics& log_topics;
};

// An action handler gets the request parameters and returns the fields of the
// SCF response (without RequestId) or an SCF error.
using ActionHandler = std::function<Task<Result<Json>>(ApiContext&, const Json& params)>;
using ActionRegistry = std::map<std::string, ActionHandler>;

// Each area registers its actions.
void register_function_actions(ActionRegistry& r);
void register_invoke_actions(ActionRegistry& r);
void register_log_actions(ActionRegistry& r);
void register_namespace_actions(ActionRegistry& r);
void register_account_actions(ActionRegistry& r);
void register_version_actions(ActionRegistry& r);
void register_alias_actions(ActionRegistry& r);
void register_concurrency_actions(ActionRegistry& r);
void register_trigger_actions(ActionRegistry& r);
void register_async_actions(ActionRegistry& r);
void register_layer_actions(ActionRegistry& r);

// A package source from a Code-shaped object (CreateFunction's Code,
// PublishLayerVersion's Content); `field` names it in errors.
Result<control::PackageSource> package_source(const Json& code, const std::string& field);

// A layer version as SCF's LayerVersionInfo shows it.
Json layer_version_json(const store::LayerVersionRecord& l);
void register_log_topic_actions(ActionRegistry& r);

// UploadLog (api/log_topic_actions.cpp): its body is JSON lines rather than a
// JSON object, so the endpoint calls it directly once the signature checked out.
Task<Result<Json>> upload_log(ApiContext& ctx, const HttpRequest& req);

// Deletes one published version (DeleteFunction with a Qualifier, DeleteFunctionVersion).
Status delete_function_version(ApiContext& ctx, const std::string& ns, const std::string& fn,
                               const std::string& version);

// The namespace parameter (default "default").
Result<std::string> namespace_param(const Json& params);

}  // namespace yunfn::api

// Log topic actions (yunfn's, docs/triggers.md "Log topics"): CreateLogTopic,
// ListLogTopics, DeleteLogTopic, and UploadLog, which appends JSON lines to a
// topic (named, like CLS's UploadLog, by a signed X-CLS-TopicId header).
#include <algorithm>
#include <cctype>

#include "api/api_context.h"
#include "api/params.h"
#include "api/tc3_auth.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

constexpr int kMaxPeriodDays = 3600;  // CLS's longest retention
constexpr size_t kMaxTopicName = 255;
constexpr const char* kDefaultLogset = "default";

Json topic_json(const logs::LogTopic& t, const logs::TopicStats* stats) {
  return {{"TopicId", t.topic_id},
          {"TopicName", t.name},
          {"LogsetId", t.logset_id},
          {"Period", t.period_days},
          {"CreateTime", format_scf_time(t.add_time_ms)},
          {"LastSeq", stats ? stats->last_seq : 0}};
}

Status check_topic_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= kMaxTopicName;
  for (char c : name) {
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == '|') ok = false;
  }
  if (!ok)
    return invalid_value("TopicName",
                         "must be 1-255 characters, without control characters or '|'");
  return ok_status();
}

Status check_logset(const std::string& logset) {
  bool ok = !logset.empty() && logset.size() <= 64;
  for (char c : logset) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') ok = false;
  }
  if (!ok) return invalid_value("LogsetId", "must be 1-64 letters, digits, '-' or '_'");
  return ok_status();
}

Task<Result<Json>> create_log_topic(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("TopicName"));
  YUNFN_CO_TRY(logset, p.string("LogsetId", kDefaultLogset));
  YUNFN_CO_TRY(period, p.integer("Period", logs::kDefaultPeriodDays));
  YUNFN_CO_TRY_STATUS(check_topic_name(name));
  if (logset.empty()) logset = kDefaultLogset;
  YUNFN_CO_TRY_STATUS(check_logset(logset));
  if (period < 1 || period > kMaxPeriodDays)
    co_return invalid_value("Period", "must be 1-3600 (days)");
  YUNFN_CO_TRY(topic, ctx.log_topics.create_topic(name, logset, period));
  co_return topic_json(topic, ctx.log_topics.stats(topic.topic_id));
}

Task<Result<Json>> list_log_topics(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(topic_id, p.string("TopicId"));
  YUNFN_CO_TRY(name, p.string("TopicName"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  if (offset < 0) co_return invalid_value("Offset", "must not be negative");
  if (limit < 0 || limit > 1000) co_return invalid_value("Limit", "must be 0-1000");
  Json list = Json::array();
  int total = 0;
  for (const auto& t : ctx.log_topics.list()) {
    if ((!topic_id.empty() && t.topic_id != topic_id) || (!name.empty() && t.name != name))
      continue;
    if (total++ >= offset && list.size() < static_cast<size_t>(limit)) {
      list.push_back(topic_json(t, ctx.log_topics.stats(t.topic_id)));
    }
  }
  co_return Json{{"Topics", list}, {"TotalCount", total}};
}

// A topic that a function ships to or a cls trigger reads is kept: deleting it
// would silently stop both.
Status check_unused(ApiContext& ctx, const std::string& topic_id) {
  YUNFN_TRY(functions, ctx.store.all_functions());
  for (const auto& fn : functions) {
    if (fn.latest.config.cls_topic_id == topic_id) {
      return make_error(errc::kResourceInUse, "log topic " + topic_id +
                                                  " receives the logs of function " + fn.ns + "/" +
                                                  fn.name + " (its ClsTopicId); change that first");
    }
  }
  YUNFN_TRY(triggers, ctx.store.list_triggers("", ""));
  for (const auto& t : triggers) {
    if (t.type == "cls" && t.trigger_desc.find("\"" + topic_id + "\"") != std::string::npos) {
      return make_error(errc::kResourceInUse, "log topic " + topic_id + " is read by cls trigger " +
                                                  t.name + " of function " + t.ns + "/" +
                                                  t.function_name + "; delete the trigger first");
    }
  }
  return ok_status();
}

Task<Result<Json>> delete_log_topic(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(topic_id, p.required_string("TopicId"));
  if (!ctx.log_topics.find(topic_id)) {
    co_return make_error(errc::kFailedOperationTopicNotExist,
                         "TopicId " + topic_id + " names no log topic");
  }
  YUNFN_CO_TRY_STATUS(check_unused(ctx, topic_id));
  YUNFN_CO_TRY_STATUS(ctx.log_topics.delete_topic(topic_id));
  co_return Json::object();
}

std::string header_of(const HttpRequest& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

}  // namespace

Task<Result<Json>> upload_log(ApiContext& ctx, const HttpRequest& req) {
  const std::string topic_id = header_of(req, "x-cls-topicid");
  if (topic_id.empty())
    co_return make_error(errc::kMissingParameter, "UploadLog needs the X-CLS-TopicId header");
  // The signature must cover the topic, or a captured body could be replayed into another one.
  auto auth = parse_tc3_authorization(header_of(req, "authorization"));
  if (!auth.ok()) co_return auth.error();
  if (std::find(auth->signed_headers.begin(), auth->signed_headers.end(), "x-cls-topicid") ==
      auth->signed_headers.end()) {
    co_return make_error(errc::kAuthFailureInvalidAuthorization,
                         "UploadLog: X-CLS-TopicId must be one of the SignedHeaders");
  }
  if (!ctx.log_topics.find(topic_id)) {
    co_return make_error(errc::kFailedOperationTopicNotExist,
                         "X-CLS-TopicId " + topic_id + " names no log topic");
  }
  const int64_t now_us = to_unix_ms(ctx.clock.now()) * 1000;
  YUNFN_CO_TRY(records, logs::parse_json_lines(req.body(), now_us));
  const size_t count = records.size();
  YUNFN_CO_TRY_STATUS(co_await ctx.log_topics.append_durably(topic_id, std::move(records)));
  co_return Json{{"TopicId", topic_id}, {"RecordCount", count}};
}

void register_log_topic_actions(ActionRegistry& r) {
  r["CreateLogTopic"] = create_log_topic;
  r["ListLogTopics"] = list_log_topics;
  r["DeleteLogTopic"] = delete_log_topic;
}

}  // namespace yunfn::api

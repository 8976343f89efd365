#include "gateway/apigw_event.h"

#include <algorithm>
#include <cctype>

#include "common/crypto.h"

namespace yunfn::gateway {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool header_name_ok(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool header_value_ok(const std::string& v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// queryString (string, list for a repeated key, true for a bare key) and
// queryStringParameters (last value of each as a string).
void parse_query(const std::string& query, Json& query_string, Json& parameters) {
  size_t start = 0;
  while (start < query.size()) {
    size_t end = std::min(query.find('&', start), query.size());
    std::string_view pair(query.data() + start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (!key || key->empty()) continue;
    Json value = true;
    std::string text;
    if (eq != std::string_view::npos) {
      auto v = percent_decode(pair.substr(eq + 1), true);
      text = v ? *v : std::string(pair.substr(eq + 1));
      value = text;
    }
    parameters[*key] = text;
    if (!query_string.contains(*key)) {
      query_string[*key] = value;
    } else if (query_string[*key].is_array()) {
      query_string[*key].push_back(value);
    } else {
      query_string[*key] = Json::array({query_string[*key], value});
    }
  }
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<RequestTarget> parse_target(std::string_view target) {
  if (target.empty() || target[0] != '/') {
    return make_error(errc::kBadRequest, "the request target must be a path starting with '/'");
  }
  for (unsigned char c : target) {
    if (c < 0x20 || c == 0x7f) return make_error(errc::kBadRequest, "the request target has control characters");
  }
  RequestTarget t;
  size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) t.query = std::string(target.substr(q + 1));
  size_t start = 1;
  while (start <= t.path.size()) {
    size_t end = std::min(t.path.find('/', start), t.path.size());
    auto seg = percent_decode(std::string_view(t.path).substr(start, end - start));
    start = end + 1;
    if (!seg) return make_error(errc::kBadRequest, "the request path has a malformed %-escape");
    if (*seg == "." || *seg == ".." || seg->find('/') != std::string::npos ||
        seg->find('\0') != std::string::npos) {
      return make_error(errc::kBadRequest, "the request path must not contain '.', '..' or encoded '/' segments");
    }
    if (!seg->empty()) t.segments.push_back(std::move(*seg));
  }
  return t;
}

std::string apigw_event(const ApigwRequest& req, const RouteMatch& match, bool base64_body) {
  const ApigwRoute& route = match.entry->route;
  Json headers = Json::object();
  for (const auto& [name, value] : req.headers) {
    std::string key = lower(name);
    if (headers.contains(key)) {
      headers[key] = headers[key].get<std::string>() + "," + value;
    } else {
      headers[key] = value;
    }
  }
  Json query_string = Json::object(), query_parameters = Json::object();
  parse_query(req.query, query_string, query_parameters);
  Json path_parameters = Json::object();
  for (const auto& [k, v] : match.path_params) path_parameters[k] = v;
  Json event = {
      {"requestContext",
       {{"serviceId", req.service_id},
        {"path", route.path},
        {"httpMethod", req.method},
        {"requestId", req.request_id},
        {"identity", Json::object()},
        {"sourceIp", req.source_ip},
        {"stage", route.environment}}},
      {"headers", headers},
      {"body", base64_body ? crypto::base64_encode(req.body) : req.body},
      {"pathParameters", path_parameters},
      {"queryStringParameters", query_parameters},
      {"headerParameters", Json::object()},
      {"stageVariables", {{"stage", route.environment}}},
      {"path", req.path},
      {"queryString", query_string},
      {"httpMethod", req.method},
      {"isBase64Encoded", base64_body},
  };
  // Bodies that are not UTF-8 can only travel base64-encoded in JSON.
  return event.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<GatewayReply> integration_reply(const std::string& ret_msg) {
  Json j = Json::parse(ret_msg, nullptr, false);
  auto bad = [](const std::string& why) { return make_error(errc::kInvalidIntegrationResponse, why); };
  if (!j.is_object()) return bad("the function did not return an object");
  if (!j.contains("statusCode") || !j["statusCode"].is_number_integer()) {
    return bad("statusCode is missing or not an integer");
  }
  GatewayReply r;
  r.status = j["statusCode"].get<int>();
  if (r.status < 100 || r.status > 599) return bad("statusCode is not an HTTP status");
  r.content_type.clear();
  if (j.contains("headers") && !j["headers"].is_null()) {
    if (!j["headers"].is_object()) return bad("headers is not an object");
    for (const auto& [name, value] : j["headers"].items()) {
      if (!header_name_ok(name)) return bad("header name '" + name + "' is invalid");
      Json values = value.is_array() ? value : Json::array({value});
      for (const auto& v : values) {
        std::string text;
        if (v.is_string()) {
          text = v.get<std::string>();
        } else if (v.is_number() || v.is_boolean()) {
          text = v.dump();
        } else {
          return bad("header " + name + " has a value that is not a string");
        }
        if (!header_value_ok(text)) return bad("header " + name + " has CR, LF or NUL in its value");
        r.headers.emplace_back(name, std::move(text));
      }
    }
  }
  if (j.contains("body") && !j["body"].is_null()) {
    r.body = j["body"].is_string() ? j["body"].get<std::string>() : j["body"].dump();
  }
  bool b64 = false;
  if (j.contains("isBase64Encoded")) {
    const Json& f = j["isBase64Encoded"];
    b64 = f.is_boolean() ? f.get<bool>() : (f.is_string() && lower(f.get<std::string>()) == "true");
  }
  if (b64) {
    auto decoded = crypto::base64_decode(r.body);
    if (!decoded) return bad("body is not base64 although isBase64Encoded is true");
    r.body = std::move(*decoded);
  }
  return r;
}

GatewayReply invalid_integration_reply() {
  GatewayReply r;
  r.status = 502;
  r.body = Json{{"errno", 403},
                {"error", "Invalid scf response format. please check your scf response format."}}
               .dump();
  return r;
}

GatewayReply gateway_error(int status, const std::string& message, const std::string& request_id) {
  GatewayReply r;
  r.status = status;
  Json body = {{"errno", status}, {"error", message}};
  if (!request_id.empty()) body["requestId"] = request_id;
  r.body = body.dump();
  return r;
}

std::string scf_error_body(int scf_status, const std::string& detail, const std::string& request_id) {
  std::string message = detail;
  Json user = Json::parse(detail, nullptr, false);
  Json body = {{"errorCode", scf_status}, {"requestId", request_id}, {"statusCode", scf_status}};
  if (user.is_object()) {
    message = user.value("errorMessage", detail);
    if (user.contains("errorType")) body["errorType"] = user["errorType"];
    if (user.contains("stackTrace")) body["stackTrace"] = user["stackTrace"];
  }
  body["errorMessage"] = message;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace yunfn::gateway

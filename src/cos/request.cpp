#include "cos/request.h"

#include <algorithm>

#include "cos/errors.h"

namespace yunfn::cos {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The bucket named by a virtual-host style Host, or "" for path style.
std::string bucket_from_host(std::string host) {
  host = lower(host);
  if (!host.empty() && host.front() == '[') return "";  // IPv6 literal
  const auto colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  const auto dot = host.find('.');
  if (dot == std::string::npos || dot == 0) return "";
  std::string label = host.substr(0, dot);
  const std::string rest = host.substr(dot + 1);
  const bool service_domain = rest.rfind("cos.", 0) == 0 || rest.rfind("s3.", 0) == 0 ||
                              rest.rfind("s3-", 0) == 0 || rest == "localhost";
  if (!service_domain || label == "service") return "";
  return label;
}

}  // namespace

std::string CosRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool CosRequest::has_header(const std::string& lower_name) const {
  return headers.count(lower_name) != 0;
}

std::optional<std::string> CosRequest::param(const std::string& name) const {
  for (const auto& p : query) {
    if (p.name == name) return p.value;
  }
  return std::nullopt;
}

std::string CosRequest::resource() const {
  if (bucket.empty()) return "/";
  return virtual_host ? "/" + key : "/" + bucket + (key.empty() ? "" : "/" + key);
}

SignedRequest CosRequest::signed_request() const {
  SignedRequest s{method, raw_path, {path}, query, headers};
  const std::string key_path = "/" + key;
  if (key_path != path) s.cos_paths.push_back(key_path);
  return s;
}

CosRequest parse_request(const http::request_header<>& header) {
  CosRequest r;
  r.method = std::string(header.method_string());
  const std::string target(header.target());
  const auto q = target.find('?');
  r.raw_path = target.substr(0, q);
  if (r.raw_path.empty()) r.raw_path = "/";
  if (q != std::string::npos) r.query = parse_query(std::string_view(target).substr(q + 1));
  r.path = uri_decode(r.raw_path, Plus::kLiteral);
  for (const auto& field : header) {
    std::string name = lower(std::string(field.name_string()));
    std::string value(field.value());
    auto [it, inserted] = r.headers.emplace(name, value);
    if (!inserted) it->second += "," + value;
  }
  std::string rest = r.path.size() > 1 ? r.path.substr(1) : "";
  r.bucket = bucket_from_host(r.header("host"));
  if (!r.bucket.empty()) {
    r.virtual_host = true;
    r.key = rest;
  } else {
    const auto slash = rest.find('/');
    r.bucket = rest.substr(0, slash);
    r.key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  }
  return r;
}

Reply error_reply(const Error& error, const CosRequest& req) {
  Reply r;
  r.status = status_of(error.code);
  r.body = error_xml(error, req.resource(), req.request_id);
  return r;
}

Reply xml_reply(std::string xml) {
  Reply r;
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::move(xml);
  return r;
}

}  // namespace yunfn::cos

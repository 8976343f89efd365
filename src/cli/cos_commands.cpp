// CLI commands for the bucket service (docs/cos.md):
//   yunfn cos mb BUCKET                       create a bucket
//   yunfn cos ls [BUCKET[/PREFIX]] [--recursive]
//   yunfn cos cp SRC DST                      upload (local -> cos://), download
//                                             (cos:// -> local) or copy (cos:// -> cos://)
//   yunfn cos rm cos://BUCKET/KEY             delete an object
//   yunfn cos rb BUCKET                       delete an (empty) bucket
// BUCKET is <name>-<appid>; the account's appid 1250000000 is appended to a bare name.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/cos_client.h"
#include "common/cos_sign.h"

namespace yunfn::cli {
namespace {

constexpr const char* kAppId = "1250000000";
constexpr const char* kScheme = "cos://";
constexpr const char* kDefaultCosEndpoint = "127.0.0.1:9002";
constexpr size_t kMinAppIdDigits = 10;  // COS appids are 10 digits (125xxxxxxx, 130xxxxxxx)

struct CosArgs {
  std::string endpoint;  // --cos-endpoint
  std::string target, src, dst;
  bool recursive = false;
};

struct Location {
  std::string bucket;
  std::string key;
};

bool is_cos(const std::string& text) { return text.starts_with(kScheme); }

// "photos" -> "photos-1250000000"; a name that already ends in -<appid> is kept.
std::string full_bucket(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash != std::string::npos && name.size() - dash - 1 >= kMinAppIdDigits &&
      name.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
    return name;
  }
  return name + "-" + kAppId;
}

// "cos://bucket/key", "bucket/key" or "bucket".
Location parse_location(std::string text) {
  if (is_cos(text)) text = text.substr(std::strlen(kScheme));
  const auto slash = text.find('/');
  if (slash == std::string::npos) return {full_bucket(text), ""};
  return {full_bucket(text.substr(0, slash)), text.substr(slash + 1)};
}

CosRequest request(const char* method, const Location& at) {
  CosRequest req;
  req.method = method;
  req.bucket = at.bucket;
  req.key = at.key;
  return req;
}

std::string uri_of(const Location& at) { return std::string(kScheme) + at.bucket + "/" + at.key; }

Result<CosClient> make_cos_client(const Globals& g, const CosArgs& a) {
  std::string ep = a.endpoint;
  if (ep.empty()) {
    const char* env = std::getenv("YUNFN_COS_ENDPOINT");
    ep = env && *env ? env : kDefaultCosEndpoint;
  }
  YUNFN_TRY(endpoint, parse_endpoint(ep));
  if (endpoint.tls) return make_error(errc::kInvalidParameterValue, "the bucket service speaks http://, not https://");
  YUNFN_TRY(keys, find_keys(g));
  return CosClient(endpoint, keys);
}

// "2024-05-01T10:00:00.000Z" -> "2024-05-01 10:00:00".
std::string short_time(std::string iso) {
  if (iso.size() > 10 && iso[10] == 'T') iso[10] = ' ';
  return iso.substr(0, std::min<size_t>(iso.size(), 19));
}

std::string first(const std::string& xml, const std::string& tag) {
  auto all = xml_elements(xml, tag);
  return all.empty() ? std::string() : all.front();
}

int make_bucket(const CosClient& cos, const CosArgs& a) {
  const Location at = parse_location(a.target);
  auto r = cos.send(request("PUT", {at.bucket, ""}));
  if (!r.ok()) return fail(r.error());
  std::cout << "make_bucket: " << at.bucket << "\n";
  return 0;
}

int remove_bucket(const CosClient& cos, const CosArgs& a) {
  const Location at = parse_location(a.target);
  auto r = cos.send(request("DELETE", {at.bucket, ""}));
  if (!r.ok()) return fail(r.error());
  std::cout << "remove_bucket: " << at.bucket << "\n";
  return 0;
}

int list_buckets(const CosClient& cos) {
  auto r = cos.send(request("GET", {}));
  if (!r.ok()) return fail(r.error());
  for (const auto& bucket : xml_elements(r->body, "Bucket")) {
    std::printf("%-19s  %s\n", short_time(first(bucket, "CreationDate")).c_str(),
                first(bucket, "Name").c_str());
  }
  return 0;
}

// Objects (and, without --recursive, the "directories" one level down) under a prefix,
// following the listing's pages.
int list_objects(const CosClient& cos, const CosArgs& a) {
  const Location at = parse_location(a.target);
  std::string marker;
  for (;;) {
    CosRequest req = request("GET", {at.bucket, ""});
    req.query = {{"prefix", at.key}, {"max-keys", "1000"}};
    if (!a.recursive) req.query.emplace_back("delimiter", "/");
    if (!marker.empty()) req.query.emplace_back("marker", marker);
    auto r = cos.send(req);
    if (!r.ok()) return fail(r.error());
    for (const auto& dir : xml_elements(r->body, "CommonPrefixes"))
      std::printf("%-19s  %12s  %s\n", "", "PRE", first(dir, "Prefix").c_str());
    std::string last;
    for (const auto& obj : xml_elements(r->body, "Contents")) {
      last = first(obj, "Key");
      std::printf("%-19s  %12s  %s\n", short_time(first(obj, "LastModified")).c_str(),
                  first(obj, "Size").c_str(), last.c_str());
    }
    if (first(r->body, "IsTruncated") != "true") return 0;
    marker = first(r->body, "NextMarker");
    if (marker.empty()) marker = last;
    if (marker.empty()) return 0;
  }
}

int upload(const CosClient& cos, const std::string& src, Location to) {
  if (!std::filesystem::is_regular_file(src))
    return fail(make_error(errc::kInvalidParameterValue, src + " is not a file"));
  if (to.key.empty() || to.key.ends_with('/')) to.key += std::filesystem::path(src).filename().string();
  CosRequest req = request("PUT", to);
  req.upload_file = src;
  req.progress = Progress::kBar;
  auto r = cos.send(req);
  if (!r.ok()) return fail(r.error());
  std::cout << "upload: " << src << " to " << uri_of(to) << "\n";
  return 0;
}

int download(const CosClient& cos, const Location& from, std::string dst) {
  if (from.key.empty() || from.key.ends_with('/'))
    return fail(make_error(errc::kInvalidParameterValue, uri_of(from) + " names no object"));
  if (std::filesystem::is_directory(dst) || dst.ends_with('/'))
    dst = (std::filesystem::path(dst) / std::filesystem::path(from.key).filename()).string();
  CosRequest req = request("GET", from);
  req.download_file = dst;
  req.progress = Progress::kBar;
  auto r = cos.send(req);
  if (!r.ok()) return fail(r.error());
  std::cout << "download: " << uri_of(from) << " to " << dst << "\n";
  return 0;
}

int copy_object(const CosClient& cos, const Location& from, Location to) {
  if (to.key.empty() || to.key.ends_with('/')) to.key += std::filesystem::path(from.key).filename().string();
  CosRequest req = request("PUT", to);
  req.headers["x-cos-copy-source"] = uri_encode("/" + from.bucket + "/" + from.key, Slash::kKeep);
  auto r = cos.send(req);
  if (!r.ok()) return fail(r.error());
  std::cout << "copy: " << uri_of(from) << " to " << uri_of(to) << "\n";
  return 0;
}

int copy(const CosClient& cos, const CosArgs& a) {
  if (is_cos(a.src) && is_cos(a.dst)) return copy_object(cos, parse_location(a.src), parse_location(a.dst));
  if (is_cos(a.src)) return download(cos, parse_location(a.src), a.dst);
  if (is_cos(a.dst)) return upload(cos, a.src, parse_location(a.dst));
  return fail(make_error(errc::kInvalidParameterValue, "cp needs a cos://BUCKET/KEY source or destination"));
}

int remove_object(const CosClient& cos, const CosArgs& a) {
  const Location at = parse_location(a.target);
  if (at.key.empty()) return fail(make_error(errc::kInvalidParameterValue, "rm needs cos://BUCKET/KEY"));
  auto r = cos.send(request("DELETE", at));
  if (!r.ok()) return fail(r.error());
  std::cout << "delete: " << uri_of(at) << "\n";
  return 0;
}

// Runs `command` with a client built from the globals and flags.
template <typename Command>
void run(const Globals& g, const CosArgs& a, int* rc, Command command) {
  auto cos = make_cos_client(g, a);
  *rc = cos.ok() ? command(*cos) : fail(cos.error());
}

}  // namespace

void add_cos_commands(CLI::App& app, Globals& g, int* rc) {
  auto a = std::make_shared<CosArgs>();
  auto* cos = app.add_subcommand("cos", "buckets and objects of the bucket service");
  cos->require_subcommand(1);
  cos->add_option("--cos-endpoint", a->endpoint,
                  "bucket service HOST:PORT (default $YUNFN_COS_ENDPOINT or 127.0.0.1:9002)");
  auto* mb = cos->add_subcommand("mb", "create a bucket (<name>-<appid>)");
  mb->add_option("bucket", a->target)->required();
  mb->callback([&g, a, rc] { run(g, *a, rc, [&a](const CosClient& c) { return make_bucket(c, *a); }); });
  auto* ls = cos->add_subcommand("ls", "list buckets, or the objects of BUCKET[/PREFIX]");
  ls->add_option("target", a->target, "BUCKET[/PREFIX] or cos://BUCKET/PREFIX");
  ls->add_flag("-r,--recursive", a->recursive, "list every key under the prefix (no directories)");
  ls->callback([&g, a, rc] {
    run(g, *a, rc, [&a](const CosClient& c) { return a->target.empty() ? list_buckets(c) : list_objects(c, *a); });
  });
  auto* cp = cos->add_subcommand("cp", "copy a file to or from cos://BUCKET/KEY");
  cp->add_option("src", a->src)->required();
  cp->add_option("dst", a->dst)->required();
  cp->callback([&g, a, rc] { run(g, *a, rc, [&a](const CosClient& c) { return copy(c, *a); }); });
  auto* rm = cos->add_subcommand("rm", "delete an object");
  rm->add_option("object", a->target, "cos://BUCKET/KEY")->required();
  rm->callback([&g, a, rc] { run(g, *a, rc, [&a](const CosClient& c) { return remove_object(c, *a); }); });
  auto* rb = cos->add_subcommand("rb", "delete an empty bucket");
  rb->add_option("bucket", a->target)->required();
  rb->callback([&g, a, rc] { run(g, *a, rc, [&a](const CosClient& c) { return remove_bucket(c, *a); }); });
}

}  // namespace yunfn::cli

// CosClient: a blocking client of the bucket service (docs/cos.md) for the
// `yunfn cos` commands. Path-style requests (/<bucket>/<key>) signed with COS
// signature v5; object bodies are streamed from and to files, so memory stays
// bounded whatever the object's size. One per CLI run; single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "cli/cli_common.h"
#include "common/result.h"

namespace yunfn::cli {

// Whether a transfer draws a progress bar on stderr.
enum class Progress { kNone, kBar };

struct CosRequest {
  std::string method = "GET";
  std::string bucket;  // empty: the service (GET Service)
  std::string key;     // empty: the bucket itself
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  std::map<std::string, std::string> headers;
  std::string upload_file;    // PUT: the body is this file's content
  std::string download_file;  // GET: a 2xx body goes to this file (written in place
                              // only once complete)
  Progress progress = Progress::kNone;
};

struct CosResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;                            // empty when downloaded to a file
};

class CosClient {
 public:
  CosClient(Endpoint endpoint, Keys keys);
  // Sends the request. A non-2xx answer is the COS error (its Code and
  // Message); connection failures are InternalError with the reason.
  Result<CosResponse> send(const CosRequest& req) const;

 private:
  Endpoint endpoint_;
  Keys keys_;
};

// The text of every <tag>...</tag> element in `xml`, in order, unescaped.
// Enough for the flat documents of the COS XML API; nested elements with
// the same tag are not supported.
std::vector<std::string> xml_elements(const std::string& xml, const std::string& tag);

}  // namespace yunfn::cli

// Multipart upload operations: initiate, upload part, list parts, list
// uploads, complete and abort.
#include "cos/handlers.h"
#include "cos/xml.h"

namespace yunfn::cos {
namespace {

constexpr int kMaxPartNumber = 10000;
constexpr size_t kMaxCompleteBody = 4 * 1024 * 1024;

std::string unquoted(const std::string& etag) {
  const auto b = etag.find_first_not_of(" \t\r\n\"");
  const auto e = etag.find_last_not_of(" \t\r\n\"");
  return b == std::string::npos ? "" : etag.substr(b, e - b + 1);
}

std::optional<int> small_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  try {
    size_t used = 0;
    const int v = std::stoi(*text, &used);
    if (used != text->size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Reply Handlers::initiate_upload(const CosRequest& req) {
  auto upload = store_.create_upload(req.bucket, req.key, attributes_from(req));
  if (!upload.ok()) return error_reply(upload.error(), req);
  return xml_reply("<InitiateMultipartUploadResult><Bucket>" + xml_escape(req.bucket) +
                   "</Bucket><Key>" + xml_escape(req.key) + "</Key><UploadId>" +
                   xml_escape(upload->upload_id) + "</UploadId></InitiateMultipartUploadResult>");
}

Task<Reply> Handlers::upload_part(const CosRequest& req, RequestBody& body) {
  auto number = small_int(req.param("partNumber"));
  if (!number || *number < 1 || *number > kMaxPartNumber)
    co_return error_reply(Error{"InvalidArgument", "partNumber must be an integer from 1 to 10000"},
                          req);
  auto upload = store_.get_upload(req.bucket, req.key, req.param("uploadId").value_or(""));
  if (!upload.ok()) co_return error_reply(upload.error(), req);
  auto received = co_await receive(req, body);
  if (!received.ok()) co_return error_reply(received.error(), req);
  auto committed = store_.commit_part(
      upload->upload_id,
      PartInfo{*number, received->size, received->etag, now_ms(), received->file});
  if (!committed.ok()) co_return error_reply(committed.error(), req);
  Reply r;
  r.headers.emplace_back("ETag", quoted_etag(received->etag));
  co_return r;
}

Reply Handlers::list_parts(const CosRequest& req) {
  auto upload = store_.get_upload(req.bucket, req.key, req.param("uploadId").value_or(""));
  if (!upload.ok()) return error_reply(upload.error(), req);
  auto parts = store_.list_parts(upload->upload_id);
  if (!parts.ok()) return error_reply(parts.error(), req);
  const int marker = small_int(req.param("part-number-marker")).value_or(0);
  const int max_parts = std::clamp(small_int(req.param("max-parts")).value_or(1000), 0, 1000);
  std::string items;
  int listed = 0;
  int last = marker;
  bool truncated = false;
  for (const auto& p : *parts) {
    if (p.number <= marker) continue;
    if (listed == max_parts) {
      truncated = true;
      break;
    }
    items += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><LastModified>" +
             iso8601(p.last_modified_ms) + "</LastModified><ETag>" +
             xml_escape(quoted_etag(p.etag)) + "</ETag><Size>" + std::to_string(p.size) +
             "</Size></Part>";
    last = p.number;
    ++listed;
  }
  return xml_reply(
      "<ListPartsResult><Bucket>" + xml_escape(req.bucket) + "</Bucket><Key>" +
      xml_escape(req.key) + "</Key><UploadId>" + xml_escape(upload->upload_id) +
      "</UploadId><Initiator><ID>" + xml_escape(config_.appid) + "</ID></Initiator>" + owner_xml() +
      "<StorageClass>STANDARD</StorageClass><PartNumberMarker>" + std::to_string(marker) +
      "</PartNumberMarker><NextPartNumberMarker>" + std::to_string(last) +
      "</NextPartNumberMarker><MaxParts>" + std::to_string(max_parts) + "</MaxParts><IsTruncated>" +
      (truncated ? "true" : "false") + "</IsTruncated>" + items + "</ListPartsResult>");
}

Reply Handlers::list_uploads(const CosRequest& req) {
  auto exists = store_.require_bucket(req.bucket);
  if (!exists.ok()) return error_reply(exists.error(), req);
  const std::string prefix = req.param("prefix").value_or("");
  const int max_uploads = std::clamp(small_int(req.param("max-uploads")).value_or(1000), 0, 1000);
  auto uploads = store_.list_uploads(req.bucket, prefix, max_uploads + 1);
  const bool truncated = static_cast<int>(uploads.size()) > max_uploads;
  if (truncated) uploads.resize(static_cast<size_t>(max_uploads));
  std::string xml = "<ListMultipartUploadsResult><Bucket>" + xml_escape(req.bucket) +
                    "</Bucket><Prefix>" + list_text(req, prefix) +
                    "</Prefix><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>";
  if (truncated && !uploads.empty()) {
    xml += "<NextKeyMarker>" + list_text(req, uploads.back().key) +
           "</NextKeyMarker><NextUploadIdMarker>" + xml_escape(uploads.back().upload_id) +
           "</NextUploadIdMarker>";
  }
  if (req.param("encoding-type").value_or("") == "url") xml += "<EncodingType>url</EncodingType>";
  xml += "<MaxUploads>" + std::to_string(max_uploads) + "</MaxUploads><IsTruncated>" +
         (truncated ? "true" : "false") + "</IsTruncated>";
  for (const auto& u : uploads) {
    xml += "<Upload><Key>" + list_text(req, u.key) + "</Key><UploadId>" + xml_escape(u.upload_id) +
           "</UploadId><Initiator><ID>" + xml_escape(config_.appid) + "</ID></Initiator>" +
           owner_xml() + "<StorageClass>STANDARD</StorageClass><Initiated>" +
           iso8601(u.initiated_ms) + "</Initiated></Upload>";
  }
  return xml_reply(xml + "</ListMultipartUploadsResult>");
}

Task<Reply> Handlers::complete_upload(const CosRequest& req, RequestBody& body) {
  auto upload = store_.get_upload(req.bucket, req.key, req.param("uploadId").value_or(""));
  if (!upload.ok()) co_return error_reply(upload.error(), req);
  auto text = co_await body.to_string(kMaxCompleteBody);
  if (!text.ok()) co_return error_reply(text.error(), req);
  auto doc = parse_xml(*text);
  if (!doc.ok()) co_return error_reply(doc.error(), req);
  if (doc->name != "CompleteMultipartUpload")
    co_return error_reply(Error{"MalformedXML", "The root element must be CompleteMultipartUpload"},
                          req);
  std::vector<CompletedPart> parts;
  for (const auto& c : doc->children) {
    if (c.name != "Part") continue;
    auto number_text = c.child_text("PartNumber");
    if (number_text) number_text = unquoted(*number_text);
    auto number = small_int(number_text);
    auto etag = c.child_text("ETag");
    if (!number || !etag)
      co_return error_reply(Error{"MalformedXML", "A Part needs a PartNumber and an ETag"}, req);
    parts.push_back({*number, unquoted(*etag)});
  }
  auto done = store_.complete_upload(*upload, parts, origin(req));
  if (!done.ok()) co_return error_reply(done.error(), req);
  const std::string host = req.header("host");
  co_return xml_reply("<CompleteMultipartUploadResult><Location>" +
                      xml_escape(host + req.resource()) + "</Location><Bucket>" +
                      xml_escape(req.bucket) + "</Bucket><Key>" + xml_escape(req.key) +
                      "</Key><ETag>" + xml_escape(quoted_etag(done->etag)) +
                      "</ETag></CompleteMultipartUploadResult>");
}

Reply Handlers::abort_upload(const CosRequest& req) {
  auto upload = store_.get_upload(req.bucket, req.key, req.param("uploadId").value_or(""));
  if (!upload.ok()) return error_reply(upload.error(), req);
  auto aborted = store_.abort_upload(*upload);
  if (!aborted.ok()) return error_reply(aborted.error(), req);
  Reply r;
  r.status = http::status::no_content;
  return r;
}

}  // namespace yunfn::cos
